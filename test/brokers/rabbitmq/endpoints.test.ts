// authd's RabbitMQ endpoints over HTTP, without a broker: the four questions of
// rabbitmq_auth_backend_http (POST form and GET query), the sessions they rest on, bad input
// (denied with an audit line, never a crash), bounds, keep-alive, metrics, no secret in any
// output, and a store change reaching the kept sessions.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { connect as tlsConnect, type SecureVersion } from 'node:tls';
import pino from 'pino';
import { startAuthd } from '../../../src/brokers/authd/start.js';
import type { RunningAuthd } from '../../../src/brokers/authd/types.js';
import { ConfigError, UsageError } from '../../../src/errors.js';
import { requireBinary } from '../../helpers/binaries.js';
import { eventually } from '../../helpers/eventually.js';
import { sessionsEnded } from '../../helpers/authd.js';
import { auditCapture } from '../../serve/helpers.js';
import {
  ALICE_PASSWORD,
  BOB_PASSWORD,
  authdClient,
  changeStore,
  makeRabbitProject,
  rabbitConfig,
  type RabbitProject,
} from './helpers.js';

const MARKER = 'MARKER-pw-7f3c1e9a';

let project: RabbitProject;
let authd: RunningAuthd;
let client: ReturnType<typeof authdClient>;
const audit = auditCapture();

before(async () => {
  project = await makeRabbitProject();
  authd = await startAuthd({
    document: 'asyncapi.yaml',
    cwd: project.dir,
    logger: pino({ level: 'silent' }),
    auditStream: audit.stream,
  });
  client = authdClient(authd.port);
});
after(async () => {
  client.close();
  await authd.close();
});

const user = (username: string, password: string, extra: Record<string, string> = {}) =>
  client.post('/rabbitmq/user', { username, password, ...extra });
const topic = (username: string, permission: string, name: string, key: string) =>
  client.post('/rabbitmq/topic', {
    username,
    vhost: '/',
    resource: 'topic',
    name,
    permission,
    routing_key: key,
  });
const resource = (username: string, kind: string, name: string, permission: string, extra = {}) =>
  client.post('/rabbitmq/resource', { username, vhost: '/', resource: kind, name, permission, ...extra });

test('user: the right password is allowed (POST and GET), a wrong one, none, or an unknown user denied', async () => {
  assert.deepEqual(await user('alice', ALICE_PASSWORD), { status: 200, body: 'allow' });
  assert.equal((await client.get('/rabbitmq/user', { username: 'bob', password: BOB_PASSWORD })).body, 'allow');
  assert.equal((await user('alice', 'wrong')).body, 'deny');
  assert.equal((await user('nobody', ALICE_PASSWORD)).body, 'deny');
  assert.equal((await client.post('/rabbitmq/user', { username: 'alice' })).body, 'deny');
  assert.equal((await client.post('/rabbitmq/user', { password: ALICE_PASSWORD })).body, 'deny');
  assert.equal((await user('alice', ALICE_PASSWORD, { vhost: 'elsewhere' })).body, 'deny');
});

test('user: an API key as the password, under its principal name only', async () => {
  assert.equal((await user('bob', project.bobKey)).body, 'allow');
  // The same key under another name would let one principal's session answer for another's name.
  assert.equal((await user('mallory', project.bobKey)).body, 'deny');
  assert.ok(audit.lines.some((l) => l.includes('user_name_is_not_the_principal')));
});

test('vhost: allowed with a session on that vhost, denied without one or on another vhost', async () => {
  await user('bob', BOB_PASSWORD);
  assert.equal((await client.post('/rabbitmq/vhost', { username: 'bob', vhost: '/', ip: '127.0.0.1' })).body, 'allow');
  assert.equal((await client.post('/rabbitmq/vhost', { username: 'bob', vhost: 'other' })).body, 'deny');
  assert.equal((await client.post('/rabbitmq/vhost', { username: 'stranger', vhost: '/' })).body, 'deny');
});

