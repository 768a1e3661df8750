// The WebSocket and SSE fronts' delivery check, with real clients (`ws`, fetch): whatever the bus
// carries, a connection is sent only the channel its subscribe decision allowed. The bus here
// routes every channel to every subscription (as a misconfigured or hostile bus could).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import type { Bus } from '../../src/bus/types.js';
import { createHttpFront } from '../../src/transports/http/index.js';
import type { Front } from '../../src/transports/types.js';
import { createWsFront } from '../../src/transports/ws/index.js';
import { basic, createWorld, eventually, limits, PASSWORD, sseReader, type World } from './web-helpers.js';

/** Every subscription gets every channel. */
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

describe('web fronts: a bus that delivers more than was subscribed', () => {
  let world: World;
  let wsBase: string;
  let httpBase: string;
  const fronts: Front[] = [];
  const enc = (s: string) => new TextEncoder().encode(s);
  const alice = { authorization: basic('alice', PASSWORD) };

  before(async () => {
    world = await createWorld();
    const bus = overDeliveringBus(world.bus);
    const ws = world.model.servers.find((s) => s.name === 'ws')!;
    const http = world.model.servers.find((s) => s.name === 'http')!;
    const common = { guard: world.guard, bus, limits: limits(), logger: world.logger };
    const wsFront = createWsFront({ server: ws, ...common });
    const httpFront = createHttpFront({ server: http, ...common });
    fronts.push(wsFront, httpFront);
    wsBase = `ws://127.0.0.1:${(await wsFront.listen('127.0.0.1', 0)).port}/ws`;
    httpBase = `http://127.0.0.1:${(await httpFront.listen('127.0.0.1', 0)).port}/api`;
  });
  after(async () => {
    for (const f of fronts) await f.close(100);
    await world.close();
  });

  it('ws: only the channel of the URL is sent', async () => {
    const ws = new WebSocket(`${wsBase}/lights/1/status`, { headers: alice });
    const messages: string[] = [];
    ws.on('message', (data: Buffer) => void messages.push(data.toString('utf8')));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const dropped = fronts[0]!.stats().dropped;
    await world.bus.publish('secret/1', enc('secret'));
    await world.bus.publish('lights/2/status', enc('lights 2'));
    await world.bus.publish('lights/1/status', enc('lights 1'));
    await eventually(() => messages.length >= 1, 3000, 'the message on lights/1/status');
    assert.deepEqual(messages, ['lights 1']);
    assert.equal(fronts[0]!.stats().dropped, dropped + 2);
    ws.close();
  });

  it('sse: only the channel of the URL is sent', async () => {
    const res = await fetch(`${httpBase}/lights/1/status`, { headers: { ...alice, accept: 'text/event-stream' } });
    assert.equal(res.status, 200);
    const sse = sseReader(res);
    await world.bus.publish('secret/1', enc('secret'));
    await world.bus.publish('lights/2/status', enc('lights 2'));
    await world.bus.publish('lights/1/status', enc('lights 1'));
    const text = await sse.until((t) => t.includes('lights 1'));
    assert.match(text, /^id: \d+\ndata: lights 1\n\n$/);
    await sse.cancel();
  });
});
