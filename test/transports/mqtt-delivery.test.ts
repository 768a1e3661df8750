// The MQTT front's delivery checks (src/transports/mqtt/delivery.ts), both paths: the frame writer
// bus-mq.ts uses, and aedes's authorizeForward hook for listeners it could not bind. Whatever the
// bus carries, a topic the session may not receive (guard.mayReceive) is not written, and is
// counted in `dropped`; a literal filter's own topic (granted) is not asked again. The real
// clients' side of the same is test/transports/mqtt-wildcards.test.ts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import type { Client } from 'aedes';
import pino from 'pino';
import type { Guard, Session } from '../../src/guard/index.js';
import { createDelivery } from '../../src/transports/mqtt/delivery.js';
import type { FrontContext } from '../../src/transports/mqtt/context.js';
import { DEFAULT_FRONT_LIMITS } from '../../src/transports/types.js';

function harness() {
  const asked: string[] = [];
  const guard = {
    mayReceive: (_session: Session, channel: string) => {
      asked.push(channel);
      return channel.startsWith('ok/');
    },
  } as unknown as Guard;
  const socket = new PassThrough();
  const written: Buffer[] = [];
  socket.on('data', (b: Buffer) => void written.push(b));
  const client = { conn: Object.assign(socket, { remoteAddress: '127.0.0.1' }) } as unknown as Client;
  const byClient = new WeakMap<Client, Session>([[client, {} as Session]]);
  const counters = { messagesIn: 0, messagesOut: 0, refusedConnections: 0, dropped: 0 };
  const ctx = {
    guard,
    logger: pino({ level: 'silent' }),
    counters,
    limits: DEFAULT_FRONT_LIMITS,
    sessions: { byClient },
  } as unknown as FrontContext;
  return { delivery: createDelivery(ctx), client, asked, counters, written, socket };
}

test('mqtt delivery: the frame writer checks a wildcard delivery, not a granted literal one', async () => {
  const h = harness();
  const write = h.delivery.writerOf(h.client);
  write(Buffer.from('a'), 'ok/1', false);
  write(Buffer.from('b'), 'no/1', false);
  write(Buffer.from('c'), 'no/literal', true);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(h.asked, ['ok/1', 'no/1']);
  assert.equal(Buffer.concat(h.written).toString(), 'ac');
  assert.deepEqual(h.counters, { messagesIn: 0, messagesOut: 2, refusedConnections: 0, dropped: 1 });
  h.socket.destroy();
});

test('mqtt delivery: authorizeForward (aedes path) forwards only a topic the session may receive', () => {
  const h = harness();
  const packet = (topic: string) =>
    ({ cmd: 'publish', topic }) as unknown as Parameters<typeof h.delivery.authorizeForward>[1];
  const ok = packet('ok/2');
  assert.equal(h.delivery.authorizeForward(h.client, ok), ok);
  assert.equal(h.delivery.authorizeForward(h.client, packet('no/2')), null);
  assert.deepEqual(h.asked, ['ok/2', 'no/2']);
  assert.equal(h.counters.dropped, 1);
  assert.equal(h.counters.messagesOut, 1);
  // A client without a session gets nothing, and the guard is not asked.
  const stranger = { conn: h.socket } as unknown as Client;
  assert.equal(h.delivery.authorizeForward(stranger, packet('ok/3')), null);
  assert.deepEqual(h.asked, ['ok/2', 'no/2']);
  h.socket.destroy();
});