test('topic: routing keys map to the document channels; the extra scope is enforced on write and read', async () => {
  await user('alice', ALICE_PASSWORD);
  await user('bob', BOB_PASSWORD);
  assert.equal((await topic('bob', 'write', 'amq.topic', 'lights.5.on')).body, 'allow');
  assert.equal((await topic('bob', 'write', 'amq.topic', 'lights.5.dim')).body, 'deny');
  assert.equal((await topic('alice', 'write', 'amq.topic', 'lights.5.dim')).body, 'allow');
  assert.equal((await topic('bob', 'read', 'amq.topic', 'lights.*.on')).body, 'allow');
  assert.equal((await topic('bob', 'read', 'amq.topic', 'lights.*.dim')).body, 'deny');
  assert.equal((await topic('alice', 'read', 'amq.topic', 'lights.*.dim')).body, 'allow');
  // `lights.#` reaches topics no channel declares (lights/1/off, lights): denied even to alice.
  assert.equal((await topic('bob', 'read', 'amq.topic', 'lights.#')).body, 'deny');
  assert.equal((await topic('alice', 'read', 'amq.topic', 'lights.#')).body, 'deny');
  // A channel the document does not declare, a key on another exchange, a word that is not one.
  assert.equal((await topic('alice', 'write', 'amq.topic', 'admin.reboot')).body, 'deny');
  assert.equal((await topic('alice', 'write', 'other', 'lights.5.on')).body, 'deny');
  assert.equal((await topic('alice', 'write', 'amq.topic', 'lights.a/b.on')).body, 'deny');
  assert.equal((await topic('alice', 'write', 'amq.topic', 'lights..on')).body, 'deny');
  assert.equal((await topic('alice', 'read', 'amq.topic', 'lights.#.on')).body, 'deny');
  // A bound channel: status.{id} is a routing key on `events`, not on amq.topic.
  assert.equal((await topic('bob', 'write', 'events', 'status.9')).body, 'allow');
  assert.equal((await topic('bob', 'write', 'amq.topic', 'status.9')).body, 'deny');
  // No session: denied whatever the key.
  assert.equal((await topic('stranger', 'write', 'amq.topic', 'lights.5.on')).body, 'deny');
});

test('resource: exchanges by the operations on them, queues the document names or the client owns', async () => {
  await user('bob', BOB_PASSWORD);
  assert.equal((await resource('bob', 'exchange', 'amq.topic', 'write')).body, 'allow');
  assert.equal((await resource('bob', 'exchange', 'amq.topic', 'read')).body, 'allow');
  assert.equal((await resource('bob', 'exchange', 'amq.topic', 'configure')).body, 'deny');
  assert.equal((await resource('bob', 'exchange', 'events', 'write')).body, 'allow');
  // events carries only a send operation: nobody reads from it.
  assert.equal((await resource('bob', 'exchange', 'events', 'read')).body, 'deny');
  assert.equal((await resource('bob', 'exchange', 'amq.default', 'write')).body, 'deny');
  assert.equal((await resource('bob', 'queue', 'alarms', 'read')).body, 'allow');
  assert.equal((await resource('bob', 'queue', 'alarms', 'configure')).body, 'allow');
  assert.equal((await resource('bob', 'queue', 'payroll', 'read')).body, 'deny');
  assert.equal((await resource('bob', 'queue', 'amq.gen-Xy12', 'configure')).body, 'allow');
  const mqttQueue = 'mqtt-subscription-dev7qos0';
  assert.equal((await resource('bob', 'queue', mqttQueue, 'read', { client_id: 'dev7' })).body, 'allow');
  assert.equal((await resource('bob', 'queue', mqttQueue, 'read', { client_id: 'dev8' })).body, 'deny');
  assert.equal((await resource('bob', 'queue', mqttQueue, 'read')).body, 'deny');
  assert.equal((await resource('bob', 'topic', 'amq.topic', 'read')).body, 'deny');
});

