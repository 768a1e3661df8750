// Which channel a Kafka topic stands for (docs/kafka.md, "Topics and channels"): the same string. A Kafka topic
// name is the channel address as the document writes it with its `{param}` values filled in, e.g.
// `streetlights/1/lighting/measured` or `smartylighting.streetlights.1.0.event.1.lighting.measured`, so a message
// crosses fronts unchanged: an MQTT publish on `plant/1/readings` is a record of the Kafka topic `plant/1/readings`.
//
// Kafka brokers restrict topic names to [a-zA-Z0-9._-], at most 249 characters; that is a broker-side rule
// (clients do not check it: kafkajs and librdkafka send any string), and channel addresses use `/`. A mapping of `/`
// onto `.` would make `a/b` and the channel `a.b` one topic, so names are not rewritten. A topic name must be a
// valid channel (an MQTT topic name: no `+`, `#` or NUL, not starting with `$`) of at most 249 UTF-16 units,
// Kafka's length bound.

import { isValidTopicName } from '../../address/mqtt-topic.js';

/** Kafka's longest topic name (Topic.MAX_NAME_LENGTH). */
export const MAX_TOPIC_NAME_CHARS = 249;

/** The channel of a Kafka topic name, or null when the name can be no channel (Kafka: INVALID_TOPIC_EXCEPTION). */
export function channelOfTopic(topic: string): string | null {
  if (topic.length === 0 || topic.length > MAX_TOPIC_NAME_CHARS) return null;
  // `$` topics are the server's (MQTT 3.1.1 §4.7.2); none are offered, whatever the front.
  if (topic.charCodeAt(0) === 36) return null;
  return isValidTopicName(topic) ? topic : null;
}

/** The Kafka topic of a bus channel, or null when the channel is too long to be one. */
export function topicOfChannel(channel: string): string | null {
  return channelOfTopic(channel);
}

/** A Buffer view of bytes, no copy (the codec writes Buffers). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}
