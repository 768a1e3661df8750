// The MQTT front's router (src/transports/mqtt/bus-mq.ts) on its own, against a real memory bus:
// which listeners get a shared pre-encoded frame (a writer) and which go through aedes's
// `notify`, one copy per client across overlapping filters, `$` topics kept from filters that
// start with a wildcard (MQTT-4.7.2-1), and a message no MQTT packet can carry counted as dropped.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import mqttPacket from 'mqtt-packet';
import { createMemoryBus } from '../../src/bus/memory.js';
import type { Bus, BusHandler, BusMessage } from '../../src/bus/types.js';
import { createBusMq, type FrameWriter, type Notify } from '../../src/transports/mqtt/bus-mq.js';

const enc = new TextEncoder();

/** A recording writer: the frames it was given, and the topics/payloads they decode to. */
function recordingWriter(): FrameWriter & { frames: Buffer[]; topics(): string[] } {
  const frames: Buffer[] = [];
  const write: FrameWriter = (frame) => void frames.push(frame);
  const writer = write as FrameWriter & { frames: Buffer[]; topics(): string[] };
  writer.frames = frames;
  writer.topics = () =>
    frames.map((f) => {
      const parser = mqttPacket.parser({ protocolVersion: 4 });
      let topic = '';
      parser.on('packet', (p: mqttPacket.Packet) => void (topic = (p as mqttPacket.IPublishPacket).topic));
      parser.parse(f);
      return topic;
    });
  return writer;
}

/** An aedes-like notify that records the packets it was handed. */
function recordingNotify(): Notify & {
  packets: { topic: string; brokerCounter: number; qos: number; payload: Buffer }[];
} {
  const packets: { topic: string; brokerCounter: number; qos: number; payload: Buffer }[] = [];
  const notify = ((packet: object, done: () => void) => {
    packets.push(packet as (typeof packets)[number]);
    done();
  }) as Notify & { packets: typeof packets };
  notify.packets = packets;
  return notify;
}

/** Subscribes `notify` on `topic` and waits for the bus subscription (aedes's SUBACK point). */
function on(mq: ReturnType<typeof createBusMq>, topic: string, notify: Notify): Promise<void> {
  return new Promise((resolve, reject) => mq.on(topic, notify, (e) => (e ? reject(e) : resolve())));
}

function setup(bus: Bus = createMemoryBus()) {
  const writers = new Map<Notify, FrameWriter>();
  let drops = 0;
  const mq = createBusMq({
    bus,
    brokerId: 'broker-1',
    isClosing: () => false,
    onDrop: () => void drops++,
    onBusError: () => {},
    writerFor: (_topic, notify) => writers.get(notify) ?? null,
  });
  return { bus, mq, writers, drops: () => drops };
}

/** Two clients, each with its writer, subscribed to `filter`. */
async function twoClientsOn(filter: string) {
  const { bus, mq, writers } = setup();
  const a = recordingWriter();
  const b = recordingWriter();
  const na = recordingNotify();
  const nb = recordingNotify();
  writers.set(na, a).set(nb, b);
  await on(mq, filter, na);
  await on(mq, filter, nb);
  return { bus, mq, a, b, na, nb };
}

