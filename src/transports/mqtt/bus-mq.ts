// The message router aedes is given instead of its own mqemitter (aedes option `mq`): it IS the
// bridge to the bus, so a message is routed once.
//
// - A client's PUBLISH is handed to the bus by the front (authorizePublish / published); aedes's
//   own `emit` of it does nothing here, so it never reaches a local subscriber directly. It comes
//   back through the bus like a message from any other front or `serve` instance: exactly once.
// - The front holds a bus subscription only for the filters its clients subscribed, one per
//   distinct filter, reference-counted by the aedes listeners on it. A bus message goes to the
//   listeners of its filter only.
// - aedes's internal `$SYS/…` traffic stays local, and only aedes itself (no client) may emit it:
//   a client PUBLISH to a `$` topic (refused, MQTT 3.1.1 §4.7.2) never reaches aedes's `$SYS`
//   handlers, one of which closes client sessions.
//
// - Delivery: every bus message is QoS 0 (the bus is at most once), so aedes's delivery machinery
//   (a packet copy, two immediates and three socket writes per subscriber) adds nothing. A listener
//   the front could bind to its client (`writerFor`) gets the message as one PUBLISH frame, encoded
//   once per message and shared by every such subscriber; the front's writer makes the checks
//   authorizeForward makes and batches a tick's frames into one socket write. A listener it could
//   not bind goes through aedes's `notify` (and authorizeForward) as before.
//
// The contract aedes 1.x uses (aedes.js, lib/handlers/subscribe.js): `on(topic, notify, done)`,
// `removeListener(topic, notify, done)`, `emit(packet, cb)`, `close(cb)`. `notify(packet, done)`
// is aedes's per-subscription delivery function; `done` fires once the packet is written.

import type { Bus, BusMessage, BusSubscription } from '../../bus/types.js';
import { parseTopicFilter, topicMatchesFilter, type TopicFilter } from '../../address/mqtt-topic.js';
import { encodePublishFrame } from './publish-frame.js';

type Done = (error?: Error | null) => void;
export type Notify = (packet: object, done: Done) => void;

/**
 * Writes one encoded QoS 0 PUBLISH frame to one client, with the front's checks, counters and
 * back-pressure. One writer per client: a client reached through two filters is written once.
 * `channel` is the message's topic, which matches the filter it came through; `granted` is true
 * when that filter is a literal one (the topic is the filter, authorized when it was granted),
 * false for a wildcard filter, whose topics the writer checks per delivery.
 */
export type FrameWriter = (frame: Buffer, channel: string, granted: boolean) => void;

export interface BusMqOptions {
  readonly bus: Bus;
  /** The broker id stamped on delivered packets (aedes dedupes per client by id and counter). */
  readonly brokerId: string;
  /** Called when the front is closing: bus messages are then ignored. */
  readonly isClosing: () => boolean;
  /** Once per message the bus dropped for a subscription (its queue was full). */
  readonly onDrop: () => void;
  /** A bus subscribe or unsubscribe failed (the subscribing client gets an error and is closed). */
  readonly onBusError: (event: 'subscribe' | 'unsubscribe') => void;
  /**
   * The writer of the client whose subscription aedes is registering with `on(topic, notify)`,
   * or null to deliver through `notify` (aedes's path).
   */
  readonly writerFor?: (topic: string, notify: Notify) => FrameWriter | null;
}

export interface BusMq {
  on(topic: string, notify: Notify, done?: Done): BusMq;
  removeListener(topic: string, notify: Notify, done?: Done): BusMq;
  emit(packet: { topic: string; clientId?: string }, cb?: Done): BusMq;
  close(cb: () => void): BusMq;
  /** Distinct filters with a bus subscription (or one being made). */
  readonly filters: number;
}

/** What aedes's delivery path reads of a packet (the shape of aedes-packet, one hidden class). */
class BusPacket {
  readonly cmd = 'publish';
  readonly brokerId: string;
  readonly brokerCounter: number;
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos = 0;
  readonly retain = false;
  readonly dup = false;
  constructor(brokerId: string, brokerCounter: number, topic: string, payload: Buffer) {
    this.brokerId = brokerId;
    this.brokerCounter = brokerCounter;
    this.topic = topic;
    this.payload = payload;
  }
}

interface Listener {
  readonly notify: Notify;
  readonly writer: FrameWriter | null;
}

