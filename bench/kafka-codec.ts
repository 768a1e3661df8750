// Kafka codec micro-benchmark: `node --import tsx bench/kafka-codec.ts [--quick]`, or
// `runKafkaCodecBench(say, quick)` from bench/run.ts. A Produce request carrying one record batch
// of 100 records (16-byte keys, 100-byte values, one header each), one core, ratios against
// kafkajs 2.2.4's own protocol code measured in the same process:
//   1. encode the Produce v7 request (record batch with CRC-32C, then the frame): ours vs kafkajs's
//      produce v7 request encoder and request framing (async in kafkajs, awaited per request).
//   2. decode that request and its record batch, CRC checked: ours (decodeRequest +
//      decodeRecordBatches) vs kafkajs's record batch decoder alone on the same batch (kafkajs has
//      no request decoder: it is a client), so the baseline does less work than we do.
//   3. decode a Fetch v11 response carrying the same batch: ours (decodeResponse +
//      decodeRecordBatches) vs kafkajs's fetch v11 response decoder.

import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import {
  decodeRecordBatches,
  decodeRequest,
  decodeResponse,
  encodeRecordBatch,
  encodeRequest,
  encodeResponse,
  type KafkaStruct,
} from '../src/transports/kafka/codec/index.js';

const require = createRequire(import.meta.url);
type KjsEncoder = { buffer: Buffer };
type KjsRequest = { encode(): Promise<KjsEncoder> };
const kjsProduce = require('kafkajs/src/protocol/requests/produce') as {
  protocol(o: { version: number }): (a: object) => { request: KjsRequest };
};
const kjsFetch = require('kafkajs/src/protocol/requests/fetch') as {
  protocol(o: { version: number }): (a: object) => { response: { decode(b: Buffer): Promise<unknown> } };
};
const kjsFrame = require('kafkajs/src/protocol/request') as (o: object) => Promise<KjsEncoder>;
const KjsDecoder = require('kafkajs/src/protocol/decoder') as new (b: Buffer) => unknown;
const kjsBatchDecoder = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (d: unknown) => Promise<unknown>;

const RECORDS = 100;
const T0 = 1_700_000_000_000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** Operations per second: median of `rounds` rounds of `n` operations each, after one warm-up round. */
async function opsPerSecond(n: number, rounds: number, fn: () => unknown): Promise<number> {
  const rates: number[] = [];
  for (let r = 0; r <= rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await fn();
    const rate = n / ((performance.now() - t0) / 1000);
    if (r > 0) rates.push(rate);
  }
  return median(rates);
}

function messages() {
  return Array.from({ length: RECORDS }, (_, i) => ({
    key: Buffer.from(`key-${String(i).padStart(12, '0')}`),
    value: Buffer.alloc(100, i),
    headers: { trace: Buffer.from('0123456789abcdef') },
    timestamp: T0 + i,
  }));
}

function ourProduceFrame(): Buffer {
  const records = messages().map((m) => ({
    key: m.key,
    value: m.value,
    headers: [{ key: 'trace', value: m.headers.trace }],
    timestamp: BigInt(m.timestamp),
  }));
  const batch = encodeRecordBatch({ baseOffset: 0n, baseTimestamp: BigInt(T0), records });
  return encodeRequest(0, 7, 1, 'bench', {
    transactionalId: null,
    acks: -1,
    timeoutMs: 30000,
    topicData: [{ name: 'bench', partitionData: [{ index: 0, records: batch }] }],
  });
}

async function kafkajsProduceFrame(): Promise<Buffer> {
  const { request } = kjsProduce.protocol({ version: 7 })({
    acks: -1,
    timeout: 30000,
    compression: 0,
    topicData: [{ topic: 'bench', partitions: [{ partition: 0, messages: messages() }] }],
  });
  return (await kjsFrame({ correlationId: 1, clientId: 'bench', request })).buffer;
}

const ratio = (ours: number, theirs: number) => `${(ours / theirs).toFixed(2)}x`;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

export async function runKafkaCodecBench(say: (line: string) => void, quick: boolean): Promise<void> {
  const n = quick ? 200 : 2000;
  const rounds = quick ? 3 : 7;

  const encodeOurs = await opsPerSecond(n, rounds, ourProduceFrame);
  const encodeKjs = await opsPerSecond(n, rounds, kafkajsProduceFrame);

  const frame = ourProduceFrame().subarray(4);
  const decoded = decodeRequest(frame);
  if (!decoded.ok) throw new Error(decoded.reason);
  const topic = (decoded.request.body.topicData as readonly KafkaStruct[])[0];
  const batch = (topic?.partitionData as readonly KafkaStruct[])[0]?.records as Buffer;
  const decodeOurs = await opsPerSecond(n, rounds, () => {
    const request = decodeRequest(frame);
    if (!request.ok) throw new Error(request.reason);
    const t = (request.request.body.topicData as readonly KafkaStruct[])[0];
    const records = decodeRecordBatches((t?.partitionData as readonly KafkaStruct[])[0]?.records as Buffer);
    if (!records.ok || records.batches[0]?.records.length !== RECORDS) throw new Error('decode failed');
  });
  const decodeKjs = await opsPerSecond(n, rounds, () => kjsBatchDecoder(new KjsDecoder(batch)));

  const fetchFrame = encodeResponse(1, 11, 1, {
    responses: [
      {
        topic: 'bench',
        partitions: [
          { partitionIndex: 0, highWatermark: 100n, lastStableOffset: 100n, preferredReadReplica: -1, records: batch },
        ],
      },
    ],
  });
  const fetchOurs = await opsPerSecond(n, rounds, () => {
    const response = decodeResponse(1, 11, fetchFrame.subarray(4));
    if (!response.ok) throw new Error(response.reason);
    const t = (response.body.responses as readonly KafkaStruct[])[0];
    const records = decodeRecordBatches((t?.partitions as readonly KafkaStruct[])[0]?.records as Buffer, {
      allowPartialTrailingBatch: true,
    });
    if (!records.ok) throw new Error('decode failed');
  });
  const fetchDecoder = kjsFetch.protocol({ version: 11 })({ topics: [] }).response;
  const fetchKjs = await opsPerSecond(n, rounds, () => fetchDecoder.decode(fetchFrame.subarray(8)));

  const kjsBytes = (await kafkajsProduceFrame()).length;
  const sizes = `${fmt(frame.length + 4)} bytes; kafkajs's: ${fmt(kjsBytes)}`;
  say(`### Produce request, one batch of ${RECORDS} records (${sizes})`);
  say('');
  say('| operation | ours (per s) | kafkajs (per s) | ours / kafkajs |');
  say('|---|---|---|---|');
  say(`| encode Produce v7 request | ${fmt(encodeOurs)} | ${fmt(encodeKjs)} | ${ratio(encodeOurs, encodeKjs)} |`);
  say(
    `| decode Produce v7 request + batch (kafkajs: batch only) | ${fmt(decodeOurs)} | ${fmt(decodeKjs)} | ` +
      `${ratio(decodeOurs, decodeKjs)} |`,
  );
  say(`| decode Fetch v11 response + batch | ${fmt(fetchOurs)} | ${fmt(fetchKjs)} | ${ratio(fetchOurs, fetchKjs)} |`);
  say('');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runKafkaCodecBench((line) => console.log(line), process.argv.includes('--quick'));
}
