// Origin checks of the web fronts (src/transports/web/origin.ts) with real clients: `ws` and
// Node's fetch setting `Origin` as a browser page of another site would. The test servers accept
// http basic and a cookie API key (browser-ambient credentials), so cross-origin requests are
// refused unless listed; requests without Origin and same-origin ones are not.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import type { Guard } from '../../src/guard/index.js';
import { createHttpFront } from '../../src/transports/http/index.js';
import type { Front } from '../../src/transports/types.js';
import { ambientSchemesOf, buildOriginPolicy, isExactOrigin } from '../../src/transports/web/origin.js';
import { createWsFront } from '../../src/transports/ws/index.js';
import { modelFromYaml } from '../guard/helpers.js';
import { basic, createWorld, PASSWORD, type World, limits } from './web-helpers.js';

const LISTED = 'https://app.example';
const EVIL = 'https://evil.example';

/** Opens a WebSocket; resolves with the HTTP status of a refused handshake, or 101 once open (then closes). */
function handshake(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => {
      ws.close();
      resolve({ status: 101, body: '' });
    });
    ws.once('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        ws.terminate();
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() });
      });
    });
    ws.once('error', (err) => {
      if (ws.readyState !== WebSocket.CLOSED) reject(err);
    });
  });
}

describe('web fronts: Origin on a server with browser-ambient credentials', () => {
  let world: World;
  let guard: Guard;
  let authentications = 0;
  const fronts: Front[] = [];
  let wsBase: string;
  let wsPort: number;
  let httpBase: string;
  let httpPort: number;

  before(async () => {
    world = await createWorld();
    // Counts the credential checks: a refused origin must not reach one.
    guard = {
      ...world.guard,
      authenticate: (server, presented) => {
        authentications++;
        return world.guard.authenticate(server, presented);
      },
    };
    const wsServer = world.model.servers.find((s) => s.name === 'ws')!;
    const httpServer = world.model.servers.find((s) => s.name === 'http')!;
    const ws = createWsFront({
      server: wsServer,
      guard,
      bus: world.bus,
      limits: limits(),
      logger: world.logger,
      origins: buildOriginPolicy(wsServer, world.model, [LISTED]),
    });
    const http = createHttpFront({
      server: httpServer,
      guard,
      bus: world.bus,
      limits: limits(),
      logger: world.logger,
      origins: buildOriginPolicy(httpServer, world.model, [LISTED]),
    });
    fronts.push(ws, http);
    wsPort = (await ws.listen('127.0.0.1', 0)).port;
    httpPort = (await http.listen('127.0.0.1', 0)).port;
    wsBase = `ws://127.0.0.1:${wsPort}/ws`;
    httpBase = `http://127.0.0.1:${httpPort}/api`;
  });
  after(async () => {
    for (const f of fronts) await f.close(100);
    await world.close();
  });

  it('the test servers do accept ambient credentials (basic and the cookie key)', () => {
    assert.deepEqual(
      ambientSchemesOf(
        world.model.servers.find((s) => s.name === 'ws')!,
        world.model,
      ),
      ['basic', 'cookieKey'],
    );
  });

  it('ws: another origin is refused with 403 before any credential is checked, even with a valid cookie', async () => {
    const n = authentications;
    const r = await handshake(`${wsBase}/lights/1/status`, { origin: EVIL, cookie: `session=${world.apiKey}` });
    assert.equal(r.status, 403);
    assert.deepEqual(JSON.parse(r.body), { error: 'origin_not_allowed' });
    // `null` (a sandboxed frame, a file: page) and a look-alike of the listed origin too.
    for (const origin of ['null', `${LISTED}.evil.example`, `${LISTED}/`, 'HTTPS://APP.EXAMPLE'])
      assert.equal(
        (await handshake(`${wsBase}/lights/1/status`, { origin, cookie: `session=${world.apiKey}` })).status,
        403,
      );
    assert.equal(authentications, n, 'no credential was checked');
    assert.equal(fronts[0]!.stats().refusedOrigins, 5);
  });

  it('ws: a listed origin, the same origin, and no Origin at all go on to the credentials', async () => {
    const cookie = `session=${world.apiKey}`;
    assert.equal((await handshake(`${wsBase}/lights/1/status`, { origin: LISTED, cookie })).status, 101);
    assert.equal(
      (await handshake(`${wsBase}/lights/1/status`, { origin: `http://127.0.0.1:${wsPort}`, cookie })).status,
      101,
    );
    assert.equal((await handshake(`${wsBase}/lights/1/status`, { cookie })).status, 101);
    // A listed origin still needs a credential.
    assert.equal((await handshake(`${wsBase}/lights/1/status`, { origin: LISTED })).status, 401);
  });

  it('http: cross-origin POST with Basic → 403, nothing published; listed / none / same origin pass', async () => {
    const alice = { authorization: basic('alice', PASSWORD) };
    const post = (headers: Record<string, string>) =>
      fetch(`${httpBase}/lights/2/status`, { method: 'POST', headers: { ...alice, ...headers }, body: 'x' });
    const n = authentications;
    const refused = await post({ origin: EVIL });
    assert.equal(refused.status, 403);
    assert.deepEqual(await refused.json(), { error: 'origin_not_allowed' });
    const sse = await fetch(`${httpBase}/lights/2/status`, {
      headers: { ...alice, origin: EVIL, accept: 'text/event-stream' },
    });
    assert.equal(sse.status, 403);
    await sse.body?.cancel();
    assert.equal(authentications, n, 'no credential was checked');
    assert.equal(fronts[1]!.stats().messagesIn, 0);
    assert.equal((await post({ origin: LISTED })).status, 202);
    assert.equal((await post({})).status, 202);
    assert.equal((await post({ origin: `http://127.0.0.1:${httpPort}` })).status, 202);
    assert.equal(fronts[1]!.stats().messagesIn, 3);
    assert.equal(fronts[1]!.stats().refusedOrigins, 2);
  });
});

