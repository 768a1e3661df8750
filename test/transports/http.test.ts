// The HTTP front with real clients (Node's fetch, curl): POST publishes through authorize +
// checkPayload, refusals with the right status and WWW-Authenticate challenges, limits, TLS,
// and the secrets marker test over both web fronts.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CompactEncrypt } from 'jose';
import { WebSocket } from 'ws';
import { createHttpFront, type HttpFrontOptions } from '../../src/transports/http/index.js';
import { createWsFront } from '../../src/transports/ws/index.js';
import { BEARER_PROTOCOL_MARKER } from '../../src/transports/web/presented.js';
import type { BusMessage } from '../../src/bus/types.js';
import type { Front } from '../../src/transports/types.js';
import { createPki, type Pki } from '../schemes/x509-pki.js';
import {
  basic,
  challengesOf,
  createWorld,
  curl,
  eventually,
  limits,
  PASSWORD,
  rawExchange,
  type World,
} from './web-helpers.js';

describe('HTTP front (http) with real clients', () => {
  let world: World;
  let base: string;
  const fronts: Front[] = [];
  const seen: BusMessage[] = [];

  async function start(extra: Partial<HttpFrontOptions> = {}): Promise<{ front: Front; base: string }> {
    const server = world.model.servers.find((s) => s.name === 'http');
    assert.ok(server);
    const front = createHttpFront({
      server,
      guard: world.guard,
      bus: world.bus,
      limits: limits(),
      logger: world.logger,
      ...extra,
    });
    fronts.push(front);
    return { front, base: `http://127.0.0.1:${(await front.listen('127.0.0.1', 0)).port}/api` };
  }

  before(async () => {
    world = await createWorld();
    ({ base } = await start());
    await world.bus.subscribe('#', (m) => void seen.push(m));
  });
  after(async () => {
    for (const f of fronts) await f.close(100);
    await world.close();
  });

  const post = (path: string, headers: Record<string, string>, body: string | Uint8Array = 'on') =>
    fetch(`${base}${path}`, { method: 'POST', headers, body });
  const alice = { authorization: basic('alice', PASSWORD) };

  it('http: POST with Basic credentials publishes the body and answers 202 with an empty body', async () => {
    const res = await post('/lights/1/status', alice, '{"level":3}');
    assert.equal(res.status, 202);
    assert.equal(await res.text(), '');
    await eventually(() =>
      seen.some((m) => m.channel === 'lights/1/status' && Buffer.from(m.payload).toString() === '{"level":3}'),
    );
  });

  it('http: httpApiKey in a header, in the query and in a cookie each publish', async () => {
    assert.equal((await post('/lights/1/status', { 'x-api-key': world.apiKey })).status, 202);
    assert.equal((await post(`/lights/1/status?api_key=${encodeURIComponent(world.apiKey)}`, {})).status, 202);
    assert.equal((await post('/lights/1/status', { cookie: `session=${world.apiKey}` })).status, 202);
  });

  it('http: a bearer JWT from the real /token endpoint with lights:write publishes on a scoped channel', async () => {
    const token = await world.idp.fetchToken('lights:write', 'lights');
    assert.equal((await post('/lights/1/switch', { authorization: `Bearer ${token}` })).status, 202);
  });

  it(
    'http: rejects a token without the scope with 403 and ' + 'WWW-Authenticate: Bearer error="insufficient_scope"',
    async () => {
      const token = await world.token('lights:read');
      const res = await post('/lights/1/switch', { authorization: `Bearer ${token}` });
      assert.equal(res.status, 403);
      assert.equal(res.headers.get('www-authenticate'), 'Bearer error="insufficient_scope"');
      assert.deepEqual(await res.json(), { error: 'scope_missing' });
    },
  );

  it('http: no credentials → 401 with a Basic and a Bearer challenge, no error attribute', async () => {
    const res = await post('/lights/1/status', {});
    assert.equal(res.status, 401);
    const list = challengesOf(res.headers.get('www-authenticate'));
    assert.deepEqual(list, ['Basic realm="http", charset="UTF-8"', 'Bearer realm="http"']);
    assert.deepEqual(await res.json(), { error: 'no_credentials' });
  });

  it('http: rejects an expired token with 401 and error="invalid_token"', async () => {
    const token = await world.token('lights:write', { exp: Math.floor(Date.now() / 1000) - 3600 });
    const res = await post('/lights/1/switch', { authorization: `Bearer ${token}` });
    assert.equal(res.status, 401);
    assert.ok(challengesOf(res.headers.get('www-authenticate')).includes('Bearer realm="http", error="invalid_token"'));
  });

  it('http: rejects a wrong API key with 401', async () => {
    const res = await post('/lights/1/status', { 'x-api-key': world.apiKey.slice(0, -2) + 'xx' });
    assert.equal(res.status, 401);
    assert.deepEqual(await res.json(), { error: 'invalid_credentials' });
  });

  it('http: rejects a path no operation covers with 403 uncovered_channel', async () => {
    const res = await post('/nothing/here', alice);
    assert.equal(res.status, 403);
    assert.deepEqual(await res.json(), { error: 'uncovered_channel' });
  });

  it('http: rejects a path outside the server pathname, or with a wildcard, with 404', async () => {
    assert.equal(
      (
        await fetch(`${base.replace('/api', '/elsewhere')}/lights/1/status`, {
          method: 'POST',
          headers: alice,
          body: 'x',
        })
      ).status,
      404,
    );
    assert.equal((await post('/lights/%2B/status', alice)).status, 404);
  });

  it(
    'http: rejects a plaintext body on an encrypted ' + 'channel with 403 payload_not_encrypted; a JWE passes',
    async () => {
      const res = await post('/secret/1', alice, 'plain text');
      assert.equal(res.status, 403);
      assert.deepEqual(await res.json(), { error: 'payload_not_encrypted' });
      const jwe = await new CompactEncrypt(new TextEncoder().encode('sealed'))
        .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
        .encrypt(new Uint8Array(32));
      assert.equal((await post('/secret/1', alice, jwe)).status, 202);
    },
  );

  it('http: other methods → 405 with Allow; GET without text/event-stream → 406', async () => {
    const put = await fetch(`${base}/lights/1/status`, { method: 'PUT', headers: alice, body: 'x' });
    assert.equal(put.status, 405);
    assert.equal(put.headers.get('allow'), 'GET, POST');
    const get = await fetch(`${base}/lights/1/status`, { headers: { ...alice, accept: 'application/json' } });
    assert.equal(get.status, 406);
  });

  it('http: rejects a body over maxMessageBytes with 413 (declared length and chunked)', async () => {
    const { base: small } = await start({ limits: limits({ maxMessageBytes: 1024 }) });
    const declared = await fetch(`${small}/lights/1/status`, {
      method: 'POST',
      headers: alice,
      body: 'x'.repeat(2048),
    });
    assert.equal(declared.status, 413);
    const chunked = await fetch(`${small}/lights/1/status`, {
      method: 'POST',
      headers: alice,
      body: new ReadableStream({
        start(c) {
          for (let i = 0; i < 4; i++) c.enqueue(new Uint8Array(512));
          c.close();
        },
      }),
      duplex: 'half',
    });
    assert.equal(chunked.status, 413);
  });

  it('http: rejects headers over maxHeaderBytes with 431 (curl)', async () => {
    const { base: small } = await start({ limits: limits({ maxHeaderBytes: 2048 }) });
    const r = await curl([
      '-i',
      '-X',
      'POST',
      '-H',
      `X-Pad: ${'a'.repeat(4096)}`,
      '--data',
      'x',
      `${small}/lights/1/status`,
    ]);
    assert.match(r.stdout, /^HTTP\/1\.1 431 /);
  });

  it('http: curl with Basic credentials publishes (202)', async () => {
    const r = await curl(['-i', '-u', `alice:${PASSWORD}`, '--data', 'via curl', `${base}/lights/7/status`]);
    assert.match(r.stdout, /^HTTP\/1\.1 202 /);
    await eventually(() => seen.some((m) => Buffer.from(m.payload).toString() === 'via curl'));
  });

  it('http: refuses requests beyond maxConnections with 503', async () => {
    const { base: one, front } = await start({ limits: limits({ maxConnections: 1 }) });
    const port = Number(new URL(one).port);
    // Hold one connection open (keep-alive), then a second one is over the limit.
    const held = rawExchange(
      port,
      `POST /api/lights/1/status HTTP/1.1\r\nHost: x\r\nAuthorization: ` +
        `${alice.authorization}\r\nContent-Length: 1\r\n\r\nx`,
      500,
    );
    await eventually(() => front.stats().connections === 1);
    const second = await rawExchange(
      port,
      'POST /api/lights/1/status HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nx',
    );
    assert.match(second, /^HTTP\/1\.1 503 /);
    assert.match(second, /too_many_connections/);
    await held;
  });

  it('http: a closed guard (store unavailable) → 503; a locked-out address → 429 without Retry-After', async () => {
    const locked = await createWorld({ throttle: { lockoutAfter: 1, freeFailures: 0 } });
    const server = locked.model.servers.find((s) => s.name === 'http');
    assert.ok(server);
    const front = createHttpFront({
      server,
      guard: locked.guard,
      bus: locked.bus,
      limits: limits(),
      logger: locked.logger,
    });
    const url = `http://127.0.0.1:${(await front.listen('127.0.0.1', 0)).port}/api/lights/1/status`;
    try {
      assert.equal(
        (await fetch(url, { method: 'POST', headers: { authorization: basic('alice', 'wrong') }, body: 'x' })).status,
        401,
      );
      const throttled = await fetch(url, { method: 'POST', headers: alice, body: 'x' });
      assert.equal(throttled.status, 429);
      assert.equal(throttled.headers.get('retry-after'), null);
      assert.deepEqual(await throttled.json(), { error: 'throttled' });
      await locked.guard.close();
      const unavailable = await fetch(url, { method: 'POST', headers: alice, body: 'x' });
      assert.equal(unavailable.status, 503);
      assert.deepEqual(await unavailable.json(), { error: 'store_unavailable' });
    } finally {
      await front.close(100);
      await locked.close();
    }
  });

  it('http: stats count accepted publishes and refused requests', async () => {
    const { base: b, front } = await start();
    assert.equal((await fetch(`${b}/lights/1/status`, { method: 'POST', headers: alice, body: 'x' })).status, 202);
    assert.equal((await fetch(`${b}/lights/1/status`, { method: 'POST', body: 'x' })).status, 401);
    const s = front.stats();
    assert.equal(s.messagesIn, 1);
    assert.equal(s.refusedConnections, 1);
  });
});

