// Record batch v2 (magic 2; KIP-98, kafka.apache.org/documentation/#recordbatch), the only format
// Produce v3+ carries. Layout: baseOffset int64, batchLength int32, partitionLeaderEpoch int32,
// magic int8, crc uint32 (CRC-32C of everything after it), attributes int16, lastOffsetDelta int32,
// baseTimestamp int64, maxTimestamp int64, producerId int64, producerEpoch int16, baseSequence int32,
// record count int32, then the records (compressed as one block when attributes say so). A record:
// length varint, attributes int8, timestampDelta varlong, offsetDelta varint, key (varint length,
// -1 null), value (likewise), header count varint, headers (key string, value bytes or null).
import { gunzipSync, gzipSync } from 'node:zlib';
import { crc32c } from './crc32c.js';
import { DecodeFailure, Reader } from './reader.js';
import { Writer } from './writer.js';

export interface RecordHeader {
  readonly key: string;
  readonly value: Buffer | null;
}

export interface KafkaRecord {
  /** Absolute offset (baseOffset + offsetDelta). */
  readonly offset: bigint;
  /** Absolute timestamp in ms (baseTimestamp + timestampDelta). */
  readonly timestamp: bigint;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly RecordHeader[];
}

export interface RecordBatch {
  readonly baseOffset: bigint;
  readonly partitionLeaderEpoch: number;
  readonly attributes: number;
  readonly lastOffsetDelta: number;
  readonly baseTimestamp: bigint;
  readonly maxTimestamp: bigint;
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly records: readonly KafkaRecord[];
}

