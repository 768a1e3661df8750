// Raw MQTT 3.1.1 frames for the serve benchmarks: the load generator writes prebuilt bytes and
// counts frames by their fixed header, so its own cost stays far below the broker's (mqtt.js
// objects per message would make the client the bottleneck on a 2-core machine).

/** MQTT 3.1.1 §2.2.3 Remaining Length: 1–4 bytes, 7 bits each, low group first. */
function remainingLength(n: number): Buffer {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return Buffer.from(out);
}

/** §1.5.3 UTF-8 string: 2-byte big-endian length, then the bytes. */
function utf8(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(b.length);
  return Buffer.concat([len, b]);
}

function frame(firstByte: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([firstByte]), remainingLength(body.length), body]);
}

export interface ConnectOptions {
  readonly clientId: string;
  readonly username?: string;
  readonly password?: string;
  /** Seconds; 0 turns keep-alive off (§3.1.2.10). */
  readonly keepalive?: number;
}

/** CONNECT (§3.1), clean session. */
export function connectFrame(o: ConnectOptions): Buffer {
  let flags = 0x02; // clean session
  if (o.username !== undefined) flags |= 0x80;
  if (o.password !== undefined) flags |= 0x40;
  const keepalive = Buffer.alloc(2);
  keepalive.writeUInt16BE(o.keepalive ?? 0);
  const parts = [utf8('MQTT'), Buffer.from([4, flags]), keepalive, utf8(o.clientId)];
  if (o.username !== undefined) parts.push(utf8(o.username));
  if (o.password !== undefined) parts.push(utf8(o.password));
  return frame(0x10, Buffer.concat(parts));
}

/** SUBSCRIBE (§3.8) of one filter at QoS 0. */
export function subscribeFrame(packetId: number, filter: string): Buffer {
  const id = Buffer.alloc(2);
  id.writeUInt16BE(packetId);
  return frame(0x82, Buffer.concat([id, utf8(filter), Buffer.from([0])]));
}

/** PUBLISH (§3.3) at QoS 0: no packet id. */
export function publishFrame(topic: string, payload: Buffer): Buffer {
  return frame(0x30, Buffer.concat([utf8(topic), payload]));
}

export const DISCONNECT_FRAME = Buffer.from([0xe0, 0x00]);

/**
 * Counts whole MQTT frames in a byte stream by packet type (upper nibble of the first byte),
 * carrying a partial frame across chunks. `onFrame` sees the type and, for the first bytes of
 * the variable header, the buffer and offset (CONNACK / SUBACK return codes).
 */
export function createFrameCounter(
  onFrame: (type: number, buf: Buffer, bodyStart: number, bodyLength: number) => void,
): (chunk: Buffer) => void {
  let pending: Buffer | null = null;
  return (chunk: Buffer) => {
    const buf = pending === null ? chunk : Buffer.concat([pending, chunk]);
    pending = null;
    let i = 0;
    while (i < buf.length) {
      // Need the first byte and a complete Remaining Length.
      let len = 0;
      let mult = 1;
      let j = i + 1;
      let complete = false;
      while (j < buf.length && j < i + 5) {
        const b = buf[j] as number;
        len += (b & 0x7f) * mult;
        mult *= 128;
        j++;
        if ((b & 0x80) === 0) {
          complete = true;
          break;
        }
      }
      if (!complete || j + len > buf.length) {
        pending = buf.subarray(i);
        return;
      }
      onFrame((buf[i] as number) >> 4, buf, j, len);
      i = j + len;
    }
  };
}

export const PACKET = Object.freeze({ CONNACK: 2, PUBLISH: 3, SUBACK: 9 });
