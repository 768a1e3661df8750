// oauth2: an OAuth 2.0 access token obtained through one of the declared flows.
import type { SchemeDescriptor } from './types.js';

/**
 * Protocols that can carry an OAuth 2.0 / OpenID Connect access token. Reference §4.3 row
 * oauth2: http, https, ws, wss (S operation-security), kafka, kafka-secure (S
 * streetlights-operation-security; SASL/OAUTHBEARER per §4.2), mqtt (S streetlights-mqtt),
 * anypointmq (S binding: REQUIRED clientCredentials), googlepubsub, amqp (token as password,
 * R). Extended by the same "token as password" reasoning to every protocol with a password
 * field (amqps, amqp1, mqtt5, secure-mqtt, stomp(s), nats, redis, ibmmq(-secure), jms,
 * solace, pulsar, which also have native token or OAuth support) and to mercure (bearer JWT).
 * Not: sns, sqs (AWS SigV4 only), ros2 (DDS Security, certificates).
 */
export const tokenProtocols = [
  'amqp', 'amqp1', 'amqps', 'anypointmq', 'googlepubsub', 'http', 'https', 'ibmmq', 'ibmmq-secure', 'jms',
  'kafka', 'kafka-secure', 'mercure', 'mqtt', 'mqtt5', 'nats', 'pulsar', 'redis', 'secure-mqtt', 'solace',
  'stomp', 'stomps', 'ws', 'wss',
] as const;

export const oauth2 = {
  type: 'oauth2',
  label: 'OAuth 2.0',
  protocols: tokenProtocols,
  // The access token is a bearer token (RFC 6750 §1.2): whoever reads it can use it.
  carriesSecret: () => true,
  configSchema: { type: 'object', additionalProperties: false, properties: {} },
} as const satisfies SchemeDescriptor<'oauth2'>;
