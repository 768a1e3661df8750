// SASL on one Kafka connection (docs/kafka.md, "Authentication"): SaslHandshake picks a mechanism among those the
// server declares (mechanisms.ts), then SaslAuthenticate requests carry the exchange (KIP-152). Every credential
// goes through the guard, which verifies in constant time, throttles and audits:
//   PLAIN        guard.authenticate with the message (a `plain` scheme reads it) and its authcid/passwd as the
//                login (userPassword, apiKey `in: user|password` read it);
//   SCRAM-*      guard.startSasl, its steps relayed (librdkafka's client-final nonce quirk is the state machine's);
//   OAUTHBEARER  guard.authenticate with the RFC 7628 token as `presented.token` (oauth2, openIdConnect, http
//                bearer verify it).
// Re-authentication (KIP-368): an authenticated connection may run SaslHandshake and SaslAuthenticate again; the
// new session replaces the old one only when it names the same principal (Kafka refuses a re-authentication as
// someone else), else the connection is closed.

import type { GuardSaslExchange } from '../../guard/index.js';
import type { AuthResult, Presented, Session } from '../../guard/types.js';
import { parsePlainMessage } from '../../sasl/plain.js';
import type { KafkaFrontContext } from './context.js';
import { parseOauthBearer } from './oauthbearer.js';

export type SaslError = 'NONE' | 'UNSUPPORTED_SASL_MECHANISM' | 'ILLEGAL_SASL_STATE';

export type SaslAnswer =
  | { readonly kind: 'challenge'; readonly bytes: Uint8Array }
  | { readonly kind: 'success'; readonly bytes: Uint8Array; readonly session: Session }
  | {
      readonly kind: 'failure';
      readonly bytes: Uint8Array;
      readonly error: 'SASL_AUTHENTICATION_FAILED' | 'ILLEGAL_SASL_STATE';
    };

export interface SaslState {
  handshake(mechanism: string): { readonly error: SaslError };
  /** One SaslAuthenticate; `current` is the connection's session, if any (re-authentication). */
  authenticate(bytes: Uint8Array, current: Session | null): Promise<SaslAnswer>;
}

const EMPTY = new Uint8Array(0);

export function createSaslState(front: KafkaFrontContext, base: Presented): SaslState {
  const { guard, server, auth } = front;
  let mechanism: string | null = null;
  let exchange: GuardSaslExchange | null = null;

  const failed = (bytes: Uint8Array = EMPTY): SaslAnswer => {
    mechanism = null;
    exchange = null;
    return { kind: 'failure', bytes, error: 'SASL_AUTHENTICATION_FAILED' };
  };

  const finish = (result: AuthResult, bytes: Uint8Array, current: Session | null): SaslAnswer => {
    mechanism = null;
    exchange = null;
    if (!result.ok) return failed(bytes);
    // KIP-368: a re-authentication must prove the same principal.
    if (current !== null && result.session.principal.id !== current.principal.id) return failed();
    return { kind: 'success', bytes, session: result.session };
  };

  return {
    handshake(requested) {
      if (mechanism !== null) return { error: 'ILLEGAL_SASL_STATE' };
      // Mechanism names are case-sensitive upper case (RFC 4422 §3.1), as Kafka compares them.
      if (!auth.mechanisms.includes(requested)) return { error: 'UNSUPPORTED_SASL_MECHANISM' };
      mechanism = requested;
      exchange = null;
      return { error: 'NONE' };
    },

    async authenticate(bytes, current) {
      const m = mechanism;
      if (m === null) return { kind: 'failure', bytes: EMPTY, error: 'ILLEGAL_SASL_STATE' };
      if (m === 'PLAIN') {
        const parsed = parsePlainMessage(bytes);
        const presented: Presented = {
          ...base,
          ...(auth.plainScheme ? { sasl: { mechanism: 'PLAIN', response: bytes } } : {}),
          ...(auth.plainLogin && parsed.ok ? { login: { username: parsed.authcid, password: parsed.passwd } } : {}),
        };
        // A malformed message still goes to the guard (as an absent login), so the refusal is audited and counted.
        return finish(await guard.authenticate(server.name, presented), EMPTY, current);
      }
      if (m === 'OAUTHBEARER') {
        const parsed = parseOauthBearer(bytes);
        const presented: Presented = parsed.ok ? { ...base, token: parsed.token } : base;
        return finish(await guard.authenticate(server.name, presented), EMPTY, current);
      }
      exchange ??= guard.startSasl(server.name, m, base);
      const step = await exchange.step(bytes);
      if (step.kind === 'challenge') return { kind: 'challenge', bytes: step.message };
      if (step.kind === 'failure') return failed(step.message);
      return finish({ ok: true, session: step.session }, step.message, current);
    },
  };
}