test('bad input is denied with an audit line and a status, and authd keeps answering', async () => {
  const before = audit.lines.length;
  assert.deepEqual(await client.post('/rabbitmq/nope', { username: 'bob' }), { status: 404, body: 'deny\n' });
  assert.equal((await client.send('PUT', '/rabbitmq/user', 'username=bob')).status, 405);
  const form = await client.send('POST', '/rabbitmq/user', '{"username":"bob"}', {
    'content-type': 'application/json',
  });
  assert.equal(form.status, 415);
  const huge = await client.send('POST', '/rabbitmq/user', `username=bob&password=${'x'.repeat(20_000)}`);
  assert.deepEqual(huge, { status: 413, body: 'deny\n' });
  assert.equal((await topic('bob', 'write', 'amq.topic', `lights.${'a'.repeat(300)}.on`)).body, 'deny');
  assert.equal((await resource('bob', 'queue', 'q'.repeat(300), 'read')).body, 'deny');
  assert.equal((await client.post('/rabbitmq/resource', { username: 'bob', vhost: '/' })).body, 'deny');
  assert.equal((await topic('bob', 'delete', 'amq.topic', 'lights.1.on')).body, 'deny');
  // A request line and headers over the bound: Node's parser answers 431 and closes.
  const big = await client.send('GET', '/rabbitmq/user', undefined, { 'x-filler': 'y'.repeat(20_000) });
  assert.equal(big.status, 431);
  const lines = audit.lines.slice(before).join('');
  for (const why of ['unknown_path', 'method', 'content_type', 'body_too_large', 'missing_field'])
    assert.ok(lines.includes(why), `an audit line says ${why}`);
  // The path of an unknown route is never echoed into the log.
  assert.ok(!lines.includes('/rabbitmq/nope'));
  await user('bob', BOB_PASSWORD);
  assert.equal((await topic('bob', 'write', 'amq.topic', 'lights.1.on')).body, 'allow');
});

test('a request that never ends its headers is cut off; others are answered meanwhile', async () => {
  const socket = connect(authd.port, '127.0.0.1');
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  socket.write('POST /rabbitmq/user HTTP/1.1\r\nhost: x\r\n');
  await user('bob', BOB_PASSWORD);
  assert.equal((await topic('bob', 'write', 'amq.topic', 'lights.2.on')).body, 'allow');
  socket.destroy();
});

test('keep-alive: many questions over the agent’s few sockets', async () => {
  await user('bob', BOB_PASSWORD);
  const answers = await Promise.all(
    Array.from({ length: 200 }, (_, i) => topic('bob', 'write', 'amq.topic', `lights.${i}.on`)),
  );
  assert.ok(answers.every((a) => a.body === 'allow'));
  const sockets = Object.values(client.agent.freeSockets).reduce((n, list) => n + (list?.length ?? 0), 0);
  assert.ok(sockets <= 4, `at most maxSockets (4) sockets were used, found ${sockets} free`);
});

test('no password, key or marker in the audit lines, the metrics or an answer', async () => {
  const answers = [
    await user('alice', MARKER),
    await user(MARKER, MARKER),
    await user('alice', ALICE_PASSWORD),
    await user('bob', project.bobKey),
    await user('mallory', project.bobKey),
  ];
  const metrics = authd.metrics();
  const outputs = [audit.lines.join(''), metrics, ...answers.map((a) => a.body)];
  for (const secret of [MARKER, ALICE_PASSWORD, BOB_PASSWORD, project.bobKey])
    for (const out of outputs) assert.ok(!out.includes(secret), 'a secret reached an output');
});

test('/healthz, /readyz and /metrics: decisions by endpoint and result, and the latency histogram', async () => {
  assert.deepEqual(await client.send('GET', '/healthz'), { status: 200, body: 'ok\n' });
  assert.deepEqual(await client.send('GET', '/readyz'), { status: 200, body: 'ready\n' });
  const metrics = (await client.send('GET', '/metrics')).body;
  assert.match(
    metrics,
    /asyncapi_guard_authd_decisions_total\{part="rabbitmq",endpoint="\/rabbitmq\/topic",result="allow"\} \d+/,
  );
  assert.match(
    metrics,
    /asyncapi_guard_authd_decisions_total\{part="rabbitmq",endpoint="\/rabbitmq\/user",result="deny"\} \d+/,
  );
  assert.match(
    metrics,
    /asyncapi_guard_authd_decision_seconds_bucket\{part="rabbitmq",endpoint="\/rabbitmq\/user",le="\+Inf"\} \d+/,
  );
  assert.match(metrics, /asyncapi_guard_authd_sessions\{part="rabbitmq"\} [1-9]/);
  // The guard's own families are there too.
  assert.match(metrics, /asyncapi_guard_authentications_total/);
  assert.equal((await client.send('POST', '/metrics', 'x=1')).status, 405);
});

