import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryBus } from '../../src/bus/memory.js';
import type { BusMessage } from '../../src/bus/types.js';
import { busContract } from './contract.js';

busContract('memory', { open: async () => createMemoryBus(), shared: false, numRuns: 200 });

const bytes = (s: string): Uint8Array => Buffer.from(s, 'utf8');
const text = (m: BusMessage): string => Buffer.from(m.payload).toString('utf8');

test('memory: ids are increasing decimal counters', async () => {
  const bus = createMemoryBus();
  const ids: (string | null)[] = [];
  await bus.subscribe('#', (m) => void ids.push(m.id));
  for (let i = 0; i < 12; i++) await bus.publish(`t/${i}`, bytes('x'));
  assert.deepEqual(
    ids,
    Array.from({ length: 12 }, (_, i) => String(i + 1)),
  );
  await bus.close();
});

test('memory: replay returns the messages after lastId on matching channels, oldest first', async () => {
  const bus = createMemoryBus();
  for (let i = 1; i <= 6; i++) await bus.publish(i % 2 === 0 ? 'even/x' : 'odd/x', bytes(String(i)));
  assert.deepEqual(bus.replay!('even/+', '2', 10)!.map(text), ['4', '6']);
  assert.deepEqual(
    bus.replay!('#', '0', 10)!.map((m) => m.id),
    ['1', '2', '3', '4', '5', '6'],
  );
  assert.deepEqual(bus.replay!('#', '6', 10), []);
  await bus.close();
});

test('memory: replay keeps the newest when more than limit match (joins up with live delivery)', async () => {
  const bus = createMemoryBus();
  for (let i = 1; i <= 10; i++) await bus.publish('r', bytes(String(i)));
  assert.deepEqual(bus.replay!('r', '0', 3)!.map(text), ['8', '9', '10']);
  await bus.close();
});

test('memory: replay answers null for a lastId the bus never gave (garbage, future, another instance)', async () => {
  const bus = createMemoryBus();
  await bus.publish('r', bytes('1'));
  for (const lastId of ['', 'abc', '-1', '1.5', ' 1', '1e3', '99', '9'.repeat(40), '007', '00'])
    assert.equal(bus.replay!('r', lastId, 10), null, JSON.stringify(lastId));
  await bus.close();
});

test('memory: history is bounded by historySize (older messages are gone from replay)', async () => {
  const bus = createMemoryBus({ historySize: 5 });
  for (let i = 1; i <= 3000; i++) await bus.publish('h', bytes(String(i)));
  assert.deepEqual(bus.replay!('h', '0', 100)!.map(text), ['2996', '2997', '2998', '2999', '3000']);
  await bus.close();
});

test('memory: history is bounded by historyBytes', async () => {
  const bus = createMemoryBus({ historyBytes: 1000 });
  for (let i = 0; i < 50; i++) await bus.publish('h', new Uint8Array(300).fill(i));
  const kept = bus.replay!('h', '0', 100)!;
  assert.equal(kept.length, 3);
  assert.deepEqual(
    kept.map((m) => m.payload[0]),
    [47, 48, 49],
  );
  await bus.close();
});

test('memory: historySize 0 turns replay off (null)', async () => {
  const bus = createMemoryBus({ historySize: 0 });
  await bus.publish('h', bytes('1'));
  assert.equal(bus.replay!('h', '0', 10), null);
  await bus.close();
});

test('memory: rejects bad options and replay arguments (TypeError)', () => {
  assert.throws(() => createMemoryBus({ historySize: -1 }), { code: 'ERR_INVALID_ARG_VALUE' });
  assert.throws(() => createMemoryBus({ maxQueued: 1.5 }), { code: 'ERR_INVALID_ARG_VALUE' });
  assert.throws(() => createMemoryBus({ origin: '' }), { code: 'ERR_INVALID_ARG_VALUE' });
  assert.throws(() => createMemoryBus({ origin: 'x'.repeat(256) }), { code: 'ERR_INVALID_ARG_VALUE' });
  const bus = createMemoryBus();
  assert.throws(() => bus.replay!('a/#/b', '0', 1), { code: 'ERR_INVALID_ARG_VALUE' });
  assert.throws(() => bus.replay!('a', '0', 0), { code: 'ERR_INVALID_ARG_VALUE' });
});

test('memory: a publish from inside a handler reaches every subscriber after the message being delivered', async () => {
  const bus = createMemoryBus();
  const first: string[] = [];
  const second: string[] = [];
  await bus.subscribe('#', (m) => {
    first.push(m.channel);
    if (m.channel === 'ping') void bus.publish('pong', bytes(''));
  });
  await bus.subscribe('#', (m) => void second.push(m.channel));
  await bus.publish('ping', bytes(''));
  assert.deepEqual(first, ['ping', 'pong']);
  assert.deepEqual(second, ['ping', 'pong']);
  await bus.close();
});

