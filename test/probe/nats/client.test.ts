import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { natsConnect, type NatsTarget } from '../../../src/probe/nats/client.js';
import { isPlainSubject, parseErrLine, parseInfoLine, parseMsgLine } from '../../../src/probe/nats/protocol.js';
import { requireBinary } from '../../helpers/binaries.js';
import { startNatsServer, type NatsServerNode as NatsNode } from '../../helpers/nats-callout.js';

/** nats-server 2.9 (Debian's) from a generated config (test/helpers/nats-callout.ts). */
const startNats = (config: (port: number) => string) =>
  startNatsServer(requireBinary('nats-server', 'nats-server'), config);

let nats: NatsNode;
let target: NatsTarget;

before(async () => {
  nats = await startNats(
    (port) => `listen: 127.0.0.1:${port}
authorization {
  users = [
    { user: alice, password: "alice-secret-1", permissions: { publish: ["lights.>"], subscribe: ["lights.>"] } }
  ]
}
`,
  );
  target = { host: '127.0.0.1', port: nats.port, timeoutMs: 10_000 };
});
after(() => nats.stop());

test('parseInfoLine: the fields probe reports, absent booleans false, odd types ignored', () => {
  const parsed = parseInfoLine('INFO {"server_id":"S","version":"2.9.10","auth_required":true,"max_payload":"x"}');
  assert.deepEqual(parsed, {
    ok: true,
    value: {
      serverId: 'S',
      version: '2.9.10',
      authRequired: true,
      tlsRequired: false,
      tlsVerify: false,
      tlsAvailable: false,
      nonce: null,
      maxPayload: null,
    },
  });
  assert.deepEqual(parseInfoLine('INFO [1]'), { ok: false, reason: 'INFO does not carry a JSON object' });
  assert.deepEqual(parseInfoLine('INFO {'), { ok: false, reason: 'INFO does not carry a JSON object' });
  assert.deepEqual(parseInfoLine('+OK'), { ok: false, reason: 'the first line is not INFO' });
});

test('parseErrLine, parseMsgLine, isPlainSubject: the texts nats-server sends', () => {
  assert.deepEqual(parseErrLine("-ERR 'Authorization Violation'"), { kind: 'authorization' });
  assert.deepEqual(parseErrLine('-ERR \'Permissions Violation for Publish to "a.b"\''), {
    kind: 'permission',
    operation: 'publish',
    subject: 'a.b',
  });
  assert.deepEqual(parseErrLine('-ERR \'Permissions Violation for Subscription to ">"\''), {
    kind: 'permission',
    operation: 'subscription',
    subject: '>',
  });
  assert.deepEqual(parseErrLine("-ERR 'Unknown Protocol Operation'"), {
    kind: 'other',
    text: 'Unknown Protocol Operation',
  });
  assert.deepEqual(parseMsgLine('MSG a.b 1 reply 5'), { subject: 'a.b', sid: '1', bytes: 5 });
  assert.equal(parseMsgLine('MSG a.b 1 -5'), null);
  assert.equal(isPlainSubject('lights.1.on'), true);
  assert.equal(isPlainSubject('lights.*.on'), false);
  assert.equal(isPlainSubject('>'), false);
  assert.equal(isPlainSubject('a..b'), false);
  assert.equal(isPlainSubject('a b'), false);
});

test('natsConnect: INFO says auth_required; anonymous and a wrong password are refused', async () => {
  const anonymous = await natsConnect(target);
  assert.equal(anonymous.kind, 'refused');
  if (anonymous.kind === 'refused') {
    assert.equal(anonymous.info.authRequired, true);
    assert.match(anonymous.info.version ?? '', /^2\./);
    assert.equal(anonymous.error, 'authorization');
  }
  const wrong = await natsConnect(target, { user: 'alice', pass: 'not-her-password' });
  assert.equal(wrong.kind, 'refused');
});

test('natsConnect: the right password connects; permissions are reported per command before PONG', async () => {
  const outcome = await natsConnect(target, { user: 'alice', pass: 'alice-secret-1' });
  assert.equal(outcome.kind, 'connected');
  if (outcome.kind !== 'connected') return;
  const c = outcome.connection;
  try {
    c.subscribe('lights.1.on', '1');
    c.publish('lights.1.on', 'probe');
    const allowed = await c.fence();
    assert.deepEqual(allowed, { answered: true, errors: [], closed: false });
    assert.deepEqual(c.messages, [{ subject: 'lights.1.on', sid: '1', payload: 'probe' }]);

    c.subscribe('>', '2');
    c.publish('admin.x', 'probe');
    const refused = await c.fence();
    assert.equal(refused.answered, true);
    assert.deepEqual(refused.errors, [
      { kind: 'permission', operation: 'subscription', subject: '>' },
      { kind: 'permission', operation: 'publish', subject: 'admin.x' },
    ]);
  } finally {
    c.close();
  }
});

test('natsConnect: nothing listening is a failed connect, not a throw', async () => {
  const stopped = await startNats((port) => `listen: 127.0.0.1:${port}\n`);
  const port = stopped.port;
  await stopped.stop();
  const outcome = await natsConnect({ host: '127.0.0.1', port, timeoutMs: 5000 });
  assert.deepEqual(outcome, { kind: 'failed', stage: 'connect', reason: 'ECONNREFUSED' });
});

/** A scripted NATS responder (a net server writing fixed bytes, named as such) for what nats-server never sends. */
async function scripted(reply: (socket: Socket) => void): Promise<{ port: number; close: () => Promise<void> }> {
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    reply(socket);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { port, close: () => new Promise((r) => server.close(() => r())) };
}

test('natsConnect: a control line over the bound, or INFO that is not JSON, fails without buffering more', async () => {
  const long = await scripted((s) => s.write(`INFO {"x":"${'a'.repeat(70 * 1024)}`));
  try {
    assert.deepEqual(await natsConnect({ host: '127.0.0.1', port: long.port, timeoutMs: 5000 }), {
      kind: 'failed',
      stage: 'info',
      reason: 'control line over the bound',
    });
  } finally {
    await long.close();
  }
  const junk = await scripted((s) => s.write('HELLO\r\n'));
  try {
    assert.deepEqual(await natsConnect({ host: '127.0.0.1', port: junk.port, timeoutMs: 5000 }), {
      kind: 'failed',
      stage: 'info',
      reason: 'the first line is not INFO',
    });
  } finally {
    await junk.close();
  }
});

test('natsConnect: a message over the size bound ends the connection; fence reports it closed', async () => {
  const big = await scripted((s) => {
    s.write('INFO {"auth_required":false}\r\n');
    let sent = false;
    s.on('data', (chunk: Buffer) => {
      if (!chunk.toString().includes('PING')) return;
      if (!sent) s.write('PONG\r\n');
      else s.write('MSG a 1 2000000\r\n');
      sent = true;
    });
  });
  try {
    const outcome = await natsConnect({ host: '127.0.0.1', port: big.port, timeoutMs: 5000 }, undefined, 1024);
    assert.equal(outcome.kind, 'connected');
    if (outcome.kind !== 'connected') return;
    const fenced = await outcome.connection.fence();
    assert.deepEqual(fenced, { answered: false, errors: [], closed: true });
  } finally {
    await big.close();
  }
});
