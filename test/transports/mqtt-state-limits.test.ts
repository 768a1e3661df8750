// What an authenticated MQTT client can make the front hold: subscription filters (per connection
// and per server) and inbound QoS 2 messages awaiting PUBREL (count and bytes, per connection and
// per server). Real clients: mqtt.js for subscriptions, a raw mqtt-packet client for QoS 2 (mqtt.js
// always answers PUBREC with PUBREL). Bounded memory is shown by counting what is stored.

import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect as netConnect, type Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';
import type { MqttClient } from 'mqtt';
import { parseConfig } from '../../src/config/load.js';
import { createMemoryStore } from '../../src/credentials/memory.js';
import { ConfigError } from '../../src/errors.js';
import { createMemoryBus } from '../../src/bus/memory.js';
import type { Guard } from '../../src/guard/index.js';
import { createMqttFront, STORED_PACKET_OVERHEAD_BYTES, type MqttFront } from '../../src/transports/mqtt/index.js';
import { DEFAULT_FRONT_LIMITS, type FrontLimits } from '../../src/transports/types.js';
import { BINDINGS, lightsModel } from './fixtures-mqtt/documents.js';
import {
  captureLog,
  silent,
  connected,
  end,
  inbox,
  startFront,
  subscribe,
  until,
  type Harness,
} from './fixtures-mqtt/helpers.js';

const LOGIN = { username: 'alice', password: 'alice-pw' };

async function start(limits: Partial<FrontLimits>) {
  const store = createMemoryStore();
  await store.addPrincipal({ name: 'alice', password: 'alice-pw', iterations: 4096 });
  const log = captureLog();
  const h = await startFront(await lightsModel(['broker']), {
    server: 'broker',
    schemes: BINDINGS,
    store,
    limits,
    logger: log.logger,
  });
  return { h, usage: () => (h.front as MqttFront).usage(), lines: log.lines };
}

const events = (lines: string[], event: string) =>
  lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.event === event);

describe('mqtt front: filter text per server', { timeout: 60_000 }, () => {
  it('counts 2 bytes a character: long filters hit the byte bound before the count', async () => {
    const long = (n: number) => `lights/${String(n).padStart(1000, '0')}/status`;
    const cost = 2 * long(1).length;
    const { h, usage, lines } = await start({ maxSubscriptionBytesPerServer: 3 * cost });
    try {
      const c = await connected(h.url, LOGIN);
      // Three long filters fill the bytes; a fourth long one is refused, a short one still fits.
      assert.deepEqual(
        await subscribe(c, [long(1), long(2), long(3), long(4), 'lights/5/status']),
        [0, 0, 0, 128, 128],
      );
      assert.equal(usage().subscriptions, 3);
      await c.unsubscribeAsync(long(1));
      assert.deepEqual(await subscribe(c, [long(4)]), [0]);
      const limited = events(lines, 'mqtt.subscribe.limit');
      assert.deepEqual(
        limited.map((l) => [l.limit, l.max]),
        [['maxSubscriptionBytesPerServer', 3 * cost]],
      );
      await end(c);
    } finally {
      await h.close();
    }
  });
});

