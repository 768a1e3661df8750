// The MQTT front's routing through the bus (src/transports/mqtt/bus-mq.ts): one bus subscription
// per distinct filter its clients hold, reference-counted; one copy per client with overlapping
// filters (also on a bus that hands each subscription its own message object, as NATS and Redis
// do); aedes's `$SYS` control topics out of clients' reach; a subscriber that does not read loses
// messages past its buffer bound instead of holding them all.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createConnection, type Socket } from 'node:net';
import { createMemoryStore, type MemoryStore } from '../../src/credentials/memory.js';
import { createMemoryBus } from '../../src/bus/memory.js';
import type { Bus, BusHandler } from '../../src/bus/types.js';
import type { Session } from '../../src/guard/types.js';
import { BINDINGS, lightsModel } from './fixtures-mqtt/documents.js';
import {
  captureLog,
  closed,
  connected,
  end,
  inbox,
  startFront,
  subscribe,
  until,
  type Harness,
} from './fixtures-mqtt/helpers.js';

const ITER = 4096;
const enc = new TextEncoder();
let store: MemoryStore;

before(async () => {
  store = createMemoryStore();
  await store.addPrincipal({ name: 'alice', password: 'alice-pw', scopes: ['read'], iterations: ITER });
  await store.addPrincipal({ name: 'bob', password: 'bob-pw', scopes: [], iterations: ITER });
});

/**
 * A memory bus that records the live subscriptions by filter and, like NATS and Redis, hands each
 * subscription its own copy of a message object.
 */
function spyBus(): Bus & { live: Map<string, number> } {
  const inner = createMemoryBus();
  const live = new Map<string, number>();
  return Object.assign(Object.create(inner) as Bus, {
    live,
    async subscribe(filter: string, handler: BusHandler, options?: Parameters<Bus['subscribe']>[2]) {
      const sub = await inner.subscribe(filter, (m) => handler({ ...m, payload: Buffer.from(m.payload) }), options);
      live.set(filter, (live.get(filter) ?? 0) + 1);
      let gone = false;
      return {
        async unsubscribe() {
          if (!gone) {
            gone = true;
            const n = (live.get(filter) ?? 0) - 1;
            if (n === 0) live.delete(filter);
            else live.set(filter, n);
          }
          await sub.unsubscribe();
        },
        get dropped() {
          return sub.dropped;
        },
        get queued() {
          return sub.queued;
        },
      };
    },
    publish: inner.publish.bind(inner),
    close: inner.close.bind(inner),
  });
}