// "Within 5 s" is the file store's poll (1 s) plus one reload pass: the test waits for the reload to end the session
// (counted on /metrics, a 30 s hang catcher only, never a wall-clock bound), then the next question is denied.
test('a disabled user and a revoked key lose their kept sessions at the reload that sees the change', async () => {
  assert.equal((await user('alice', ALICE_PASSWORD)).body, 'allow');
  assert.equal((await user('bob', project.bobKey)).body, 'allow');
  let before = sessionsEnded(authd);
  await changeStore(project.dir, (s) => s.revokeApiKey(project.bobKeyId));
  await eventually(() => sessionsEnded(authd) > before, 30_000, "the reload ending the revoked key's session", 100);
  assert.equal(sessionsEnded(authd), before + 1);
  assert.equal((await topic('bob', 'write', 'amq.topic', 'lights.3.on')).body, 'deny');
  assert.equal((await user('bob', project.bobKey)).body, 'deny');
  before = sessionsEnded(authd);
  await changeStore(project.dir, (s) => s.setDisabled('alice', true));
  await eventually(() => sessionsEnded(authd) > before, 30_000, "the reload ending the disabled user's session", 100);
  assert.equal(sessionsEnded(authd), before + 1);
  assert.equal((await topic('alice', 'write', 'amq.topic', 'lights.3.on')).body, 'deny');
  assert.equal((await user('alice', ALICE_PASSWORD)).body, 'deny');
  await changeStore(project.dir, (s) => s.setDisabled('alice', false));
});

test('startup: beyond loopback needs the switch; a server the document lacks is named with its place', async () => {
  await assert.rejects(
    startAuthd({ document: 'asyncapi.yaml', cwd: project.dir, listen: '0.0.0.0:0', logger: pino({ level: 'silent' }) }),
    (err: unknown) => err instanceof UsageError && /beyond loopback/.test(err.message),
  );
  const bad = await makeRabbitProject(rabbitConfig().replace('server: broker', 'server: brokre'));
  await assert.rejects(
    startAuthd({ document: 'asyncapi.yaml', cwd: bad.dir, logger: pino({ level: 'silent' }) }),
    (err: unknown) =>
      err instanceof ConfigError &&
      /asyncapi-guard\.yaml:\d+:\d+/.test(err.message) &&
      err.message.includes('authd.rabbitmq.0.server') &&
      err.message.includes("no server 'brokre'"),
  );
  const none = await makeRabbitProject(rabbitConfig().replace(/authd:[\s\S]*$/, ''));
  await assert.rejects(
    startAuthd({ document: 'asyncapi.yaml', cwd: none.dir, listen: '127.0.0.1:0', logger: pino({ level: 'silent' }) }),
    (err: unknown) =>
      err instanceof ConfigError &&
      err.message.includes('no broker to answer') &&
      err.message.includes('authd.rabbitmq') &&
      err.message.includes('authd.nats'),
  );
});

test('throttling: wrong passwords lock that user name, not the broker every login comes from', async () => {
  const p = await makeRabbitProject(
    rabbitConfig().replace(
      'authd:',
      'throttle: { freeFailures: 0, baseDelayMs: 0, maxDelayMs: 0, lockoutAfter: 3, lockoutMs: 60000 }\nauthd:',
    ),
  );
  const a = await startAuthd({ document: 'asyncapi.yaml', cwd: p.dir, logger: pino({ level: 'silent' }) });
  const c = authdClient(a.port);
  try {
    for (let i = 0; i < 3; i++)
      assert.equal((await c.post('/rabbitmq/user', { username: 'bob', password: `guess-${i}` })).body, 'deny');
    assert.equal((await c.post('/rabbitmq/user', { username: 'bob', password: BOB_PASSWORD })).body, 'deny');
    assert.equal((await c.post('/rabbitmq/user', { username: 'alice', password: ALICE_PASSWORD })).body, 'allow');
    assert.match(a.metrics(), /asyncapi_guard_throttled_total\{[^}]*locked_principal[^}]*\} [1-9]/);
    assert.doesNotMatch(a.metrics(), /asyncapi_guard_throttled_total\{[^}]*locked_remote[^}]*\} [1-9]/);
  } finally {
    c.close();
    await a.close();
  }
});

