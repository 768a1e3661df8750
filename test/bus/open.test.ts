import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { openBus, busKind } from '../../src/bus/open.js';
import { startNats, startRedis, type StartedBroker } from '../helpers/brokers.js';

let nats: StartedBroker;
let redis: StartedBroker;
before(async () => {
  [nats, redis] = await Promise.all([startNats(), startRedis()]);
});
after(async () => {
  await Promise.all([nats.stop(), redis.stop()]);
});

const SECRET = 'S3CRET-bus-password';

test('openBus: no reference and `memory` open the embedded bus', async () => {
  for (const ref of [undefined, 'memory']) {
    const bus = await openBus(ref);
    assert.equal(bus.kind, 'memory');
    assert.equal(bus.description, 'memory');
    await bus.close();
  }
});

test('openBus: nats:// and redis:// open the networked buses, described without credentials', async () => {
  const n = await openBus(nats.url.replace('nats://', `nats://me:${SECRET}@`));
  assert.equal(n.kind, 'nats');
  assert.equal(n.description, nats.url);
  await n.close();
  const r = await openBus(`${redis.url}/2`);
  assert.equal(r.kind, 'redis');
  assert.equal(r.description, `${redis.url}/2`);
  await r.close();
});

test('openBus: env:NAME reads the reference from the environment', async () => {
  const bus = await openBus('env:AGD_BUS', { env: { AGD_BUS: nats.url } });
  assert.equal(bus.kind, 'nats');
  await bus.close();
});

test('openBus: passes origin and maxQueued through', async () => {
  const bus = await openBus('memory', { origin: 'instance-7', maxQueued: 3 });
  assert.equal(bus.origin, 'instance-7');
  await bus.close();
});

for (const [name, ref, env] of [
  ['an unknown scheme', `amqp://me:${SECRET}@host`, {}],
  ['a NATS URL without a host', `nats://:${SECRET}@`, {}],
  ['a Redis URL whose path is not a database number', `redis://:${SECRET}@127.0.0.1:1/abc`, {}],
  ['a Redis URL with a path after the database', `redis://:${SECRET}@127.0.0.1:1/3/`, {}],
  ['a plain word', `mem${SECRET}`, {}],
  ['an unset variable', 'env:AGD_NOPE', {}],
  ['a bad variable name', 'env:1-bad', {}],
  ['a variable holding another env: reference', 'env:AGD_BUS', { AGD_BUS: 'env:OTHER' }],
  ['a variable holding a bad URL', 'env:AGD_BUS', { AGD_BUS: `amqp://me:${SECRET}@host` }],
] as const) {
  test(`openBus: rejects ${name} (ERR_CONFIG_INVALID at bus, never quoting it)`, async () => {
    await assert.rejects(
      openBus(ref, { env, configFile: 'asyncapi-guard.yaml' }),
      (err: Error & { code?: string; pointer?: string; file?: string }) => {
        assert.equal(err.name, 'ConfigError');
        assert.equal(err.code, 'ERR_CONFIG_INVALID');
        assert.equal(err.pointer, 'bus');
        assert.equal(err.file, 'asyncapi-guard.yaml');
        assert.ok(!err.message.includes(SECRET), err.message);
        assert.match(err.message, /^asyncapi-guard\.yaml bus: /);
        return true;
      },
    );
  });
}

test('openBus: an unreachable broker is ERR_BUS_UNAVAILABLE without the password', async () => {
  const dead = await startRedis();
  await dead.stop();
  await assert.rejects(
    openBus(dead.url.replace('redis://', `redis://:${SECRET}@`), { redis: { connectTimeoutMs: 1000 } }),
    (err: Error & { code?: string }) => {
      assert.equal(err.code, 'ERR_BUS_UNAVAILABLE');
      assert.ok(!err.message.includes(SECRET), err.message);
      return true;
    },
  );
});

test('busKind: names the kind of a reference without opening it', () => {
  assert.equal(busKind('memory'), 'memory');
  assert.equal(busKind('nats://h'), 'nats');
  assert.equal(busKind('rediss://h'), 'redis');
  assert.equal(busKind('env:X'), 'env');
  assert.equal(busKind('kafka://h'), null);
});
