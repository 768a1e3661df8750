// Record batch v2: random records round-trip (plain and gzip); corrupt, old-format, unsupported
// compression and oversize batches are refused as values with the kind a front maps to Kafka's
// error codes, without throwing and without allocating what the batch claims.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import '../../../helpers/property.js';
import {
  crc32c,
  decodeRecordBatches,
  encodeRecordBatch,
  type RecordBatchFailureKind,
} from '../../../../src/transports/kafka/codec/index.js';

const T0 = 1_700_000_000_000n;

/** Offsets inside an encoded batch (KIP-98 layout). */
const MAGIC_AT = 16;
const CRC_AT = 17;
const ATTRIBUTES_AT = 21;
const COUNT_AT = 57;

function reseal(batch: Buffer): Buffer {
  batch.writeUInt32BE(crc32c(batch.subarray(ATTRIBUTES_AT)), CRC_AT);
  return batch;
}

function sample(count = 2): Buffer {
  return encodeRecordBatch({
    baseOffset: 0n,
    baseTimestamp: T0,
    records: Array.from({ length: count }, (_, i) => ({ value: Buffer.from(`value ${i}`) })),
  });
}

function expectFailure(bytes: Buffer, kind: RecordBatchFailureKind, pattern: RegExp, limits = {}): void {
  const outcome = decodeRecordBatches(bytes, limits);
  assert.ok(!outcome.ok, 'decoded');
  if (outcome.ok) return;
  assert.equal(outcome.kind, kind);
  assert.match(outcome.reason, pattern);
}

const bytesArb = fc.option(
  fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)),
  { nil: null },
);
const recordArb = fc.record({
  key: bytesArb,
  value: bytesArb,
  headers: fc.array(fc.record({ key: fc.string({ maxLength: 8 }), value: bytesArb }, { noNullPrototype: true }), {
    maxLength: 3,
  }),
  timestamp: fc.bigInt({ min: T0, max: T0 + 100_000n }),
});

test('random batches round-trip, plain and gzip, several per records field', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          records: fc.array(recordArb, { minLength: 1, maxLength: 6 }),
          gzip: fc.boolean(),
        }),
        { minLength: 1, maxLength: 3 },
      ),
      (batches) => {
        let offset = 5n;
        const inputs = batches.map(({ records, gzip }) => {
          const input = {
            baseOffset: offset,
            baseTimestamp: T0,
            records,
            compression: gzip ? ('gzip' as const) : ('none' as const),
          };
          offset += BigInt(records.length);
          return input;
        });
        const outcome = decodeRecordBatches(Buffer.concat(inputs.map(encodeRecordBatch)));
        assert.ok(outcome.ok, outcome.ok ? '' : outcome.reason);
        if (!outcome.ok) return;
        assert.equal(outcome.batches.length, inputs.length);
        outcome.batches.forEach((batch, b) => {
          const input = inputs[b];
          assert.ok(input !== undefined);
          assert.equal(batch.baseOffset, input.baseOffset);
          assert.equal(batch.lastOffsetDelta, input.records.length - 1);
          assert.deepEqual(
            batch.records,
            input.records.map((r, i) => ({ ...r, offset: input.baseOffset + BigInt(i) })),
          );
        });
      },
    ),
    { numRuns: 200 },
  );
});

test('a wrong CRC-32C is corrupt (CORRUPT_MESSAGE)', () => {
  const batch = sample();
  batch.writeUInt8(batch.readUInt8(batch.length - 1) ^ 0x01, batch.length - 1);
  expectFailure(batch, 'corrupt', /CRC-32C mismatch/);
});

test('magic 0 and 1 (message sets) are refused; produce v3+ always carries magic 2', () => {
  for (const magic of [0, 1]) {
    const batch = sample();
    batch[MAGIC_AT] = magic;
    expectFailure(batch, 'unsupported-magic', new RegExp(`magic ${magic}`));
  }
});

