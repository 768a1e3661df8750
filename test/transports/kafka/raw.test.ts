// The Kafka front on a raw socket: what a client that skips or breaks the protocol gets. Requests are encoded with
// the codec's client direction; answers read with decodeResponse.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import {
  crc32c,
  decodeResponse,
  encodeRecordBatch,
  encodeRequest,
  type KafkaStruct,
} from '../../../src/transports/kafka/codec/index.js';
import { bindingsFor, captureLog, kafkaModel, startKafkaFront, type Harness } from './helpers.js';

let h: Harness;
const log = captureLog();

before(async () => {
  const model = await kafkaModel(['sasl']);
  h = await startKafkaFront(model, {
    server: 'sasl',
    schemes: bindingsFor(model),
    logger: log.logger,
    // The handshake deadline far beyond these tests' waits: a close can only come from the check under test.
    limits: { handshakeTimeoutMs: 120_000, maxMessageBytes: 1024 },
  });
});
after(() => h.close());

/** A socket that collects everything it receives, and resolves `closed` when the server ends it. */
async function open(): Promise<{ socket: Socket; received: () => Buffer; closed: Promise<void> }> {
  const socket = connect(h.port, '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => {});
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return { socket, received: () => Buffer.concat(chunks), closed };
}

/** Sends one request and reads one response frame. */
async function roundTrip(socket: Socket, apiKey: number, version: number, body: KafkaStruct): Promise<KafkaStruct> {
  const frame = encodeRequest(apiKey, version, 7, 'raw', body);
  const reply = new Promise<Buffer>((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const onData = (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      if (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
        socket.off('data', onData);
        resolve(buf.subarray(4, 4 + buf.readInt32BE(0)));
      }
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error('closed')));
  });
  socket.write(frame);
  const decoded = decodeResponse(apiKey, version, await reply);
  assert.ok(decoded.ok);
  return decoded.body;
}

test('a request before authentication closes the connection and gets no answer', async () => {
  const c = await open();
  c.socket.write(encodeRequest(3, 1, 1, 'raw', { topics: null }));
  await c.closed;
  assert.equal(c.received().length, 0);
});

test('ApiVersions is answered before authentication; SaslHandshake lists only the declared mechanisms', async () => {
  const c = await open();
  const versions = await roundTrip(c.socket, 18, 0, {});
  assert.equal(versions.errorCode, 0);
  const handshake = await roundTrip(c.socket, 17, 1, { mechanism: 'GSSAPI' });
  assert.equal(handshake.errorCode, 33); // UNSUPPORTED_SASL_MECHANISM
  assert.deepEqual(handshake.mechanisms, ['SCRAM-SHA-256', 'SCRAM-SHA-512', 'PLAIN']);
  await c.closed;
});

test('a wrong PLAIN password is SASL_AUTHENTICATION_FAILED (58), then the connection closes', async () => {
  const c = await open();
  assert.equal((await roundTrip(c.socket, 17, 1, { mechanism: 'PLAIN' })).errorCode, 0);
  const auth = await roundTrip(c.socket, 36, 1, { authBytes: Buffer.from('\0alice\0PW-MARKER-9') });
  assert.equal(auth.errorCode, 58);
  assert.ok(!JSON.stringify(auth, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)).includes('PW-MARKER-9'));
  await c.closed;
  assert.ok(!log.lines.join('\n').includes('PW-MARKER-9'));
});

test('SaslAuthenticate without a handshake is ILLEGAL_SASL_STATE (34)', async () => {
  const c = await open();
  const auth = await roundTrip(c.socket, 36, 1, { authBytes: Buffer.from('\0alice\0alice-pw') });
  assert.equal(auth.errorCode, 34);
  await c.closed;
});

test('right PLAIN credentials: a session with no lifetime (the password does not expire), then Metadata', async () => {
  const c = await open();
  await roundTrip(c.socket, 17, 1, { mechanism: 'PLAIN' });
  const auth = await roundTrip(c.socket, 36, 1, { authBytes: Buffer.from('\0alice\0alice-pw') });
  assert.deepEqual([auth.errorCode, auth.sessionLifetimeMs], [0, 0n]);
  const md = await roundTrip(c.socket, 3, 1, { topics: [{ name: 'plant/1/status' }] });
  assert.equal(((md.topics as KafkaStruct[])[0] as KafkaStruct).errorCode, 0);
  c.socket.destroy();
});