describe('bus-mq: delivery', () => {
  it(
    'a bound listener gets one frame per message, shared ' + 'with every other bound listener; notify is not called',
    async () => {
      const { bus, a, b, na, nb } = await twoClientsOn('lights/1/status');
      await bus.publish('lights/1/status', enc.encode('on'));
      assert.deepEqual(a.topics(), ['lights/1/status']);
      assert.equal(a.frames[0], b.frames[0], 'one encoding for both subscribers');
      assert.deepEqual([na.packets.length, nb.packets.length], [0, 0]);
      await bus.close();
    },
  );

  it(
    'a listener with no writer goes through notify: a ' + 'QoS 0 packet stamped with the broker id and a counter',
    async () => {
      const { bus, mq } = setup();
      const n = recordingNotify();
      await on(mq, 'lights/+/status', n);
      await bus.publish('lights/2/status', enc.encode('off'));
      await bus.publish('lights/3/status', enc.encode('on'));
      assert.deepEqual(
        n.packets.map((p) => [p.topic, p.qos, Buffer.from(p.payload).toString()]),
        [
          ['lights/2/status', 0, 'off'],
          ['lights/3/status', 0, 'on'],
        ],
      );
      assert.ok(n.packets[1]!.brokerCounter > n.packets[0]!.brokerCounter);
      await bus.close();
    },
  );

  it(
    'overlapping filters: a client (one writer) on both is written once; a client on one gets its copy; ' +
      'notify listeners share one packet',
    async () => {
      const { bus, mq, writers } = setup();
      const both = recordingWriter();
      const onlyLiteral = recordingWriter();
      const nBothWild = recordingNotify();
      const nBothLit = recordingNotify();
      const nOnly = recordingNotify();
      writers.set(nBothWild, both).set(nBothLit, both).set(nOnly, onlyLiteral);
      const aedesWild = recordingNotify();
      const aedesLit = recordingNotify();
      await on(mq, 'lights/+/status', nBothWild);
      await on(mq, 'lights/7/status', nBothLit);
      await on(mq, 'lights/7/status', nOnly);
      await on(mq, 'lights/+/status', aedesWild);
      await on(mq, 'lights/7/status', aedesLit);
      await bus.publish('lights/7/status', enc.encode('x'));
      await bus.publish('lights/8/status', enc.encode('y'));
      assert.deepEqual(both.topics(), ['lights/7/status', 'lights/8/status']);
      assert.deepEqual(onlyLiteral.topics(), ['lights/7/status']);
      assert.equal(aedesWild.packets[0], aedesLit.packets[0], 'one packet (one counter): aedes dedupes per client');
      assert.deepEqual(
        aedesWild.packets.map((p) => p.topic),
        ['lights/7/status', 'lights/8/status'],
      );
      await bus.close();
    },
  );

  it('a removed listener gets nothing more; the others still do', async () => {
    const { bus, mq, a, b, na } = await twoClientsOn('lights/1/status');
    await new Promise<void>((resolve) => mq.removeListener('lights/1/status', na, () => resolve()));
    await bus.publish('lights/1/status', enc.encode('on'));
    assert.deepEqual([a.frames.length, b.frames.length], [0, 1]);
    await bus.close();
  });
});

describe('bus-mq: what is never delivered', () => {
  // The memory bus itself keeps `$` topics from wildcard-first filters; NATS and Redis map
  // filters onto their own wildcards, so bus-mq checks again. This bus matches everything.
  function everythingBus(): Bus & { send(message: BusMessage): void } {
    const inner = createMemoryBus();
    const handlers: BusHandler[] = [];
    return Object.assign(Object.create(inner) as Bus, {
      async subscribe(_filter: string, handler: BusHandler) {
        handlers.push(handler);
        return { unsubscribe: async () => {}, dropped: 0, queued: 0 };
      },
      send(message: BusMessage) {
        for (const h of handlers) void h(message);
      },
    });
  }

  it('a `$` topic from the bus reaches no filter starting with + or # (MQTT-4.7.2-1); other topics do', async () => {
    // One filter per router: the single-filter fast path does no matching of its own.
    for (const filter of ['#', '+/status']) {
      const bus = everythingBus();
      const { mq, writers } = setup(bus);
      const w = recordingWriter();
      const n = recordingNotify();
      writers.set(n, w);
      await on(mq, filter, n);
      bus.send({ channel: '$ops/status', payload: enc.encode('x'), id: null, origin: 'o' });
      bus.send({ channel: 'lights/status', payload: enc.encode('y'), id: null, origin: 'o' });
      assert.deepEqual(w.topics(), ['lights/status'], filter);
    }
  });

  it('a message too long for any MQTT packet is counted as dropped, not written', async () => {
    const bus = everythingBus();
    const { mq, writers, drops } = setup(bus);
    const w = recordingWriter();
    const n = recordingNotify();
    writers.set(n, w);
    await on(mq, 'big', n);
    // A length-only stand-in for a payload over MQTT's 268,435,455-byte Remaining Length.
    bus.send({ channel: 'big', payload: { length: 268_435_455 } as unknown as Uint8Array, id: null, origin: 'o' });
    assert.equal(w.frames.length, 0);
    assert.equal(drops(), 1);
  });
});
