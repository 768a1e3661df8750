// Server-Sent Events through the HTTP front with fetch as the client: the stream's headers, the
// event framing (text lines, binary as base64), heartbeats, Last-Event-ID replay from the memory
// bus, authorization of the subscription, credential expiry, endSessions and close.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createConnection } from 'node:net';
import { createHttpFront, type HttpFrontOptions } from '../../src/transports/http/index.js';
import { formatSseEvent, lastEventIdOf, SSE_HEARTBEAT } from '../../src/transports/http/sse.js';
import type { Front } from '../../src/transports/types.js';
import { basic, createWorld, limits, PASSWORD, sseReader, tick, type World } from './web-helpers.js';

describe('SSE through the HTTP front', () => {
  let world: World;
  const fronts: Front[] = [];

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
  });
  after(async () => {
    for (const f of fronts) await f.close(100);
    await world.close();
  });

  const alice = { authorization: basic('alice', PASSWORD), accept: 'text/event-stream' };
  const enc = (s: string) => new TextEncoder().encode(s);

  it('sse: the stream has the event-stream headers and carries each bus message as id + data lines', async () => {
    const { base } = await start();
    const res = await fetch(`${base}/lights/1/status`, { headers: alice });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/event-stream');
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    assert.equal(res.headers.get('x-accel-buffering'), 'no');
    const sse = sseReader(res);
    await world.bus.publish('lights/1/status', enc('first\nsecond'));
    await world.bus.publish('lights/2/status', enc('other channel'));
    const text = await sse.until((t) => t.includes('second'));
    assert.match(text, /^id: \d+\ndata: first\ndata: second\n\n$/);
    await sse.cancel();
  });

  it('sse: a payload that is not UTF-8 is an `event: binary` with base64 data', async () => {
    const { base } = await start();
    const sse = sseReader(await fetch(`${base}/lights/3/status`, { headers: alice }));
    await world.bus.publish('lights/3/status', new Uint8Array([0xff, 0x00, 0xfe]));
    const text = await sse.until((t) => t.includes('event: binary'));
    assert.match(text, /event: binary\ndata: \/wD\+\n\n/);
    await sse.cancel();
  });

  it('sse: a heartbeat comment line arrives every heartbeatMs', async () => {
    const { base } = await start({ heartbeatMs: 30 });
    const sse = sseReader(await fetch(`${base}/lights/1/status`, { headers: alice }));
    await sse.until((t) => (t.match(/^:\n\n/gm) ?? []).length >= 2);
    await sse.cancel();
  });

  it("sse: Last-Event-ID replays the channel's later messages from the memory bus, then continues live", async () => {
    const { base } = await start();
    await world.bus.publish('lights/4/status', enc('before'));
    const first = sseReader(await fetch(`${base}/lights/4/status`, { headers: alice }));
    await world.bus.publish('lights/4/status', enc('one'));
    const seenOne = await first.until((t) => t.includes('data: one'));
    const lastId = /id: (\S+)\ndata: one/.exec(seenOne)?.[1];
    assert.ok(lastId !== undefined);
    await first.cancel();
    // Missed while disconnected:
    await world.bus.publish('lights/4/status', enc('two'));
    await world.bus.publish('lights/9/status', enc('elsewhere'));
    await world.bus.publish('lights/4/status', enc('three'));
    const again = sseReader(await fetch(`${base}/lights/4/status`, { headers: { ...alice, 'last-event-id': lastId } }));
    await again.until((t) => t.includes('data: three'));
    await world.bus.publish('lights/4/status', enc('four'));
    const text = await again.until((t) => t.includes('data: four'));
    const data = [...text.matchAll(/data: (.*)/g)].map((m) => m[1]);
    assert.deepEqual(data, ['two', 'three', 'four']);
    await again.cancel();
  });

  it('sse: an unusable Last-Event-ID (too long, or with a newline) is ignored', () => {
    assert.equal(lastEventIdOf('x'.repeat(300)), null);
    assert.equal(lastEventIdOf('1\n2'), null);
    assert.equal(lastEventIdOf(['1', '2']), null);
    assert.equal(lastEventIdOf('42'), '42');
  });

  it('sse: an id with CR/LF is left out of the event rather than breaking the framing', () => {
    const text = formatSseEvent({ channel: 'a', payload: enc('x\r\ny'), id: '1\nevent: evil', origin: 'o' });
    assert.equal(text, 'data: x\ndata: y\n\n');
  });

  it('sse: rejects a subscription without the read scope with 403 insufficient_scope', async () => {
    const { base } = await start();
    const token = await world.token('lights:write');
    const res = await fetch(`${base}/lights/1/switch`, {
      headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
    });
    assert.equal(res.status, 403);
    assert.equal(res.headers.get('www-authenticate'), 'Bearer error="insufficient_scope"');
    const ok = await fetch(`${base}/lights/1/switch`, {
      headers: { authorization: `Bearer ${await world.token('lights:read')}`, accept: 'text/event-stream' },
    });
    assert.equal(ok.status, 200);
    await ok.body?.cancel();
  });

  it('sse: rejects a subscription to a channel no receive operation covers with 403', async () => {
    const { base } = await start();
    const res = await fetch(`${base}/secret/1`, { headers: alice });
    assert.equal(res.status, 403);
    assert.deepEqual(await res.json(), { error: 'uncovered_channel' });
  });

  it(
    'sse: a slow stream does not grow memory without bound: ' +
      'events beyond the buffer bound are dropped and counted',
    async () => {
      const { base, front } = await start({ maxBufferedBytes: 64 * 1024 });
      const res = await fetch(`${base}/lights/6/status`, { headers: alice });
      assert.equal(res.status, 200);
      // Never read the body: the socket buffers fill up.
      const payload = enc('y'.repeat(32 * 1024));
      for (let i = 0; i < 400; i++) {
        await world.bus.publish('lights/6/status', payload);
        if (i % 50 === 0) await tick(5);
      }
      await tick(50);
      const s = front.stats();
      assert.ok(s.dropped > 0, JSON.stringify(s));
      assert.ok(s.messagesOut * payload.length < 8 * 1024 * 1024, JSON.stringify(s));
      await res.body?.cancel();
    },
  );

  it(
    'sse: a stream opened with a bearer JWT ends within about a second of the token’s exp (default ' +
      'intervals); a Basic one stays',
    async () => {
      let t = Date.now();
      const { base } = await start({ now: () => t });
      const token = await world.token('lights:read');
      const exp =
        (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { exp: number }).exp * 1000;
      const res = await fetch(`${base}/lights/9/switch`, {
        headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
      });
      assert.equal(res.status, 200);
      const byToken = sseReader(res);
      const byPassword = sseReader(await fetch(`${base}/lights/1/status`, { headers: alice }));
      await tick(60);
      assert.equal(byToken.done, false, 'valid: stays');
      t = exp;
      const seenAtExpiry = byToken.text.length;
      // Waits for the end (a minute only to catch a hang).
      await byToken.until(() => false, 60_000).catch(() => {});
      assert.equal(byToken.done, true, 'ended although the heartbeat interval is 15 s');
      // Ended by the expiry check, not at a heartbeat: none came between the expiry and the end.
      assert.ok(!byToken.text.slice(seenAtExpiry).includes(SSE_HEARTBEAT), 'ended before the next heartbeat');
      assert.equal(byPassword.done, false);
      await byPassword.cancel();
    },
  );

  it(
    'sse: a stream whose reader stopped reading is ended ' + 'once its output stays over the bound for the stall limit',
    async () => {
      // idleTimeoutMs 1000: the stall limit is min(idleTimeoutMs, 10 s).
      const { base, front } = await start({ limits: limits({ idleTimeoutMs: 1_000 }) });
      const url = new URL(`${base}/lights/7/status`);
      const socket = createConnection({ host: '127.0.0.1', port: Number(url.port) });
      socket.on('error', () => {});
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      socket.write(
        `GET ${url.pathname} HTTP/1.1\r\nHost: x\r\nAccept: ` +
          `text/event-stream\r\nAuthorization: ${alice.authorization}\r\n\r\n`,
      );
      await new Promise<void>((resolve) => socket.once('data', () => resolve()));
      socket.pause(); // never reads again
      assert.equal(front.stats().connections, 1);
      const big = new Uint8Array(64 * 1024).fill(0x61);
      const t0 = Date.now();
      while (front.stats().connections > 0 && Date.now() - t0 < 10_000) {
        await world.bus.publish('lights/7/status', big);
        await tick(10);
      }
      socket.destroy();
      assert.equal(front.stats().connections, 0, 'the stalled stream’s connection was dropped');
      assert.ok(front.stats().dropped > 0, 'events were dropped first');
    },
  );

  it('sse: endSessions ends the matching streams and counts them', async () => {
    const { base, front } = await start();
    const byKey = sseReader(
      await fetch(`${base}/lights/1/status`, { headers: { 'x-api-key': world.apiKey, accept: 'text/event-stream' } }),
    );
    const byPassword = sseReader(await fetch(`${base}/lights/1/status`, { headers: alice }));
    await tick(20);
    assert.equal(
      front.endSessions((s) => s.principal.scheme === 'headerKey'),
      1,
    );
    await byKey.until(() => false, 2000).catch(() => {});
    assert.equal(byKey.done, true);
    assert.equal(byPassword.done, false);
    await byPassword.cancel();
  });

  it('sse: close(grace) ends live streams and stops accepting', async () => {
    const { base, front } = await start();
    const sse = sseReader(await fetch(`${base}/lights/1/status`, { headers: alice }));
    await tick(20);
    await front.close(200);
    await sse.until(() => false, 2000).catch(() => {});
    assert.equal(sse.done, true);
    await assert.rejects(fetch(`${base}/lights/1/status`, { headers: alice }));
  });
});
