// The ONE contract every bus passes (memory, NATS, Redis): run by memory.test.ts, nats.test.ts
// and redis.test.ts with a factory for that bus. Networked buses deliver asynchronously, so
// "nothing else arrived" is proven with a barrier: a last message on a channel of its own; once
// its subscriber has it, everything published before it (same publisher, same subscriber
// connection) has been delivered too.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import '../helpers/property.js'; // one seed per file, printed; FC_SEED=<n> replays it
import { topicMatchesFilter } from '../../src/address/mqtt-topic.js';
import type { Bus, BusMessage } from '../../src/bus/types.js';

export interface ContractOptions {
  /** A new bus instance on the same backend (same broker) each call. */
  readonly open: () => Promise<Bus>;
  /** Two instances share messages (NATS, Redis); false for memory (one process each). */
  readonly shared: boolean;
  /** Runs of the filter property (fewer on networked buses: each run subscribes over the wire). */
  readonly numRuns: number;
}

const WAIT_MS = 5000;

/** Resolves once `predicate` holds, polling on timers (deliveries arrive on socket callbacks). */
export async function waitUntil(predicate: () => boolean, what: string, ms = WAIT_MS): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Publishes on a fresh channel and waits until a subscription to it on `receiver` has it. */
export async function barrier(publisher: Bus, receiver: Bus): Promise<void> {
  const channel = `barrier/${randomUUID()}`;
  let seen = false;
  const sub = await receiver.subscribe(channel, () => {
    seen = true;
  });
  try {
    await publisher.publish(channel, new Uint8Array([1]));
    await waitUntil(() => seen, 'the barrier message');
  } finally {
    await sub.unsubscribe();
  }
}

const text = (m: BusMessage): string => Buffer.from(m.payload).toString('utf8');
const bytes = (s: string): Uint8Array => Buffer.from(s, 'utf8');

