// The Kafka front's connection limits: the time to a session, the number of connections, many requests sent at
// once (reading pauses and resumes; every request is answered, in order), and the guard's throttling of SASL.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { decodeResponse, encodeRequest } from '../../../src/transports/kafka/codec/index.js';
import { MAX_QUEUED_REQUESTS } from '../../../src/transports/kafka/connection.js';
import { bindingsFor, captureLog, kafkajs, kafkaModel, startKafkaFront, type Harness } from './helpers.js';

let sasl: Harness;
let open: Harness;
const log = captureLog();

before(async () => {
  const model = await kafkaModel(['sasl', 'open']);
  const schemes = bindingsFor(model);
  sasl = await startKafkaFront(model, {
    server: 'sasl',
    schemes,
    logger: log.logger,
    limits: { handshakeTimeoutMs: 300, maxConnections: 2 },
  });
  open = await startKafkaFront(model, { server: 'open', schemes, store: sasl.store });
});
after(async () => {
  await Promise.all([sasl.close(), open.close()]);
});

function opened(port: number): Promise<{ socket: Socket; closed: Promise<void>; data: () => Buffer }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => {});
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.once('connect', () => resolve({ socket, closed, data: () => Buffer.concat(chunks) }));
    socket.once('error', reject);
  });
}

test('no session within handshakeTimeoutMs: the connection closes with a log line', async () => {
  const c = await opened(sasl.port);
  await c.closed;
  assert.ok(log.lines.some((l) => l.includes('kafka.handshake.timeout')));
});

test('maxConnections: a connection beyond it is closed at once', async () => {
  const a = await opened(sasl.port);
  const b = await opened(sasl.port);
  const c = await opened(sasl.port);
  await c.closed;
  assert.equal(c.data().length, 0);
  assert.ok(log.lines.some((l) => l.includes('"reason":"too_many"')));
  a.socket.destroy();
  b.socket.destroy();
});

test(`${MAX_QUEUED_REQUESTS * 4} requests in one write: all answered, in order`, async () => {
  const n = MAX_QUEUED_REQUESTS * 4;
  const c = await opened(open.port);
  c.socket.write(Buffer.concat(Array.from({ length: n }, (_, i) => encodeRequest(18, 0, i, 'burst', {}))));
  const ids: number[] = [];
  const deadline = Date.now() + 30_000;
  while (ids.length < n && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    ids.length = 0;
    let buf = c.data();
    while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
      const frame = buf.subarray(4, 4 + buf.readInt32BE(0));
      const decoded = decodeResponse(18, 0, frame);
      assert.ok(decoded.ok);
      ids.push(decoded.correlationId);
      buf = buf.subarray(4 + frame.length);
    }
  }
  assert.deepEqual(
    ids,
    Array.from({ length: n }, (_, i) => i),
  );
  c.socket.destroy();
});

test('throttling: after lockoutAfter wrong SCRAM passwords from an address, the right one is refused too', async () => {
  const model = await kafkaModel(['sasl']);
  const h = await startKafkaFront(model, {
    server: 'sasl',
    schemes: bindingsFor(model),
    guardExtra: { throttle: { freeFailures: 100, lockoutAfter: 3 }, sleep: async () => {} },
  });
  try {
    const attempt = (password: string) =>
      kafkajs(h.broker, { mechanism: 'scram-sha-256', username: 'alice', password })
        .producer()
        .connect()
        .then(
          () => 'connected',
          () => 'refused',
        );
    for (let i = 0; i < 3; i++) assert.equal(await attempt('wrong-pw'), 'refused');
    assert.equal(await attempt('alice-pw'), 'refused');
  } finally {
    await h.close();
  }
});
