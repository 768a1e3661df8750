import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDelivery } from '../../src/bus/delivery.js';
import type { BusMessage } from '../../src/bus/types.js';

const msg = (n: number): BusMessage => ({ channel: 'c', payload: new Uint8Array([n]), id: null, origin: 'o' });

test('delivery: an idle subscriber gets a message at once; a busy one queues, then drops past maxQueued', async () => {
  const got: number[] = [];
  let release: () => void = () => undefined;
  const d = createDelivery(
    (m) => {
      got.push(m.payload[0]!);
      if (m.payload[0] === 0) return new Promise<void>((r) => (release = r));
      return undefined;
    },
    { maxQueued: 2 },
  );
  for (let i = 0; i < 5; i++) d.push(msg(i));
  assert.deepEqual(got, [0]);
  assert.equal(d.queued, 2);
  assert.equal(d.dropped, 2);
  release();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(got, [0, 1, 2]);
  assert.equal(d.queued, 0);
});

test('delivery: a rejected promise and a throw are reported and delivery goes on', async () => {
  const errors: unknown[] = [];
  const got: number[] = [];
  const d = createDelivery(
    (m) => {
      got.push(m.payload[0]!);
      if (m.payload[0] === 0) return Promise.reject(new Error('async bug'));
      throw new Error('sync bug');
    },
    { maxQueued: 5, onHandlerError: (e) => void errors.push(e) },
  );
  d.push(msg(0));
  d.push(msg(1));
  await new Promise((r) => setImmediate(r));
  d.push(msg(2));
  assert.deepEqual(got, [0, 1, 2]);
  assert.equal(errors.length, 3);
});

test('delivery: close discards what is queued and stops delivery', async () => {
  const got: number[] = [];
  let release: () => void = () => undefined;
  const d = createDelivery(
    (m) => {
      got.push(m.payload[0]!);
      return new Promise<void>((r) => (release = r));
    },
    { maxQueued: 10 },
  );
  d.push(msg(0));
  d.push(msg(1));
  d.close();
  release();
  await new Promise((r) => setImmediate(r));
  d.push(msg(2));
  assert.deepEqual(got, [0]);
  assert.equal(d.queued, 0);
});