describe('mqtt front: routing through the bus', () => {
  let h: Harness;
  let bus: ReturnType<typeof spyBus>;
  before(async () => {
    bus = spyBus();
    h = await startFront(await lightsModel(['broker']), {
      server: 'broker',
      schemes: BINDINGS,
      store,
      bus,
      servers: { broker: { wildcardsIgnoreEmptyLevels: true } },
    });
  });
  after(async () => {
    await h.close();
    await bus.close();
  });

  it('holds a bus subscription only for subscribed filters, one per filter, until the last client leaves', async () => {
    assert.deepEqual([...bus.live], []);
    const a = await connected(h.url, { username: 'alice', password: 'alice-pw' });
    const b = await connected(h.url, { username: 'bob', password: 'bob-pw' });
    assert.deepEqual([...bus.live], [], 'no subscription before a SUBSCRIBE');
    await subscribe(a, ['lights/+/status']);
    await subscribe(b, ['lights/+/status', 'lights/3/status']);
    assert.deepEqual(
      new Map(bus.live),
      new Map([
        ['lights/+/status', 1],
        ['lights/3/status', 1],
      ]),
    );
    await b.unsubscribeAsync('lights/+/status');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(
      new Map(bus.live),
      new Map([
        ['lights/+/status', 1],
        ['lights/3/status', 1],
      ]),
      'alice still holds lights/+/status',
    );
    await end(a);
    await until(() => !bus.live.has('lights/+/status'), 3_000, 'the last lights/+/status listener to go');
    await end(b);
    await until(() => bus.live.size === 0, 3_000, 'every bus subscription to go');
  });

  it('a client subscribed to overlapping filters gets each message once; others get theirs', async () => {
    const a = await connected(h.url, { username: 'alice', password: 'alice-pw' });
    const b = await connected(h.url, { username: 'bob', password: 'bob-pw' });
    const inA = inbox(a);
    const inB = inbox(b);
    await subscribe(a, ['lights/+/status', 'lights/1/status']);
    await subscribe(b, ['lights/1/status']);
    await bus.publish('lights/1/status', enc.encode('one'));
    await bus.publish('lights/2/status', enc.encode('two'));
    await a.publishAsync('lights/1/status', 'three', { qos: 1 });
    await Promise.all([inA.waitFor(3), inB.waitFor(2)]);
    // A duplicate would arrive before this later message.
    await bus.publish('lights/1/status', enc.encode('end'));
    await Promise.all([inA.waitFor(4), inB.waitFor(3)]);
    assert.deepEqual(
      inA.messages.map((m) => m.payload),
      ['one', 'two', 'three', 'end'],
    );
    assert.deepEqual(
      inB.messages.map((m) => m.payload),
      ['one', 'three', 'end'],
    );
    await Promise.all([end(a), end(b)]);
  });

  it('rejects a client publish to the broker’s $SYS control topics (it cannot close another client)', async () => {
    const a = await connected(h.url, { username: 'alice', password: 'alice-pw', clientId: 'victim' });
    const inA = inbox(a);
    await subscribe(a, ['lights/1/status']);
    let session: Session | undefined;
    h.front.endSessions((s) => {
      if (s.principal.id === 'alice') session = s;
      return false;
    });
    assert.ok(session !== undefined);
    const scopedId =
      `${encodeURIComponent(session.principal.scheme)}/` + `${encodeURIComponent(session.principal.id)}/victim`;
    const b = await connected(h.url, { username: 'bob', password: 'bob-pw' });
    // aedes closes the named client when `$SYS/<another broker>/new/clients` is published (cluster takeover).
    await b.publishAsync('$SYS/other-broker/new/clients', scopedId, { qos: 0 });
    await b.publishAsync('$SYS/other-broker/new/clients', 'victim', { qos: 0 });
    await bus.publish('lights/1/status', enc.encode('still here'));
    await inA.waitFor(1);
    // Closing takes a few turns (aedes unsubscribes first): give it time to happen, if it would.
    await assert.rejects(closed(a, 300), /still connected/);
    assert.equal(a.connected, true);
    await Promise.all([end(a), end(b)]);
  });

  it(
    'a subscriber that does not read loses messages ' + 'past its buffer bound (counted); a fast one gets all',
    async () => {
      const fast = await connected(h.url, { username: 'bob', password: 'bob-pw' });
      const inFast = inbox(fast);
      await subscribe(fast, ['lights/4/status']);
      const slow = await rawSubscriber(h.port, 'alice', 'alice-pw', 'lights/4/status');
      const before = h.front.stats().dropped;
      const big = new Uint8Array(64 * 1024).fill(0x61);
      const n = 600; // 37.5 MiB: far beyond the 4 MiB bound plus what the loopback buffers hold
      for (let i = 0; i < n; i++) {
        await bus.publish('lights/4/status', big);
        // Let the deliveries be written (they are, a turn later) so the slow socket's backlog builds up.
        if (i % 4 === 3) await new Promise((r) => setImmediate(r));
      }
      await inFast.waitFor(n, 15_000);
      assert.ok(h.front.stats().dropped - before > 0, 'drops for the subscriber that does not read');
      slow.destroy();
      await end(fast);
    },
  );
});