// Levels that stress the encodings: empty, `$`, NATS specials, spaces, unicode, long (hashed on NATS).
const LEVELS = [
  '',
  'a',
  'b',
  '$',
  '$SYS',
  'a.b',
  '.',
  '*',
  '>',
  ' ',
  'a b',
  '\t',
  'é',
  '😀',
  'x'.repeat(40),
  `${'x'.repeat(39)}y`,
  '[x]',
  '\\',
  '?',
];
const level = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...LEVELS) },
  // eslint-disable-next-line no-control-regex -- NUL is one of the characters a topic level may not hold
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }).map((s) => s.replace(/[/+#\u0000]/g, '')) },
);
const topicArb = fc
  .array(level, { minLength: 1, maxLength: 4 })
  .map((levels) => levels.join('/'))
  .filter((t) => t !== ''); // '' is not a topic name (§4.7.3)
const filterArb = fc.oneof(
  fc.constant('#'),
  fc
    .tuple(
      fc.array(fc.oneof({ weight: 3, arbitrary: level }, { weight: 2, arbitrary: fc.constant('+') }), {
        minLength: 1,
        maxLength: 4,
      }),
      fc.boolean(),
    )
    .map(([levels, hash]) => (hash ? [...levels, '#'] : levels).join('/'))
    .filter((f) => f !== ''),
);

export function busContract(name: string, options: ContractOptions): void {
  describe(`${name} bus: contract`, () => {
    let bus: Bus;
    before(async () => {
      bus = await options.open();
    });
    after(async () => {
      await bus.close();
    });

    test(`${name}: is ready once open, with an origin and a description`, () => {
      assert.equal(bus.ready, true);
      assert.equal(typeof bus.origin, 'string');
      assert.ok(bus.origin.length > 0);
      assert.equal(bus.kind, name);
      assert.ok(!/[@?]/.test(bus.description), `description carries no credentials or query: ${bus.description}`);
    });

    test(`${name}: delivers exactly what topicMatchesFilter says, in publish order (property)`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.uniqueArray(filterArb, { minLength: 1, maxLength: 6 }),
          fc.array(topicArb, { minLength: 1, maxLength: 12 }),
          async (filters, topics) => {
            const got = filters.map(() => [] as string[]);
            const subs = await Promise.all(
              filters.map((f, i) =>
                bus.subscribe(
                  f,
                  (m) => void (m.channel.startsWith('barrier/') ? undefined : got[i]!.push(`${m.channel}|${text(m)}`)),
                ),
              ),
            );
            try {
              for (const [i, t] of topics.entries()) await bus.publish(t, bytes(String(i)));
              await barrier(bus, bus);
              for (const [i, f] of filters.entries()) {
                const want = topics.flatMap((t, j) => (topicMatchesFilter(f, t) ? [`${t}|${j}`] : []));
                assert.deepEqual(got[i], want, `filter ${JSON.stringify(f)}`);
              }
            } finally {
              await Promise.all(subs.map((s) => s.unsubscribe()));
            }
          },
        ),
        { numRuns: options.numRuns },
      );
    });

    test(
      `${name}: filter edge cases of MQTT 3.1.1 §4.7 (a/# matches a, + matches an empty level, wildcards skip ` +
        `$ topics)`,
      async () => {
        const cases: [string, string, boolean][] = [
          ['a/#', 'a', true],
          ['a/#', 'a/b/c', true],
          ['a/#', 'ab', false],
          ['a/+', 'a/', true],
          ['+/+', '/', true],
          ['#', '$SYS/x', false],
          ['+/x', '$SYS/x', false],
          ['$SYS/#', '$SYS/x', true],
          ['a/+/c', 'a/b.c/c', true],
          ['a/+/c', 'a/b/x/c', false],
          ['a.b', 'a/b', false],
          ['*', 'x', false],
          ['>', 'x/y', false],
          ['a b/+', 'a b/ ', true],
        ];
        for (const [filter, topic, expected] of cases) {
          assert.equal(topicMatchesFilter(filter, topic), expected, `reference: ${filter} vs ${topic}`);
          const got: string[] = [];
          const sub = await bus.subscribe(
            filter,
            (m) => void (m.channel.startsWith('barrier/') ? undefined : got.push(m.channel)),
          );
          await bus.publish(topic, bytes('x'));
          await barrier(bus, bus);
          await sub.unsubscribe();
          assert.deepEqual(got, expected ? [topic] : [], `${filter} vs ${topic}`);
        }
      },
    );

    test(`${name}: binary payloads arrive intact (all 256 byte values, and empty)`, async () => {
      const all = Uint8Array.from({ length: 256 }, (_, i) => i);
      const got: Uint8Array[] = [];
      const sub = await bus.subscribe('bin/+', (m) => void got.push(Uint8Array.from(m.payload)));
      await bus.publish('bin/all', all);
      await bus.publish('bin/empty', new Uint8Array(0));
      await bus.publish('bin/reversed', all.slice().reverse());
      await waitUntil(() => got.length === 3, 'three payloads');
      await sub.unsubscribe();
      assert.deepEqual(got[0], all);
      assert.deepEqual(got[1], new Uint8Array(0));
      assert.deepEqual(got[2], all.slice().reverse());
    });

    test(`${name}: a message carries its channel and this instance's origin`, async () => {
      const got: BusMessage[] = [];
      const sub = await bus.subscribe('meta/#', (m) => void got.push(m));
      await bus.publish('meta/x/y', bytes('hello'));
      await waitUntil(() => got.length === 1, 'one message');
      await sub.unsubscribe();
      assert.equal(got[0]?.channel, 'meta/x/y');
      assert.equal(got[0]?.origin, bus.origin);
      assert.equal(text(got[0]), 'hello');
    });

    test(`${name}: keeps publish order per publisher, across channels of one wildcard subscription`, async () => {
      const n = 2000;
      const got: string[] = [];
      const sub = await bus.subscribe('order/+', (m) => void got.push(text(m)));
      await Promise.all(
        Array.from({ length: n }, (_, i) => bus.publish(`order/${i % 2 === 0 ? 'even' : 'odd'}`, bytes(String(i)))),
      );
      await waitUntil(() => got.length === n, `${n} messages`);
      await sub.unsubscribe();
      assert.deepEqual(
        got,
        Array.from({ length: n }, (_, i) => String(i)),
      );
    });

    test(`${name}: unsubscribe stops delivery to that subscription only`, async () => {
      const one: string[] = [];
      const two: string[] = [];
      const s1 = await bus.subscribe('unsub/x', (m) => void one.push(text(m)));
      const s2 = await bus.subscribe('unsub/x', (m) => void two.push(text(m)));
      const s3 = await bus.subscribe('unsub/+', () => undefined);
      await bus.publish('unsub/x', bytes('1'));
      await waitUntil(() => one.length === 1 && two.length === 1, 'first message on both');
      await s1.unsubscribe();
      await s3.unsubscribe();
      await bus.publish('unsub/x', bytes('2'));
      await barrier(bus, bus);
      await s2.unsubscribe();
      assert.deepEqual(one, ['1']);
      assert.deepEqual(two, ['1', '2']);
      await s1.unsubscribe(); // twice is harmless
    });

    test(
      `${name}: a slow subscriber is bounded (queue of maxQueued, the rest dropped and counted) and others ` +
        `get everything`,
      async () => {
        const n = 200;
        const maxQueued = 10;
        const slow: string[] = [];
        const fast: string[] = [];
        let thrown = 0;
        let drops = 0;
        const releases: (() => void)[] = [];
        const slowSub = await bus.subscribe(
          'slow/x',
          (m) => {
            slow.push(text(m));
            return new Promise<void>((resolve) => releases.push(resolve)); // never settles until released
          },
          { maxQueued, onDrop: () => void drops++ },
        );
        const fastSub = await bus.subscribe('slow/x', (m) => void fast.push(text(m)));
        const throwingSub = await bus.subscribe('slow/+', () => {
          thrown++;
          throw new Error('a handler bug');
        });
        for (let i = 0; i < n; i++) await bus.publish('slow/x', bytes(String(i)));
        await waitUntil(
          () => fast.length === n && thrown === n,
          'every message at the fast and the throwing subscriber',
        );
        assert.deepEqual(
          fast,
          Array.from({ length: n }, (_, i) => String(i)),
          'the fast subscriber got everything, in order',
        );
        assert.equal(thrown, n, 'a throwing handler still gets every message');
        assert.deepEqual(slow, ['0'], 'the slow one is still busy with the first');
        assert.equal(slowSub.queued, maxQueued, 'memory stays bounded: at most maxQueued wait');
        assert.equal(slowSub.dropped, n - 1 - maxQueued);
        assert.equal(drops, n - 1 - maxQueued, 'onDrop once per dropped message');
        assert.equal(fastSub.dropped, 0);
        // Once it catches up it gets what was queued, in order, and nothing that was dropped.
        while (releases.length > 0) {
          releases.shift()!();
          await new Promise((r) => setImmediate(r));
        }
        await waitUntil(() => slow.length === 1 + maxQueued && releases.length === 0, 'the queued messages');
        assert.deepEqual(
          slow,
          Array.from({ length: 1 + maxQueued }, (_, i) => String(i)),
        );
        assert.equal(slowSub.queued, 0);
        await Promise.all([slowSub.unsubscribe(), fastSub.unsubscribe(), throwingSub.unsubscribe()]);
      },
    );

    test(`${name}: rejects a publish on an invalid topic name or with a non-bytes payload (TypeError)`, async () => {
      await assert.rejects(bus.publish('a/+', bytes('x')), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
      await assert.rejects(bus.publish('', bytes('x')), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
      await assert.rejects(bus.publish('a\u0000b', bytes('x')), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
      await assert.rejects(bus.publish('a', 'text' as unknown as Uint8Array), {
        name: 'TypeError',
        code: 'ERR_INVALID_ARG_TYPE',
      });
    });

    test(`${name}: rejects a subscribe with an invalid filter or options (TypeError)`, async () => {
      await assert.rejects(
        bus.subscribe('a/#/b', () => undefined),
        { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' },
      );
      await assert.rejects(
        bus.subscribe('a+', () => undefined),
        { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' },
      );
      await assert.rejects(bus.subscribe('a', 'nope' as never), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
      await assert.rejects(
        bus.subscribe('a', () => undefined, { maxQueued: 0 }),
        { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' },
      );
    });

    if (options.shared) {
      test(`${name}: two instances on one broker see each other's messages, told apart by origin`, async () => {
        const a = bus;
        const b = await options.open();
        try {
          assert.notEqual(a.origin, b.origin);
          const atA: BusMessage[] = [];
          const atB: BusMessage[] = [];
          const sa = await a.subscribe('shared/#', (m) => void atA.push(m));
          const sb = await b.subscribe('shared/#', (m) => void atB.push(m));
          await a.publish('shared/from-a', bytes('A'));
          await b.publish('shared/from-b', bytes('B'));
          await waitUntil(() => atA.length === 2 && atB.length === 2, 'both messages at both instances');
          for (const got of [atA, atB]) {
            const byChannel = new Map(got.map((m) => [m.channel, m]));
            assert.equal(byChannel.get('shared/from-a')?.origin, a.origin);
            assert.equal(byChannel.get('shared/from-b')?.origin, b.origin);
            assert.equal(text(byChannel.get('shared/from-b')!), 'B');
          }
          await Promise.all([sa.unsubscribe(), sb.unsubscribe()]);
        } finally {
          await b.close();
        }
      });
    }

    test(`${name}: close ends delivery, readiness, publish and subscribe; closing twice is harmless`, async () => {
      const other = await options.open();
      const got: string[] = [];
      await other.subscribe('closing/x', (m) => void got.push(text(m)));
      await other.close();
      assert.equal(other.ready, false);
      await other.close();
      await assert.rejects(other.publish('closing/x', bytes('x')), { code: 'ERR_BUS_CLOSED' });
      await assert.rejects(
        other.subscribe('closing/x', () => undefined),
        { code: 'ERR_BUS_CLOSED' },
      );
      if (options.shared) {
        await bus.publish('closing/x', bytes('after close'));
        await barrier(bus, bus);
      }
      assert.deepEqual(got, []);
    });
  });
}
