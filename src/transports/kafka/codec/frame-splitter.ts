// Splits a TCP byte stream into Kafka frames: each is a 4-byte big-endian size, then that many bytes
// (kafka.apache.org/protocol, "Common Request and Response Structure"). The size is checked against
// the limit as soon as its 4 bytes arrive, so a client announcing 2 GB is refused before any of it is
// buffered; buffered bytes never exceed one frame plus one chunk.

export type SplitOutcome =
  | { readonly ok: true; readonly frames: readonly Buffer[] }
  | { readonly ok: false; readonly reason: string; readonly frames: readonly Buffer[] };

export interface FrameSplitter {
  /** Feeds the next chunk; returns the frames it completed (without size prefixes), or an error outcome. */
  push(chunk: Buffer): SplitOutcome;
  /** Bytes held for an incomplete frame. */
  readonly buffered: number;
}

export function createFrameSplitter(maxFrameBytes: number): FrameSplitter {
  if (!Number.isSafeInteger(maxFrameBytes) || maxFrameBytes < 0) {
    const error = new RangeError(`maxFrameBytes must be a non-negative integer, got ${maxFrameBytes}`);
    (error as RangeError & { code: string }).code = 'ERR_INVALID_ARG_VALUE';
    throw error;
  }
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let failed: string | undefined;

  function take(n: number): Buffer {
    const whole = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending, pendingBytes);
    const out = whole.subarray(0, n);
    const rest = whole.subarray(n);
    pending = rest.length > 0 ? [rest] : [];
    pendingBytes = rest.length;
    return out;
  }

  function peekSize(): number {
    if (pending[0] !== undefined && pending[0].length >= 4) return pending[0].readInt32BE(0);
    const head = take(4);
    pending.unshift(head);
    pendingBytes += 4;
    return head.readInt32BE(0);
  }

  return {
    get buffered() {
      return pendingBytes;
    },
    push(chunk) {
      const frames: Buffer[] = [];
      if (failed !== undefined) return { ok: false, reason: failed, frames };
      if (chunk.length > 0) {
        pending.push(chunk);
        pendingBytes += chunk.length;
      }
      while (pendingBytes >= 4) {
        const size = peekSize();
        if (size < 0 || size > maxFrameBytes) {
          failed = size < 0 ? `negative frame size ${size}` : `frame size ${size} over the limit of ${maxFrameBytes}`;
          pending = [];
          pendingBytes = 0;
          return { ok: false, reason: failed, frames };
        }
        if (pendingBytes < 4 + size) break;
        // Copy the frame out so a long-lived frame never pins the socket chunk it arrived in.
        frames.push(Buffer.from(take(4 + size).subarray(4)));
      }
      return { ok: true, frames };
    },
  };
}
