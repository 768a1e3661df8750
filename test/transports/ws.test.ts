// The WebSocket front with real `ws` clients (and an SSE client through the HTTP front on the same
// memory bus): handshake credentials for every scheme the front carries, refusals before the
// upgrade with the right status and challenges, frames through authorize/checkPayload, back-pressure,
// keep-alive, endSessions and close.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { readFile } from 'node:fs/promises';
import { createPki, CLIENT_EXT, type Issued, type Pki } from '../schemes/x509-pki.js';
import { createWsFront, type WsFrontOptions } from '../../src/transports/ws/index.js';
import { createHttpFront } from '../../src/transports/http/index.js';
import { BEARER_PROTOCOL_MARKER } from '../../src/transports/web/presented.js';
import type { Front } from '../../src/transports/types.js';
import {
  basic,
  createWorld,
  eventually,
  limits,
  PASSWORD,
  rawExchange,
  sseReader,
  tick,
  type World,
} from './web-helpers.js';

interface Opened {
  ws: WebSocket;
  messages: { data: string; binary: boolean }[];
}

/**
 * Opens a client; resolves with it once open, or rejects with the HTTP status of a refused handshake and its
 * headers/body.
 */
/** The text of a WebSocket message, whichever shape `ws` delivers it in. */
const textOf = (data: WebSocket.RawData): string =>
  (Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)).toString('utf8');

function open(
  url: string,
  options: { headers?: Record<string, string>; protocols?: string[]; autoPong?: boolean } = {},
): Promise<Opened> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options.protocols ?? [], {
      headers: options.headers ?? {},
      autoPong: options.autoPong ?? true,
    });
    const messages: Opened['messages'] = [];
    ws.on('message', (data, binary) => messages.push({ data: textOf(data), binary }));
    ws.once('open', () => resolve({ ws, messages }));
    ws.once('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const err = Object.assign(new Error(`HTTP ${res.statusCode}`), {
          status: res.statusCode,
          headers: res.headers,
          rawHeaders: res.rawHeaders,
          body: Buffer.concat(chunks).toString(),
        });
        ws.terminate();
        reject(err);
      });
    });
    ws.once('error', reject);
  });
}

interface Refused {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  rawHeaders: string[];
  body: string;
}

async function refused(p: Promise<Opened>): Promise<Refused> {
  try {
    const o = await p;
    o.ws.terminate();
  } catch (err) {
    if (typeof (err as Refused).status === 'number') return err as Refused;
    throw err;
  }
  throw new Error('the handshake was accepted');
}

const closed = (ws: WebSocket) =>
  new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
/** The WWW-Authenticate header lines of a refused handshake, each as sent. */
function challenges(r: Refused): string[] {
  const out: string[] = [];
  for (let i = 0; i < r.rawHeaders.length; i += 2)
    if (r.rawHeaders[i]?.toLowerCase() === 'www-authenticate') out.push(r.rawHeaders[i + 1] as string);
  return out;
}

