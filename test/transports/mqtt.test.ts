// The MQTT 3.1.1 front over plain TCP against real clients (mqtt.js with protocolVersion 4, and
// mosquitto_pub / mosquitto_sub): CONNECT through the guard with CONNACK 4 / 5 / 3, PUBLISH and
// SUBSCRIBE through authorize (wildcards included), end-to-end encryption on publish, one delivery
// path (the bus), and the session's lifetime.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sealPayload } from '../../src/tokens/jwe.js';
import { createMemoryStore, type MemoryStore } from '../../src/credentials/memory.js';
import { createMemoryBus } from '../../src/bus/memory.js';
import { octKey } from '../tokens/jwe-fixtures.js';
import { BINDINGS, lightsModel } from './fixtures-mqtt/documents.js';
import {
  captureLog,
  closed,
  connected,
  end,
  inbox,
  mosquittoPub,
  mosquittoSub,
  refusedWith,
  startFront,
  subscribe,
  until,
  type Harness,
} from './fixtures-mqtt/helpers.js';

const ITER = 4096;
let store: MemoryStore;
let apiKey = '';
let revokedKey = '';

before(async () => {
  store = createMemoryStore();
  await store.addPrincipal({ name: 'alice', password: 'alice-pw', scopes: ['read'], iterations: ITER });
  await store.addPrincipal({ name: 'root', password: 'root-pw', scopes: ['admin'], iterations: ITER });
  await store.addPrincipal({ name: 'bob', password: 'bob-pw', scopes: [], iterations: ITER });
  apiKey = (await store.createApiKey('alice')).key;
  const revoked = await store.createApiKey('alice');
  revokedKey = revoked.key;
  await store.revokeApiKey(revoked.record.id);
});

describe('mqtt front: CONNECT (mqtt.js)', () => {
  let h: Harness;
  before(async () => {
    h = await startFront(await lightsModel(['broker']), {
      server: 'broker',
      schemes: BINDINGS,
      store,
      servers: { broker: { wildcardsIgnoreEmptyLevels: true } },
    });
  });
  after(() => h.close());

  it('userPassword: the right user name and password connect', async () => {
    const c = await connected(h.url, { username: 'alice', password: 'alice-pw' });
    await end(c);
  });

  it('userPassword: a wrong password is refused with CONNACK 4', async () => {
    assert.equal(await refusedWith(h.url, { username: 'alice', password: 'wrong' }), 4);
  });

  it('userPassword: an unknown user is refused with CONNACK 4', async () => {
    assert.equal(await refusedWith(h.url, { username: 'mallory', password: 'x' }), 4);
  });

  it('no credentials at all are refused with CONNACK 4', async () => {
    assert.equal(await refusedWith(h.url), 4);
  });

  it('apiKey (in: password): the key in the password connects, whatever the user name', async () => {
    const c = await connected(h.url, { username: 'anything', password: apiKey });
    await end(c);
  });

  it('apiKey (in: password): a revoked key is refused with CONNACK 4', async () => {
    assert.equal(await refusedWith(h.url, { username: 'alice', password: revokedKey }), 4);
  });

  it('one principal cannot take over (and so disconnect) another principal’s client id', async () => {
    const a = await connected(h.url, { username: 'alice', password: 'alice-pw', clientId: 'lamp-1', clean: true });
    const b = await connected(h.url, { username: 'bob', password: 'bob-pw', clientId: 'lamp-1', clean: true });
    // A round trip on `a` after `b` connected proves `a` was not closed.
    assert.deepEqual(await subscribe(a, ['lights/1/status']), [0]);
    assert.equal(a.connected, true);
    await Promise.all([end(a), end(b)]);
  });
});

