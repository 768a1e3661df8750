// The contract against a REAL private redis-server (started on a free loopback port; the test
// fails when redis-server is missing), plus what only Redis has: exact filtering behind
// over-approximating patterns, foreign publishers, a broker that goes away.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createRedisBus, redisInterest } from '../../src/bus/redis.js';
import { encodeEnvelope } from '../../src/bus/envelope.js';
import { parseTopicFilter, type TopicFilter } from '../../src/address/mqtt-topic.js';
import type { BusEvent } from '../../src/bus/arguments.js';
import { eventually } from '../helpers/eventually.js';
import { startRedis, type StartedBroker } from '../helpers/brokers.js';
import { barrier, busContract, waitUntil } from './contract.js';

let redis: StartedBroker;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.stop();
});

busContract('redis', { open: () => createRedisBus(redis.url), shared: true, numRuns: 40 });

const filter = (f: string): TopicFilter => parseTopicFilter(f) as TopicFilter;

test(
  'redis: literal filters subscribe exactly; wildcard ' + 'filters use a prefix pattern with glob characters escaped',
  () => {
    assert.deepEqual(redisInterest('agd:', filter('a/b')), { kind: 'channel', key: 'agd:a/b' });
    assert.deepEqual(redisInterest('agd:', filter('a/+/c')), { kind: 'pattern', key: 'agd:a/*' });
    assert.deepEqual(redisInterest('agd:', filter('a/#')), { kind: 'pattern', key: 'agd:a*' });
    assert.deepEqual(redisInterest('agd:', filter('#')), { kind: 'pattern', key: 'agd:*' });
    assert.deepEqual(redisInterest('agd:', filter('+/x')), { kind: 'pattern', key: 'agd:*' });
    assert.deepEqual(redisInterest('agd:', filter('[*?]\\/+')), { kind: 'pattern', key: 'agd:\\[\\*\\?\\]\\\\/*' });
  },
);

test('redis: rejects foreign messages on our channels (not an envelope, or a channel outside the filter)', async () => {
  const events: BusEvent[] = [];
  const bus = await createRedisBus(redis.url, { onEvent: (e) => void events.push(e) });
  const raw = new Redis(redis.url);
  const got: string[] = [];
  const sub = await bus.subscribe('foreign/+', (m) => void got.push(m.channel));
  await raw.publish('agd:foreign/x', Buffer.from('not an envelope'));
  await raw.publish('agd:foreign/x', Buffer.from([0xa6, 1, 200]));
  await raw.publish('agd:foreign/x', encodeEnvelope(Buffer.from('intruder'), 'elsewhere/y', new Uint8Array([1]))!);
  await raw.publish('agd:foreign/x', encodeEnvelope(Buffer.from('peer'), 'foreign/x', new Uint8Array([2]))!);
  await waitUntil(() => got.length === 1, 'the well-formed message');
  await barrier(bus, bus);
  assert.deepEqual(got, ['foreign/x']);
  assert.equal(events.filter((e) => e.type === 'malformed').length, 2);
  await sub.unsubscribe();
  await bus.close();
  raw.disconnect();
});

test('redis: an unreachable server fails startup with ERR_BUS_UNAVAILABLE, naming it without credentials', async () => {
  const dead = await startRedis();
  const deadUrl = dead.url.replace('redis://', 'redis://user:S3CRET-redis@');
  await dead.stop();
  await assert.rejects(createRedisBus(deadUrl, { connectTimeoutMs: 1000 }), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'ERR_BUS_UNAVAILABLE');
    assert.ok(!err.message.includes('S3CRET'), err.message);
    assert.match(err.message, /redis:\/\/127\.0\.0\.1:\d+/);
    return true;
  });
});

test(
  'redis: subscribers of one key that subscribe while Redis ' + 'is down all fail; after it is back a new one receives',
  async () => {
    let own = await startRedis();
    const bus = await createRedisBus(own.url);
    try {
      await own.stop();
      await waitUntil(() => !bus.ready, 'not ready after the server went away');
      // Two at once on one key: the second shares the first's PSUBSCRIBE and must fail with it,
      // not resolve with nothing behind it.
      const results = await Promise.allSettled([bus.subscribe('race/+', () => {}), bus.subscribe('race/+', () => {})]);
      assert.deepEqual(
        results.map((r) => (r.status === 'rejected' ? (r.reason as { code?: string }).code : 'resolved')),
        ['ERR_BUS_UNAVAILABLE', 'ERR_BUS_UNAVAILABLE'],
      );
      own = await startRedis(own.port);
      await waitUntil(() => bus.ready, 'ready again', 15_000);
      const got: string[] = [];
      await bus.subscribe('race/+', (m) => void got.push(m.channel));
      await bus.publish('race/1', new Uint8Array([1]));
      await waitUntil(() => got.length === 1, 'the message on the key that failed before');
    } finally {
      await bus.close();
      await own.stop();
    }
  },
);

test('redis: a subscription dropped while Redis is down is not re-subscribed when it is back', async () => {
  let own = await startRedis();
  const bus = await createRedisBus(own.url);
  const sub = await bus.subscribe('stale/+', () => {});
  let raw: Redis | null = null;
  try {
    await own.stop();
    await waitUntil(() => !bus.ready, 'not ready after the server went away');
    await sub.unsubscribe();
    own = await startRedis(own.port);
    await waitUntil(() => bus.ready, 'ready again', 15_000);
    raw = new Redis(own.url);
    const r = raw;
    await eventually(
      async () => Number(await r.call('PUBSUB', 'NUMPAT')) === 0,
      5_000,
      'no pattern subscription left at the server',
    );
  } finally {
    raw?.disconnect();
    await bus.close();
    await own.stop();
  }
});

test(
  'redis: readiness follows the connection; publish ' + 'while disconnected is refused (ERR_BUS_UNAVAILABLE)',
  async () => {
    const own = await startRedis();
    const events: string[] = [];
    const bus = await createRedisBus(own.url, { onEvent: (e) => void events.push(e.type) });
    assert.equal(bus.ready, true);
    await own.stop();
    await waitUntil(() => !bus.ready, 'not ready after the server went away');
    await assert.rejects(bus.publish('x', new Uint8Array(0)), { code: 'ERR_BUS_UNAVAILABLE' });
    assert.ok(events.includes('disconnected'));
    await bus.close();
  },
);