test('memory: the payload is copied at publish (the caller may reuse its buffer)', async () => {
  const bus = createMemoryBus();
  const buffer = Buffer.from('original');
  let release: () => void = () => undefined;
  const got: string[] = [];
  await bus.subscribe('c', (m) => {
    got.push(text(m));
    return new Promise<void>((r) => (release = r));
  });
  await bus.publish('c', buffer);
  await bus.publish('c', buffer); // queued behind the busy first delivery
  buffer.write('CHANGED!');
  release();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(got, ['original', 'original']);
  assert.equal(text(bus.replay!('c', '0', 1)![0]!), 'original');
  await bus.close();
});

test('memory: with many subscriptions each publish reaches exactly its matches', async () => {
  const bus = createMemoryBus();
  const counts = new Map<string, number>();
  const bump = (k: string) => () => void counts.set(k, (counts.get(k) ?? 0) + 1);
  for (let i = 0; i < 5000; i++) await bus.subscribe(`dev/${i}/temp`, bump(`lit${i}`));
  for (let i = 0; i < 500; i++) await bus.subscribe(`dev/${i}/+`, bump(`plus${i}`));
  const all = await bus.subscribe('dev/#', bump('all'));
  await bus.publish('dev/42/temp', bytes('1'));
  await bus.publish('dev/4999/hum', bytes('1'));
  assert.deepEqual(Object.fromEntries([...counts].sort()), { all: 2, lit42: 1, plus42: 1 });
  await all.unsubscribe();
  await bus.close();
});

test('memory: unsubscribing prunes the wildcard index (churn leaves nothing behind)', async () => {
  const bus = createMemoryBus();
  for (let round = 0; round < 3; round++) {
    const subs = await Promise.all(Array.from({ length: 100 }, (_, i) => bus.subscribe(`p/${i}/+/#`, () => undefined)));
    await Promise.all(subs.map((s) => s.unsubscribe()));
  }
  const got: string[] = [];
  await bus.subscribe('p/+/x', (m) => void got.push(m.channel));
  await bus.publish('p/1/x', bytes(''));
  assert.deepEqual(got, ['p/1/x']);
  await bus.close();
});

test(
  'memory: a handler that unsubscribes another mid-dispatch stops delivery to it at once; one subscribed ' +
    'mid-dispatch gets only later messages',
  async () => {
    const bus = createMemoryBus();
    const got: Record<string, string[]> = { a: [], b: [], late: [] };
    let late = false;
    const b = { sub: null as Awaited<ReturnType<typeof bus.subscribe>> | null };
    await bus.subscribe('m', (m) => {
      got['a']!.push(text(m));
      if (text(m) === '1') void b.sub?.unsubscribe();
      if (!late) {
        late = true;
        void bus.subscribe('m', (x) => void got['late']!.push(text(x)));
      }
    });
    b.sub = await bus.subscribe('m', (m) => void got['b']!.push(text(m)));
    for (const s of ['1', '2', '3']) await bus.publish('m', bytes(s));
    assert.deepEqual(got, { a: ['1', '2', '3'], b: [], late: ['2', '3'] });
    await bus.close();
  },
);

test('memory: publish reports every failure as a rejected promise, never a synchronous throw', async () => {
  const bus = createMemoryBus();
  let p: Promise<void> | undefined;
  assert.doesNotThrow(() => void (p = bus.publish('a/#', bytes('x'))));
  await assert.rejects(p!, { code: 'ERR_INVALID_ARG_VALUE' });
  await bus.close();
  assert.doesNotThrow(() => void (p = bus.publish('a', bytes('x'))));
  await assert.rejects(p!, { code: 'ERR_BUS_CLOSED' });
});

test(
  'memory: the replay history is bounded by its channel ' + 'names too (empty payloads cannot pin unbounded memory)',
  async () => {
    const bus = createMemoryBus({ historySize: 1000, historyBytes: 1000 });
    const long = (i: number) => `${'c'.repeat(300)}/${i}`;
    for (let i = 0; i < 20; i++) await bus.publish(long(i), new Uint8Array(0));
    const kept = bus.replay!('#', '0', 1000)!;
    assert.ok(kept.length <= 3, `${kept.length} kept`);
    assert.deepEqual(
      kept.map((m) => m.channel),
      [long(17), long(18), long(19)].slice(3 - kept.length),
    );
    await bus.close();
  },
);