describe('mqtt front: PUBLISH and SUBSCRIBE (mqtt.js)', () => {
  let h: Harness;
  before(async () => {
    h = await startFront(await lightsModel(['broker']), {
      server: 'broker',
      schemes: BINDINGS,
      store,
      servers: { broker: { wildcardsIgnoreEmptyLevels: true } },
    });
  });
  after(() => h.close());

  it('a covered + filter is granted; # , an uncovered channel and $SYS are refused with 0x80', async () => {
    const c = await connected(h.url, { username: 'alice', password: 'alice-pw' });
    assert.deepEqual(
      await subscribe(c, ['lights/+/status', '#', 'lights/1/command', '$SYS/#', 'lights/7/status'], 1),
      [1, 128, 128, 128, 1],
    );
    await end(c);
  });

  it('a client’s own publish reaches every local subscriber exactly once (the bus is the only path)', async () => {
    const a = await connected(h.url, { username: 'alice', password: 'alice-pw' });
    const b = await connected(h.url, { username: 'bob', password: 'bob-pw' });
    const inA = inbox(a);
    const inB = inbox(b);
    await subscribe(a, ['lights/+/status']);
    await subscribe(b, ['lights/1/status']);
    await a.publishAsync('lights/1/status', 'one');
    await b.publishAsync('lights/1/status', 'two', { qos: 1 });
    await Promise.all([inA.waitFor(2), inB.waitFor(2)]);
    // Anything duplicated through the bus would arrive before this later bus message.
    await h.bus.publish('lights/1/status', new TextEncoder().encode('end'));
    await Promise.all([inA.waitFor(3), inB.waitFor(3)]);
    assert.deepEqual(
      inA.messages.map((m) => m.payload),
      ['one', 'two', 'end'],
    );
    assert.deepEqual(
      inB.messages.map((m) => m.payload),
      ['one', 'two', 'end'],
    );
    await Promise.all([end(a), end(b)]);
  });

  it('an allowed publish reaches the bus (other fronts) and bus messages reach MQTT subscribers', async () => {
    const seen: string[] = [];
    const sub = await h.bus.subscribe(
      'lights/#',
      (m) => void seen.push(`${m.channel}=${new TextDecoder().decode(m.payload)}`),
    );
    const c = await connected(h.url, { username: 'alice', password: 'alice-pw' });
    await c.publishAsync('lights/9/status', 'on', { qos: 1 });
    await until(() => seen.length === 1, 3_000, 'the bus message');
    assert.deepEqual(seen, ['lights/9/status=on']);
    await sub.unsubscribe();
    await end(c);
  });

  it('missing scope: the PUBLISH that needs it is refused (QoS 1: disconnected), another is allowed', async () => {
    const watcher = await connected(h.url, { username: 'root', password: 'root-pw' });
    const seen = inbox(watcher);
    await subscribe(watcher, ['lights/+/status']);
    const seenOnBus: string[] = [];
    const sub = await h.bus.subscribe('lights/+/command', (m) => void seenOnBus.push(m.channel));

    const alice = await connected(h.url, { username: 'alice', password: 'alice-pw' });
    await alice.publishAsync('lights/1/status', 'allowed', { qos: 1 });
    await seen.waitFor(1);
    assert.equal(alice.connected, true);
    const gone = closed(alice);
    alice.publish('lights/1/command', 'reboot', { qos: 1 });
    await gone;

    // root holds `admin`: the same command passes.
    await watcher.publishAsync('lights/1/command', 'reboot', { qos: 1 });
    await until(() => seenOnBus.length === 1, 3_000, 'the admin command');
    assert.deepEqual(seenOnBus, ['lights/1/command']);
    await sub.unsubscribe();
    await end(watcher);
    alice.end(true);
  });

  it('a refused QoS 0 publish is dropped silently: the client stays connected, nobody receives it', async () => {
    const watcher = await connected(h.url, { username: 'root', password: 'root-pw' });
    const seenOnBus: string[] = [];
    const sub = await h.bus.subscribe('#', (m) => void seenOnBus.push(new TextDecoder().decode(m.payload)));
    const alice = await connected(h.url, { username: 'alice', password: 'alice-pw' });
    const before = h.front.stats().dropped;
    await alice.publishAsync('lights/1/command', 'denied');
    await alice.publishAsync('nowhere/at/all', 'uncovered');
    await alice.publishAsync('lights/1/status', 'ok', { qos: 1 });
    await until(() => seenOnBus.length === 1, 3_000, 'the allowed publish');
    assert.deepEqual(seenOnBus, ['ok']);
    assert.equal(alice.connected, true);
    assert.equal(h.front.stats().dropped - before, 2);
    await sub.unsubscribe();
    await Promise.all([end(alice), end(watcher)]);
  });

  it('rejects a publish to a $ topic (reserved, MQTT 3.1.1 §4.7.2)', async () => {
    const c = await connected(h.url, { username: 'root', password: 'root-pw' });
    const gone = closed(c);
    c.publish('$SYS/broker/x', 'x', { qos: 1 });
    await gone;
  });

  it('the retain flag is not kept: a later subscriber gets no retained message', async () => {
    const a = await connected(h.url, { username: 'alice', password: 'alice-pw' });
    await a.publishAsync('lights/5/status', 'retained?', { qos: 1, retain: true });
    const b = await connected(h.url, { username: 'bob', password: 'bob-pw' });
    const inB = inbox(b);
    await subscribe(b, ['lights/5/status']);
    await h.bus.publish('lights/5/status', new TextEncoder().encode('live'));
    await inB.waitFor(1);
    assert.deepEqual(
      inB.messages.map((m) => m.payload),
      ['live'],
    );
    await Promise.all([end(a), end(b)]);
  });

  it('QoS 2 publishes are accepted once (PUBREC after the bus took it)', async () => {
    const seen: string[] = [];
    const sub = await h.bus.subscribe('lights/+/status', (m) => void seen.push(new TextDecoder().decode(m.payload)));
    const c = await connected(h.url, { username: 'alice', password: 'alice-pw' });
    await c.publishAsync('lights/2/status', 'exactly', { qos: 2 });
    await until(() => seen.length === 1, 3_000, 'the QoS 2 message');
    await c.publishAsync('lights/2/status', 'after', { qos: 0 });
    await until(() => seen.length === 2, 3_000, 'the next message');
    assert.deepEqual(seen, ['exactly', 'after']);
    await sub.unsubscribe();
    await end(c);
  });

  it(
    'a will message goes through the guard: an allowed one reaches subscribers when its client is lost; a ' +
      'forbidden one does not; an ended session leaves none',
    async () => {
      const watcher = await connected(h.url, { username: 'root', password: 'root-pw' });
      const seen = inbox(watcher);
      await subscribe(watcher, ['lights/+/status']);
      const seenOnBus: string[] = [];
      const sub = await h.bus.subscribe('lights/+/command', (m) => void seenOnBus.push(m.channel));
      // The socket is lost without DISCONNECT, so each broker publishes the will (MQTT 3.1.1 §3.1.2.5).
      const lose = async (c: Awaited<ReturnType<typeof connected>>) => {
        const gone = closed(c);
        c.stream.destroy();
        await gone;
      };
      await lose(
        await connected(h.url, {
          username: 'alice',
          password: 'alice-pw',
          will: { topic: 'lights/4/status', payload: Buffer.from('offline'), qos: 1, retain: false },
        }),
      );
      await seen.waitFor(1);
      assert.deepEqual(seen.messages, [{ topic: 'lights/4/status', payload: 'offline' }]);
      // alice may not publish commands (admin scope): her will there is refused like a PUBLISH.
      await lose(
        await connected(h.url, {
          username: 'alice',
          password: 'alice-pw',
          will: { topic: 'lights/4/command', payload: Buffer.from('reboot'), qos: 0, retain: false },
        }),
      );
      // A session ended by the server (revoked, expired) leaves no will either.
      const ended = await connected(h.url, {
        username: 'alice',
        password: 'alice-pw',
        will: { topic: 'lights/5/status', payload: Buffer.from('ended'), qos: 0, retain: false },
      });
      const endedGone = closed(ended);
      assert.equal(
        h.front.endSessions((s) => s.principal.id === 'alice'),
        1,
      );
      await endedGone;
      // The broker publishes a will a turn after it sees the connection go: let it.
      await until(() => h.front.stats().connections === 1, 3_000, 'only the watcher left');
      await new Promise((r) => setTimeout(r, 100));
      // A later message arrives after anything the two refused wills could have produced.
      await h.bus.publish('lights/1/status', new TextEncoder().encode('end'));
      await seen.waitFor(2);
      assert.deepEqual(
        seen.messages.map((m) => m.payload),
        ['offline', 'end'],
      );
      assert.deepEqual(seenOnBus, []);
      await sub.unsubscribe();
      await end(watcher);
    },
  );

  it('endSessions ends the live connections whose session matches, and counts them', async () => {
    await until(() => h.front.stats().connections === 0, 3_000, 'earlier clients to go');
    const a = await connected(h.url, { username: 'alice', password: 'alice-pw' });
    const b = await connected(h.url, { username: 'bob', password: 'bob-pw' });
    const gone = closed(a);
    assert.equal(
      h.front.endSessions((s) => s.principal.id === 'alice'),
      1,
    );
    await gone;
    assert.deepEqual(await subscribe(b, ['lights/1/status']), [0]);
    assert.equal(
      h.front.endSessions(() => false),
      0,
    );
    await end(b);
  });
});

