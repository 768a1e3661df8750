// plain: SASL PLAIN (RFC 4616), a user name and password inside a SASL exchange.
//
// Verifier (SASL mechanism `PLAIN`). Reads the client's initial response from a one-step SASL
// exchange (`presented.sasl`, Kafka SaslAuthenticate, AMQP 0-9-1/1.0 SASL); when there is no
// SASL message, the protocol login (AMQP/MQTT 5 clients configured for PLAIN hand the
// authcid/passwd over as a login).
// Checks: the RFC 4616 §2 message (sasl/plain.ts: two NULs, strict UTF-8, 255 octets per field,
// non-empty authcid and passwd), SASLprep of authcid and authzid, the password against the
// stored SCRAM verifier (verify/password.ts: one PBKDF2 also for unknown users), disabled; then
// the authzid as RFC 4616 §2 says: empty or equal to authcid acts as authcid, anything else is
// refused (`authzid_not_allowed`): no principal may act as another here.
// Does not check: throttling (the guard), TLS (PLAIN sends the password in the clear: `check`
// reports a cleartext transport).
import { parsePlainMessage } from '../sasl/plain.js';
import { saslprep } from '../sasl/saslprep.js';
import type { Presented, SchemeDescriptor, Verifier, VerifierContext, VerifyOutcome } from './types.js';
import { checkContext } from './verify/context.js';
import { ABSENT_OUTCOME, guarded, guardedSubject, invalid } from './verify/outcomes.js';
import { nameOrNull, storeNameOf, verifyLoginPassword, verifyPassword } from './verify/password.js';
import { loginUsernameOf } from './wire/login.js';
import { hasControlCharacter } from './wire/types.js';
import type { Scheme } from '../model/types.js';
import type { WireFamily } from './protocols.js';
import { loginPairPlaces } from './wire/places.js';

/** The PLAIN message of `presented`, when it is a SASL exchange with mechanism PLAIN. */
function plainMessage(presented: Presented): Uint8Array | 'other' | null {
  const sasl = presented.sasl as { mechanism?: unknown; response?: unknown } | undefined | null;
  if (sasl === undefined || sasl === null || typeof sasl !== 'object') return null;
  // RFC 4422 §3.1: mechanism names are upper-case; a client sending lowercase still means PLAIN.
  if (typeof sasl.mechanism !== 'string' || sasl.mechanism.toUpperCase() !== 'PLAIN') return 'other';
  return sasl.response instanceof Uint8Array ? sasl.response : new Uint8Array(0);
}

export function createPlainVerifier(context: VerifierContext): Verifier {
  checkContext(context);
  const { store, name } = context;
  return Object.freeze({
    scheme: name,
    type: 'plain',
    source: 'sasl',
    saslMechanism: 'PLAIN',
    challenge: null,
    challengeFor: () => null,
    claimedSubject: guardedSubject((p) => {
      const message = plainMessage(p);
      if (message === 'other') return null;
      if (message === null) return nameOrNull(loginUsernameOf(p.login));
      const parsed = parsePlainMessage(message);
      return parsed.ok && !hasControlCharacter(parsed.authcid) ? storeNameOf(parsed.authcid) : null;
    }),
    verify: guarded(async (p): Promise<VerifyOutcome> => {
      const message = plainMessage(p);
      if (message === 'other') return ABSENT_OUTCOME;
      if (message === null) return verifyLoginPassword(store, name, p.login);
      const parsed = parsePlainMessage(message);
      if (!parsed.ok) return invalid('malformed');
      const authcid = saslprep(parsed.authcid, { allowUnassigned: true });
      if (!authcid.ok) return invalid('malformed');
      let authzid = authcid.value;
      if (parsed.authzid !== '') {
        const prepared = saslprep(parsed.authzid, { allowUnassigned: true });
        if (!prepared.ok) return invalid('malformed', authcid.value);
        authzid = prepared.value;
      }
      if (hasControlCharacter(parsed.passwd)) return invalid('malformed', authcid.value);
      const outcome = await verifyPassword(store, name, authcid.value, parsed.passwd);
      // RFC 4616 §2: the identity is verified first, then whether it may act as authzid.
      if (outcome.kind === 'ok' && authzid !== authcid.value && authzid !== outcome.principal.id) {
        return invalid('authzid_not_allowed', outcome.principal.id);
      }
      return outcome;
    }),
  } satisfies Verifier);
}

export const plain = {
  type: 'plain',
  label: 'SASL PLAIN',
  // Protocol fit of plain (S/R: protocols.ts): kafka, kafka-secure (S adeo, Kafka SASL table), amqp, amqps, amqp1
  // (SASL PLAIN). Added mqtt5 (enhanced authentication carries a SASL-style method, R) and
  // jms (an API whose providers speak SASL). A protocol without SASL (MQTT 3.1.1, STOMP,
  // HTTP, WebSocket) cannot present it: there `userPassword` or `http` basic is the scheme.
  protocols: ['amqp', 'amqp1', 'amqps', 'jms', 'kafka', 'kafka-secure', 'mqtt5'],
  // RFC 4616 §4: the password is sent in the clear inside the SASL message.
  carriesSecret: () => true,
  // A SASL PLAIN exchange carries one user's pair; MQTT 3.1.1 and HTTP have no SASL.
  wirePlaces: (_scheme: Scheme, family: WireFamily) =>
    family === 'kafka' || family === 'amqp' ? loginPairPlaces(family) : null,
  configSchema: { type: 'object', additionalProperties: false, properties: {} },
  createVerifier: createPlainVerifier,
} as const satisfies SchemeDescriptor<'plain'>;