const hostile: [string, Buffer][] = [
  ['a negative frame size', Buffer.from([0xff, 0xff, 0xff, 0xf0, 1, 2, 3])],
  ['a 2 GB frame size', Buffer.from([0x7f, 0xff, 0xff, 0xff])],
  ['a frame too short for a header', Buffer.from([0, 0, 0, 3, 0, 18, 0])],
  ['an unknown API key', encodeRequest(18, 0, 1, 'raw', {}).fill(0x7f, 4, 6)],
  // Metadata v1, topic array count 2^31-1 and nothing after it: refused from the count, nothing allocated for it.
  ['a huge array count', Buffer.from([0, 0, 0, 14, 0, 3, 0, 1, 0, 0, 0, 1, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff])],
  // SaslHandshake v1 whose mechanism claims 32,767 bytes that are not there.
  ['a string longer than its frame', Buffer.from([0, 0, 0, 12, 0, 17, 0, 1, 0, 0, 0, 1, 0xff, 0xff, 0x7f, 0xff])],
  // Negative string length.
  ['a negative string length', Buffer.from([0, 0, 0, 12, 0, 17, 0, 1, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xf0])],
];

for (const [what, bytes] of hostile) {
  test(`hostile frame (${what}): the connection ends with a log line; the front keeps serving`, async () => {
    const before = log.lines.length;
    const c = await open();
    c.socket.write(bytes);
    await c.closed;
    const next = await open();
    assert.equal((await roundTrip(next.socket, 18, 0, {})).errorCode, 0);
    next.socket.destroy();
    assert.ok(log.lines.slice(before).some((l) => /kafka\.(frame\.refused|request\.(malformed|unsupported))/.test(l)));
  });
}

test('a frame over the request-size limit is refused from its size prefix, before its bytes are buffered', async () => {
  const c = await open();
  const size = Buffer.alloc(4);
  size.writeInt32BE(64 * 1024 * 1024);
  c.socket.write(size);
  await c.closed;
  assert.equal(c.received().length, 0);
});

test('a wrong CRC-32C or a bad varint: CORRUPT_MESSAGE for the partition, nothing appended', async () => {
  const c = await open();
  await roundTrip(c.socket, 17, 1, { mechanism: 'PLAIN' });
  assert.equal((await roundTrip(c.socket, 36, 1, { authBytes: Buffer.from('\0alice\0alice-pw') })).errorCode, 0);
  const good = encodeRecordBatch({ baseOffset: 0n, baseTimestamp: 1n, records: [{ value: Buffer.from('v') }] });
  const badCrc = Buffer.from(good);
  badCrc[good.length - 1]! ^= 0xff;
  // The record's length varint (first byte after the 61-byte header) made an endless continuation.
  const badVarint = Buffer.from(good);
  badVarint.fill(0xff, 61);
  // …with its CRC-32C recomputed (it covers attributes, at byte 21, to the end), so the varint is what fails.
  badVarint.writeUInt32BE(crc32c(badVarint.subarray(21)), 17);
  const produceTo = (records: Buffer) =>
    roundTrip(c.socket, 0, 7, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 1000,
      topicData: [{ name: 'plant/crc/status', partitionData: [{ index: 0, records }] }],
    });
  for (const records of [badCrc, badVarint]) {
    const answer = await produceTo(records);
    const partition = ((answer.responses as KafkaStruct[])[0]!.partitionResponses as KafkaStruct[])[0]!;
    assert.equal(partition.errorCode, 2);
  }
  const offsets = await roundTrip(c.socket, 2, 5, {
    replicaId: -1,
    isolationLevel: 0,
    topics: [{ name: 'plant/crc/status', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] }],
  });
  const latest = ((offsets.topics as KafkaStruct[])[0]!.partitions as KafkaStruct[])[0]!;
  assert.deepEqual([latest.errorCode, latest.offset], [0, 0n]);
  // A good batch still goes in at offset 0.
  const ok = await produceTo(good);
  const okPartition = ((ok.responses as KafkaStruct[])[0]!.partitionResponses as KafkaStruct[])[0]!;
  assert.deepEqual([okPartition.errorCode, okPartition.baseOffset], [0, 0n]);
  c.socket.destroy();
});

test('before a session, a request over 64 KiB closes the connection unanswered', async () => {
  const c = await open();
  const frame = Buffer.alloc(4 + 100 * 1024);
  frame.writeInt32BE(100 * 1024, 0);
  frame.writeInt16BE(18, 4); // ApiVersions, padded: it never gets decoded
  c.socket.write(frame);
  await c.closed;
  assert.equal(c.received().length, 0);
});
