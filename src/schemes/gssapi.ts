// gssapi: SASL GSSAPI (RFC 4752), Kerberos v5.
import type { SchemeDescriptor } from './types.js';
import type { Scheme } from '../model/types.js';
import type { WireFamily } from './protocols.js';
import { saslMechanismPlaces } from './wire/places.js';

export const gssapi = {
  type: 'gssapi',
  label: 'SASL GSSAPI (Kerberos)',
  // Protocol fit of gssapi (S/R: protocols.ts): kafka, kafka-secure (Kafka SASL table), amqp/amqp1, pulsar,
  // jms/ibmmq via Kerberos (R). Added amqps, ibmmq-secure (same protocols over TLS), mqtt5
  // (enhanced auth, R) and solace (Solace brokers accept Kerberos). Not http/ws (Kerberos
  // over HTTP is the `http` scheme `Negotiate`), not MQTT 3.1.1 or STOMP (no SASL).
  protocols: [
    'amqp',
    'amqp1',
    'amqps',
    'ibmmq',
    'ibmmq-secure',
    'jms',
    'kafka',
    'kafka-secure',
    'mqtt5',
    'pulsar',
    'solace',
  ],
  // Kerberos tickets are bound to an authenticator with a timestamp and session key
  // (RFC 4120 §5.5.1): no reusable secret on the wire.
  carriesSecret: () => false,
  wirePlaces: (_scheme: Scheme, family: WireFamily) => saslMechanismPlaces('GSSAPI', family),
  configSchema: { type: 'object', additionalProperties: false, properties: {} },
} as const satisfies SchemeDescriptor<'gssapi'>;
