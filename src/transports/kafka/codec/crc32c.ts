// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of Kafka record batch v2
// (KIP-98, "Message format"). Table-driven, "slicing by 8" (eight 256-entry tables, eight bytes per
// step; Intel's "A Systematic Approach to Building High Performance Software-based CRC
// Generators", 2005), since every produced and fetched batch is checksummed in full.
// Vectors: RFC 3720, appendix B.4 (test/transports/kafka/codec/crc32c.test.ts).

const TABLES: Uint32Array[] = Array.from({ length: 8 }, () => new Uint32Array(256));
const T0 = TABLES[0] as Uint32Array;
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
  T0[n] = c >>> 0;
}
for (let t = 1; t < 8; t++) {
  const previous = TABLES[t - 1] as Uint32Array;
  const table = TABLES[t] as Uint32Array;
  for (let n = 0; n < 256; n++) {
    const p = previous[n] as number;
    table[n] = ((T0[p & 0xff] as number) ^ (p >>> 8)) >>> 0;
  }
}
const [, T1, T2, T3, T4, T5, T6, T7] = TABLES as [
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
];

/** The CRC-32C of `bytes`, as an unsigned 32-bit integer. */
export function crc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  let i = 0;
  const n = bytes.length;
  const whole = n - (n % 8);
  for (; i < whole; i += 8) {
    const a =
      crc ^
      ((bytes[i] as number) |
        ((bytes[i + 1] as number) << 8) |
        ((bytes[i + 2] as number) << 16) |
        ((bytes[i + 3] as number) << 24));
    crc =
      (T7[a & 0xff] as number) ^
      (T6[(a >>> 8) & 0xff] as number) ^
      (T5[(a >>> 16) & 0xff] as number) ^
      (T4[a >>> 24] as number) ^
      (T3[bytes[i + 4] as number] as number) ^
      (T2[bytes[i + 5] as number] as number) ^
      (T1[bytes[i + 6] as number] as number) ^
      (T0[bytes[i + 7] as number] as number);
  }
  for (; i < n; i++) crc = (T0[(crc ^ (bytes[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
