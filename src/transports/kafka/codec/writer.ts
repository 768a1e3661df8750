// A growable big-endian writer for Kafka frames: doubles its buffer as needed, so encoding a message
// costs one allocation per doubling and one final copy.

export class Writer {
  private buffer: Buffer;
  private offset = 0;

  constructor(initialBytes = 256) {
    this.buffer = Buffer.allocUnsafe(initialBytes);
  }

  get length(): number {
    return this.offset;
  }

  /** Forgets what was written, keeping the buffer (a scratch writer reused per record). */
  reset(): this {
    this.offset = 0;
    return this;
  }

  private ensure(n: number): void {
    if (this.offset + n <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.offset + n) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.buffer.copy(grown, 0, 0, this.offset);
    this.buffer = grown;
  }

  int8(v: number): this {
    this.ensure(1);
    this.buffer.writeInt8(v, this.offset);
    this.offset += 1;
    return this;
  }

  int16(v: number): this {
    this.ensure(2);
    this.buffer.writeInt16BE(v, this.offset);
    this.offset += 2;
    return this;
  }

  int32(v: number): this {
    this.ensure(4);
    this.buffer.writeInt32BE(v, this.offset);
    this.offset += 4;
    return this;
  }

  uint32(v: number): this {
    this.ensure(4);
    this.buffer.writeUInt32BE(v, this.offset);
    this.offset += 4;
    return this;
  }

  int64(v: bigint): this {
    this.ensure(8);
    this.buffer.writeBigInt64BE(BigInt.asIntN(64, v), this.offset);
    this.offset += 8;
    return this;
  }

  float64(v: number): this {
    this.ensure(8);
    this.buffer.writeDoubleBE(v, this.offset);
    this.offset += 8;
    return this;
  }

  boolean(v: boolean): this {
    return this.int8(v ? 1 : 0);
  }

  uvarint(v: number): this {
    this.ensure(5);
    let n = v >>> 0;
    while (n >= 0x80) {
      this.buffer[this.offset++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    this.buffer[this.offset++] = n;
    return this;
  }

  /** Zig-zag signed 32-bit varint. */
  varint(v: number): this {
    return this.uvarint(((v << 1) ^ (v >> 31)) >>> 0);
  }

  /** Zig-zag signed 64-bit varint. */
  varlong(v: bigint): this {
    this.ensure(10);
    let n = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
    while (n >= 0x80n) {
      this.buffer[this.offset++] = Number(n & 0x7fn) | 0x80;
      n >>= 7n;
    }
    this.buffer[this.offset++] = Number(n);
    return this;
  }

  raw(bytes: Uint8Array): this {
    this.ensure(bytes.length);
    this.buffer.set(bytes, this.offset);
    this.offset += bytes.length;
    return this;
  }

  /** Overwrites 4 bytes at `at` (a length or CRC written after its contents). */
  patchInt32(at: number, v: number): void {
    this.buffer.writeInt32BE(v, at);
  }

  patchUint32(at: number, v: number): void {
    this.buffer.writeUInt32BE(v, at);
  }

  /** A view of bytes written so far, from `start` (valid until the next write). */
  view(start = 0, end = this.offset): Buffer {
    return this.buffer.subarray(start, end);
  }

  /** A copy of everything written. */
  toBuffer(): Buffer {
    return Buffer.from(this.buffer.subarray(0, this.offset));
  }
}
