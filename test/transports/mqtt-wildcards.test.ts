// MQTT wildcard subscriptions against real clients (mqtt.js, mosquitto_sub) on a started front
// (docs/guard.md "MQTT wildcard subscriptions"): by default a `+` filter over a `{param}` channel
// is granted (the empty level is no channel the document declares); a filter that can reach a
// channel the session may not receive is refused with 0x80; whatever the bus carries, a message
// on a channel the session may not receive is never delivered (the per-delivery check); and
// `wildcardsIgnoreEmptyLevels: false` restores the strict reading (0x80 for `plant/+/readings`).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryStore, type MemoryStore } from '../../src/credentials/memory.js';
import { createMemoryBus } from '../../src/bus/memory.js';
import type { Bus } from '../../src/bus/types.js';
import type { SecurityModel } from '../../src/model/types.js';
import { modelFromYaml } from '../guard/helpers.js';
import {
  connected,
  end,
  inbox,
  mosquittoSub,
  startFront,
  subscribe,
  until,
  type Harness,
} from './fixtures-mqtt/helpers.js';

const PLANT = `
asyncapi: 3.0.0
info: { title: Plant, version: '1' }
servers:
  broker:
    host: 127.0.0.1:1883
    protocol: mqtt
    security:
      - $ref: '#/components/securitySchemes/userPass'
channels:
  readings:
    address: 'plant/{line}/readings'
    parameters: { line: {} }
  alarms:
    address: 'plant/{line}/alarms'
    parameters: { line: {} }
operations:
  sendReadings:
    action: send
    channel: { $ref: '#/channels/readings' }
  receiveReadings:
    action: receive
    channel: { $ref: '#/channels/readings' }
  receiveAlarms:
    action: receive
    channel: { $ref: '#/channels/alarms' }
components:
  securitySchemes:
    userPass: { type: userPassword }
`;

/** The plant model, `receiveAlarms` needing the `admin` scope. */
async function plantModel(): Promise<SecurityModel> {
  const model = structuredClone(await modelFromYaml(PLANT));
  const alarms = model.operations.find((o) => o.id === 'receiveAlarms');
  if (alarms === undefined) throw new Error('no receiveAlarms');
  alarms.security = [[{ scheme: 'userPass', scopes: ['admin'] }]];
  return model;
}

/**
 * A bus that routes more than was subscribed: every subscription gets every channel (as a
 * misconfigured or hostile bus could). What reaches a client must still be only what it may receive.
 */
function overDeliveringBus(inner: Bus): Bus {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'subscribe') {
        return (_filter: string, ...rest: unknown[]) =>
          (target.subscribe as (...a: unknown[]) => unknown).call(target, '#', ...rest);
      }
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

const ITER = 4096;
const text = (s: string) => new TextEncoder().encode(s);
let store: MemoryStore;

before(async () => {
  store = createMemoryStore();
  await store.addPrincipal({ name: 'alice', password: 'alice-pw', scopes: ['read'], iterations: ITER });
  await store.addPrincipal({ name: 'root', password: 'root-pw', scopes: ['admin'], iterations: ITER });
});

describe('mqtt wildcards: the default reading (mqtt.js)', () => {
  let h: Harness;
  before(async () => {
    h = await startFront(await plantModel(), { server: 'broker', schemes: { userPass: {} }, store });
  });
  after(() => h.close());

  it('a + filter over a {param} channel is granted; one that can reach a refused channel gets 0x80', async () => {
    const alice = await connected(h.url, { username: 'alice', password: 'alice-pw' });
    const root = await connected(h.url, { username: 'root', password: 'root-pw' });
    // alice may not receive alarms (admin only): a filter that can match one is refused.
    assert.deepEqual(
      await subscribe(alice, ['plant/+/readings', 'plant/+/alarms', 'plant/#', 'plant/7/readings'], 1),
      [1, 128, 128, 1],
    );
    // root may receive alarms; `plant/+/+` stays refused for everyone: `plant/1/other` is no channel.
    assert.deepEqual(await subscribe(root, ['plant/+/alarms', 'plant/+/+'], 1), [1, 128]);
    await Promise.all([end(alice), end(root)]);
  });

  it('a client publish on plant/1/readings reaches the + subscriber', async () => {
    const alice = await connected(h.url, { username: 'alice', password: 'alice-pw' });
    const box = inbox(alice);
    assert.deepEqual(await subscribe(alice, ['plant/+/readings']), [0]);
    await alice.publishAsync('plant/1/readings', 'r1', { qos: 1 });
    await box.waitFor(1);
    assert.deepEqual(box.messages, [{ topic: 'plant/1/readings', payload: 'r1' }]);
    await end(alice);
  });

  it('the empty level (plant//readings) may not be received: never delivered, even from the bus', async () => {
    // The earlier tests' clients gone, so the drop counted below is this client's alone.
    await until(() => h.front.stats().connections === 0, 3_000, 'earlier clients to go');
    const alice = await connected(h.url, { username: 'alice', password: 'alice-pw' });
    const box = inbox(alice);
    assert.deepEqual(await subscribe(alice, ['plant/+/readings']), [0]);
    // No channel covers the empty level, so no client may publish there; the bus carries it anyway
    // (another front or serve instance with other settings, a hostile bus client).
    const dropped = h.front.stats().dropped;
    await h.bus.publish('plant//readings', text('bus'));
    await h.bus.publish('plant/2/readings', text('after'));
    await box.waitFor(1);
    // Anything the empty level had delivered would have come before this later message.
    await h.bus.publish('plant/3/readings', text('end'));
    await box.waitFor(2);
    assert.deepEqual(
      box.messages.map((m) => m.topic),
      ['plant/2/readings', 'plant/3/readings'],
    );
    assert.equal(h.front.stats().dropped, dropped + 1, 'the bus message on the empty level was dropped, and counted');
    await end(alice);
  });
});