describe('HTTP front over TLS (https)', () => {
  let pki: Pki;
  let world: World;
  let front: Front;
  let url: string;

  before(async () => {
    pki = await createPki();
    const server = await pki.issue(
      'root',
      'server',
      '/CN=localhost',
      'basicConstraints = CA:FALSE\nkeyUsage = critical, digitalSignature\nextendedKeyUsage = ' +
        'serverAuth\nsubjectAltName = @alt\n[alt]\nIP.1 = 127.0.0.1',
    );
    world = await createWorld();
    const model = world.model.servers.find((s) => s.name === 'https');
    assert.ok(model);
    front = createHttpFront({
      server: model,
      guard: world.guard,
      bus: world.bus,
      limits: limits(),
      logger: world.logger,
      tls: { cert: server.pem, key: server.keyPem },
    });
    url = `https://127.0.0.1:${(await front.listen('127.0.0.1', 0)).port}`;
  });
  after(async () => {
    await front?.close(100);
    await world?.close();
    await pki?.cleanup();
  });

  it('https: curl with Basic over TLS publishes (202); without credentials 401 with challenges', async () => {
    const ok = await curl([
      '-i',
      '--cacert',
      pki.root.certPath,
      '-u',
      `alice:${PASSWORD}`,
      '--data',
      'x',
      `${url}/lights/1/status`,
    ]);
    assert.match(ok.stdout, /^HTTP\/1\.1 202 /);
    const no = await curl(['-i', '--cacert', pki.root.certPath, '--data', 'x', `${url}/lights/1/status`]);
    assert.match(no.stdout, /^HTTP\/1\.1 401 /);
    assert.equal((no.stdout.match(/^www-authenticate: /gim) ?? []).length, 2);
  });
});