test('authd.tls: HTTPS with TLS 1.2 or later only', async () => {
  const openssl = requireBinary('openssl', 'openssl');
  const p = await makeRabbitProject(
    rabbitConfig().replace('authd:', 'authd:\n  tls: { cert: file:./cert.pem, key: file:./key.pem }'),
  );
  execFileSync(
    openssl,
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-keyout',
      join(p.dir, 'key.pem'),
      '-out',
      join(p.dir, 'cert.pem'),
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  const ca = readFileSync(join(p.dir, 'cert.pem'));
  const a = await startAuthd({ document: 'asyncapi.yaml', cwd: p.dir, logger: pino({ level: 'silent' }) });
  try {
    assert.equal(a.tls, true);
    const handshake = (maxVersion: SecureVersion, minVersion: SecureVersion) =>
      new Promise<string>((resolve) => {
        const socket = tlsConnect({ host: '127.0.0.1', port: a.port, ca, maxVersion, minVersion }, () => {
          const v = socket.getProtocol() ?? '';
          socket.end();
          resolve(v);
        });
        socket.on('error', (err: NodeJS.ErrnoException) => resolve(`refused: ${err.code ?? err.message}`));
      });
    assert.equal(await handshake('TLSv1.2', 'TLSv1.2'), 'TLSv1.2');
    assert.equal(await handshake('TLSv1.3', 'TLSv1.3'), 'TLSv1.3');
    assert.match(await handshake('TLSv1.1', 'TLSv1'), /^refused/);
    const body = await new Promise<string>((resolve, reject) => {
      const req = httpsRequest({ host: '127.0.0.1', port: a.port, path: '/healthz', ca }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (s: string) => (text += s));
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(body, 'ok\n');
    // Cleartext HTTP to the TLS port gets no answer.
    await assert.rejects(fetch(`http://127.0.0.1:${a.port}/healthz`));
  } finally {
    await a.close();
  }
});

test('authd.allowNonLoopbackListen: listens beyond loopback and warns W_AUTHD_NON_LOOPBACK', async () => {
  const p = await makeRabbitProject(
    rabbitConfig()
      .replace('listen: 127.0.0.1:0', 'listen: 0.0.0.0:0')
      .replace('authd:', 'authd:\n  allowNonLoopbackListen: true'),
  );
  const lines: string[] = [];
  const a = await startAuthd({
    document: 'asyncapi.yaml',
    cwd: p.dir,
    logger: pino({ level: 'warn' }, { write: (s: string) => void lines.push(s) }),
  });
  try {
    const w = a.warnings.find((x) => x.code === 'W_AUTHD_NON_LOOPBACK');
    assert.ok(w !== undefined && /0\.0\.0\.0:\d+ answers anyone who can reach it, in cleartext/.test(w.message));
    assert.ok(lines.some((l) => l.includes('W_AUTHD_NON_LOOPBACK')));
  } finally {
    await a.close();
  }
});

test('/readyz: 503 naming the stale store while the credentials file cannot be read, 200 again after', async () => {
  const p = await makeRabbitProject();
  const a = await startAuthd({ document: 'asyncapi.yaml', cwd: p.dir, logger: pino({ level: 'silent' }) });
  const c = authdClient(a.port);
  const file = join(p.dir, 'credentials.yaml');
  const good = readFileSync(file, 'utf8');
  try {
    assert.equal((await c.send('GET', '/readyz')).status, 200);
    writeFileSync(file, 'principals: [unterminated\n');
    await eventually(async () => (await c.send('GET', '/readyz')).status === 503, 30_000, 'readyz 503', 100);
    assert.match((await c.send('GET', '/readyz')).body, /credential store is stale/);
    // The last good state stays in force: logins still work.
    assert.equal((await c.post('/rabbitmq/user', { username: 'bob', password: BOB_PASSWORD })).body, 'allow');
    writeFileSync(file, good);
    await eventually(async () => (await c.send('GET', '/readyz')).status === 200, 30_000, 'readyz 200', 100);
  } finally {
    c.close();
    await a.close();
  }
});
