// userPassword: a user name and password presented in the protocol's own login step.
import type { SchemeDescriptor } from './types.js';

export const userPassword = {
  type: 'userPassword',
  label: 'user/password',
  // Reference §4.3 row userPassword: CONNECT credentials in MQTT/STOMP/NATS, SASL PLAIN /
  // AMQPLAIN in AMQP, SASL PLAIN on Kafka, JMS/IBM MQ/Solace/Pulsar/Redis logins, the
  // WebSocket handshake (R). Added http/https: the same pair travels as HTTP Basic (R).
  // Not: anypointmq (binding: security MUST be oauth2 clientCredentials), googlepubsub,
  // sns, sqs (cloud IAM, no password login), mercure (JWT only), ros2 (DDS Security:
  // certificates, no password).
  protocols: [
    'amqp', 'amqp1', 'amqps', 'http', 'https', 'ibmmq', 'ibmmq-secure', 'jms', 'kafka', 'kafka-secure',
    'mqtt', 'mqtt5', 'nats', 'pulsar', 'redis', 'secure-mqtt', 'solace', 'stomp', 'stomps', 'ws', 'wss',
  ],
  // The password itself crosses the wire: replayable by anyone who reads it.
  carriesSecret: () => true,
} as const satisfies SchemeDescriptor<'userPassword'>;