describe('mqtt front: end-to-end encryption on publish', () => {
  let h: Harness;
  before(async () => {
    h = await startFront(await lightsModel(['sealed']), { server: 'sealed', schemes: BINDINGS, store });
  });
  after(() => h.close());

  it('a plaintext publish to a channel needing encryption is refused; a JWE passes', async () => {
    const sub = await connected(h.url, { username: 'bob', password: 'bob-pw' });
    const got = inbox(sub);
    assert.deepEqual(await subscribe(sub, ['vault']), [0]);
    const pub = await connected(h.url, { username: 'alice', password: 'alice-pw' });
    await pub.publishAsync('vault', '{"pin":1234}');
    const jwe = await sealPayload('{"pin":1234}', { key: octKey('k1') });
    await pub.publishAsync('vault', jwe);
    await got.waitFor(1);
    assert.deepEqual(
      got.messages.map((m) => m.payload),
      [jwe],
    );
    // QoS 1 plaintext: no negative PUBACK in 3.1.1, so the client is disconnected.
    const gone = closed(pub);
    pub.publish('vault', 'plain', { qos: 1 });
    await gone;
    await end(sub);
  });
});

describe('mqtt front: mosquitto_pub / mosquitto_sub', () => {
  let h: Harness;
  before(async () => {
    h = await startFront(await lightsModel(['broker']), {
      server: 'broker',
      schemes: BINDINGS,
      store,
      servers: { broker: { wildcardsIgnoreEmptyLevels: true } },
    });
  });
  after(() => h.close());

  it('mosquitto_pub with the right password publishes; an mqtt.js subscriber receives it', async () => {
    const sub = await connected(h.url, { username: 'bob', password: 'bob-pw' });
    const got = inbox(sub);
    await subscribe(sub, ['lights/+/status']);
    const r = await mosquittoPub([
      '-p',
      String(h.port),
      '-u',
      'alice',
      '-P',
      'alice-pw',
      '-t',
      'lights/3/status',
      '-m',
      'from-mosquitto',
      '-q',
      '1',
    ]);
    assert.equal(r.code, 0, r.stderr);
    await got.waitFor(1);
    assert.deepEqual(got.messages, [{ topic: 'lights/3/status', payload: 'from-mosquitto' }]);
    await end(sub);
  });

  it('mosquitto_pub with a wrong password fails with "bad user name or password" (CONNACK 4)', async () => {
    const r = await mosquittoPub([
      '-p',
      String(h.port),
      '-u',
      'alice',
      '-P',
      'nope',
      '-t',
      'lights/3/status',
      '-m',
      'x',
    ]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /bad user name or password/i);
  });

  it('mosquitto_pub with an API key in the password publishes', async () => {
    const r = await mosquittoPub([
      '-p',
      String(h.port),
      '-u',
      'k',
      '-P',
      apiKey,
      '-t',
      'lights/4/status',
      '-m',
      'k',
      '-q',
      '1',
    ]);
    assert.equal(r.code, 0, r.stderr);
  });

  it('mosquitto_sub receives what mqtt.js publishes, and is refused 0x80 on #', async () => {
    const sub = mosquittoSub([
      '-p',
      String(h.port),
      '-u',
      'bob',
      '-P',
      'bob-pw',
      '-t',
      'lights/+/status',
      '-v',
      '-q',
      '1',
    ]);
    try {
      const pub = await connected(h.url, { username: 'alice', password: 'alice-pw' });
      // mosquitto_sub prints nothing when subscribed: publish until one arrives.
      await until(
        () => {
          pub.publish('lights/8/status', 'hello');
          return sub.lines.length > 0;
        },
        5_000,
        'mosquitto_sub output',
      );
      assert.equal(sub.lines[0], 'lights/8/status hello');
      await end(pub);
    } finally {
      sub.stop();
      await sub.exited;
    }
    const refused = mosquittoSub(['-p', String(h.port), '-u', 'bob', '-P', 'bob-pw', '-t', '#', '-q', '1']);
    // mosquitto 2 reports a refused subscription on stderr (and exits).
    await until(() => /denied|fail/i.test(refused.stderr()), 5_000, 'the refusal text').finally(() => refused.stop());
    await refused.exited;
  });
});

