// A byte-level watcher of MQTT control packet sizes, so a hostile client cannot make the parser
// buffer a 256 MB packet before any hook runs (aedes and mqtt-packet have no size limit). It reads
// only the fixed headers (MQTT 3.1.1 §2.2: one type byte, then the Remaining Length, 1–4 bytes of
// 7 bits with a continuation bit, §2.2.3) and skips bodies, so a chunk costs O(packets in it).

/** Feeds the stream's chunks in order. */
export interface FrameLimiter {
  /**
   * False when a packet's Remaining Length is over the limit or malformed (a 5th length byte): close the connection.
   */
  feed(chunk: Uint8Array): boolean;
}

/** Space a PUBLISH needs besides its payload: topic length + topic (at most 65,535 bytes) + packet id. */
export const PUBLISH_OVERHEAD_BYTES = 2 + 65_535 + 2;

export function createFrameLimiter(maxRemainingLength: number): FrameLimiter {
  // 0: expecting the type byte; 1: reading Remaining Length; 2: skipping the body.
  let phase = 0;
  let value = 0;
  let multiplier = 1;
  let lengthBytes = 0;
  let skip = 0;
  let failed = false;
  return {
    feed(chunk) {
      if (failed) return false;
      const n = chunk.length;
      let i = 0;
      while (i < n) {
        if (phase === 2) {
          const take = Math.min(skip, n - i);
          i += take;
          skip -= take;
          if (skip === 0) phase = 0;
          continue;
        }
        const byte = chunk[i++] as number;
        if (phase === 0) {
          phase = 1;
          value = 0;
          multiplier = 1;
          lengthBytes = 0;
          continue;
        }
        value += (byte & 0x7f) * multiplier;
        multiplier *= 128;
        lengthBytes++;
        if (value > maxRemainingLength || ((byte & 0x80) !== 0 && lengthBytes === 4)) {
          failed = true;
          return false;
        }
        if ((byte & 0x80) !== 0) continue;
        if (value === 0) phase = 0;
        else {
          phase = 2;
          skip = value;
        }
      }
      return true;
    },
  };
}
