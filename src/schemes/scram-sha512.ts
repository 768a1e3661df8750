// scramSha512: SASL SCRAM-SHA-512, a salted challenge-response.
//
// Verifier (SASL mechanism `SCRAM-SHA-512`): see verify/scram.ts for what it checks and does not.
// `verify()` answers absent (SCRAM cannot be checked in one step); transports run
// `startSasl()` and feed the client's messages to the exchange.
import type { SchemeDescriptor, Verifier, VerifierContext } from './types.js';
import { createScramVerifier } from './verify/scram.js';
import { scramProtocols } from './scram-sha256.js';
import type { Scheme } from '../model/types.js';
import type { WireFamily } from './protocols.js';
import { saslMechanismPlaces } from './wire/places.js';

export const scramSha512 = {
  type: 'scramSha512',
  label: 'SASL SCRAM-SHA-512',
  // Same fit as scramSha256 (the AsyncAPI 3.0.0 schema defines both in SaslScramSecurityScheme).
  protocols: scramProtocols,
  // Challenge-response (RFC 5802 §9): no reusable secret on the wire.
  carriesSecret: () => false,
  wirePlaces: (_scheme: Scheme, family: WireFamily) => saslMechanismPlaces('SCRAM-SHA-512', family),
  configSchema: { type: 'object', additionalProperties: false, properties: {} },
  createVerifier: (context: VerifierContext): Verifier =>
    createScramVerifier(context, { type: 'scramSha512', hash: 'SHA-512', mechanism: 'SCRAM-SHA-512' }),
} as const satisfies SchemeDescriptor<'scramSha512'>;
