// Which SASL mechanisms a Kafka server offers and how each is verified (docs/kafka.md, "Authentication"), read
// from the document's schemes of the server (AsyncAPI 3.0.0, Security Scheme Object `type`):
//   plain                                  → PLAIN, verified by the plain scheme (`presented.sasl`)
//   userPassword, apiKey (in: user|password) → PLAIN, the authcid and passwd as the login (`presented.login`)
//   scramSha256, scramSha512               → SCRAM-SHA-256, SCRAM-SHA-512 (the guard's SCRAM exchanges)
//   oauth2, openIdConnect, http bearer     → OAUTHBEARER (RFC 7628), the token as `presented.token`
//   X509                                   → no mechanism: the TLS client certificate, at connect
// Only these are offered in SaslHandshake; any other mechanism is UNSUPPORTED_SASL_MECHANISM.

import type { ModelServer, Scheme } from '../../model/types.js';

export interface KafkaAuthPlan {
  /** Mechanisms in document order, without repeats. */
  readonly mechanisms: readonly string[];
  /** A `plain` scheme reads the PLAIN message itself. */
  readonly plainScheme: boolean;
  /** A userPassword or apiKey scheme reads PLAIN's authcid and passwd as a login. */
  readonly plainLogin: boolean;
  /** An X509 scheme: the client certificate is presented at connect. */
  readonly certificate: boolean;
  /** The server declares no security: every connection is a session at once. */
  readonly open: boolean;
}

export function kafkaAuthPlan(server: ModelServer, schemes: Readonly<Record<string, Scheme>>): KafkaAuthPlan {
  const mechanisms: string[] = [];
  let plainScheme = false;
  let plainLogin = false;
  let certificate = false;
  const add = (m: string): void => {
    if (!mechanisms.includes(m)) mechanisms.push(m);
  };
  for (const alt of server.security) {
    for (const entry of alt) {
      const scheme = schemes[entry.scheme];
      switch (scheme?.type) {
        case 'plain':
          plainScheme = true;
          add('PLAIN');
          break;
        case 'userPassword':
          plainLogin = true;
          add('PLAIN');
          break;
        case 'apiKey':
          if (scheme.in === 'user' || scheme.in === 'password') {
            plainLogin = true;
            add('PLAIN');
          }
          break;
        case 'scramSha256':
          add('SCRAM-SHA-256');
          break;
        case 'scramSha512':
          add('SCRAM-SHA-512');
          break;
        case 'oauth2':
        case 'openIdConnect':
          add('OAUTHBEARER');
          break;
        case 'http':
          if (typeof scheme.scheme === 'string' && scheme.scheme.toLowerCase() === 'bearer') add('OAUTHBEARER');
          break;
        case 'X509':
          certificate = true;
          break;
        default:
          // gssapi, httpApiKey, encryption schemes…: nothing a Kafka client can present over SASL here.
          break;
      }
    }
  }
  return Object.freeze({
    mechanisms: Object.freeze(mechanisms),
    plainScheme,
    plainLogin,
    certificate,
    open: server.security.length === 0,
  });
}
