import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createFileStore } from '../../src/credentials/file.js';
import { GuardError } from '../../src/errors.js';
import type { Bus } from '../../src/bus/types.js';
import { startServe } from '../../src/serve/start.js';
import type { RunningServe } from '../../src/serve/types.js';
import {
  auditCapture,
  fakeFronts,
  makeServeProject,
  PASSWORD,
  quietLogger,
  SERVE_CONFIG,
  type FakeFront,
} from './helpers.js';
import { eventually } from '../helpers/eventually.js';

const running: RunningServe[] = [];
after(async () => {
  for (const r of running) await r.close(0);
});

async function start(dir: string, extra: Partial<Parameters<typeof startServe>[0]> = {}) {
  const f = fakeFronts();
  const audit = auditCapture();
  const r = await startServe({
    document: 'asyncapi.yaml',
    cwd: dir,
    logger: quietLogger(),
    auditStream: audit.stream,
    fronts: f.fronts,
    ...extra,
  });
  running.push(r);
  return { r, made: f.made, audit };
}

async function rejects(p: Promise<unknown>): Promise<GuardError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof GuardError, String(err));
    return err;
  }
  return assert.fail('expected startServe to reject');
}

describe('serve: lifecycle', () => {
  it('starts one front per fronted server, lists the others, and closes them with the grace period', async () => {
    const p = await makeServeProject();
    const { r, made } = await start(p.dir, { listen: { broker: '127.0.0.1:0' } });
    assert.deepEqual(
      r.servers.map((s) => [s.name, s.protocol, s.kind, s.host]),
      [
        ['broker', 'mqtt', 'mqtt', '127.0.0.1'],
        ['web', 'ws', 'ws', '127.0.0.1'],
        ['api', 'http', 'http', '127.0.0.1'],
      ],
    );
    assert.deepEqual(
      r.servers.map((s) => s.schemes),
      [['userPass', 'deviceKey'], ['headerKey'], ['basic']],
    );
    assert.deepEqual(r.skipped, [
      { name: 'events', protocol: 'amqp', reason: 'protocol amqp is not fronted by serve' },
    ]);
    assert.equal(r.servers[1]!.port, 8080); // the document's port
    assert.deepEqual(
      made.map((f) => f.options.limits.maxConnections),
      [10_000, 10_000, 10_000],
    );
    assert.equal(r.bus, 'memory');
    assert.ok(r.ready());
    await r.close(1234);
    assert.deepEqual(
      made.map((f) => f.closedWith),
      [1234, 1234, 1234],
    );
    assert.ok(!r.ready());
    await r.close(); // idempotent
  });

  it('passes the bus and the guard to every front, and the limits per server', async () => {
    const p = await makeServeProject({
      'asyncapi-guard.yaml':
        `${SERVE_CONFIG}limits: { maxConnections: 7 ` + `}\nservers:\n  api: { limits: { maxConnections: 3 } }\n`,
    });
    const { r, made } = await start(p.dir);
    assert.deepEqual(
      made.map((f) => f.options.limits.maxConnections),
      [7, 7, 3],
    );
    assert.equal(made[0]!.options.bus, made[1]!.options.bus);
    const auth = await made[0]!.options.guard.authenticate('broker', {
      remote: '127.0.0.1',
      login: { username: 'alice', password: PASSWORD },
    });
    assert.ok(auth.ok);
    await r.close(0);
  });
});

describe('serve: startup errors (fail closed)', () => {
  it('rejects with the guard startup error (a scheme without a binding) and opens no front', async () => {
    const p = await makeServeProject({
      'asyncapi-guard.yaml': 'schemes: { userPass: {}, deviceKey: {}, headerKey: {} }\n',
    });
    const f = fakeFronts();
    const err = await rejects(
      startServe({
        document: 'asyncapi.yaml',
        cwd: p.dir,
        logger: quietLogger(),
        auditStream: auditCapture().stream,
        fronts: f.fronts,
      }),
    );
    assert.equal(err.code, 'ERR_SCHEME_UNBOUND');
    assert.equal(f.made.length, 0);
  });

  it('rejects a port in use with the key or flag to change, and closes what it opened', async () => {
    const p = await makeServeProject();
    const inUse = Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' });
    const f = fakeFronts({ failListen: inUse });
    let closedBus = false;
    const err = await rejects(
      startServe({
        document: 'asyncapi.yaml',
        cwd: p.dir,
        logger: quietLogger(),
        auditStream: auditCapture().stream,
        fronts: f.fronts,
        listen: { broker: '127.0.0.1:1' },
        openBus: async () => ({ ...fakeBus(true), close: async () => void (closedBus = true) }),
      }),
    );
    assert.equal(err.code, 'ERR_CONFIG_INVALID');
    assert.match(
      err.message,
      /^--listen broker: server 'broker' could not listen on 127\.0\.0\.1:1: the address is in use/,
    );
    assert.ok(closedBus);
    assert.equal(f.made[0]!.closedWith, 0);
  });

  it('rejects a bus that cannot be opened, naming `bus`', async () => {
    const p = await makeServeProject();
    const err = await rejects(
      start(p.dir, {
        openBus: async () => Promise.reject(Object.assign(new Error('no'), { code: 'ERR_BUS_UNAVAILABLE' })),
      }),
    );
    assert.equal(err.pointer, 'bus');
    assert.match(err.message, /ERR_BUS_UNAVAILABLE/);
  });

  it('rejects an unreadable TLS file, naming the key and never its content', async () => {
    const doc =
      `asyncapi: 3.0.0\ninfo: { title: t, version: '1' ` + `}\nservers:\n  s: { host: 'x:8883', protocol: mqtts }\n`;
    const p = await makeServeProject({
      'asyncapi.yaml': doc,
      'asyncapi-guard.yaml': 'servers:\n  s: { tls: { cert: file:./missing.pem, key: file:./missing-key.pem } }\n',
    });
    const err = await rejects(start(p.dir));
    assert.equal(err.pointer, 'servers.s.tls.cert');
    assert.match(err.message, /^asyncapi-guard\.yaml:2:\d+ servers\.s\.tls\.cert: the file cannot be read/);
  });
});

