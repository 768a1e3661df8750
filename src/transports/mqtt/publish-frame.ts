// One MQTT 3.1.1 PUBLISH frame at QoS 0 (§3.3): encoded once per bus message and written as is to
// every subscriber of it (bus-mq.ts), instead of aedes encoding it again per subscriber.

/** Largest Remaining Length MQTT can express (§2.2.3: four 7-bit bytes). */
export const MAX_REMAINING_LENGTH = 268_435_455;

/** Largest topic name: its length is a 16-bit prefix (§1.5.3). */
export const MAX_TOPIC_BYTES = 65_535;

/**
 * The frame for `topic` and `payload`: fixed header 0x30 (PUBLISH, QoS 0, DUP 0, RETAIN 0), the
 * Remaining Length, the length-prefixed UTF-8 topic, the payload. Null when the topic or the whole
 * packet is too long to be expressed (such a message cannot be delivered over MQTT at all).
 */
export function encodePublishFrame(topic: string, payload: Uint8Array): Buffer | null {
  const topicBytes = Buffer.byteLength(topic, 'utf8');
  if (topicBytes > MAX_TOPIC_BYTES) return null;
  const remaining = 2 + topicBytes + payload.length;
  if (remaining > MAX_REMAINING_LENGTH) return null;
  const lengthBytes = remaining < 0x80 ? 1 : remaining < 0x4000 ? 2 : remaining < 0x20_0000 ? 3 : 4;
  const frame = Buffer.allocUnsafe(1 + lengthBytes + remaining);
  frame[0] = 0x30;
  let i = 1;
  let rest = remaining;
  do {
    const low = rest & 0x7f;
    rest >>>= 7;
    frame[i++] = rest > 0 ? low | 0x80 : low;
  } while (rest > 0);
  frame[i++] = topicBytes >>> 8;
  frame[i++] = topicBytes & 0xff;
  i += frame.write(topic, i, topicBytes, 'utf8');
  frame.set(payload, i);
  return frame;
}
