// The bytes a networked bus (NATS, Redis) carries per message: who published it and on which
// channel, then the payload untouched. One allocation and one copy per publish; bounded fields.
//
//   0      1        2          3 .. 3+o     3+o .. 5+o      5+o .. 5+o+c   rest
//   0xA6   version  o = origin origin UTF-8  c = channel     channel UTF-8  payload
//          (1)      length u8               length u16 BE
//
// A foreign or damaged message (wrong magic, lengths past the end) decodes to null and is
// dropped: anything on the broker can publish on our subjects.

const MAGIC = 0xa6;
const VERSION = 1;

export interface Envelope {
  readonly origin: string;
  readonly channel: string;
  readonly payload: Uint8Array;
}

export const MAX_ORIGIN_BYTES = 255;
export const MAX_CHANNEL_BYTES = 65_535; // MQTT 3.1.1 §1.5.3

/** Null when the origin or channel is too long to encode (callers check before). */
export function encodeEnvelope(origin: Buffer, channel: string, payload: Uint8Array): Buffer | null {
  const channelBytes = Buffer.byteLength(channel, 'utf8');
  if (origin.length > MAX_ORIGIN_BYTES || channelBytes > MAX_CHANNEL_BYTES) return null;
  const out = Buffer.allocUnsafe(5 + origin.length + channelBytes + payload.length);
  out[0] = MAGIC;
  out[1] = VERSION;
  out[2] = origin.length;
  origin.copy(out, 3);
  let at = 3 + origin.length;
  out.writeUInt16BE(channelBytes, at);
  at += 2;
  at += out.write(channel, at, 'utf8');
  out.set(payload, at);
  return out;
}

export function decodeEnvelope(bytes: Uint8Array): Envelope | null {
  if (bytes.length < 5 || bytes[0] !== MAGIC || bytes[1] !== VERSION) return null;
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const originLength = buf[2] as number;
  let at = 3 + originLength;
  if (at + 2 > buf.length) return null;
  const channelLength = buf.readUInt16BE(at);
  at += 2;
  if (at + channelLength > buf.length) return null;
  return {
    origin: buf.toString('utf8', 3, 3 + originLength),
    channel: buf.toString('utf8', at, at + channelLength),
    payload: buf.subarray(at + channelLength),
  };
}
