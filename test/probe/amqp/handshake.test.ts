// amqpHandshake against a scripted AMQP responder (a net server answering fixed frames, named as such): the
// outcomes a real broker shows only under configurations a test cannot easily make (a SASL challenge, another
// protocol version, a frame over the bound, silence). The real-broker cases are in misconfigured-rabbitmq.test.ts.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { amqpHandshake } from '../../../src/probe/amqp/handshake.js';
import { amqpHello, amqpLogin, mechanismsOf } from '../../../src/probe/amqp/index.js';
import {
  CONNECTION_CLASS,
  METHOD_CLOSE,
  METHOD_SECURE,
  METHOD_START,
  METHOD_TUNE,
  methodFrame,
  plainResponse,
  readFrame,
  readMethodHeader,
} from '../../../src/probe/amqp/wire.js';

function longstr(bytes: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeUInt32BE(bytes.length);
  return Buffer.concat([size, bytes]);
}

function start(mechanisms: string): Buffer {
  const args = Buffer.concat([
    Buffer.from([0, 9]),
    longstr(Buffer.alloc(0)),
    longstr(Buffer.from(mechanisms)),
    longstr(Buffer.from('en_US')),
  ]);
  return methodFrame(CONNECTION_CLASS, METHOD_START, args);
}

function close(code: number, text: string): Buffer {
  const args = Buffer.concat([Buffer.from([code >> 8, code & 0xff, text.length]), Buffer.from(text), Buffer.alloc(4)]);
  return methodFrame(CONNECTION_CLASS, METHOD_CLOSE, args);
}

/** What the responder does once it has the client's Start-Ok payload. */
type Script = { first: (socket: Socket) => void; afterStartOk?: (socket: Socket, startOk: Buffer) => void };

const servers: Server[] = [];
after(() => Promise.all(servers.map((s) => new Promise((r) => s.close(r)))));

