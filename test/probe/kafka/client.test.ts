// The Kafka prober's client and hello against a scripted Kafka responder (a net server answering fixed frames,
// named as such) for what a real broker never sends: an oversized frame, a wrong correlation id, silence.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { API, openKafka, saslLogin } from '../../../src/probe/kafka/client.js';
import { kafkaHello, kafkaLogin, kafkaMechanismsOf } from '../../../src/probe/kafka/index.js';
import { encodeResponse } from '../../../src/transports/kafka/codec/index.js';

const servers: Server[] = [];
after(() => Promise.all(servers.map((s) => new Promise((r) => s.close(r)))));

async function responder(onFrame: (socket: Socket, correlationId: number, apiKey: number) => void): Promise<number> {
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
        const frame = buf.subarray(4, 4 + buf.readInt32BE(0));
        buf = buf.subarray(4 + frame.length);
        onFrame(socket, frame.readInt32BE(4), frame.readInt16BE(0));
      }
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

const endpoint = (port: number, timeoutMs = 5000) => ({ host: '127.0.0.1', port, timeoutMs });

test('openKafka: an answer announcing a frame over 4 MiB ends the connection before it is buffered', async () => {
  const port = await responder((s) => s.write(Buffer.from([0x7f, 0xff, 0xff, 0xff])));
  const opened = await openKafka(endpoint(port));
  assert.ok(opened.ok);
  const reply = await opened.connection.request(API.apiVersions, 0, {});
  assert.deepEqual(reply, { ok: false, reason: 'frame size 2147483647 over the limit of 4194304', closed: true });
  assert.equal(opened.connection.closed, true);
});

test('openKafka: an answer for another correlation id is ignored; silence ends in the step timeout', async () => {
  const port = await responder((s, id) => s.write(encodeResponse(18, 0, id + 100, { errorCode: 0, apiKeys: [] })));
  const opened = await openKafka(endpoint(port, 300));
  assert.ok(opened.ok);
  assert.deepEqual(await opened.connection.request(API.apiVersions, 0, {}), {
    ok: false,
    reason: 'no answer within 300 ms',
    closed: false,
  });
  opened.connection.close();
});

test('saslLogin: UNSUPPORTED_SASL_MECHANISM names what is offered; 58 is refused; no secret in answers', async () => {
  const port = await responder((s, id, apiKey) => {
    if (apiKey === 17) s.write(encodeResponse(17, 1, id, { errorCode: 0, mechanisms: ['PLAIN'] }));
    else s.write(encodeResponse(36, 1, id, { errorCode: 58, errorMessage: 'no', authBytes: Buffer.alloc(0) }));
  });
  const opened = await openKafka(endpoint(port));
  assert.ok(opened.ok);
  const result = await saslLogin(opened.connection, { mechanism: 'PLAIN', username: 'u', password: 'PW-MARKER-41' });
  assert.deepEqual(result, { kind: 'refused', answer: 'SaslAuthenticate PLAIN: SASL_AUTHENTICATION_FAILED (58)' });
  opened.connection.close();

  const other = await responder((s, id) =>
    s.write(encodeResponse(17, 1, id, { errorCode: 33, mechanisms: ['SCRAM-SHA-512'] })),
  );
  const c = await openKafka(endpoint(other));
  assert.ok(c.ok);
  const r = await saslLogin(c.connection, { mechanism: 'SCRAM-SHA-256', username: 'u', password: 'PW-MARKER-41' });
  assert.equal(r.kind, 'not-offered');
  assert.ok(r.kind === 'not-offered' && r.mechanisms.includes('SCRAM-SHA-512'));
  assert.ok(!JSON.stringify(r).includes('PW-MARKER-41'));
  c.connection.close();
});

test('kafkaHello: both frames answered is accepted, ApiVersions alone refused, anything else none', () => {
  const versions = encodeResponse(18, 0, 1, { errorCode: 0, apiKeys: [] });
  const metadata = encodeResponse(3, 1, 2, { brokers: [], controllerId: 0, topics: [] });
  const answer = (bytes: Buffer) => ({ bytes, closed: true });
  assert.equal(kafkaHello.classify(answer(Buffer.concat([versions, metadata]))), 'accepted');
  assert.equal(kafkaHello.classify(answer(versions)), 'refused');
  assert.equal(kafkaHello.classify(answer(Buffer.from('\x15\x03\x03\x00\x02\x02\x46'))), 'none');
  assert.equal(kafkaHello.complete(versions), false);
  assert.equal(kafkaHello.complete(Buffer.concat([versions, metadata])), true);
});

test('kafkaMechanismsOf and kafkaLogin: where each scheme travels over Kafka', () => {
  assert.deepEqual(kafkaMechanismsOf({ type: 'userPassword' }), ['PLAIN']);
  assert.deepEqual(kafkaMechanismsOf({ type: 'scramSha512' }), ['SCRAM-SHA-512']);
  assert.deepEqual(kafkaMechanismsOf({ type: 'http', scheme: 'bearer' }), ['OAUTHBEARER']);
  assert.deepEqual(kafkaMechanismsOf({ type: 'X509' }), []);
  const p = { name: 'n', scheme: 's', scopes: [], user: 'u', password: 'p', apiKey: 'k', token: 't' };
  assert.deepEqual(kafkaLogin({ type: 'apiKey', in: 'password' }, p), {
    mechanism: 'PLAIN',
    username: 'u',
    password: 'k',
  });
  assert.deepEqual(kafkaLogin({ type: 'oauth2' }, p), { mechanism: 'OAUTHBEARER', token: 't' });
  assert.equal(kafkaLogin({ type: 'X509' }, p), null);
  assert.equal(kafkaLogin({ type: 'gssapi' }, p), null);
});

test('saslLogin: silence after SaslAuthenticate is no verdict (failed), a close after it is refused', async () => {
  const silent = await responder((s, id, apiKey) => {
    if (apiKey === 17) s.write(encodeResponse(17, 1, id, { errorCode: 0, mechanisms: ['PLAIN'] }));
  });
  const a = await openKafka(endpoint(silent, 300));
  assert.ok(a.ok);
  const quiet = await saslLogin(a.connection, { mechanism: 'PLAIN', username: 'u', password: 'p' });
  assert.deepEqual(quiet, { kind: 'failed', answer: 'SaslAuthenticate PLAIN: no answer within 300 ms' });
  a.connection.close();

  const closing = await responder((s, id, apiKey) => {
    if (apiKey === 17) s.write(encodeResponse(17, 1, id, { errorCode: 0, mechanisms: ['PLAIN'] }));
    else s.destroy();
  });
  const b = await openKafka(endpoint(closing));
  assert.ok(b.ok);
  const closed = await saslLogin(b.connection, { mechanism: 'PLAIN', username: 'u', password: 'p' });
  assert.equal(closed.kind, 'refused');
});