describe('mqtt wildcards: a bus that delivers more than was subscribed (mqtt.js)', () => {
  /** A front on an over-delivering bus, one subscriber with `filters`, the bus messages on `channels`. */
  async function received(user: 'alice' | 'root', filters: string[], channels: string[]): Promise<string[]> {
    const inner = createMemoryBus();
    const h = await startFront(await plantModel(), {
      server: 'broker',
      schemes: { userPass: {} },
      store,
      bus: overDeliveringBus(inner),
    });
    try {
      const c = await connected(h.url, { username: user, password: `${user}-pw` });
      const box = inbox(c);
      assert.deepEqual(
        await subscribe(c, filters),
        filters.map(() => 0),
      );
      for (const channel of channels) await inner.publish(channel, text(channel));
      // A last message every filter here matches: what came before it was delivered or dropped.
      await inner.publish('plant/9/readings', text('end'));
      await inner.publish('plant/9/alarms', text('end'));
      const ends = filters.filter((f) => f.includes('+') || f.startsWith('plant/9/')).length;
      await until(() => box.messages.filter((m) => m.payload === 'end').length >= ends, 3_000, 'the end markers');
      await end(c);
      return box.messages.filter((m) => m.payload !== 'end').map((m) => m.topic);
    } finally {
      await h.close();
      await inner.close();
    }
  }
  const all = ['plant/1/alarms', 'other', 'plant/1/readings', 'plant//readings'];

  it('a wildcard subscriber gets only topics its filter matches and its session may receive', async () => {
    assert.deepEqual(await received('alice', ['plant/+/readings'], all), ['plant/1/readings']);
    assert.deepEqual(await received('root', ['plant/+/alarms'], all), ['plant/1/alarms']);
  });

  it('a literal subscriber gets only its own topic', async () => {
    assert.deepEqual(await received('alice', ['plant/1/readings', 'plant/9/readings'], all), ['plant/1/readings']);
  });
});

describe('mqtt wildcards: the strict reading (wildcardsIgnoreEmptyLevels: false)', () => {
  let h: Harness;
  before(async () => {
    h = await startFront(await plantModel(), {
      server: 'broker',
      schemes: { userPass: {} },
      store,
      servers: { broker: { wildcardsIgnoreEmptyLevels: false } },
    });
  });
  after(() => h.close());

  it('a + filter over a {param} channel is refused with 0x80 (+ also matches the empty level)', async () => {
    const alice = await connected(h.url, { username: 'alice', password: 'alice-pw' });
    assert.deepEqual(await subscribe(alice, ['plant/+/readings', 'plant/7/readings'], 1), [128, 1]);
    await end(alice);
  });
});

describe('mqtt wildcards: mosquitto_sub', () => {
  let h: Harness;
  before(async () => {
    h = await startFront(await plantModel(), { server: 'broker', schemes: { userPass: {} }, store });
  });
  after(() => h.close());

  it("mosquitto_sub -t 'plant/+/readings' is granted and receives what mqtt.js publishes", async () => {
    const sub = mosquittoSub([
      ...['-p', String(h.port), '-u', 'alice', '-P', 'alice-pw', '-t', 'plant/+/readings', '-v'],
      ...['-C', '1', '-W', '10'],
    ]);
    try {
      // Ready once its subscription reached the bus (bus-mq keeps one bus subscription per filter).
      await until(() => h.front.stats().connections >= 1, 5_000, 'mosquitto_sub connected');
      const alice = await connected(h.url, { username: 'alice', password: 'alice-pw' });
      // Publish until it arrives: the subscription may not be in place at the first publish.
      for (let i = 0; i < 50 && sub.lines.length === 0; i++) {
        await alice.publishAsync('plant/4/readings', 'hello', { qos: 1 });
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await end(alice);
      assert.equal(await sub.exited, 0, sub.stderr());
      assert.deepEqual(sub.lines, ['plant/4/readings hello']);
    } finally {
      sub.stop();
    }
  });
});
