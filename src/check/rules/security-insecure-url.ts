// security-insecure-url: an OAuth2 or OpenID Connect URL that is not https.
import { isPlainObject } from '../../document/pointer.js';
import type { Location } from '../../document/types.js';
import type { Rule } from '../types.js';
import { isLoopbackHostname } from '../hosts.js';
import { childOf, schemeLabel } from '../rule-utils.js';

const flowUrlFields = ['authorizationUrl', 'tokenUrl', 'refreshUrl'] as const;

/** The scheme and host of a URL that is neither https nor loopback; null when fine or not a URL. */
function insecure(url: string): { protocol: string; host: string } | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null; // not an absolute URL: asyncapi-schema reports it (`format: uri`)
  }
  if (parsed.protocol === 'https:') return null;
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (isLoopbackHostname(host)) return null;
  // Only scheme and host go into the message: a query string may carry a secret.
  return { protocol: parsed.protocol.replace(/:$/, ''), host: parsed.host };
}

export const securityInsecureUrl: Rule = {
  meta: {
    id: 'security-insecure-url',
    severity: 'error',
    description:
      'OAuth2 authorization, token and refresh URLs and openIdConnectUrl must use https (loopback hosts excepted).',
    docs: 'docs/rules/security-insecure-url.md',
    messages: {
      flowUrl:
        "{field} of the {flow} flow of {scheme} uses '{protocol}' (host '{host}'), not https: credentials " +
        'and tokens would travel in cleartext',
      openIdConnectUrl:
        "openIdConnectUrl of {scheme} uses '{protocol}' (host '{host}'), not https: the discovery document " +
        '(and so the token issuer and keys) could be forged',
    },
  },
  check({ analysis, report }) {
    // RFC 6749 §3.1, §3.2: the authorization and token endpoints MUST use TLS; RFC 9700
    // §2.6 extends that to every endpoint. OpenID Connect Discovery 1.0 §4: the issuer and
    // its configuration are fetched over TLS. A loopback host is only reachable locally.
    for (const s of analysis.schemes.values()) {
      const at: Location = s.at;
      if (s.scheme.type === 'oauth2' && isPlainObject(s.scheme['flows'])) {
        for (const [flow, value] of Object.entries(s.scheme['flows'])) {
          if (!isPlainObject(value)) continue;
          for (const field of flowUrlFields) {
            const url = value[field];
            if (typeof url !== 'string') continue;
            const bad = insecure(url);
            if (bad === null) continue;
            report({
              messageId: 'flowUrl',
              data: { field, flow, scheme: schemeLabel(s.name), ...bad },
              at: childOf(at, 'flows', flow, field),
            });
          }
        }
      } else if (s.scheme.type === 'openIdConnect' && typeof s.scheme['openIdConnectUrl'] === 'string') {
        const bad = insecure(s.scheme['openIdConnectUrl']);
        if (bad !== null)
          report({
            messageId: 'openIdConnectUrl',
            data: { scheme: schemeLabel(s.name), ...bad },
            at: childOf(at, 'openIdConnectUrl'),
          });
      }
    }
  },
};
