// httpApiKey: an API key in an HTTP header, query parameter or cookie.
import type { SchemeDescriptor } from './types.js';
import { httpFamily } from './protocols.js';

export const httpApiKey = {
  type: 'httpApiKey',
  label: 'HTTP API key',
  // Reference §4.3 row httpApiKey: http, https (S slack-rtm: https + query), ws, wss
  // (handshake), mercure (R); the HTTPS cloud APIs (anypointmq, googlepubsub, sns, sqs)
  // are HTTP requests too. Not MQTT, AMQP, Kafka…: they have no header, query or cookie.
  protocols: httpFamily,
  // The key is a reusable secret sent as is (and in a query string it also lands in logs).
  carriesSecret: () => true,
} as const satisfies SchemeDescriptor<'httpApiKey'>;