describe('mqtt front: subscriptions per connection and per server', { timeout: 60_000 }, () => {
  let h: Harness;
  let usage: () => ReturnType<MqttFront['usage']>;
  let lines: string[];
  const clients: MqttClient[] = [];
  const client = async () => {
    const c = await connected(h.url, LOGIN);
    clients.push(c);
    return c;
  };
  before(async () => {
    ({ h, usage, lines } = await start({ maxSubscriptionsPerConnection: 3, maxSubscriptionsPerServer: 5 }));
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map(end));
    await until(() => usage().subscriptions === 0, 5_000, 'subscriptions given back');
  });
  after(() => h.close());

  it('grants up to the per-connection limit, refuses the next filter with 0x80, keeps the granted ones', async () => {
    const sub = await client();
    const box = inbox(sub);
    const filters = ['lights/1/status', 'lights/2/status', 'lights/3/status', 'lights/4/status'];
    assert.deepEqual(await subscribe(sub, filters), [0, 0, 0, 128]);
    assert.equal(usage().subscriptions, 3);
    // A filter already held takes no new room (a QoS change re-subscribes it); a new one is still refused.
    assert.deepEqual(await subscribe(sub, ['lights/1/status', 'lights/5/status'], 1), [1, 128]);
    assert.equal(usage().subscriptions, 3);

    const pub = await client();
    for (const id of [4, 5, 1, 3]) await pub.publishAsync(`lights/${id}/status`, `m${id}`, { qos: 1 });
    await box.waitFor(2);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(
      box.messages.map((m) => m.topic),
      ['lights/1/status', 'lights/3/status'],
    );
    // One log line per connection, however many filters were refused.
    const limited = events(lines, 'mqtt.subscribe.limit');
    assert.equal(limited.length, 1);
    assert.equal(limited[0]!.limit, 'maxSubscriptionsPerConnection');
    assert.equal(limited[0]!.max, 3);
  });

  it('gives the room back on UNSUBSCRIBE and on disconnect', async () => {
    const sub = await client();
    assert.deepEqual(await subscribe(sub, ['lights/1/status', 'lights/2/status', 'lights/3/status']), [0, 0, 0]);
    await sub.unsubscribeAsync('lights/2/status');
    assert.equal(usage().subscriptions, 2);
    assert.deepEqual(await subscribe(sub, ['lights/9/status', 'lights/8/status']), [0, 128]);
    await end(clients.splice(0, 1)[0]!);
    await until(() => usage().subscriptions === 0, 5_000, 'subscriptions given back');
  });

  it('refuses beyond the per-server total across connections, and grants again once room is given back', async () => {
    const a = await client();
    const b = await client();
    assert.deepEqual(await subscribe(a, ['lights/1/status', 'lights/2/status', 'lights/3/status']), [0, 0, 0]);
    // 3 + 2 = the server's 5; the third of b's filters is over it, though b holds only 2.
    assert.deepEqual(await subscribe(b, ['lights/4/status', 'lights/5/status', 'lights/6/status']), [0, 0, 128]);
    assert.equal(usage().subscriptions, 5);
    const limited = events(lines, 'mqtt.subscribe.limit').filter((l) => l.limit === 'maxSubscriptionsPerServer');
    assert.equal(limited.length, 1);
    const box = inbox(b);
    await end(clients.splice(0, 1)[0]!);
    await until(() => usage().subscriptions === 2, 5_000, "a's filters given back");
    assert.deepEqual(await subscribe(b, ['lights/6/status']), [0]);
    const pub = await client();
    await pub.publishAsync('lights/4/status', 'still delivered', { qos: 1 });
    await pub.publishAsync('lights/6/status', 'now delivered', { qos: 1 });
    await box.waitFor(2);
  });
});

let rawClients = 0;

/** A raw MQTT 3.1.1 client: it never answers PUBREC with PUBREL unless told to. */
async function rawClient(port: number) {
  const socket: Socket = netConnect({ host: '127.0.0.1', port });
  socket.on('error', () => {});
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  const received: mqttPacket.Packet[] = [];
  let isClosed = false;
  socket.on('data', (d: Buffer) => void parser.parse(d));
  parser.on('packet', (p: mqttPacket.Packet) => void received.push(p));
  socket.on('close', () => void (isClosed = true));
  const send = (p: Record<string, unknown>) =>
    void socket.write(mqttPacket.generate(p as unknown as mqttPacket.Packet, { protocolVersion: 4 }));
  send({
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clean: true,
    clientId: `raw-${++rawClients}`,
    keepalive: 0,
    ...LOGIN,
  });
  await until(() => received.some((p) => p.cmd === 'connack'), 5_000, 'CONNACK');
  assert.equal((received.find((p) => p.cmd === 'connack') as mqttPacket.IConnackPacket).returnCode, 0);
  return {
    received,
    closed: () => isClosed,
    pubrecs: () => received.filter((p) => p.cmd === 'pubrec').length,
    publish2: (messageId: number, topic: string, payload: Buffer) =>
      send({ cmd: 'publish', qos: 2, dup: false, retain: false, messageId, topic, payload }),
    pubrel: (messageId: number) => send({ cmd: 'pubrel', messageId }),
    end: () => socket.destroy(),
  };
}

