// The embedded bus: one process, no broker. Subscriptions are indexed so a publish costs one Map
// lookup for literal filters plus a walk of the wildcard trie along the topic's levels, however
// many subscriptions there are. Ids are increasing decimal counters; a bounded history ring
// (count and bytes) answers `replay` for SSE `Last-Event-ID`.

import { topicMatchesFilter, type TopicFilter } from '../address/mqtt-topic.js';
import { invalidArgType, invalidArgValue } from '../errors.js';
import {
  checkChannel,
  checkCommonOptions,
  checkFilter,
  checkHandler,
  checkPayload,
  checkSubscribeOptions,
  type CommonBusOptions,
} from './arguments.js';
import { createDelivery, subscriptionOf, type Delivery } from './delivery.js';
import { BusError } from './errors.js';
import type { Bus, BusHandler, BusMessage, BusSubscribeOptions, BusSubscription } from './types.js';

export const DEFAULT_HISTORY_SIZE = 1000;
export const DEFAULT_HISTORY_BYTES = 16 * 1024 * 1024;

export interface MemoryBusOptions extends CommonBusOptions {
  /** Messages kept for `replay` (default 1000; 0 turns replay off). */
  readonly historySize?: number;
  /** Bytes kept for `replay` at most, payloads and channel names (default 16 MiB): the oldest go first. */
  readonly historyBytes?: number;
}

interface Sub {
  readonly filter: TopicFilter;
  readonly delivery: Delivery;
}

/** A trie over filter levels for filters with `+` or `#`; literal filters live in a Map. */
interface Node {
  readonly children: Map<string, Node>;
  plus: Node | null;
  /** Subscriptions whose filter ends here with `#` (they match this level and everything below). */
  readonly hash: Set<Sub>;
  /** Subscriptions whose filter ends exactly here. */
  readonly end: Set<Sub>;
}

function newNode(): Node {
  return { children: new Map(), plus: null, hash: new Set(), end: new Set() };
}

function isEmptyNode(node: Node): boolean {
  return node.children.size === 0 && node.plus === null && node.hash.size === 0 && node.end.size === 0;
}

function hasWildcard(filter: TopicFilter): boolean {
  return filter.multiLevel || filter.levels.includes('+');
}

function checkCount(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw invalidArgValue(name, 'must be a non-negative integer');
  return value;
}

// Ids as this bus writes them (1, 2, …, no leading zero), or 0 for "from the oldest kept".
const ID_RE = /^(0|[1-9][0-9]{0,14})$/;
const RESOLVED: Promise<void> = Promise.resolve();