describe('web fronts: Origin on servers without browser-ambient credentials', () => {
  it('bearer, header and query API keys: nothing checked; cookie, basic, userPassword, X509: checked', async () => {
    const model = await modelFromYaml(`
asyncapi: 3.0.0
info: { title: t, version: '1' }
servers:
  bearer: { host: 'h:1', protocol: ws, security: [{ $ref: '#/components/securitySchemes/jwt' }] }
  keys:
    host: 'h:1'
    protocol: http
    security: [{ $ref: '#/components/securitySchemes/header' }, { $ref: '#/components/securitySchemes/query' }]
  cookie: { host: 'h:1', protocol: ws, security: [{ $ref: '#/components/securitySchemes/cookie' }] }
  basic: { host: 'h:1', protocol: http, security: [{ $ref: '#/components/securitySchemes/basic' }] }
  user: { host: 'h:1', protocol: ws, security: [{ $ref: '#/components/securitySchemes/user' }] }
  certs: { host: 'h:1', protocol: wss, security: [{ $ref: '#/components/securitySchemes/certs' }] }
  viaOperation: { host: 'h:1', protocol: ws, security: [{ $ref: '#/components/securitySchemes/jwt' }] }
channels:
  c: { address: c, servers: [{ $ref: '#/servers/viaOperation' }] }
operations:
  o: { action: send, channel: { $ref: '#/channels/c' }, security: [{ $ref: '#/components/securitySchemes/cookie' }] }
components:
  securitySchemes:
    jwt: { type: http, scheme: bearer }
    header: { type: httpApiKey, in: header, name: x-key }
    query: { type: httpApiKey, in: query, name: key }
    cookie: { type: httpApiKey, in: cookie, name: sid }
    basic: { type: http, scheme: basic }
    user: { type: userPassword }
    certs: { type: X509 }
`);
    const enforced = Object.fromEntries(
      model.servers.map((s) => [s.name, buildOriginPolicy(s, model).enforce] as const),
    );
    assert.deepEqual(enforced, {
      bearer: false,
      keys: false,
      cookie: true,
      basic: true,
      user: true,
      certs: true,
      viaOperation: true,
    });
  });

  it('allowedOrigins entries must be exact origins', () => {
    for (const ok of ['https://app.example', 'http://127.0.0.1:8080', 'http://[::1]:5173'])
      assert.equal(isExactOrigin(ok), true, ok);
    for (const bad of [
      'https://app.example/',
      'https://App.example',
      'https://app.example:443',
      'https://app.example/path',
      'app.example',
      'null',
      'ftp://app.example',
      '*',
    ])
      assert.equal(isExactOrigin(bad), false, bad);
  });
});
