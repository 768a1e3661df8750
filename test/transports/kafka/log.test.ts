// The Kafka front's topic logs (src/transports/kafka/log.ts): offsets, eviction by each bound, reads, long poll.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createTopicStore,
  DEFAULT_KAFKA_LOG_SETTINGS,
  MAX_FETCH_WAITERS,
  partitionKey,
} from '../../../src/transports/kafka/log.js';

const bytes = (n: number): Uint8Array => new Uint8Array(n);
const settings = (over: Partial<typeof DEFAULT_KAFKA_LOG_SETTINGS> = {}) => ({
  ...DEFAULT_KAFKA_LOG_SETTINGS,
  ...over,
});

test('log: offsets grow by each batch record count; reads start at the batch holding the offset', () => {
  const store = createTopicStore(settings());
  try {
    assert.equal(store.topic('t', true)?.length, 1);
    const a = store.append('t', 0, 3, 0n, () => bytes(10));
    const b = store.append('t', 0, 2, 0n, () => bytes(20));
    assert.deepEqual([a.ok && a.baseOffset, b.ok && b.baseOffset], [0n, 3n]);
    const log = store.topic('t', false)![0]!;
    assert.equal(log.highWatermark, 5n);
    assert.deepEqual(
      log.read(4n, 1000).batches.map((x) => x.length),
      [20],
    );
    assert.deepEqual(
      log.read(0n, 1000).batches.map((x) => x.length),
      [10, 20],
    );
    // The first batch always, even over maxBytes (progress, KIP-74); no second one over it.
    assert.deepEqual(
      log.read(0n, 5).batches.map((x) => x.length),
      [10],
    );
    assert.deepEqual(log.read(5n, 1000).batches, []);
    assert.equal(log.read(6n, 1000).error, 'offset_out_of_range');
  } finally {
    store.close();
  }
});

test('log: retentionBytes per partition evicts the oldest and moves the log start offset', () => {
  const store = createTopicStore(settings({ retentionBytes: 25 }));
  try {
    store.topic('t', true);
    for (let i = 0; i < 5; i++) store.append('t', 0, 1, 0n, () => bytes(10));
    const log = store.topic('t', false)![0]!;
    assert.equal(log.bytes, 20);
    assert.equal(log.logStartOffset, 3n);
    assert.equal(log.read(1n, 1000).error, 'offset_out_of_range');
    assert.equal(log.read(3n, 1000).batches.length, 2);
  } finally {
    store.close();
  }
});

test('log: maxLogBytes bounds all topics together, the oldest batch of the server first', () => {
  const store = createTopicStore(settings({ maxLogBytes: 30 }));
  try {
    store.topic('a', true);
    store.topic('b', true);
    store.append('a', 0, 1, 0n, () => bytes(10));
    store.append('b', 0, 1, 0n, () => bytes(10));
    store.append('a', 0, 1, 0n, () => bytes(10));
    store.append('b', 0, 1, 0n, () => bytes(10));
    assert.equal(store.bytes, 30);
    assert.equal(store.topic('a', false)![0]!.logStartOffset, 1n);
    assert.equal(store.topic('b', false)![0]!.logStartOffset, 0n);
  } finally {
    store.close();
  }
});

test('log: retentionMs evicts by age', () => {
  let t = 1_000_000;
  const store = createTopicStore(settings({ retentionMs: 100 }), () => t);
  try {
    store.topic('t', true);
    store.append('t', 0, 1, 0n, () => bytes(10));
    t += 150;
    store.append('t', 0, 1, 0n, () => bytes(10));
    const log = store.topic('t', false)![0]!;
    assert.equal(log.logStartOffset, 1n);
    assert.equal(store.bytes, 10);
  } finally {
    store.close();
  }
});

test('log: maxTopics refuses a new topic; partitions as configured', () => {
  const store = createTopicStore(settings({ maxTopics: 2, partitions: 3 }));
  try {
    assert.equal(store.topic('a', true)?.length, 3);
    assert.ok(store.topic('b', true));
    assert.equal(store.topic('c', true), null);
    assert.deepEqual(store.names(), ['a', 'b']);
    const missing = store.append('c', 0, 1, 0n, () => bytes(1));
    assert.equal(missing.ok, false);
  } finally {
    store.close();
  }
});

test('log: a long poll is woken by an append on its partition, not by another; waiters are bounded', async () => {
  const store = createTopicStore(settings());
  try {
    store.topic('a', true);
    store.topic('b', true);
    let woken = false;
    const wait = store.waitForAppend(new Set([partitionKey('a', 0)]), 60_000);
    void wait.done.then(() => (woken = true));
    store.append('b', 0, 1, 0n, () => bytes(1));
    await new Promise((r) => setImmediate(r));
    assert.equal(woken, false);
    store.append('a', 0, 1, 0n, () => bytes(1));
    await wait.done;
    assert.equal(store.waiters, 0);
    const many = Array.from({ length: MAX_FETCH_WAITERS }, () => store.waitForAppend(new Set(['x']), 60_000));
    assert.equal(store.waiters, MAX_FETCH_WAITERS);
    // One more resolves at once rather than wait.
    await store.waitForAppend(new Set(['x']), 60_000).done;
    for (const w of many) w.cancel();
    assert.equal(store.waiters, 0);
  } finally {
    store.close();
  }
});