export function createMemoryBus(options: MemoryBusOptions = {}): Bus {
  const common = checkCommonOptions(options);
  const historySize = checkCount(options.historySize, 'options.historySize', DEFAULT_HISTORY_SIZE);
  const historyBytes = checkCount(options.historyBytes, 'options.historyBytes', DEFAULT_HISTORY_BYTES);

  const literal = new Map<string, Set<Sub>>();
  const root = newNode();
  const all = new Set<Sub>();
  let closed = false;
  let nextId = 0;

  // History: a deque of messages (ids increasing), bounded by count and payload bytes. The
  // messages themselves, no wrapper: one allocation fewer per publish; `replay` (rare) parses ids.
  let history: (BusMessage | undefined)[] = [];
  let historyHead = 0;
  let historyPayloadBytes = 0;

  function remember(message: BusMessage): void {
    if (historySize === 0) return;
    history.push(message);
    // The channel counts too: a name can be up to 64 KiB, so empty payloads must not pin unbounded memory.
    historyPayloadBytes += message.payload.length + message.channel.length;
    while (
      history.length - historyHead > historySize ||
      (historyPayloadBytes > historyBytes && history.length - historyHead > 0)
    ) {
      const old = history[historyHead] as BusMessage;
      history[historyHead++] = undefined;
      historyPayloadBytes -= old.payload.length + old.channel.length;
    }
    if (historyHead >= 1024 && historyHead * 2 >= history.length) {
      history = history.slice(historyHead);
      historyHead = 0;
    }
  }

  function add(sub: Sub): void {
    all.add(sub);
    const f = sub.filter;
    if (!hasWildcard(f)) {
      let set = literal.get(f.filter);
      if (set === undefined) literal.set(f.filter, (set = new Set()));
      set.add(sub);
      return;
    }
    let node = root;
    for (const level of f.levels) {
      if (level === '+') node = node.plus ??= newNode();
      else {
        let child = node.children.get(level);
        if (child === undefined) node.children.set(level, (child = newNode()));
        node = child;
      }
    }
    (f.multiLevel ? node.hash : node.end).add(sub);
  }

  function remove(sub: Sub): void {
    if (!all.delete(sub)) return;
    const f = sub.filter;
    if (!hasWildcard(f)) {
      const set = literal.get(f.filter);
      set?.delete(sub);
      if (set?.size === 0) literal.delete(f.filter);
      return;
    }
    const path: { parent: Node; level: string }[] = [];
    let node: Node | null | undefined = root;
    for (const level of f.levels) {
      const parent: Node = node;
      node = level === '+' ? parent.plus : parent.children.get(level);
      if (node == null) return;
      path.push({ parent, level });
    }
    (f.multiLevel ? node.hash : node.end).delete(sub);
    // Prune empty branches so subscription churn does not leave a growing trie behind.
    for (let i = path.length - 1; i >= 0 && isEmptyNode(node); i--) {
      const { parent, level } = path[i] as { parent: Node; level: string };
      if (level === '+') parent.plus = null;
      else parent.children.delete(level);
      node = parent;
    }
  }

  /** Every subscription whose filter matches the topic (MQTT 3.1.1 §4.7), each once. */
  function matching(channel: string, out: Sub[]): void {
    const exact = literal.get(channel);
    if (exact !== undefined) for (const sub of exact) out.push(sub);
    if (root.children.size === 0 && root.plus === null && root.hash.size === 0) return;
    const levels = channel.split('/');
    // §4.7.2: a filter starting with a wildcard does not match a topic starting with `$`.
    const dollar = channel.charCodeAt(0) === 0x24;
    const walk = (node: Node, depth: number): void => {
      // `x/#` matches `x` itself and everything below it (§4.7.1.2).
      if (node.hash.size > 0 && !(dollar && depth === 0)) for (const sub of node.hash) out.push(sub);
      if (depth === levels.length) {
        for (const sub of node.end) out.push(sub);
        return;
      }
      const child = node.children.get(levels[depth] as string);
      if (child !== undefined) walk(child, depth + 1);
      if (node.plus !== null && !(dollar && depth === 0)) walk(node.plus, depth + 1);
    };
    walk(root, 0);
  }

  // Publishes made by handlers while a publish is being dispatched wait for it to finish, so
  // every subscriber sees messages in the same order (a trampoline, no recursion).
  const pending: BusMessage[] = [];
  let dispatching = false;
  const scratch: Sub[] = [];

  function dispatch(message: BusMessage): void {
    scratch.length = 0;
    matching(message.channel, scratch);
    // No copy: dispatch is never re-entered (the trampoline above), so nothing else fills
    // `scratch` while handlers run.
    for (let i = 0, count = scratch.length; i < count; i++) (scratch[i] as Sub).delivery.push(message);
    scratch.length = 0;
  }

  function publishNow(channel: string, payload: Uint8Array): void {
    checkChannel(channel);
    checkPayload(payload);
    if (closed) throw new BusError('ERR_BUS_CLOSED', 'memory bus: closed');
    const n = ++nextId;
    // A copy: the caller may reuse its buffer once publish returns (history and queued deliveries
    // keep this one), and a view would pin the caller's whole underlying buffer (a socket read).
    const message: BusMessage = { channel, payload: Buffer.from(payload), id: String(n), origin: common.origin };
    remember(message);
    if (dispatching) {
      pending.push(message);
      return;
    }
    dispatching = true;
    try {
      dispatch(message);
      for (let m = pending.shift(); m !== undefined; m = pending.shift()) dispatch(m);
    } finally {
      dispatching = false;
    }
  }

  const bus: Bus = {
    kind: 'memory',
    description: 'memory',
    origin: common.origin,
    get ready() {
      return !closed;
    },
    // Not `async`: on the hot path (every frame a front relays) a shared settled promise saves an
    // allocation per publish; every failure is still a rejection, never a throw.
    publish(channel, payload) {
      try {
        publishNow(channel, payload);
        return RESOLVED;
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
    },
    // eslint-disable-next-line @typescript-eslint/require-await -- async: a throw becomes a rejection (Bus contract)
    async subscribe(
      filter: string,
      handler: BusHandler,
      subscribeOptions?: BusSubscribeOptions,
    ): Promise<BusSubscription> {
      const parsed = checkFilter(filter);
      checkHandler(handler);
      const opts = checkSubscribeOptions(subscribeOptions, common.maxQueued);
      if (closed) throw new BusError('ERR_BUS_CLOSED', 'memory bus: closed');
      const delivery = createDelivery(handler, {
        maxQueued: opts.maxQueued,
        onDrop: opts.onDrop,
        onHandlerError: (error) => common.emit({ type: 'handler_error', error }),
      });
      const sub: Sub = { filter: parsed, delivery };
      add(sub);
      return subscriptionOf(delivery, () => {
        delivery.close();
        remove(sub);
      });
    },
    replay(filter, lastId, limit) {
      const parsed = checkFilter(filter);
      if (typeof lastId !== 'string') throw invalidArgType('lastId', 'a string');
      if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 1)
        throw invalidArgValue('limit', 'must be a positive integer');
      // lastId comes from the wire (SSE Last-Event-ID): anything but one of our ids → cannot answer.
      if (historySize === 0 || !ID_RE.test(lastId)) return null;
      const after = Number(lastId);
      if (after > nextId) return null; // an id this bus never gave (another instance, or before a restart)
      const out: BusMessage[] = [];
      // Newest first, then reversed: when more than `limit` match, the newest are kept so the
      // replay joins up with live delivery (the gap, if any, is right after lastId).
      for (let i = history.length - 1; i >= historyHead && out.length < limit; i--) {
        const entry = history[i] as BusMessage;
        if (Number(entry.id) <= after) break;
        if (topicMatchesFilter(parsed, entry.channel)) out.push(entry);
      }
      return out.reverse();
    },
    // eslint-disable-next-line @typescript-eslint/require-await -- async: a throw becomes a rejection (Bus contract)
    async close() {
      if (closed) return;
      closed = true;
      for (const sub of all) sub.delivery.close();
      all.clear();
      literal.clear();
      root.children.clear();
      root.plus = null;
      root.hash.clear();
      root.end.clear();
      history = [];
      historyHead = 0;
      historyPayloadBytes = 0;
    },
  };
  return bus;
}