describe('mqtt front: deliveries written by the front', () => {
  let h: Harness;
  let bus: Bus;
  const log = captureLog();
  before(async () => {
    bus = createMemoryBus();
    // idleTimeoutMs also bounds how long a subscriber's socket may stay full (the drain time).
    h = await startFront(await lightsModel(['broker']), {
      server: 'broker',
      schemes: BINDINGS,
      store,
      bus,
      limits: { idleTimeoutMs: 1_500 },
      logger: log.logger,
      servers: { broker: { wildcardsIgnoreEmptyLevels: true } },
    });
  });
  after(async () => {
    await h.close();
    await bus.close();
  });

  it('an MQTT 3.1 client (MQIsdp, protocol level 3) gets the deliveries a 3.1.1 client gets', async () => {
    const v31 = await connected(h.url, {
      username: 'bob',
      password: 'bob-pw',
      protocolId: 'MQIsdp',
      protocolVersion: 3,
    });
    const v311 = await connected(h.url, { username: 'bob', password: 'bob-pw' });
    const in31 = inbox(v31);
    const in311 = inbox(v311);
    assert.deepEqual(await subscribe(v31, ['lights/+/status']), [0]);
    assert.deepEqual(await subscribe(v311, ['lights/5/status']), [0]);
    for (let i = 0; i < 3; i++) await bus.publish('lights/5/status', enc.encode(`m${i}`));
    await in31.waitFor(3);
    await in311.waitFor(3);
    assert.deepEqual(in31.messages, in311.messages);
    assert.deepEqual(
      in31.messages.map((m) => m.payload),
      ['m0', 'm1', 'm2'],
    );
    await Promise.all([end(v31), end(v311)]);
  });

  it(
    'a subscriber whose socket stays full for the drain ' + 'time is disconnected (logged), though it keeps pinging',
    async () => {
      const fast = await connected(h.url, { username: 'bob', password: 'bob-pw' });
      const inFast = inbox(fast);
      await subscribe(fast, ['lights/6/status']);
      const slow = await rawSubscriber(h.port, 'alice', 'alice-pw', 'lights/6/status');
      let slowClosed = false;
      slow.once('close', () => void (slowClosed = true));
      // PINGREQ keeps the connection from being idle: only the full socket can end it (its PINGRESPs
      // wait behind the deliveries too).
      const pinger = setInterval(() => slow.write(Buffer.from([0xc0, 0x00])), 200);
      const big = new Uint8Array(64 * 1024).fill(0x62);
      let sent = 0;
      try {
        const t0 = Date.now();
        while (!slowClosed && Date.now() - t0 < 10_000) {
          await bus.publish('lights/6/status', big);
          sent++;
          await new Promise((r) => setTimeout(r, 5));
        }
      } finally {
        clearInterval(pinger);
      }
      assert.ok(slowClosed, 'the slow subscriber was disconnected');
      assert.ok(
        log.lines.some((l) => (JSON.parse(l) as { event?: unknown }).event === 'mqtt.subscriber.slow'),
        'mqtt.subscriber.slow logged',
      );
      await inFast.waitFor(sent, 15_000);
      assert.equal(fast.connected, true, 'the subscriber that reads stays');
      await end(fast);
    },
  );
});

/** A raw MQTT 3.1.1 subscriber that, once subscribed, never reads again. */
async function rawSubscriber(port: number, username: string, password: string, filter: string): Promise<Socket> {
  const str = (s: string) => {
    const b = Buffer.from(s, 'utf8');
    return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
  };
  // bodies < 128 bytes
  const packet = (type: number, body: Buffer) => Buffer.concat([Buffer.from([type, body.length]), body]);
  const connectBody = Buffer.concat([
    str('MQTT'),
    Buffer.from([4, 0xc2, 0, 0]),
    str('slow-reader'),
    str(username),
    str(password),
  ]);
  const subscribeBody = Buffer.concat([Buffer.from([0, 1]), str(filter), Buffer.from([0])]);
  const socket = createConnection({ host: '127.0.0.1', port });
  socket.on('error', () => {});
  let seen = Buffer.alloc(0);
  const onData = (chunk: Buffer) => void (seen = Buffer.concat([seen, chunk]));
  socket.on('data', onData);
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(packet(0x10, connectBody));
  await until(() => seen.length >= 4, 3_000, 'CONNACK');
  assert.equal(seen[3], 0, 'CONNACK 0');
  socket.write(packet(0x82, subscribeBody));
  await until(() => seen.length >= 9, 3_000, 'SUBACK');
  assert.equal(seen[8], 0, 'SUBACK granted');
  socket.off('data', onData);
  socket.pause();
  return socket;
}
