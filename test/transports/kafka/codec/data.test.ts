// Produce, Fetch and ListOffsets against kafkajs: its requests (with record batches it builds, plain
// and gzip) decode with our codec to the same topics, partitions and records; our responses (with
// record batches we build) decode in kafkajs to the same values, at every version both speak.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decodeRecordBatches,
  encodeRecordBatch,
  encodeResponse,
  KAFKA_ERRORS,
  type KafkaStruct,
} from '../../../../src/transports/kafka/codec/index.js';
import { decodeKafkajsRequest, kafkajsDecodeResponse, kafkajsRequestFrame, kafkajsVersions } from './kafkajs-oracle.js';

function body(frame: Buffer): KafkaStruct {
  return decodeKafkajsRequest(frame).body;
}

function versionsFrom(api: string, min: number): number[] {
  return kafkajsVersions(api).filter((v) => v >= min);
}

const T0 = 1_700_000_000_000;
const MESSAGES = [
  { key: 'k1', value: 'first', headers: { trace: 'abc', multi: ['1', '2'] }, timestamp: T0 },
  { key: null, value: 'second', timestamp: T0 + 5 },
  { value: null, timestamp: T0 + 9 },
];

for (const [label, compression] of [
  ['plain', 0],
  ['gzip', 1],
] as const) {
  test(`Produce v3-7 from kafkajs (${label} record batch) decodes to the same records`, async () => {
    for (const version of versionsFrom('produce', 3)) {
      const frame = await kafkajsRequestFrame('produce', version, {
        acks: -1,
        timeout: 30000,
        compression,
        transactionalId: null,
        topicData: [{ topic: 'plant.readings', partitions: [{ partition: 0, messages: MESSAGES }] }],
      });
      const request = body(frame);
      assert.equal(request.acks, -1);
      assert.equal(request.timeoutMs, 30000);
      assert.equal(request.transactionalId, null);
      const topics = request.topicData as readonly KafkaStruct[];
      assert.equal(topics[0]?.name, 'plant.readings');
      const partition = (topics[0]?.partitionData as readonly KafkaStruct[])[0];
      assert.equal(partition?.index, 0);
      const decoded = decodeRecordBatches(partition?.records as Buffer);
      assert.ok(decoded.ok, decoded.ok ? '' : decoded.reason);
      if (!decoded.ok) return;
      assert.equal(decoded.batches.length, 1);
      const batch = decoded.batches[0];
      assert.equal((batch?.attributes ?? -1) & 0x07, compression);
      assert.equal(batch?.baseTimestamp, BigInt(T0));
      assert.equal(batch?.maxTimestamp, BigInt(T0 + 9));
      assert.equal(batch?.lastOffsetDelta, 2);
      assert.deepEqual(
        batch?.records.map((r) => ({
          offset: r.offset,
          timestamp: r.timestamp,
          key: r.key?.toString() ?? null,
          value: r.value?.toString() ?? null,
          headers: r.headers.map((h) => [h.key, h.value?.toString()]),
        })),
        [
          {
            offset: 0n,
            timestamp: BigInt(T0),
            key: 'k1',
            value: 'first',
            headers: [
              ['trace', 'abc'],
              ['multi', '1'],
              ['multi', '2'],
            ],
          },
          { offset: 1n, timestamp: BigInt(T0 + 5), key: null, value: 'second', headers: [] },
          { offset: 2n, timestamp: BigInt(T0 + 9), key: null, value: null, headers: [] },
        ],
      );
    }
  });
}

test('Produce v3-7 responses decode in kafkajs', async () => {
  for (const version of versionsFrom('produce', 3)) {
    const framed = encodeResponse(0, version, 7, {
      responses: [
        {
          name: 'plant.readings',
          partitionResponses: [
            { index: 0, errorCode: 0, baseOffset: 42n, logAppendTimeMs: -1n, logStartOffset: 0n },
            { index: 1, errorCode: KAFKA_ERRORS.CORRUPT_MESSAGE, baseOffset: -1n, logAppendTimeMs: -1n },
          ],
        },
      ],
      throttleTimeMs: 0,
    });
    const { data } = await kafkajsDecodeResponse('produce', version, framed, { acks: 1, topicData: [] });
    const topics = data.topics as { topicName: string; partitions: Record<string, unknown>[] }[];
    assert.equal(topics[0]?.topicName, 'plant.readings');
    assert.equal(topics[0]?.partitions[0]?.baseOffset, '42');
    assert.equal(topics[0]?.partitions[0]?.errorCode, 0);
    assert.equal(topics[0]?.partitions[1]?.errorCode, 2);
    if (version >= 5) assert.equal(topics[0]?.partitions[0]?.logStartOffset, '0');
  }
});