describe('WebSocket front (ws) with real clients', () => {
  let world: World;
  let http: Front;
  let base: string;
  let httpBase: string;
  const fronts: Front[] = [];

  async function start(extra: Partial<WsFrontOptions> = {}): Promise<{ front: Front; url: string }> {
    const server = world.model.servers.find((s) => s.name === 'ws');
    assert.ok(server);
    const f = createWsFront({
      server,
      guard: world.guard,
      bus: world.bus,
      limits: limits(),
      logger: world.logger,
      ...extra,
    });
    fronts.push(f);
    const { port } = await f.listen('127.0.0.1', 0);
    return { front: f, url: `ws://127.0.0.1:${port}/ws` };
  }

  before(async () => {
    world = await createWorld();
    ({ url: base } = await start());
    const server = world.model.servers.find((s) => s.name === 'http');
    assert.ok(server);
    http = createHttpFront({ server, guard: world.guard, bus: world.bus, limits: limits(), logger: world.logger });
    fronts.push(http);
    httpBase = `http://127.0.0.1:${(await http.listen('127.0.0.1', 0)).port}/api`;
  });
  after(async () => {
    for (const f of fronts) await f.close(100);
    await world.close();
  });

  const alice = { authorization: basic('alice', PASSWORD) };

  it(
    'ws: Basic credentials open the connection; a frame published reaches another WebSocket client and an SSE ' +
      'client of the same channel',
    async () => {
      const a = await open(`${base}/lights/1/status`, { headers: alice });
      const b = await open(`${base}/lights/1/status`, { headers: alice });
      const res = await fetch(`${httpBase}/lights/1/status`, {
        headers: { accept: 'text/event-stream', authorization: alice.authorization },
      });
      assert.equal(res.status, 200);
      const sse = sseReader(res);
      a.ws.send('{"on":true}');
      await eventually(() => b.messages.length === 1, 3000, 'delivery to b');
      assert.deepEqual(b.messages[0], { data: '{"on":true}', binary: false });
      await sse.until((t) => t.includes('data: {"on":true}\n\n'));
      // The publisher is a subscriber too (MQTT 3.1.1 semantics): it gets its own message.
      await eventually(() => a.messages.length === 1, 3000, 'echo to a');
      a.ws.close();
      b.ws.close();
      await sse.cancel();
    },
  );

  it('ws: a payload that is not UTF-8 is delivered as a binary frame', async () => {
    const a = await open(`${base}/lights/2/status`, { headers: alice });
    const b = await open(`${base}/lights/2/status`, { headers: alice });
    a.ws.send(Buffer.from([0xff, 0xfe, 0x00]));
    await eventually(() => b.messages.length === 1);
    assert.equal(b.messages[0]?.binary, true);
    a.ws.close();
    b.ws.close();
  });

  it(
    'ws: a burst of text and binary frames reaches every ' +
      'subscriber in publish order, each frame with its own type',
    async () => {
      const publisher = await open(`${base}/lights/3/status`, { headers: alice });
      const subs = await Promise.all([1, 2, 3].map(() => open(`${base}/lights/3/status`, { headers: alice })));
      const sent: { data: string; binary: boolean }[] = [];
      for (let i = 0; i < 60; i++) {
        // Every third frame is not UTF-8 (a lone 0xff byte), so text and binary alternate within one flush.
        const binary = i % 3 === 0;
        const payload = binary ? Buffer.from([0xff, 0x30 + (i % 10)]) : Buffer.from(`m${i}`);
        sent.push({ data: String(payload), binary });
        publisher.ws.send(payload, { binary });
      }
      for (const s of [...subs, publisher])
        await eventually(() => s.messages.length === sent.length, 3000, 'all deliveries');
      for (const s of [...subs, publisher]) assert.deepEqual(s.messages, sent);
      for (const s of [...subs, publisher]) s.ws.close();
    },
  );

  it('ws: httpApiKey in a header, in the query and in a cookie each open the connection', async () => {
    const viaHeader = await open(`${base}/lights/1/status`, { headers: { 'x-api-key': world.apiKey } });
    const viaQuery = await open(`${base}/lights/1/status?api_key=${encodeURIComponent(world.apiKey)}`);
    const viaCookie = await open(`${base}/lights/1/status`, {
      headers: { cookie: `theme=dark; session=${world.apiKey}` },
    });
    for (const c of [viaHeader, viaQuery, viaCookie]) c.ws.close();
  });

  it('ws: a bearer JWT in Authorization opens the connection', async () => {
    const token = await world.token('lights:read');
    const c = await open(`${base}/lights/9/switch`, { headers: { authorization: `Bearer ${token}` } });
    c.ws.close();
  });

  it(
    'ws: a bearer JWT in Sec-WebSocket-Protocol opens the connection; the server selects the marker, never ' +
      'the token',
    async () => {
      const token = await world.token('lights:read');
      const c = await open(`${base}/lights/9/switch`, { protocols: [BEARER_PROTOCOL_MARKER, token] });
      assert.equal(c.ws.protocol, BEARER_PROTOCOL_MARKER);
      c.ws.close();
      // With an application protocol offered too, that one is selected.
      const d = await open(`${base}/lights/9/switch`, { protocols: [BEARER_PROTOCOL_MARKER, token, 'json'] });
      assert.equal(d.ws.protocol, 'json');
      d.ws.close();
    },
  );

  it('ws: a token from the real /token endpoint works through Sec-WebSocket-Protocol', async () => {
    const token = await world.idp.fetchToken('lights:read', 'lights');
    const c = await open(`${base}/lights/3/switch`, { protocols: [BEARER_PROTOCOL_MARKER, token] });
    c.ws.close();
  });

  it('ws: no credentials → 401 with one challenge per HTTP scheme and no error attribute', async () => {
    const r = await refused(open(`${base}/lights/1/status`));
    assert.equal(r.status, 401);
    assert.deepEqual(JSON.parse(r.body), { error: 'no_credentials' });
    const list = challenges(r);
    assert.equal(list.length, 2, JSON.stringify(list));
    assert.match(list[0] as string, /^Basic realm="ws"/);
    assert.match(list[1] as string, /^Bearer realm="ws"$/);
  });

  it(
    'ws: rejects a wrong Basic password with 401 and the ' + 'challenges (no invalid_token: no token was presented)',
    async () => {
      const r = await refused(open(`${base}/lights/1/status`, { headers: { authorization: basic('alice', 'wrong') } }));
      assert.equal(r.status, 401);
      assert.deepEqual(JSON.parse(r.body), { error: 'invalid_credentials' });
      assert.ok(challenges(r).every((c) => !c.includes('error=')));
    },
  );

  it(
    'ws: rejects an invalid token with 401 and ' + 'error="invalid_token" on the Bearer challenge (RFC 6750 §3.1)',
    async () => {
      const token = await world.token('lights:read', { aud: 'someone-else' });
      const r = await refused(open(`${base}/lights/1/status`, { protocols: [BEARER_PROTOCOL_MARKER, token] }));
      assert.equal(r.status, 401);
      const bearer = challenges(r).find((c) => c.startsWith('Bearer'));
      assert.equal(bearer, 'Bearer realm="ws", error="invalid_token"');
      assert.ok(!r.rawHeaders.join('\n').includes(token));
    },
  );

  it("ws: rejects a token without the channel's scope with 403 insufficient_scope", async () => {
    const token = await world.token('other');
    const r = await refused(open(`${base}/lights/1/switch`, { headers: { authorization: `Bearer ${token}` } }));
    assert.equal(r.status, 403);
    assert.deepEqual(challenges(r), ['Bearer error="insufficient_scope"']);
    assert.deepEqual(JSON.parse(r.body), { error: 'scope_missing' });
  });

  it('ws: rejects a path no operation covers with 403 uncovered_channel', async () => {
    const r = await refused(open(`${base}/nothing/here`, { headers: alice }));
    assert.equal(r.status, 403);
    assert.deepEqual(JSON.parse(r.body), { error: 'uncovered_channel' });
  });

  it('ws: rejects a path outside the server pathname with 404', async () => {
    const r = await refused(open(base.replace('/ws', '/other') + '/lights/1/status', { headers: alice }));
    assert.equal(r.status, 404);
  });

  it('ws: a frame the session may not publish closes the connection with 1008 and the reason', async () => {
    const token = await world.token('lights:read');
    const c = await open(`${base}/lights/1/switch`, { headers: { authorization: `Bearer ${token}` } });
    const done = closed(c.ws);
    c.ws.send('on');
    assert.deepEqual(await done, { code: 1008, reason: 'scope_missing' });
  });

  it('ws: rejects a plaintext frame on an encrypted channel with 1008 payload_not_encrypted', async () => {
    const c = await open(`${base}/secret/1`, { headers: alice });
    const done = closed(c.ws);
    c.ws.send('not a JWE');
    assert.deepEqual(await done, { code: 1008, reason: 'payload_not_encrypted' });
  });

  it('ws: rejects a frame larger than maxMessageBytes (close 1009)', async () => {
    const { url } = await start({ limits: limits({ maxMessageBytes: 1024 }) });
    const c = await open(`${url}/lights/1/status`, { headers: alice });
    const done = closed(c.ws);
    c.ws.send(Buffer.alloc(2048, 0x61));
    assert.equal((await done).code, 1009);
  });

  it('ws: rejects a handshake whose headers exceed maxHeaderBytes with 431', async () => {
    const { url } = await start({ limits: limits({ maxHeaderBytes: 2048 }) });
    const port = Number(new URL(url).port);
    const text = await rawExchange(
      port,
      `GET /ws/lights/1/status HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: ` +
        `Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nX-Pad: ` +
        `${'a'.repeat(4096)}\r\n\r\n`,
    );
    assert.match(text, /^HTTP\/1\.1 431 /);
  });

  it('ws: rejects an upgrade without Sec-WebSocket-Key with 400 before any credential check', async () => {
    const port = Number(new URL(base).port);
    const text = await rawExchange(
      port,
      `GET /ws/lights/1/status HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: ` +
        `Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    assert.match(text, /^HTTP\/1\.1 400 /);
    assert.match(text, /"bad_handshake"/);
  });

  it('rejects paths that try to escape their channel level (%2F, .., a wildcard) with 404', async () => {
    for (const path of ['/lights%2F1/status', '/lights/%23/status', '/lights/+/status']) {
      const r = await refused(open(`${base}${path}`, { headers: alice }));
      assert.equal(r.status, 404, path);
    }
    // A client normalizes `..` away (WHATWG URL): send it raw.
    const text = await rawExchange(
      Number(new URL(base).port),
      `GET /ws/lights/../status HTTP/1.1\r\nHost: x\r\nAuthorization: ${alice.authorization}\r\nUpgrade: ` +
        `websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ` +
        `dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    assert.match(text, /^HTTP\/1\.1 404 /);
  });

  it('rejects an absolute-form request target with 404', async () => {
    const port = Number(new URL(base).port);
    const text = await rawExchange(
      port,
      `GET http://evil/ws/lights/1/status HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: ` +
        `Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    assert.match(text, /^HTTP\/1\.1 404 /);
  });

  it('ws: refuses connections beyond maxConnections with 503', async () => {
    const { url, front: f } = await start({ limits: limits({ maxConnections: 1 }) });
    const first = await open(`${url}/lights/1/status`, { headers: alice });
    const r = await refused(open(`${url}/lights/1/status`, { headers: alice }));
    assert.equal(r.status, 503);
    assert.deepEqual(JSON.parse(r.body), { error: 'too_many_connections' });
    assert.equal(f.stats().refusedConnections, 1);
    first.ws.close();
  });

  it('ws: a plain HTTP request to the WebSocket front gets 426 Upgrade Required', async () => {
    const res = await fetch(`${base.replace('ws:', 'http:')}/lights/1/status`);
    assert.equal(res.status, 426);
    assert.equal(res.headers.get('upgrade'), 'websocket');
  });

  it(
    'ws: a slow client does not grow memory without bound: ' +
      'deliveries beyond the buffer bound are dropped and counted',
    async () => {
      const { url, front: f } = await start({ maxBufferedBytes: 64 * 1024 });
      const slow = await open(`${url}/lights/5/status`, { headers: alice });
      // Stop reading: the kernel buffers fill, then ws buffers, then the front drops.
      (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
      const publisher = await open(`${url}/lights/5/status`, { headers: alice });
      const payload = 'x'.repeat(32 * 1024);
      const total = 400; // 12.5 MiB offered
      for (let i = 0; i < total; i++) {
        publisher.ws.send(payload);
        if (i % 50 === 0) await tick(5);
      }
      await eventually(() => f.stats().messagesIn === total, 10_000, 'all publishes in');
      await tick(100);
      const s = f.stats();
      assert.ok(s.dropped > 0, JSON.stringify(s));
      // What was accepted for the slow client (plus the publisher's own echo) stays far below what was offered.
      const toSlow = s.messagesOut - total; // the publisher, reading normally, got every message
      assert.ok(toSlow * payload.length < 8 * 1024 * 1024, JSON.stringify(s));
      publisher.ws.close();
      slow.ws.terminate();
    },
  );

  it('ws: a peer that stops answering pings is terminated after idleTimeoutMs; one that answers stays', async () => {
    let t = 1_000_000;
    const { url } = await start({ limits: limits({ idleTimeoutMs: 1000 }), pingIntervalMs: 20, now: () => t });
    const dead = await open(`${url}/lights/1/status`, { headers: alice, autoPong: false });
    const live = await open(`${url}/lights/1/status`, { headers: alice });
    const deadClosed = closed(dead.ws);
    t += 600;
    await tick(120); // pings go out, the live client's pongs arrive at t0+600
    t += 600;
    const result = await deadClosed;
    assert.equal(result.code, 1006); // terminated, no close frame
    await tick(60);
    assert.equal(live.ws.readyState, WebSocket.OPEN);
    live.ws.close();
  });

  it(
    'ws: a connection opened with a bearer JWT is closed with 1008 credentials_expired within about a second ' +
      'of the token’s exp (default intervals)',
    async () => {
      let t = Date.now();
      const { url } = await start({ now: () => t });
      const token = await world.token('lights:read');
      const exp =
        (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { exp: number }).exp * 1000;
      const c = await open(`${url}/lights/9/switch`, { headers: { authorization: `Bearer ${token}` } });
      const done = closed(c.ws);
      let pings = 0;
      c.ws.on('ping', () => void pings++);
      await tick(60);
      assert.equal(c.ws.readyState, WebSocket.OPEN, 'valid: stays');
      t = exp;
      assert.deepEqual(await done, { code: 1008, reason: 'credentials_expired' });
      // Closed by the expiry check, not at a ping (every 30 s by default): no ping came before.
      assert.equal(pings, 0, 'closed before the first ping');
    },
  );

  it('ws: endSessions closes the matching connections with 1008 session_ended and counts them', async () => {
    const { url, front: f } = await start();
    const byKey = await open(`${url}/lights/1/status`, { headers: { 'x-api-key': world.apiKey } });
    const byPassword = await open(`${url}/lights/1/status`, { headers: alice });
    const done = closed(byKey.ws);
    const n = f.endSessions((s) => s.principal.scheme === 'headerKey');
    assert.equal(n, 1);
    assert.deepEqual(await done, { code: 1008, reason: 'session_ended' });
    assert.equal(byPassword.ws.readyState, WebSocket.OPEN);
    byPassword.ws.close();
  });

  it('ws: close(grace) sends 1001 going away to live clients and refuses new handshakes', async () => {
    const { url, front: f } = await start();
    const c = await open(`${url}/lights/1/status`, { headers: alice });
    const done = closed(c.ws);
    await f.close(500);
    assert.equal((await done).code, 1001);
    await assert.rejects(open(`${url}/lights/1/status`, { headers: alice }));
  });

  it('ws: stats count connections and messages', async () => {
    const { url, front: f } = await start();
    const a = await open(`${url}/lights/8/status`, { headers: alice });
    assert.equal(f.stats().connections, 1);
    a.ws.send('hi');
    await eventually(() => f.stats().messagesOut === 1);
    assert.equal(f.stats().messagesIn, 1);
    const done = closed(a.ws);
    a.ws.close();
    await done;
    await eventually(() => f.stats().connections === 0);
  });

  it('ws: rejects a wss front without TLS options and an unknown protocol (TypeError with a code)', () => {
    const server = world.model.servers.find((s) => s.name === 'wss');
    assert.ok(server);
    assert.throws(
      () => createWsFront({ server, guard: world.guard, bus: world.bus, limits: limits(), logger: world.logger }),
      { code: 'ERR_INVALID_ARG_VALUE' },
    );
    assert.throws(
      () =>
        createWsFront({
          server: { ...server, protocol: 'mqtt' },
          guard: world.guard,
          bus: world.bus,
          limits: limits(),
          logger: world.logger,
        }),
      { code: 'ERR_INVALID_ARG_VALUE' },
    );
  });
});

describe('WebSocket front over TLS (wss) with real clients', () => {
  let pki: Pki;
  let world: World;
  let front: Front;
  let url: string;
  let ca: string;
  let client: Issued;
  let stranger: Issued;

  before(async () => {
    pki = await createPki();
    const server = await pki.issue(
      'root',
      'server',
      '/CN=localhost',
      'basicConstraints = CA:FALSE\nkeyUsage = critical, digitalSignature\nextendedKeyUsage = ' +
        'serverAuth\nsubjectAltName = @alt\n[alt]\nIP.1 = 127.0.0.1',
    );
    client = await pki.issue('root', 'alice', '/CN=alice', CLIENT_EXT);
    stranger = await pki.issue('otherRoot', 'stranger', '/CN=alice', CLIENT_EXT);
    ca = await readFile(pki.root.certPath, 'utf8');
    world = await createWorld({ x509CaPath: pki.root.certPath });
    const model = world.model.servers.find((s) => s.name === 'wss');
    assert.ok(model);
    front = createWsFront({
      server: model,
      guard: world.guard,
      bus: world.bus,
      limits: limits(),
      logger: world.logger,
      tls: { cert: server.pem, key: server.keyPem, requestCert: true },
    });
    url = `wss://127.0.0.1:${(await front.listen('127.0.0.1', 0)).port}/ws`;
  });
  after(async () => {
    await front?.close(100);
    await world?.close();
    await pki?.cleanup();
  });

  const tlsOpen = (
    path: string,
    opts: { headers?: Record<string, string>; cert?: Issued; protocols?: string[] } = {},
  ) =>
    new Promise<Opened>((resolve, reject) => {
      const ws = new WebSocket(`${url}${path}`, opts.protocols ?? [], {
        ca,
        headers: opts.headers ?? {},
        ...(opts.cert === undefined ? {} : { cert: opts.cert.pem, key: opts.cert.keyPem }),
      });
      const messages: Opened['messages'] = [];
      ws.on('message', (data, binary) => messages.push({ data: textOf(data), binary }));
      ws.once('open', () => resolve({ ws, messages }));
      ws.once('unexpected-response', (_req, res) => {
        ws.terminate();
        reject(
          Object.assign(new Error(`HTTP ${res.statusCode}`), {
            status: res.statusCode,
            rawHeaders: res.rawHeaders,
            headers: res.headers,
            body: '',
          }),
        );
      });
      ws.once('error', reject);
    });

  it('wss: Basic credentials over TLS open the connection and messages flow', async () => {
    const a = await tlsOpen('/lights/1/status', { headers: { authorization: basic('alice', PASSWORD) } });
    const b = await tlsOpen('/lights/1/status', { headers: { authorization: basic('alice', PASSWORD) } });
    a.ws.send('over tls');
    await eventually(() => b.messages.length === 1);
    assert.equal(b.messages[0]?.data, 'over tls');
    a.ws.close();
    b.ws.close();
  });

  it('wss: a client certificate from the configured CA opens the connection (X509)', async () => {
    const c = await tlsOpen('/lights/1/status', { cert: client });
    c.ws.close();
  });

  it('wss: rejects a client certificate from another CA with 401', async () => {
    const r = await refused(tlsOpen('/lights/1/status', { cert: stranger }));
    assert.equal(r.status, 401);
  });

  it('wss: a bearer token in Sec-WebSocket-Protocol over TLS opens the connection', async () => {
    const token = await world.token('lights:read');
    const c = await tlsOpen('/lights/4/switch', { protocols: [BEARER_PROTOCOL_MARKER, token] });
    assert.equal(c.ws.protocol, BEARER_PROTOCOL_MARKER);
    c.ws.close();
  });
});
