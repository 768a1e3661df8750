// A bounded reader over one Kafka frame. Every length and count read from the wire is checked
// against the bytes that remain BEFORE anything is allocated or looped over, so a hostile
// 100-byte frame that claims a 2^31-byte string or 10^9 array elements fails at once, without
// the allocation (docs/kafka-protocol.md, "Bounds"). Failures are thrown as DecodeFailure inside
// the codec and turned into `{ ok: false }` outcomes at its public edge (decode.ts): wire input
// never escapes as an exception.

/** A malformed frame; caught by the codec's public functions and returned as a value. */
export class DecodeFailure extends Error {
  override readonly name = 'DecodeFailure';
}

/** Unsigned varints: Kafka's protocol guide (KIP-482) uses at most 5 bytes for 32-bit values, 10 for 64-bit. */
const MAX_VARINT_BYTES = 5;
const MAX_VARLONG_BYTES = 10;

export class Reader {
  private offset = 0;
  /** The largest length or count this reader accepted: tests assert it never exceeds the frame. */
  largestClaim = 0;

  private readonly buffer: Buffer;

  constructor(buffer: Buffer) {
    this.buffer = buffer;
  }

  get position(): number {
    return this.offset;
  }

  remaining(): number {
    return this.buffer.length - this.offset;
  }

  /** Fails unless `n` more bytes are present; `what` names the field for the failure reason. */
  private need(n: number, what: string): void {
    if (n > this.buffer.length - this.offset) {
      throw new DecodeFailure(`truncated ${what}: needs ${n} bytes, ${this.buffer.length - this.offset} left`);
    }
  }

  /**
   * Accepts a count of elements of at least `minElementBytes` each, or a byte length (1), read from the
   * wire, only when the remaining bytes can hold them: the caller allocates or loops only after this.
   */
  claim(count: number, minElementBytes: number, what: string): number {
    if (!Number.isSafeInteger(count) || count < 0) throw new DecodeFailure(`negative length in ${what}`);
    if (count * Math.max(1, minElementBytes) > this.remaining()) {
      throw new DecodeFailure(`${what} claims ${count} elements, only ${this.remaining()} bytes left`);
    }
    if (count > this.largestClaim) this.largestClaim = count;
    return count;
  }

  int8(): number {
    this.need(1, 'int8');
    return this.buffer.readInt8(this.offset++);
  }

  int16(): number {
    this.need(2, 'int16');
    const v = this.buffer.readInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  int32(): number {
    this.need(4, 'int32');
    const v = this.buffer.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  uint32(): number {
    this.need(4, 'uint32');
    const v = this.buffer.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  int64(): bigint {
    this.need(8, 'int64');
    const v = this.buffer.readBigInt64BE(this.offset);
    this.offset += 8;
    return v;
  }

  float64(): number {
    this.need(8, 'float64');
    const v = this.buffer.readDoubleBE(this.offset);
    this.offset += 8;
    return v;
  }

  boolean(): boolean {
    return this.int8() !== 0;
  }

  /** Unsigned 32-bit varint (compact lengths, tagged fields, and under zig-zag every record field). */
  uvarint(): number {
    const first = this.buffer[this.offset];
    // Most record varints are one byte (small lengths and deltas).
    if (first !== undefined && first < 0x80) {
      this.offset++;
      return first;
    }
    let value = 0;
    let factor = 1;
    for (let i = 0; i < MAX_VARINT_BYTES; i++) {
      this.need(1, 'varint');
      const byte = this.buffer[this.offset++] as number;
      if (i === MAX_VARINT_BYTES - 1 && byte > 0x0f) throw new DecodeFailure('varint overflows 32 bits');
      value += (byte & 0x7f) * factor;
      if ((byte & 0x80) === 0) return value;
      factor *= 128;
    }
    throw new DecodeFailure('varint longer than 5 bytes');
  }

  /** Signed zig-zag 32-bit varint (record fields). */
  varint(): number {
    const u = this.uvarint();
    // Zig-zag (protobuf encoding, which Kafka's record format uses): 0,-1,1,-2 ↔ 0,1,2,3.
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  /** Signed zig-zag 64-bit varint (record timestamps and offset deltas). */
  varlong(): bigint {
    // Fast path: up to 7 bytes (49 bits) fit a double exactly, so only one BigInt is made; record
    // timestamp deltas are small. Longer encodings take the BigInt path.
    let small = 0;
    for (let i = 0; i < 7; i++) {
      this.need(1, 'varlong');
      const byte = this.buffer[this.offset++] as number;
      small += (byte & 0x7f) * 2 ** (7 * i);
      if ((byte & 0x80) === 0) return BigInt(small % 2 === 0 ? small / 2 : -(small + 1) / 2);
    }
    let value = BigInt(small);
    for (let i = 7; i < MAX_VARLONG_BYTES; i++) {
      this.need(1, 'varlong');
      const byte = this.buffer[this.offset++] as number;
      if (i === MAX_VARLONG_BYTES - 1 && byte > 0x01) throw new DecodeFailure('varlong overflows 64 bits');
      value |= BigInt(byte & 0x7f) << BigInt(7 * i);
      if ((byte & 0x80) === 0) return (value >> 1n) ^ -(value & 1n);
    }
    throw new DecodeFailure('varlong longer than 10 bytes');
  }

  /** `n` bytes as a view of the frame (no copy). */
  bytes(n: number, what: string): Buffer {
    this.claim(n, 1, what);
    const out = this.buffer.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  utf8(n: number, what: string): string {
    this.claim(n, 1, what);
    const out = this.buffer.toString('utf8', this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  skip(n: number, what: string): void {
    this.claim(n, 1, what);
    this.offset += n;
  }

  uuid(): Buffer {
    this.need(16, 'uuid');
    return this.bytes(16, 'uuid');
  }

  /** The rest of the buffer (no copy). */
  rest(): Buffer {
    const out = this.buffer.subarray(this.offset);
    this.offset = this.buffer.length;
    return out;
  }
}