test('Fetch v4-11 requests from kafkajs decode', async () => {
  for (const version of versionsFrom('fetch', 4)) {
    const frame = await kafkajsRequestFrame('fetch', version, {
      replicaId: -1,
      isolationLevel: 1,
      maxWaitTime: 5000,
      minBytes: 1,
      maxBytes: 10485760,
      topics: [{ topic: 'plant.readings', partitions: [{ partition: 0, fetchOffset: '17', maxBytes: 1048576 }] }],
      rackId: '',
    });
    const request = body(frame);
    assert.equal(request.replicaId, -1);
    assert.equal(request.maxWaitMs, 5000);
    assert.equal(request.maxBytes, 10485760);
    assert.equal(request.isolationLevel, 1);
    const topics = request.topics as readonly KafkaStruct[];
    assert.equal(topics[0]?.topic, 'plant.readings');
    const partition = (topics[0]?.partitions as readonly KafkaStruct[])[0];
    assert.equal(partition?.fetchOffset, 17n);
    assert.equal(partition?.partitionMaxBytes, 1048576);
    if (version >= 7) assert.equal(request.sessionEpoch, -1);
  }
});

test('Fetch v4-11 responses with our record batches (plain and gzip) decode in kafkajs', async () => {
  const records = Buffer.concat([
    encodeRecordBatch({
      baseOffset: 10n,
      baseTimestamp: BigInt(T0),
      records: [
        { key: Buffer.from('k'), value: Buffer.from('v10'), headers: [{ key: 'h', value: Buffer.from('x') }] },
        { value: Buffer.from('v11'), timestamp: BigInt(T0 + 3) },
      ],
    }),
    encodeRecordBatch({
      baseOffset: 12n,
      baseTimestamp: BigInt(T0 + 10),
      compression: 'gzip',
      records: [{ value: Buffer.from('v12') }],
    }),
  ]);
  for (const version of versionsFrom('fetch', 4)) {
    const framed = encodeResponse(1, version, 7, {
      throttleTimeMs: 0,
      errorCode: 0,
      sessionId: 0,
      responses: [
        {
          topic: 'plant.readings',
          partitions: [
            {
              partitionIndex: 0,
              errorCode: 0,
              highWatermark: 13n,
              lastStableOffset: 13n,
              logStartOffset: 0n,
              abortedTransactions: [],
              preferredReadReplica: -1,
              records,
            },
          ],
        },
      ],
    });
    const { data } = await kafkajsDecodeResponse('fetch', version, framed, { topics: [] });
    const responses = data.responses as { topicName: string; partitions: Record<string, unknown>[] }[];
    assert.equal(responses[0]?.topicName, 'plant.readings');
    const partition = responses[0]?.partitions[0] as { highWatermark: string; messages: Record<string, unknown>[] };
    assert.equal(partition.highWatermark, '13');
    assert.deepEqual(
      partition.messages.map((m) => [
        m.offset,
        m.timestamp,
        (m.key as Buffer | null)?.toString() ?? null,
        (m.value as Buffer).toString(),
      ]),
      [
        ['10', `${T0}`, 'k', 'v10'],
        ['11', `${T0 + 3}`, null, 'v11'],
        ['12', `${T0 + 10}`, null, 'v12'],
      ],
    );
    assert.equal((partition.messages[0]?.headers as Record<string, Buffer>).h?.toString(), 'x');
  }
});

test('ListOffsets v1-3 both ways with kafkajs', async () => {
  for (const version of versionsFrom('listOffsets', 1)) {
    const frame = await kafkajsRequestFrame('listOffsets', version, {
      replicaId: -1,
      isolationLevel: 1,
      topics: [{ topic: 't', partitions: [{ partition: 0, timestamp: -1 }] }],
    });
    const request = body(frame);
    const topics = request.topics as readonly KafkaStruct[];
    assert.equal(topics[0]?.name, 't');
    assert.deepEqual(topics[0]?.partitions, [{ partitionIndex: 0, timestamp: -1n }]);
    if (version >= 2) assert.equal(request.isolationLevel, 1);
    const framed = encodeResponse(2, version, 7, {
      throttleTimeMs: 0,
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, errorCode: 0, timestamp: -1n, offset: 99n }] }],
    });
    const { data } = await kafkajsDecodeResponse('listOffsets', version, framed, { topics: [] });
    const responses = data.responses as { topic: string; partitions: Record<string, unknown>[] }[];
    assert.equal(responses[0]?.topic, 't');
    assert.equal(responses[0]?.partitions[0]?.offset, '99');
    assert.equal(responses[0]?.partitions[0]?.errorCode, 0);
  }
});