describe('web fronts: no credential ever reaches a response', () => {
  const MARKER = 'Zq7MARKERv9';
  let world: World;
  let http: Front;
  let ws: Front;
  let httpUrl: string;
  let wsUrl: string;

  before(async () => {
    world = await createWorld({ marker: MARKER });
    const hs = world.model.servers.find((s) => s.name === 'http');
    const wss = world.model.servers.find((s) => s.name === 'ws');
    assert.ok(hs && wss);
    http = createHttpFront({ server: hs, guard: world.guard, bus: world.bus, limits: limits(), logger: world.logger });
    ws = createWsFront({ server: wss, guard: world.guard, bus: world.bus, limits: limits(), logger: world.logger });
    httpUrl = `http://127.0.0.1:${(await http.listen('127.0.0.1', 0)).port}/api`;
    wsUrl = `ws://127.0.0.1:${(await ws.listen('127.0.0.1', 0)).port}/ws`;
  });
  after(async () => {
    await http.close(100);
    await ws.close(100);
    await world.close();
  });

  it(
    'rejects every credential kind carrying a marker ' + 'without echoing it in a status line, header or body',
    async () => {
      const token = await world.token('lights:write', { note: MARKER, aud: 'wrong' });
      const wrongKey = `${world.apiKey.slice(0, -MARKER.length)}${MARKER}`;
      const variants: { headers: Record<string, string>; query?: string; protocols?: string[] }[] = [
        { headers: { authorization: basic('alice', `wrong-${MARKER}`) } },
        { headers: { authorization: basic(`user-${MARKER}`, 'x') } },
        { headers: { 'x-api-key': wrongKey } },
        { headers: {}, query: `api_key=${encodeURIComponent(wrongKey)}` },
        { headers: { cookie: `session=${wrongKey}` } },
        { headers: { authorization: `Bearer ${token}` } },
        { headers: { authorization: `Bearer ${MARKER}` } },
        { headers: {}, protocols: [BEARER_PROTOCOL_MARKER, token] },
      ];
      const seen: string[] = [];
      for (const v of variants) {
        const q = v.query === undefined ? '' : `?${v.query}`;
        const res = await fetch(`${httpUrl}/lights/1/switch${q}`, { method: 'POST', headers: v.headers, body: 'x' });
        seen.push(
          `${res.status} ${[...res.headers].map(([k, val]) => `${k}: ${val}`).join('\n')}\n${await res.text()}`,
        );
        const sse = await fetch(`${httpUrl}/lights/1/switch${q}`, {
          headers: { ...v.headers, accept: 'text/event-stream' },
        });
        seen.push(
          `${sse.status} ${[...sse.headers].map(([k, val]) => `${k}: ${val}`).join('\n')}\n${await sse.text()}`,
        );
        const refusal = await new Promise<string>((resolve) => {
          const c = new WebSocket(`${wsUrl}/lights/1/switch${q}`, v.protocols ?? [], { headers: v.headers });
          c.once('unexpected-response', (_req, res) => {
            let body = '';
            res.on('data', (d: Buffer) => (body += String(d)));
            res.on('end', () => resolve(`${res.statusCode} ${res.rawHeaders.join('\n')}\n${body}`));
          });
          c.once('open', () => resolve('opened'));
          c.once('error', () => {});
        });
        seen.push(refusal);
      }
      assert.equal(seen.length, variants.length * 3);
      for (const s of seen) {
        assert.match(s, /^(401|403) /);
        assert.ok(!s.includes(MARKER), s);
        assert.ok(!s.includes(token), s);
      }
    },
  );
});