function fakeBus(ready: boolean): Bus {
  return {
    kind: 'memory',
    description: 'fake',
    origin: 'x',
    ready,
    publish: async () => {},
    subscribe: async () => ({ unsubscribe: async () => {}, dropped: 0, queued: 0 }),
    close: async () => {},
  };
}

describe('serve: admin listener', () => {
  it('answers /healthz, /readyz, /metrics and the status page; 404 and 405 otherwise', async () => {
    const p = await makeServeProject();
    const { r } = await start(p.dir, { admin: '127.0.0.1:0' });
    assert.ok(r.admin !== null && r.admin.port > 0);
    const base = `http://127.0.0.1:${r.admin.port}`;
    const health = await fetch(`${base}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(await health.text(), 'ok\n');
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    const metrics = await fetch(`${base}/metrics`);
    assert.match(metrics.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await metrics.text();
    assert.match(text, /^asyncapi_guard_serve_messages_in_total\{server="broker",protocol="mqtt"\} 3$/m);
    assert.match(text, /^asyncapi_guard_serve_up\{server="web",protocol="ws"\} 1$/m);
    assert.match(text, /^asyncapi_guard_serve_bus_ready 1$/m);
    assert.match(text, /# TYPE asyncapi_guard_authentications_total counter/);
    const page = await fetch(`${base}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /^default-src 'none'; style-src 'sha256-/);
    assert.match(await page.text(), /<tr data-server="broker">/);
    assert.equal((await fetch(`${base}/nope`)).status, 404);
    assert.equal((await fetch(`${base}/healthz`, { method: 'POST' })).status, 405);
    await r.close(0);
    await assert.rejects(fetch(`${base}/healthz`));
  });

  it('/readyz is 503 while the bus is not ready', async () => {
    const p = await makeServeProject();
    const { r } = await start(p.dir, { admin: '127.0.0.1:0', openBus: async () => fakeBus(false) });
    assert.equal((await fetch(`http://127.0.0.1:${r.admin!.port}/readyz`)).status, 503);
    assert.ok(!r.ready());
    await r.close(0);
  });

  it('shows the latest refusals from the audit stream, without secrets', async () => {
    const p = await makeServeProject();
    const { r, made, audit } = await start(p.dir, { admin: '127.0.0.1:0' });
    const secret = 'wrong-PASSWORD-marker-7f3a';
    const auth = await made[0]!.options.guard.authenticate('broker', {
      remote: '127.0.0.1',
      login: { username: 'alice', password: secret },
    });
    assert.ok(!auth.ok);
    const html = await (await fetch(`http://127.0.0.1:${r.admin!.port}/`)).text();
    assert.match(html, /<td>broker<\/td><td>connect<\/td><td>userPass<\/td><td>bad_password<\/td><td>alice<\/td>/);
    assert.ok(!html.includes(secret));
    assert.ok(
      audit.lines.some((l) => l.includes('"reason":"bad_password"')),
      'the audit line still reaches its destination',
    );
    await r.close(0);
  });
});

describe('serve: credential hot reload', () => {
  async function connected(front: FakeFront, login: { username: string; password: string }) {
    const auth = await front.options.guard.authenticate(front.server, { remote: '127.0.0.1', login });
    assert.ok(auth.ok, 'the test login must succeed');
    front.sessions.push(auth.session);
  }

  it('ends the live sessions of a revoked API key, and only those', async () => {
    const p = await makeServeProject();
    const { r, made } = await start(p.dir);
    const broker = made[0]!;
    await connected(broker, { username: 'alice', password: p.apiKey });
    await connected(broker, { username: 'alice', password: PASSWORD });
    const other = await createFileStore(join(p.dir, 'credentials.yaml'), { watch: false });
    await other.revokeApiKey(p.apiKeyId);
    await other.close();
    await eventually(() => broker.sessions.length === 1, 8000, 'one live session');
    assert.equal(broker.sessions[0]!.principal.scheme, 'userPass');
    await eventually(
      () => /asyncapi_guard_serve_sessions_ended_total 1/.test(r.metrics()),
      8000,
      'the ended-sessions counter',
    );
    await r.close(0);
  });

  it('ends the live sessions of a disabled user, password and key alike', async () => {
    const p = await makeServeProject();
    const { r, made } = await start(p.dir);
    const broker = made[0]!;
    await connected(broker, { username: 'alice', password: p.apiKey });
    await connected(broker, { username: 'alice', password: PASSWORD });
    await connected(broker, { username: 'bob', password: PASSWORD });
    const other = await createFileStore(join(p.dir, 'credentials.yaml'), { watch: false });
    await other.setDisabled('alice', true);
    await other.close();
    await eventually(() => broker.sessions.length === 1, 8000, 'one live session');
    assert.equal(broker.sessions[0]!.principal.id, 'bob');
    await r.close(0);
  });

  it('ends sessions holding a scope the store took away', async () => {
    const p = await makeServeProject();
    const { r, made } = await start(p.dir);
    const broker = made[0]!;
    await connected(broker, { username: 'alice', password: PASSWORD });
    const other = await createFileStore(join(p.dir, 'credentials.yaml'), { watch: false });
    await other.setScopes('alice', []);
    await other.close();
    await eventually(() => broker.sessions.length === 0, 8000, 'no live session');
    await r.close(0);
  });
});