interface Entry {
  readonly filter: string;
  readonly parsed: TopicFilter;
  readonly wildcard: boolean;
  /** Starts with `+` or `#`: matches no `$` topic (MQTT-4.7.2-1; aedes's `notify` checks it itself). */
  readonly wildcardFirst: boolean;
  /** Creation order: with overlapping filters, the oldest ready one delivers (see `deliver`). */
  readonly seq: number;
  /** Replaced, never mutated, so a delivery loop is not disturbed by (un)subscribes. */
  listeners: readonly Listener[];
  ready: boolean;
  dead: boolean;
  subscription: BusSubscription | null;
  /** Settles once the bus subscription is made (or failed). */
  subscribed: Promise<void>;
}

interface SysListener {
  readonly parsed: TopicFilter;
  readonly notify: Notify;
}

const noop = () => {};

export function createBusMq(options: BusMqOptions): BusMq {
  const { bus, brokerId, isClosing, onDrop, onBusError } = options;
  const writerFor = options.writerFor ?? (() => null);
  const entries = new Map<string, Entry>();
  // The entries whose filter has `+` or `#` (literal ones are found by `entries.get(channel)`).
  const wildcardEntries = new Set<Entry>();
  let sys: readonly SysListener[] = [];
  let seq = 0;
  let counter = 0;
  let closed = false;
  const scratch: Entry[] = [];

  const payloadOf = (m: BusMessage): Buffer => {
    const p = m.payload;
    return Buffer.isBuffer(p) ? p : Buffer.from(p.buffer, p.byteOffset, p.byteLength);
  };

  // A slow reader is bounded by the front (its writer, or authorizeForward, drops while the socket
  // holds too many bytes), so the write completion is not waited for here.
  //
  // Writes the message to the listeners of `targets`: direct writers once each (one frame), the
  // others through aedes with one packet (one counter: aedes's per-client dedupe).
  const written = new Set<FrameWriter>();
  const deliverTo = (targets: readonly Entry[], message: BusMessage): void => {
    const dollar = message.channel.charCodeAt(0) === 36;
    const several = targets.length > 1;
    let frame: Buffer | null | undefined;
    let packet: BusPacket | undefined;
    for (let t = 0; t < targets.length; t++) {
      const entry = targets[t] as Entry;
      if (dollar && entry.wildcardFirst) continue;
      // A literal filter's topic was authorized when it was granted (`deliver` checked it is that topic).
      const granted = !entry.wildcard;
      const listeners = entry.listeners;
      for (let i = 0; i < listeners.length; i++) {
        const listener = listeners[i] as Listener;
        const writer = listener.writer;
        if (writer === null) {
          packet ??= new BusPacket(brokerId, ++counter, message.channel, payloadOf(message));
          listener.notify(packet, noop);
          continue;
        }
        if (several) {
          if (written.has(writer)) continue;
          written.add(writer);
        }
        if (frame === undefined) frame = encodePublishFrame(message.channel, message.payload);
        // Too long for any MQTT packet: it cannot reach an MQTT subscriber at all.
        if (frame === null) onDrop();
        else writer(frame, message.channel, granted);
      }
    }
    if (several) written.clear();
  };

  const one: Entry[] = [];
  const deliver = (entry: Entry, message: BusMessage): void => {
    if (closed || entry.dead || isClosing()) return;
    // Common case: no wildcard filter besides possibly this one, so no other entry can match.
    const wildcards = wildcardEntries.size;
    if (wildcards === 0 || entries.size === 1 || (wildcards === 1 && entry.wildcard && !entries.has(message.channel))) {
      if (entry.listeners.length === 0) return;
      // Only a topic the filter matches, whatever the bus routes here (the overlapping path below
      // matches each filter itself).
      if (entry.wildcard ? !topicMatchesFilter(entry.parsed, message.channel) : message.channel !== entry.filter)
        return;
      one[0] = entry;
      deliverTo(one, message);
      return;
    }
    // Overlapping filters: each bus subscription gets the message. Only the oldest ready matching
    // one delivers, to the listeners of every matching filter, so a client subscribed to several
    // gets one copy, on any bus.
    scratch.length = 0;
    const literal = entries.get(message.channel);
    if (literal !== undefined && literal.ready && !literal.wildcard) scratch.push(literal);
    for (const e of wildcardEntries) if (e.ready && topicMatchesFilter(e.parsed, message.channel)) scratch.push(e);
    let oldest: Entry | null = null;
    for (const e of scratch) if (oldest === null || e.seq < oldest.seq) oldest = e;
    if (oldest !== entry) return;
    deliverTo(scratch.slice(), message);
  };

  const dropEntry = (entry: Entry): void => {
    if (entry.dead) return;
    entry.dead = true;
    if (entries.get(entry.filter) === entry) {
      entries.delete(entry.filter);
      wildcardEntries.delete(entry);
    }
    const sub = entry.subscription;
    entry.subscription = null;
    if (sub !== null) sub.unsubscribe().catch(() => onBusError('unsubscribe'));
  };

  const newEntry = (filter: string): Entry => {
    const parsed = parseTopicFilter(filter);
    // aedes validated the filter (validateTopic) before authorizeSubscribe; fail closed anyway.
    if (!parsed.ok) throw new Error('invalid topic filter');
    const entry: Entry = {
      filter,
      parsed,
      wildcard: parsed.multiLevel || parsed.levels.includes('+'),
      wildcardFirst: filter.charCodeAt(0) === 43 || filter.charCodeAt(0) === 35,
      seq: ++seq,
      listeners: [],
      ready: false,
      dead: false,
      subscription: null,
      subscribed: Promise.resolve(),
    };
    // One handler per filter (not per message).
    const handler = (message: BusMessage) => deliver(entry, message);
    entry.subscribed = bus.subscribe(filter, handler, { onDrop }).then((sub) => {
      if (entry.dead) {
        sub.unsubscribe().catch(() => onBusError('unsubscribe'));
        return;
      }
      entry.subscription = sub;
      entry.ready = true;
    });
    entry.subscribed.catch(() => {
      onBusError('subscribe');
      dropEntry(entry);
    });
    entries.set(filter, entry);
    if (entry.wildcard) wildcardEntries.add(entry);
    return entry;
  };

  const mq: BusMq = {
    get filters() {
      return entries.size;
    },

    on(topic, notify, done) {
      // aedes's own `$SYS/…` handlers: local only. Clients never get `$` filters (the front
      // refuses them in authorizeSubscribe).
      if (topic.charCodeAt(0) === 36) {
        const parsed = parseTopicFilter(topic);
        if (parsed.ok) sys = [...sys, { parsed, notify }];
        if (done !== undefined) setImmediate(done);
        return mq;
      }
      if (closed) {
        if (done !== undefined) setImmediate(done, new Error('closed'));
        return mq;
      }
      let entry = entries.get(topic);
      if (entry === undefined) {
        try {
          entry = newEntry(topic);
        } catch (error) {
          if (done !== undefined) setImmediate(done, error as Error);
          return mq;
        }
      }
      entry.listeners = [...entry.listeners, { notify, writer: writerFor(topic, notify) }];
      // The SUBACK (aedes sends it after `done`) follows the bus subscription, so a message
      // published after the SUBACK is delivered.
      if (done !== undefined) {
        if (entry.ready) setImmediate(done);
        else
          entry.subscribed.then(
            () => done(),
            (error: unknown) => done(error instanceof Error ? error : new Error('bus subscribe failed')),
          );
      }
      return mq;
    },

    removeListener(topic, notify, done) {
      if (topic.charCodeAt(0) === 36) {
        sys = sys.filter((s) => s.notify !== notify);
      } else {
        const entry = entries.get(topic);
        if (entry !== undefined) {
          entry.listeners = entry.listeners.filter((l) => l.notify !== notify);
          // Unsubscribe from the bus a turn later: aedes re-subscribes a changed QoS as remove + add,
          // which then keeps the bus subscription instead of dropping messages in between.
          if (entry.listeners.length === 0) {
            setImmediate(() => {
              if (entry.listeners.length === 0) dropEntry(entry);
            });
          }
        }
      }
      if (done !== undefined) setImmediate(done);
      return mq;
    },

    emit(packet, cb) {
      // Only aedes's own `$SYS` publishes (no clientId) are routed here. A client's publish went to
      // the bus in authorizePublish/published and comes back through its subscription.
      if (packet.topic.charCodeAt(0) === 36 && packet.clientId === undefined && !closed) {
        for (const s of sys) if (topicMatchesFilter(s.parsed, packet.topic)) s.notify(packet, noop);
      }
      if (cb !== undefined) cb();
      return mq;
    },

    close(cb) {
      if (!closed) {
        closed = true;
        for (const entry of [...entries.values()]) dropEntry(entry);
        sys = [];
      }
      setImmediate(cb);
      return mq;
    },
  };
  return mq;
}