describe('mqtt front: inbound QoS 2 awaiting PUBREL', { timeout: 120_000 }, () => {
  const topic = 'lights/1/status';
  const cost = 2 * topic.length + STORED_PACKET_OVERHEAD_BYTES;
  const payload = Buffer.alloc(1000, 7);

  it('keeps at most the per-connection count, disconnects the client over it, and forgets them all', async () => {
    const { h, usage, lines } = await start({ maxInboundQos2PerConnection: 5 });
    try {
      const c = await rawClient(h.port);
      for (let id = 1; id <= 5; id++) c.publish2(id, topic, payload);
      await until(() => c.pubrecs() === 5, 5_000, '5 PUBRECs');
      // What is stored is counted: 5 packets, topic plus overhead each, the payload left out.
      assert.deepEqual(usage().inboundQos2, { messages: 5, bytes: 5 * cost });
      assert.equal(c.closed(), false);
      // A DUP of a stored packet takes no new room.
      c.publish2(3, topic, payload);
      await until(() => c.pubrecs() === 6, 5_000, 'PUBREC for the DUP');
      assert.equal(usage().inboundQos2.messages, 5);
      // The flood goes on without PUBREL: the first packet over the bound disconnects.
      for (let id = 6; id <= 200; id++) c.publish2(id, topic, payload);
      await until(c.closed, 5_000, 'disconnect');
      assert.equal(c.pubrecs(), 6);
      await until(() => usage().inboundQos2.messages === 0, 5_000, 'count back to zero');
      assert.equal(usage().inboundQos2.bytes, 0);
      const limited = events(lines, 'mqtt.publish.inflight_limit');
      assert.equal(limited.length, 1);
      assert.equal(limited[0]!.limit, 'maxInboundQos2PerConnection');
      assert.equal(limited[0]!.principal, 'alice');
      assert.ok(!JSON.stringify(limited[0]).includes('alice-pw'));
    } finally {
      await h.close();
    }
  });

  it('PUBREL gives the room back: a client that completes its exchanges is never limited', async () => {
    const { h, usage } = await start({ maxInboundQos2PerConnection: 5 });
    try {
      const c = await rawClient(h.port);
      for (let round = 0; round < 4; round++) {
        const ids = [1, 2, 3, 4, 5].map((i) => round * 5 + i);
        for (const id of ids) c.publish2(id, topic, payload);
        await until(() => c.pubrecs() === (round + 1) * 5, 5_000, 'PUBRECs');
        for (const id of ids) c.pubrel(id);
        await until(() => c.received.filter((p) => p.cmd === 'pubcomp').length === (round + 1) * 5, 5_000, 'PUBCOMPs');
        assert.equal(usage().inboundQos2.messages, 0);
      }
      assert.equal(c.closed(), false);
      c.end();
    } finally {
      await h.close();
    }
  });

  it('bounds the bytes per connection (long topics), and the count and bytes per server', async () => {
    const { h, usage, lines } = await start({
      maxInboundQos2BytesPerConnection: 3 * cost,
      maxInboundQos2PerServer: 4,
    });
    try {
      const a = await rawClient(h.port);
      for (let id = 1; id <= 3; id++) a.publish2(id, topic, payload);
      await until(() => a.pubrecs() === 3, 5_000, "a's PUBRECs");
      assert.deepEqual(usage().inboundQos2, { messages: 3, bytes: 3 * cost });
      a.publish2(4, topic, payload);
      await until(a.closed, 5_000, 'a disconnected on the bytes bound');
      assert.equal(a.pubrecs(), 3);
      await until(() => usage().inboundQos2.messages === 0, 5_000, 'a forgotten');

      const b = await rawClient(h.port);
      const c = await rawClient(h.port);
      for (let id = 1; id <= 3; id++) b.publish2(id, topic, payload);
      await until(() => b.pubrecs() === 3, 5_000, "b's PUBRECs");
      c.publish2(1, topic, payload);
      await until(() => c.pubrecs() === 1, 5_000, "c's PUBREC");
      assert.equal(usage().inboundQos2.messages, 4);
      // c holds 1 of its own 3, but the server's 4 are taken.
      c.publish2(2, topic, payload);
      await until(c.closed, 5_000, 'c disconnected on the server bound');
      assert.equal(b.closed(), false);
      await until(() => usage().inboundQos2.messages === 3, 5_000, "c's forgotten, b's kept");
      const reasons = events(lines, 'mqtt.publish.inflight_limit').map((l) => l.limit);
      assert.deepEqual(reasons, ['maxInboundQos2BytesPerConnection', 'maxInboundQos2PerServer']);
      b.end();
      await until(() => usage().inboundQos2.messages === 0, 5_000, 'b forgotten');
    } finally {
      await h.close();
    }
  });

  it(
    'an mqtt.js client publishing a burst of QoS 2 messages is not limited at the defaults',
    { timeout: 60_000 },
    async () => {
      const { h, usage } = await start({});
      try {
        const pub = await connected(h.url, LOGIN);
        const burst = Array.from({ length: 300 }, (_, i) => pub.publishAsync(topic, `m${i}`, { qos: 2 }));
        await Promise.all(burst);
        assert.equal(pub.connected, true);
        assert.equal(usage().inboundQos2.messages, 0);
        await end(pub);
      } finally {
        await h.close();
      }
    },
  );
});

