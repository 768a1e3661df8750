// apiKey: an API key presented as the user name or the password (`in: user | password`).
//
// Verifier. Reads the protocol login field the document's `in` names (MQTT CONNECT user name or
// password, AMQP/STOMP/NATS logins); a byte password must be strict UTF-8.
// Checks: per verify/api-key.ts — the `agk_<id>_<secret>` form, the id and the secret's hash
// (constant time; a wrong secret and an unknown id both answer `unknown_key`), revocation, the
// principal exists and is not disabled, key scopes ∩ principal scopes.
// Does not check: the other login field (an MQTT client may send anything there), throttling
// (the guard), TLS (`check` reports a cleartext transport).
import { StartupError } from '../errors.js';
import type { Presented, SchemeDescriptor, Verifier, VerifierContext, VerifyOutcome } from './types.js';
import { userPassword } from './user-password.js';
import { apiKeyIdOf, verifyApiKey } from './verify/api-key.js';
import { checkContext } from './verify/context.js';
import { ABSENT_OUTCOME, guarded, guardedSubject, invalid } from './verify/outcomes.js';
import { readLoginField } from './wire/login.js';
import type { WireRead } from './wire/types.js';
import type { Scheme } from '../model/types.js';
import type { WireFamily } from './protocols.js';
import { loginFieldKeyPlaces } from './wire/places.js';

/** The login field the key rides in. */
function readKeyField(presented: Presented, field: 'username' | 'password'): WireRead<string> {
  const login = presented.login as Record<string, unknown> | undefined | null;
  if (login === null || typeof login !== 'object') return { kind: 'absent' };
  return readLoginField(login[field]);
}

/** The apiKey verifier for `in: user` (the key in the login user name) or `in: password`. */
export function createApiKeyVerifier(context: VerifierContext): Verifier {
  checkContext(context);
  const where = context.scheme['in'];
  if (where !== 'user' && where !== 'password') {
    throw new StartupError('ERR_SCHEME_UNSUPPORTED', `apiKey scheme '${context.name}' has no usable 'in'`, {
      pointer: `schemes.${context.name}`,
      expected: "`in: user` or `in: password` in the document's scheme (AsyncAPI apiKey)",
    });
  }
  const field = where === 'user' ? 'username' : 'password';
  const { store, name } = context;
  return Object.freeze({
    scheme: name,
    type: 'apiKey',
    source: 'login',
    // No HTTP challenge is registered for API keys in a login.
    challenge: null,
    challengeFor: () => null,
    claimedSubject: guardedSubject((p) => {
      const read = readKeyField(p, field);
      return read.kind === 'ok' ? apiKeyIdOf(read.value) : null;
    }),
    verify: guarded(async (p): Promise<VerifyOutcome> => {
      const read = readKeyField(p, field);
      if (read.kind === 'absent' || (read.kind === 'ok' && read.value === '')) return ABSENT_OUTCOME;
      if (read.kind === 'malformed') return invalid('malformed');
      return verifyApiKey(store, name, read.value);
    }),
  } satisfies Verifier);
}

export const apiKey = {
  type: 'apiKey',
  label: 'API key (as user or password)',
  // Protocol fit of apiKey: that of userPassword (S/R: protocols.ts; S: mqtt in streetlights-mqtt and
  // correlation-id): the key rides in the user/password field of the same login step.
  protocols: userPassword.protocols,
  // The key is a reusable secret sent as is.
  carriesSecret: () => true,
  // The key takes the one login field its `in` names (in SASL: inside a PLAIN exchange).
  wirePlaces: (scheme: Scheme, family: WireFamily) => loginFieldKeyPlaces(scheme['in'], family),
  configSchema: { type: 'object', additionalProperties: false, properties: {} },
  createVerifier: createApiKeyVerifier,
} as const satisfies SchemeDescriptor<'apiKey'>;
