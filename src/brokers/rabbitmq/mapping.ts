// The document, as RabbitMQ sees it (docs/brokers/rabbitmq.md, "Mapping"). For one document
// server: its vhost, and for each channel an operation of that server uses, which exchange,
// routing key pattern or queue it is:
// - the channel's AMQP binding (AsyncAPI AMQP channel binding 0.3.0): `is: routingKey` with
//   `exchange.name` → the address is a routing key on that exchange; `is: queue` with
//   `queue.name` → that queue (and `exchange.name`, when given, the exchange it is fed from);
// - no binding: the address is a routing key on `amq.topic`, the exchange RabbitMQ's MQTT and Web
//   MQTT plugins publish to.
// A routing key is the address with `/` read as `.` (what the MQTT plugin does to topics) and each
// `{param}` one word (`*`). The SecurityModel keeps no bindings (docs/architecture.md, "The
// SecurityModel contract"), so they are read here from the loaded document, following `$ref`s the
// way the model builder does; a binding that cannot be read leaves the channel out (fail closed).

import { isPlainObject } from '../../document/pointer.js';
import type { LoadedDocument } from '../../document/types.js';
import { child, createContext, deref, rootNode, type BuildContext, type Node } from '../../model/context.js';
import { createSchemeTable } from '../../model/naming.js';
import type { ModelOperation, ModelServer, SecurityModel } from '../../model/types.js';
import { compileAddress, isAddressError } from '../../address/template.js';
import type { WireAction } from '../../guard/types.js';

export const DEFAULT_EXCHANGE = 'amq.topic';

/** One channel as RabbitMQ names it. */
export interface RabbitTarget {
  /** The channel key in the document. */
  readonly channel: string;
  /** The exchange its messages go through; null for a queue channel fed by no named exchange. */
  readonly exchange: string | null;
  /** The queue a queue channel names; null for a routing-key channel. */
  readonly queue: string | null;
  /** Matches a concrete routing key of this channel; group i is the value of `{param}` i. */
  readonly routingKey: RegExp | null;
  /** The address split at its `{param}`s: `routingKey`'s groups go between these pieces. */
  readonly pieces: readonly string[];
  /** Its operations on this server, by the wire action a client performs for them. */
  readonly publish: readonly ModelOperation[];
  readonly subscribe: readonly ModelOperation[];
}

export interface RabbitServerMap {
  readonly server: string;
  readonly vhost: string;
  readonly targets: readonly RabbitTarget[];
  readonly byExchange: ReadonlyMap<string, readonly RabbitTarget[]>;
  readonly byQueue: ReadonlyMap<string, readonly RabbitTarget[]>;
}