/** Compression codecs, attributes bits 0–2. */
export const COMPRESSION = Object.freeze({ none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const);
const TRANSACTIONAL = 0x10;
const CONTROL = 0x20;

export interface RecordBatchLimits {
  /** Most records in one batch (the count field is checked before any record is read). */
  readonly maxRecordsPerBatch?: number;
  /** Most bytes a compressed batch may inflate to (zlib's maxOutputLength: stops inflating there). */
  readonly maxUncompressedBytes?: number;
  /** Most batches in one records field. */
  readonly maxBatches?: number;
  /**
   * Client direction: a Fetch response may end with a partial batch (a broker cuts at the byte limit);
   * true ignores it, as Kafka clients do. A server decoding Produce keeps the default, false.
   */
  readonly allowPartialTrailingBatch?: boolean;
}

export const DEFAULT_RECORD_BATCH_LIMITS = Object.freeze({
  maxRecordsPerBatch: 100_000,
  maxUncompressedBytes: 16 * 1024 * 1024,
  maxBatches: 10_000,
});

/**
 * Why a records field was refused. A front answers `corrupt` with CORRUPT_MESSAGE (2),
 * `unsupported-compression` with UNSUPPORTED_COMPRESSION_TYPE (76), `unsupported-magic` with
 * UNSUPPORTED_FOR_MESSAGE_FORMAT (43) and `too-large` with RECORD_LIST_TOO_LARGE (18).
 */
export type RecordBatchFailureKind = 'corrupt' | 'unsupported-magic' | 'unsupported-compression' | 'too-large';

export type RecordBatchesOutcome =
  | { readonly ok: true; readonly batches: readonly RecordBatch[] }
  | { readonly ok: false; readonly kind: RecordBatchFailureKind; readonly reason: string };

class BatchFailure extends DecodeFailure {
  readonly kind: RecordBatchFailureKind;

  constructor(kind: RecordBatchFailureKind, message: string) {
    super(message);
    this.kind = kind;
  }
}

/** Bytes of the batch header after batchLength: from partitionLeaderEpoch to the record count. */
const HEADER_AFTER_LENGTH = 4 + 1 + 4 + 2 + 4 + 8 + 8 + 8 + 2 + 4 + 4;
/** The CRC covers everything from attributes, which starts this far after batchLength. */
const CRC_START_AFTER_LENGTH = 4 + 1 + 4;

function readNullableVarBytes(r: Reader, what: string): Buffer | null {
  const n = r.varint();
  if (n === -1) return null;
  if (n < 0) throw new BatchFailure('corrupt', `negative ${what} length ${n}`);
  return r.bytes(n, what);
}

function readRecords(
  r: Reader,
  count: number,
  baseOffset: bigint,
  baseTimestamp: bigint,
  records: KafkaRecord[],
): void {
  // A record takes at least 7 bytes (length, attributes, two deltas, key, value, header count: 1 each).
  r.claim(count, 7, 'record count');
  for (let i = 0; i < count; i++) {
    const length = r.varint();
    if (length < 0) throw new BatchFailure('corrupt', `negative record length ${length}`);
    const end = r.position + r.claim(length, 1, 'record');
    r.int8(); // record attributes: unused by the format so far
    const timestampDelta = r.varlong();
    const offsetDelta = r.varint();
    const key = readNullableVarBytes(r, 'record key');
    const value = readNullableVarBytes(r, 'record value');
    const headerCount = r.varint();
    if (headerCount < 0) throw new BatchFailure('corrupt', `negative header count ${headerCount}`);
    r.claim(headerCount, 2, 'header count');
    const headers: RecordHeader[] = [];
    for (let h = 0; h < headerCount; h++) {
      const keyLength = r.varint();
      if (keyLength < 0) throw new BatchFailure('corrupt', `negative header key length ${keyLength}`);
      headers.push({ key: r.utf8(keyLength, 'header key'), value: readNullableVarBytes(r, 'header value') });
    }
    if (r.position !== end) throw new BatchFailure('corrupt', `record length ${length} does not match its fields`);
    records.push({
      offset: baseOffset + BigInt(offsetDelta),
      timestamp: baseTimestamp + timestampDelta,
      key,
      value,
      headers,
    });
  }
}

function readBatch(r: Reader, limits: Required<Omit<RecordBatchLimits, 'allowPartialTrailingBatch'>>): RecordBatch {
  const baseOffset = r.int64();
  const batchLength = r.int32();
  if (batchLength < HEADER_AFTER_LENGTH) throw new BatchFailure('corrupt', `batch length ${batchLength} too small`);
  const body = r.bytes(batchLength, 'record batch');
  const b = new Reader(body);
  const partitionLeaderEpoch = b.int32();
  const magic = b.int8();
  if (magic !== 2) throw new BatchFailure('unsupported-magic', `record batch magic ${magic}, only 2 is supported`);
  const crc = b.uint32();
  if (crc32c(body.subarray(CRC_START_AFTER_LENGTH)) !== crc) {
    throw new BatchFailure('corrupt', 'record batch CRC-32C mismatch');
  }
  const attributes = b.int16();
  const lastOffsetDelta = b.int32();
  const baseTimestamp = b.int64();
  const maxTimestamp = b.int64();
  const producerId = b.int64();
  const producerEpoch = b.int16();
  const baseSequence = b.int32();
  const count = b.int32();
  if (count < 0) throw new BatchFailure('corrupt', `negative record count ${count}`);
  if (count > limits.maxRecordsPerBatch) {
    throw new BatchFailure('too-large', `${count} records in a batch, over the limit of ${limits.maxRecordsPerBatch}`);
  }
  const records: KafkaRecord[] = [];
  const compression = attributes & 0x07;
  if (compression === COMPRESSION.none) {
    readRecords(b, count, baseOffset, baseTimestamp, records);
    if (b.remaining() !== 0) throw new BatchFailure('corrupt', `${b.remaining()} bytes after the batch's records`);
  } else if (compression === COMPRESSION.gzip) {
    let inflated: Buffer;
    try {
      inflated = gunzipSync(b.rest(), { maxOutputLength: limits.maxUncompressedBytes });
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'ERR_BUFFER_TOO_LARGE') {
        throw new BatchFailure('too-large', `gzip batch inflates past ${limits.maxUncompressedBytes} bytes`);
      }
      throw new BatchFailure('corrupt', 'gzip batch does not inflate');
    }
    const inner = new Reader(inflated);
    readRecords(inner, count, baseOffset, baseTimestamp, records);
    if (inner.remaining() !== 0) throw new BatchFailure('corrupt', `${inner.remaining()} bytes after the records`);
  } else {
    const name = Object.entries(COMPRESSION).find(([, v]) => v === compression)?.[0] ?? `codec ${compression}`;
    throw new BatchFailure('unsupported-compression', `${name} compression is not supported`);
  }
  return {
    baseOffset,
    partitionLeaderEpoch,
    attributes,
    lastOffsetDelta,
    baseTimestamp,
    maxTimestamp,
    producerId,
    producerEpoch,
    baseSequence,
    records,
  };
}