describe('mqtt front: limits and failures', () => {
  it('a store outage is CONNACK 3 (server unavailable): fail closed', async () => {
    const own = createMemoryStore();
    await own.addPrincipal({ name: 'alice', password: 'alice-pw', iterations: ITER });
    const h = await startFront(await lightsModel(['broker']), { server: 'broker', schemes: BINDINGS, store: own });
    try {
      await own.close();
      assert.equal(await refusedWith(h.url, { username: 'alice', password: 'alice-pw' }), 3);
    } finally {
      await h.close();
    }
  });

  it('maxConnections: the connection over the limit is refused with CONNACK 3', async () => {
    const h = await startFront(await lightsModel(['broker']), {
      server: 'broker',
      schemes: BINDINGS,
      store,
      limits: { maxConnections: 1 },
    });
    try {
      const first = await connected(h.url, { username: 'alice', password: 'alice-pw' });
      assert.equal(await refusedWith(h.url, { username: 'bob', password: 'bob-pw' }), 3);
      await end(first);
      await until(() => h.front.stats().connections === 0, 3_000, 'the first to go');
      await end(await connected(h.url, { username: 'bob', password: 'bob-pw' }));
      assert.ok(h.front.stats().refusedConnections >= 1);
    } finally {
      await h.close();
    }
  });

  it('a payload over maxMessageBytes is refused (QoS 0 dropped, QoS 1 disconnected)', async () => {
    const seen: number[] = [];
    const bus = createMemoryBus();
    await bus.subscribe('#', (m) => void seen.push(m.payload.byteLength));
    const h = await startFront(await lightsModel(['broker']), {
      server: 'broker',
      schemes: BINDINGS,
      store,
      bus,
      limits: { maxMessageBytes: 1024 },
    });
    try {
      const c = await connected(h.url, { username: 'alice', password: 'alice-pw' });
      await c.publishAsync('lights/1/status', Buffer.alloc(1025));
      await c.publishAsync('lights/1/status', Buffer.alloc(1024), { qos: 1 });
      assert.deepEqual(seen, [1024]);
      const gone = closed(c);
      c.publish('lights/1/status', Buffer.alloc(2048), { qos: 1 });
      await gone;
    } finally {
      await h.close();
      await bus.close();
    }
  });

  it('close() stops accepting and disconnects the clients', async () => {
    const h = await startFront(await lightsModel(['broker']), { server: 'broker', schemes: BINDINGS, store });
    const c = await connected(h.url, { username: 'alice', password: 'alice-pw' });
    const gone = closed(c);
    await h.close();
    await gone;
    await assert.rejects(refusedWith(h.url, { username: 'alice', password: 'alice-pw' }), /ECONNREFUSED/);
  });

  it('logs refusals without the password or the user name', async () => {
    const log = captureLog();
    const marker = 'S3cr3t-M4rker-pw';
    const h = await startFront(await lightsModel(['broker']), {
      server: 'broker',
      schemes: BINDINGS,
      store,
      logger: log.logger,
    });
    try {
      assert.equal(await refusedWith(h.url, { username: 'user-M4rker', password: marker }), 4);
      const c = await connected(h.url, { username: 'alice', password: 'alice-pw' });
      await c.publishAsync('lights/1/command', marker);
      await c.publishAsync('lights/1/status', 'sync', { qos: 1 });
      await end(c);
    } finally {
      await h.close();
    }
    const text = log.lines.join('');
    assert.match(text, /mqtt\.connect\.refused/);
    assert.match(text, /mqtt\.publish\.refused/);
    assert.doesNotMatch(text, /M4rker/);
  });
});
