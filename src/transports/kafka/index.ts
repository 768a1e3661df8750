// The Kafka front (issue 13): `createKafkaFront(options)` for `kafka` and `kafka-secure` (docs/kafka.md).

export {
  createKafkaFront,
  DEFAULT_KAFKA_CLOSE_GRACE_MS,
  KAFKA_PROTOCOLS,
  type KafkaFront,
  type KafkaFrontOptions,
} from './front.js';
export { DEFAULT_KAFKA_LOG_SETTINGS, type KafkaLogSettings } from './log.js';
export { kafkaAuthPlan, type KafkaAuthPlan } from './mechanisms.js';
export { channelOfTopic, MAX_TOPIC_NAME_CHARS } from './topics.js';
export { maxRequestBytes } from './connection.js';