test('snappy, lz4 and zstd are unsupported compression (UNSUPPORTED_COMPRESSION_TYPE)', () => {
  for (const [codec, name] of [
    [2, 'snappy'],
    [3, 'lz4'],
    [4, 'zstd'],
  ] as const) {
    const batch = sample();
    batch.writeInt16BE(codec, ATTRIBUTES_AT);
    expectFailure(reseal(batch), 'unsupported-compression', new RegExp(name));
  }
});

test('a record count over maxRecordsPerBatch is too large; a count the bytes cannot hold is corrupt', () => {
  expectFailure(sample(5), 'too-large', /5 records in a batch/, { maxRecordsPerBatch: 4 });
  const claimed = sample(1);
  claimed.writeInt32BE(50_000, COUNT_AT);
  expectFailure(reseal(claimed), 'corrupt', /claims 50000 elements/);
  const negative = sample(1);
  negative.writeInt32BE(-3, COUNT_AT);
  expectFailure(reseal(negative), 'corrupt', /negative record count/);
});

test('a gzip bomb stops inflating at maxUncompressedBytes', () => {
  const bomb = gzipSync(Buffer.alloc(8 * 1024 * 1024));
  const batch = encodeRecordBatch({ baseOffset: 0n, baseTimestamp: T0, records: [{ value: null }] });
  const head = Buffer.from(batch.subarray(0, COUNT_AT + 4));
  head.writeInt16BE(1, ATTRIBUTES_AT);
  const forged = Buffer.concat([head, bomb]);
  forged.writeInt32BE(forged.length - 12, 8);
  expectFailure(reseal(forged), 'too-large', /inflates past 1048576/, { maxUncompressedBytes: 1024 * 1024 });
  const garbage = Buffer.concat([head, Buffer.from('not gzip')]);
  garbage.writeInt32BE(garbage.length - 12, 8);
  expectFailure(reseal(garbage), 'corrupt', /does not inflate/);
});

test('a record whose length disagrees with its fields is corrupt', () => {
  const batch = sample(1);
  batch.writeUInt8(batch.readUInt8(COUNT_AT + 4) + 2, COUNT_AT + 4); // the record's length varint (one byte)
  expectFailure(reseal(batch), 'corrupt', /claims|does not match|truncated|after/);
});

test('a partial trailing batch: refused by default, skipped in the client direction (Fetch responses)', () => {
  const two = Buffer.concat([sample(), sample()]);
  const cut = two.subarray(0, two.length - 7);
  expectFailure(cut, 'corrupt', /claims|truncated/);
  const outcome = decodeRecordBatches(cut, { allowPartialTrailingBatch: true });
  assert.ok(outcome.ok);
  if (outcome.ok) assert.equal(outcome.batches.length, 1);
});

test('batches beyond maxBatches are too large; an empty records field has none', () => {
  expectFailure(Buffer.concat([sample(), sample(), sample()]), 'too-large', /more than 2 batches/, { maxBatches: 2 });
  const empty = decodeRecordBatches(Buffer.alloc(0));
  assert.ok(empty.ok && empty.batches.length === 0);
});

test('random mutations of a batch never throw', () => {
  const base = encodeRecordBatch({
    baseOffset: 0n,
    baseTimestamp: T0,
    records: [{ key: Buffer.from('k'), value: Buffer.from('v'), headers: [{ key: 'h', value: null }] }],
  });
  fc.assert(
    fc.property(
      fc.array(fc.record({ at: fc.nat(base.length - 1), byte: fc.integer({ min: 0, max: 255 }) }), {
        minLength: 1,
        maxLength: 6,
      }),
      fc.boolean(),
      (mutations, resealed) => {
        const copy = Buffer.from(base);
        for (const { at, byte } of mutations) copy[at] = byte;
        if (resealed && copy.length > ATTRIBUTES_AT) reseal(copy);
        decodeRecordBatches(copy);
      },
    ),
    { numRuns: 500 },
  );
});
