// The Kafka front under random and mutated request frames (bounded runs, seeded: test/helpers/property.ts), before
// and after authentication: the connection may end, the front never crashes, holds nothing beyond its bounds, and
// answers the next client.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import fc from 'fast-check';
import '../../helpers/property.js';
import { encodeRecordBatch, encodeRequest } from '../../../src/transports/kafka/codec/index.js';
import { bindingsFor, kafkaModel, startKafkaFront, type Harness } from './helpers.js';

let h: Harness;
before(async () => {
  const model = await kafkaModel(['open']);
  h = await startKafkaFront(model, {
    server: 'open',
    schemes: bindingsFor(model),
    limits: { maxMessageBytes: 4096 },
    frontExtra: { log: { maxLogBytes: 1024 * 1024 } },
  });
});
after(() => h.close());

const records = encodeRecordBatch({
  baseOffset: 0n,
  baseTimestamp: 1_700_000_000_000n,
  records: [{ value: Buffer.from('v1') }, { key: Buffer.from('k'), value: Buffer.from('v2') }],
});
/** Valid frames of the requests the front answers, to mutate. */
const SEEDS: Buffer[] = [
  encodeRequest(18, 3, 1, 'fuzz', { clientSoftwareName: 'f', clientSoftwareVersion: '1' }),
  encodeRequest(3, 8, 2, 'fuzz', { topics: [{ name: 'plant/1/status' }], allowAutoTopicCreation: true }),
  encodeRequest(0, 7, 3, 'fuzz', {
    transactionalId: null,
    acks: -1,
    timeoutMs: 1000,
    topicData: [{ name: 'plant/1/status', partitionData: [{ index: 0, records }] }],
  }),
  encodeRequest(1, 11, 4, 'fuzz', {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic: 'plant/1/status', partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }] }],
    forgottenTopicsData: [],
    rackId: '',
  }),
  encodeRequest(11, 5, 5, 'fuzz', {
    groupId: 'g',
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 100,
    memberId: '',
    groupInstanceId: null,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.from([0, 1]) }],
  }),
];

/** Sends bytes on a fresh connection; resolves when the server closed it or after a short while. */
function send(bytes: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const socket: Socket = connect(h.port, '127.0.0.1');
    socket.on('error', () => {});
    socket.on('data', () => {});
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    };
    const timer = setTimeout(done, 150);
    socket.once('close', done);
    socket.once('connect', () => socket.write(bytes));
  });
}

const mutated = fc
  .tuple(
    fc.constantFrom(...SEEDS),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
    fc.option(fc.nat(), { nil: undefined }),
  )
  .map(([seed, flips, cut]) => {
    const out = Buffer.from(seed);
    // Keep the size prefix consistent with the body unless a flip lands in it (then the splitter decides).
    for (const [at, byte] of flips) out[at % out.length] = byte;
    return cut === undefined ? out : out.subarray(0, 4 + (cut % Math.max(1, out.length - 4)));
  });

const random = fc.uint8Array({ minLength: 0, maxLength: 256 }).map((b) => {
  const body = Buffer.from(b);
  const frame = Buffer.alloc(4 + body.length);
  frame.writeInt32BE(body.length, 0);
  body.copy(frame, 4);
  return frame;
});

test('fuzz: mutated and random request frames never crash the front nor grow it past its bounds', async () => {
  await fc.assert(
    fc.asyncProperty(fc.oneof(mutated, random), async (frame) => {
      await send(frame);
    }),
    { numRuns: 300 },
  );
  const usage = h.front.usage();
  assert.ok(usage.logBytes <= 1024 * 1024, `log bytes ${usage.logBytes}`);
  assert.ok(usage.groups <= 1000);
  // Still serving: a well-formed ApiVersions gets its answer.
  const answer = await new Promise<Buffer>((resolve, reject) => {
    const socket = connect(h.port, '127.0.0.1');
    socket.once('data', (d: Buffer) => {
      socket.destroy();
      resolve(d);
    });
    socket.once('error', reject);
    socket.once('connect', () => socket.write(SEEDS[0]!));
  });
  assert.ok(answer.length > 8);
});