/** Decodes the record batches of one `records` field. Never throws on wire input. */
export function decodeRecordBatches(bytes: Buffer, limits: RecordBatchLimits = {}): RecordBatchesOutcome {
  const bounds = {
    maxRecordsPerBatch: limits.maxRecordsPerBatch ?? DEFAULT_RECORD_BATCH_LIMITS.maxRecordsPerBatch,
    maxUncompressedBytes: limits.maxUncompressedBytes ?? DEFAULT_RECORD_BATCH_LIMITS.maxUncompressedBytes,
    maxBatches: limits.maxBatches ?? DEFAULT_RECORD_BATCH_LIMITS.maxBatches,
  };
  const r = new Reader(bytes);
  const batches: RecordBatch[] = [];
  try {
    while (r.remaining() > 0) {
      if (limits.allowPartialTrailingBatch === true) {
        // baseOffset (8) + batchLength (4) then the batch: a shorter tail is a cut-off batch.
        if (r.remaining() < 12 || bytes.readInt32BE(r.position + 8) > r.remaining() - 12) break;
      }
      if (batches.length >= bounds.maxBatches) {
        throw new BatchFailure('too-large', `more than ${bounds.maxBatches} batches`);
      }
      batches.push(readBatch(r, bounds));
    }
    return { ok: true, batches };
  } catch (error) {
    if (error instanceof BatchFailure) return { ok: false, kind: error.kind, reason: error.message };
    return { ok: false, kind: 'corrupt', reason: error instanceof Error ? error.message : 'undecodable batch' };
  }
}

/** Flags of a batch's attributes (bit 4: transactional, bit 5: control). */
export function isControlBatch(batch: RecordBatch): boolean {
  return (batch.attributes & CONTROL) !== 0;
}

export function isTransactionalBatch(batch: RecordBatch): boolean {
  return (batch.attributes & TRANSACTIONAL) !== 0;
}

export interface RecordInput {
  readonly key?: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: readonly RecordHeader[];
  /** Absolute timestamp in ms; defaults to the batch's base timestamp. */
  readonly timestamp?: bigint;
}

export interface RecordBatchInput {
  readonly baseOffset: bigint;
  readonly baseTimestamp: bigint;
  readonly records: readonly RecordInput[];
  readonly compression?: 'none' | 'gzip';
  readonly partitionLeaderEpoch?: number;
  /** -1 / -1 / -1 for a non-idempotent producer. */
  readonly producerId?: bigint;
  readonly producerEpoch?: number;
  readonly baseSequence?: number;
}

function writeVarBytes(w: Writer, bytes: Buffer | null | undefined): void {
  if (bytes === null || bytes === undefined) w.varint(-1);
  else w.varint(bytes.length).raw(bytes);
}

function encodeRecords(records: readonly RecordInput[], baseTimestamp: bigint): Buffer {
  const w = new Writer(records.length * 64);
  // A record's length prefix comes before it, so each record is written to one reused scratch writer first.
  const one = new Writer(256);
  records.forEach((record, offsetDelta) => {
    one.reset();
    one
      .int8(0)
      .varlong((record.timestamp ?? baseTimestamp) - baseTimestamp)
      .varint(offsetDelta);
    writeVarBytes(one, record.key);
    writeVarBytes(one, record.value);
    const headers = record.headers ?? [];
    one.varint(headers.length);
    for (const header of headers) {
      const key = Buffer.from(header.key, 'utf8');
      one.varint(key.length).raw(key);
      writeVarBytes(one, header.value);
    }
    w.varint(one.length).raw(one.view());
  });
  return w.view();
}

/** One record batch v2 (magic 2), CRC-32C computed; records get offset deltas 0..n-1. */
export function encodeRecordBatch(input: RecordBatchInput): Buffer {
  const compression = input.compression ?? 'none';
  let records = encodeRecords(input.records, input.baseTimestamp);
  if (compression === 'gzip') records = gzipSync(records);
  let maxTimestamp = input.baseTimestamp;
  for (const record of input.records) {
    if (record.timestamp !== undefined && record.timestamp > maxTimestamp) maxTimestamp = record.timestamp;
  }
  const w = new Writer(61 + records.length);
  w.int64(input.baseOffset).int32(0); // batchLength, patched below
  w.int32(input.partitionLeaderEpoch ?? -1)
    .int8(2)
    .uint32(0); // crc, patched below
  const crcStart = w.length;
  w.int16(compression === 'gzip' ? COMPRESSION.gzip : COMPRESSION.none)
    .int32(Math.max(0, input.records.length - 1))
    .int64(input.baseTimestamp)
    .int64(maxTimestamp)
    .int64(input.producerId ?? -1n)
    .int16(input.producerEpoch ?? -1)
    .int32(input.baseSequence ?? -1)
    .int32(input.records.length)
    .raw(records);
  w.patchInt32(8, w.length - 12);
  w.patchUint32(crcStart - 4, crc32c(w.view(crcStart)));
  return w.toBuffer();
}