describe('config: the MQTT state limits', () => {
  const opts = { file: 'asyncapi-guard.yaml', dir: '/project', ruleIds: [] };

  it('accepts each key at the top level and per server', async () => {
    const text =
      'limits:\n  maxSubscriptionsPerConnection: 10\n  maxSubscriptionsPerServer: 1000\n' +
      '  maxInboundQos2PerConnection: 50\n  maxInboundQos2BytesPerConnection: 65536\n' +
      'servers:\n  broker:\n    limits:\n      maxInboundQos2PerServer: 500\n' +
      '      maxInboundQos2BytesPerServer: 1048576\n';
    const config = await parseConfig(text, opts);
    const settings = config.settings as {
      limits: Record<string, number>;
      servers: { broker: { limits: Record<string, number> } };
    };
    assert.equal(settings.limits.maxSubscriptionsPerConnection, 10);
    assert.equal(settings.limits.maxInboundQos2BytesPerConnection, 65536);
    assert.equal(settings.servers.broker.limits.maxInboundQos2BytesPerServer, 1048576);
  });

  it('refuses a value out of range, naming the key', async () => {
    for (const [text, pointer] of [
      ['limits: { maxSubscriptionsPerConnection: 0 }\n', 'limits.maxSubscriptionsPerConnection'],
      [
        'servers:\n  broker: { limits: { maxInboundQos2PerConnection: 70000 } }\n',
        'servers.broker.limits.maxInboundQos2PerConnection',
      ],
    ] as const) {
      await assert.rejects(parseConfig(text, opts), (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.pointer, pointer);
        return true;
      });
    }
  });
});

describe('mqtt front: the state limits as options', () => {
  it('refuses a limit that is not a positive integer (ERR_INVALID_ARG_VALUE, naming it)', async () => {
    const server = (await lightsModel(['broker'])).servers.find((x) => x.name === 'broker')!;
    const bus = createMemoryBus();
    const guard = { authenticate: () => Promise.resolve() } as unknown as Guard;
    for (const key of ['maxSubscriptionsPerConnection', 'maxInboundQos2BytesPerServer'] as const) {
      for (const bad of [0, 1.5, undefined]) {
        const limits = { ...DEFAULT_FRONT_LIMITS, [key]: bad };
        assert.throws(
          () => createMqttFront({ server, guard, bus, limits, logger: silent }),
          (err: Error & { code?: string }) =>
            err.code === 'ERR_INVALID_ARG_VALUE' && err.message.includes(`options.limits.${key}`),
        );
      }
    }
    await bus.close();
  });
});