async function responder(script: Script): Promise<number> {
  const server = createServer((socket) => {
    let buffered = Buffer.alloc(0);
    let headerSeen = false;
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (!headerSeen && buffered.length >= 8) {
        headerSeen = true;
        buffered = buffered.subarray(8);
        script.first(socket);
      }
      const read = readFrame(buffered);
      if (headerSeen && read.kind === 'frame') {
        buffered = buffered.subarray(read.bytes);
        script.afterStartOk?.(socket, read.payload);
      }
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

const target = (port: number) => ({ host: '127.0.0.1', port, timeoutMs: 5000 });
const attempt = { mechanism: 'PLAIN', response: plainResponse('u', 'wrong-marker-7f3a') };

test('amqpHandshake: Connection.Start alone gives the offered mechanisms and no login', async () => {
  const port = await responder({ first: (s) => s.write(start('PLAIN AMQPLAIN EXTERNAL')) });
  const result = await amqpHandshake(target(port));
  assert.ok(result.ok);
  assert.deepEqual(result.start.mechanisms, ['PLAIN', 'AMQPLAIN', 'EXTERNAL']);
  assert.equal(result.login, null);
});

test('amqpHandshake: Tune after Start-Ok is accepted; the Start-Ok carries the mechanism', async () => {
  let seen: Buffer | null = null;
  const port = await responder({
    first: (s) => s.write(start('PLAIN')),
    afterStartOk: (s, payload) => {
      seen = payload;
      s.write(methodFrame(CONNECTION_CLASS, METHOD_TUNE, Buffer.alloc(8)));
    },
  });
  const result = await amqpHandshake(target(port), attempt);
  assert.ok(result.ok);
  assert.deepEqual(result.login, { kind: 'accepted' });
  assert.deepEqual(readMethodHeader(seen!), { classId: 10, methodId: 11 });
});

test('amqpHandshake: Close 403 is refused with its code and text; a bare close is refused too', async () => {
  const port = await responder({
    first: (s) => s.write(start('PLAIN')),
    afterStartOk: (s) => s.end(close(403, 'ACCESS_REFUSED - Login was refused')),
  });
  const result = await amqpHandshake(target(port), attempt);
  assert.ok(result.ok);
  assert.deepEqual(result.login, { kind: 'refused', replyCode: 403, replyText: 'ACCESS_REFUSED - Login was refused' });

  const bare = await responder({ first: (s) => s.write(start('PLAIN')), afterStartOk: (s) => s.destroy() });
  const closed = await amqpHandshake(target(bare), attempt);
  assert.ok(closed.ok);
  assert.deepEqual(closed.login, { kind: 'refused', replyCode: null, replyText: null });
});

test('amqpHandshake: a mechanism not offered is not attempted; a challenge is reported as such', async () => {
  let attempted = false;
  const port = await responder({
    first: (s) => s.write(start('AMQPLAIN')),
    afterStartOk: () => void (attempted = true),
  });
  const result = await amqpHandshake(target(port), attempt);
  assert.ok(result.ok);
  assert.deepEqual(result.login, { kind: 'not-offered' });
  assert.equal(attempted, false);

  const challenging = await responder({
    first: (s) => s.write(start('PLAIN')),
    afterStartOk: (s) => s.write(methodFrame(CONNECTION_CLASS, METHOD_SECURE, longstr(Buffer.from('c')))),
  });
  const challenged = await amqpHandshake(target(challenging), attempt);
  assert.ok(challenged.ok);
  assert.deepEqual(challenged.login, { kind: 'challenged' });
});

test('amqpHandshake: another version, an oversized frame, silence, no listener: reasons, never throws', async () => {
  const other = await responder({ first: (s) => s.end(Buffer.from([0x41, 0x4d, 0x51, 0x50, 0, 1, 0, 0])) });
  assert.deepEqual(await amqpHandshake(target(other)), {
    ok: false,
    stage: 'start',
    reason: 'the server speaks AMQP 0-1-0-0, not 0-9-1',
  });
  const huge = await responder({ first: (s) => s.write(Buffer.from([1, 0, 0, 0x7f, 0xff, 0xff, 0xff])) });
  const oversized = await amqpHandshake(target(huge));
  assert.equal(oversized.ok, false);
  const silent = await responder({ first: () => undefined });
  assert.deepEqual(await amqpHandshake({ ...target(silent), timeoutMs: 200 }), {
    ok: false,
    stage: 'start',
    reason: 'no answer within 200 ms',
  });
  const unused = await responder({ first: () => undefined });
  const server = servers.pop()!;
  await new Promise((r) => server.close(r));
  assert.deepEqual(await amqpHandshake(target(unused)), { ok: false, stage: 'connect', reason: 'ECONNREFUSED' });
});

test('amqpHello: Start then Tune is accepted, Start then Close refused, no Start none', () => {
  const tune = methodFrame(CONNECTION_CLASS, METHOD_TUNE, Buffer.alloc(8));
  const answer = (bytes: Buffer) => ({ bytes, closed: true });
  assert.equal(amqpHello.classify(answer(Buffer.concat([start('EXTERNAL'), tune]))), 'accepted');
  assert.equal(amqpHello.classify(answer(Buffer.concat([start('EXTERNAL'), close(403, 'ACCESS_REFUSED')]))), 'refused');
  assert.equal(amqpHello.classify(answer(start('PLAIN'))), 'refused');
  assert.equal(amqpHello.classify(answer(Buffer.from('\x15\x03\x03\x00\x02\x02\x46', 'latin1'))), 'none');
  assert.equal(amqpHello.complete(start('PLAIN')), false);
  assert.equal(amqpHello.complete(Buffer.concat([start('PLAIN'), tune])), true);
  assert.deepEqual(readMethodHeader(amqpHello.bytes.subarray(8 + 7)), { classId: 10, methodId: 11 });
});

test('mechanismsOf and amqpLogin: where each scheme travels over AMQP 0-9-1', () => {
  assert.deepEqual(mechanismsOf({ type: 'userPassword' }), ['PLAIN', 'AMQPLAIN']);
  assert.deepEqual(mechanismsOf({ type: 'X509' }), ['EXTERNAL']);
  assert.deepEqual(mechanismsOf({ type: 'scramSha256' }), ['SCRAM-SHA-256']);
  const p = { name: 'n', scheme: 's', scopes: [], user: 'u', password: 'p', apiKey: 'k', token: 't' };
  assert.deepEqual(amqpLogin({ type: 'apiKey', in: 'user' }, p), { mechanism: 'PLAIN', username: 'k', password: '' });
  assert.deepEqual(amqpLogin({ type: 'oauth2' }, p), { mechanism: 'PLAIN', username: 'u', password: 't' });
  assert.deepEqual(amqpLogin({ type: 'http', scheme: 'basic' }, p), {
    mechanism: 'PLAIN',
    username: 'u',
    password: 'p',
  });
  assert.equal(amqpLogin({ type: 'X509' }, p), null);
  assert.equal(amqpLogin({ type: 'scramSha256' }, p), null);
});
