// The SCRAM-SHA-256 / SCRAM-SHA-512 verifier shared by scram-sha256.ts and scram-sha512.ts: a
// guard-side SaslExchange around the RFC 5802 server state machine of src/sasl/scram-server.ts,
// looking verifiers up in the credential store.
// Checks: everything the state machine checks (message grammar and size, GS2 flags, nonces,
// the proof in constant time, authzid: refused when it differs from the user name), plus: the
// principal exists (an unknown user gets a fake challenge with the default iteration count and
// fails at the proof with `e=invalid-proof`, exactly like a wrong password), is not disabled (a
// disabled principal is treated as unknown on the wire and reported `disabled`), and has a
// verifier for this hash (else `bad_password`).
// Does not check: channel binding (none offered), throttling (the guard).
// Unknown users' fake salts come from a random per-process secret (src/sasl/scram-server.ts):
// two guard processes answer the same unknown name with different salts, which tells a
// patient attacker comparing both that the name is unknown. Run one process per user base, or
// front several with sticky routing, if that matters.

import { DEFAULT_PASSWORD_ITERATIONS } from '../../credentials/memory.js';
import type { PrincipalRecord, ScramHash, ScramVerifier } from '../../credentials/types.js';
import { parseClientFirst, readMessage, DEFAULT_MAX_SCRAM_MESSAGE_BYTES } from '../../sasl/scram.js';
import { createScramServer } from '../../sasl/scram-server.js';
import type { ScramServerFailureReason } from '../../sasl/types.js';
import type { InvalidReason, Presented, SaslExchange, SaslStep, Verifier, VerifierContext } from '../types.js';
import { checkContext } from './context.js';
import { ABSENT_OUTCOME, guardedSubject, makePrincipal, safeSubject } from './outcomes.js';
import { passwordClaims } from './password.js';

/** How each state-machine failure is reported (audit, throttling); the client only sees `e=`. */
const REASONS: Readonly<Record<ScramServerFailureReason, InvalidReason>> = Object.freeze({
  malformed: 'malformed',
  message_too_large: 'malformed',
  extensions_not_supported: 'malformed',
  channel_binding_not_supported: 'malformed',
  channel_binding_mismatch: 'malformed',
  invalid_username: 'malformed',
  nonce_mismatch: 'malformed',
  unexpected_message: 'malformed',
  bad_password: 'bad_password',
  verifier_invalid: 'bad_password',
  unknown_principal: 'unknown_principal',
  authzid_not_allowed: 'authzid_not_allowed',
  store_unavailable: 'store_unavailable',
  server_misconfigured: 'verifier_error',
});

const utf8 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));

export interface ScramVerifierSpec {
  readonly type: 'scramSha256' | 'scramSha512';
  readonly hash: ScramHash;
  readonly mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
}

export function createScramVerifier(context: VerifierContext, spec: ScramVerifierSpec): Verifier {
  checkContext(context);
  const { store, name } = context;
  const { hash, mechanism } = spec;

  function startSasl(): SaslExchange {
    // What the lookup found, so a failure can say why (the wire answer stays the same).
    let found: 'none' | 'unknown' | 'disabled' | 'no_verifier' | 'ok' = 'none';
    let record: PrincipalRecord | undefined;
    const server = createScramServer({
      hash,
      unknownUserIterations: DEFAULT_PASSWORD_ITERATIONS,
      // A rejection here becomes `store_unavailable` in the state machine.
      lookup: async (username: string): Promise<ScramVerifier | null> => {
        const r = await store.getPrincipal(username);
        if (r === null || r === undefined) {
          found = 'unknown';
          return null;
        }
        if (r.disabled) {
          found = 'disabled';
          return null;
        }
        const v = r.verifiers?.[hash];
        if (v === undefined) {
          found = 'no_verifier';
          return null;
        }
        found = 'ok';
        record = r;
        return v;
      },
    });
    return Object.freeze({
      async step(message: Uint8Array): Promise<SaslStep> {
        try {
          const s = await server.step(message);
          if (s.kind === 'challenge') return Object.freeze({ kind: 'challenge', message: utf8(s.message) });
          if (s.kind === 'success') {
            if (record === undefined)
              return Object.freeze({ kind: 'failure', message: utf8('e=other-error'), reason: 'verifier_error' });
            return Object.freeze({
              kind: 'success',
              message: utf8(s.message),
              principal: makePrincipal(record.name, name, record.scopes, passwordClaims(record)),
            });
          }
          let reason = REASONS[s.reason] ?? 'verifier_error';
          if (s.reason === 'unknown_principal')
            reason = found === 'disabled' ? 'disabled' : found === 'no_verifier' ? 'bad_password' : 'unknown_principal';
          const subject = record?.name ?? (s.username === undefined ? undefined : safeSubject(s.username));
          return Object.freeze(
            subject === undefined
              ? { kind: 'failure', message: utf8(s.message), reason }
              : { kind: 'failure', message: utf8(s.message), reason, subject },
          );
        } catch {
          return Object.freeze({ kind: 'failure', message: utf8('e=other-error'), reason: 'verifier_error' });
        }
      },
    });
  }

  return Object.freeze({
    scheme: name,
    type: spec.type,
    source: 'sasl',
    saslMechanism: mechanism,
    challenge: null,
    challengeFor: () => null,
    /** The `n=` user name of a client-first message carried as `presented.sasl` (not prepared). */
    claimedSubject: guardedSubject((p: Presented) => {
      const sasl = p.sasl;
      if (
        sasl === undefined ||
        sasl === null ||
        typeof sasl.mechanism !== 'string' ||
        sasl.mechanism.toUpperCase() !== mechanism
      )
        return null;
      const read = readMessage(sasl.response, DEFAULT_MAX_SCRAM_MESSAGE_BYTES);
      if (!read.ok) return null;
      const first = parseClientFirst(read.text);
      return first.ok ? first.username : null;
    }),
    // SCRAM is a challenge-response: there is nothing to check in one step.
    verify: () => Promise.resolve(ABSENT_OUTCOME),
    startSasl: () => startSasl(),
  } satisfies Verifier);
}
