// scramSha256: SASL SCRAM-SHA-256 (RFC 7677), a salted challenge-response.
//
// Verifier (SASL mechanism `SCRAM-SHA-256`): see verify/scram.ts for what it checks and does not.
// `verify()` answers absent (SCRAM cannot be checked in one step); transports run
// `startSasl()` and feed the client's messages to the exchange.
import type { SchemeDescriptor, Verifier, VerifierContext } from './types.js';
import { createScramVerifier } from './verify/scram.js';
import type { Scheme } from '../model/types.js';
import type { WireFamily } from './protocols.js';
import { saslMechanismPlaces } from './wire/places.js';

/**
 * Protocol fit of scramSha256/scramSha512 (S/R: protocols.ts): kafka, kafka-secure (S), mqtt5 enhanced auth,
 * amqp1 (R). Added amqp/amqps (SASL in AMQP 0-9-1; brokers such as Qpid offer SCRAM) and
 * jms. Not ws/wss/http (SCRAM over HTTP is the `http` scheme `SCRAM-SHA-256`, RFC 7804),
 * not MQTT 3.1.1 or STOMP (no SASL).
 */
export const scramProtocols = ['amqp', 'amqp1', 'amqps', 'jms', 'kafka', 'kafka-secure', 'mqtt5'] as const;

export const scramSha256 = {
  type: 'scramSha256',
  label: 'SASL SCRAM-SHA-256',
  protocols: scramProtocols,
  // RFC 5802 §9: challenge-response; the password never crosses the wire and a captured
  // exchange cannot be replayed (fresh nonces). Not a cleartext-secret scheme.
  carriesSecret: () => false,
  wirePlaces: (_scheme: Scheme, family: WireFamily) => saslMechanismPlaces('SCRAM-SHA-256', family),
  configSchema: { type: 'object', additionalProperties: false, properties: {} },
  createVerifier: (context: VerifierContext): Verifier =>
    createScramVerifier(context, { type: 'scramSha256', hash: 'SHA-256', mechanism: 'SCRAM-SHA-256' }),
} as const satisfies SchemeDescriptor<'scramSha256'>;