/** The vhost a server stands for: its pathname without the leading `/` (percent-decoded), `/` when none. */
export function vhostOfServer(server: ModelServer): string {
  const path = server.pathname;
  if (path === undefined || path === '' || path === '/') return '/';
  const raw = path.startsWith('/') ? path.slice(1) : path;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

interface AmqpBinding {
  readonly is: 'routingKey' | 'queue';
  readonly exchange: string | null;
  readonly queue: string | null;
}

/** The channel's AMQP binding; undefined when it has none; null when it has one that cannot be read. */
function readAmqpBinding(ctx: BuildContext, key: string): AmqpBinding | null | undefined {
  const follow = (node: Node): Node | null => {
    const d = deref(ctx, node);
    return d.ok ? d.node : null;
  };
  const channel = follow(child(rootNode(ctx), 'channels', key));
  if (channel === null || !isPlainObject(channel.value)) return null;
  const bindingsField = child(channel, 'bindings');
  if (bindingsField.value === undefined) return undefined;
  const bindings = follow(bindingsField);
  if (bindings === null || !isPlainObject(bindings.value)) return null;
  const amqpField = child(bindings, 'amqp');
  if (amqpField.value === undefined) return undefined;
  const amqp = follow(amqpField);
  if (amqp === null || !isPlainObject(amqp.value)) return null;
  const is = amqp.value.is ?? 'routingKey';
  if (is !== 'routingKey' && is !== 'queue') return null;
  const nameOf = (field: 'exchange' | 'queue'): string | null | false => {
    const f = child(amqp, field);
    if (f.value === undefined) return null;
    const o = follow(f);
    if (o === null || !isPlainObject(o.value)) return false;
    const name = o.value.name;
    if (name === undefined) return null;
    return typeof name === 'string' && name !== '' ? name : false;
  };
  const exchange = nameOf('exchange');
  const queue = nameOf('queue');
  if (exchange === false || queue === false) return null;
  return { is, exchange, queue };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// A `{param}` value is one routing-key word: no `.`, no AMQP or MQTT wildcard, no `/` (which would
// make the channel another one), not empty, no NUL.
const WORD = '([^./*#+{}\\u0000]+)';

/** The routing key matcher and the pieces of an address; null when the address is not a usable template. */
function routingKeyOf(address: string): { regex: RegExp; pieces: string[] } | null {
  const compiled = compileAddress(address);
  if (compiled === null || isAddressError(compiled)) return null;
  const pieces = address.split(/\{[^{}]*\}/);
  const source = pieces.map((p) => escapeRegExp(p.replace(/\//g, '.'))).join(WORD);
  return { regex: new RegExp(`^${source}$`), pieces };
}

/** The map of one document server. `wireActionOf` says what a client does for an operation (perspective). */
export function buildRabbitMap(
  doc: LoadedDocument,
  model: SecurityModel,
  server: ModelServer,
  vhost: string,
  wireAction: (op: ModelOperation) => WireAction,
): RabbitServerMap {
  const ctx = createContext(doc, createSchemeTable());
  const byChannel = new Map<string, ModelOperation[]>();
  for (const op of model.operations) {
    if (!op.servers.includes(server.name)) continue;
    const list = byChannel.get(op.channel) ?? [];
    list.push(op);
    byChannel.set(op.channel, list);
  }
  const targets: RabbitTarget[] = [];
  for (const [key, ops] of byChannel) {
    const binding = readAmqpBinding(ctx, key);
    if (binding === null) continue;
    const address = ops[0]!.address;
    const publish = ops.filter((op) => wireAction(op) === 'publish');
    const subscribe = ops.filter((op) => wireAction(op) === 'subscribe');
    if (binding?.is === 'queue') {
      const queue = binding.queue ?? address;
      if (queue === null) continue;
      targets.push({
        channel: key,
        exchange: binding.exchange,
        queue,
        routingKey: null,
        pieces: [],
        publish,
        subscribe,
      });
      continue;
    }
    if (address === null) continue;
    const rk = routingKeyOf(address);
    if (rk === null) continue;
    targets.push({
      channel: key,
      exchange: binding?.exchange ?? DEFAULT_EXCHANGE,
      queue: null,
      routingKey: rk.regex,
      pieces: rk.pieces,
      publish,
      subscribe,
    });
  }
  const group = (pick: (t: RabbitTarget) => string | null): Map<string, RabbitTarget[]> => {
    const out = new Map<string, RabbitTarget[]>();
    for (const t of targets) {
      const k = pick(t);
      if (k === null) continue;
      const list = out.get(k) ?? [];
      list.push(t);
      out.set(k, list);
    }
    return out;
  };
  return Object.freeze({
    server: server.name,
    vhost,
    targets: Object.freeze(targets),
    byExchange: group((t) => t.exchange),
    byQueue: group((t) => t.queue),
  });
}

/** The concrete channel a routing key of `target` stands for, or null when it is not one of its keys. */
export function channelOfRoutingKey(target: RabbitTarget, routingKey: string): string | null {
  if (target.routingKey === null) return null;
  const m = target.routingKey.exec(routingKey);
  if (m === null) return null;
  let channel = target.pieces[0]!;
  for (let i = 1; i < target.pieces.length; i++) channel += m[i]! + target.pieces[i]!;
  return channel;
}
