// Where an AMQP 0-9-1 operation goes on the broker: the channel's `amqp` binding (AsyncAPI AMQP
// bindings, Channel Binding Object: `is: routingKey` with `exchange.name`, or `is: queue` with
// `queue.name`; `is` defaults to `routingKey`), or, without a binding, `amq.topic`. A routing key
// is the address with `/` → `.`, the way RabbitMQ's MQTT plugin maps topics: the same mapping
// authd enforces (docs/brokers/rabbitmq.md, "Mapping"), so probe tests what authd decides.
// Pure: the prober acts on what this returns.

export type AmqpDestination =
  /** Publish to `exchange` with `routingKey`; subscribe by binding a server-named queue to it. */
  | { readonly kind: 'routingKey'; readonly exchange: string; readonly routingKey: string }
  /**
   * Subscribe by consuming from `queue`; publish to `exchange` (the binding's, with the address as
   * routing key) or, when the binding names none, through the default exchange `''` to the queue.
   */
  | { readonly kind: 'queue'; readonly queue: string; readonly exchange: string | null }
  | { readonly kind: 'unusable'; readonly reason: string };

/** The exchange RabbitMQ's MQTT and STOMP plugins publish topics on, and where unbound channels go. */
export const DEFAULT_TOPIC_EXCHANGE = 'amq.topic';

/** AMQP names (exchange, queue, routing key) are shortstr: at most 255 bytes (AMQP 0-9-1 §4.2.5.3). */
const MAX_NAME_BYTES = 255;

function record(v: unknown): Record<string, unknown> | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

function nameOf(v: unknown): string | null {
  const name = record(v)?.name;
  return typeof name === 'string' && name !== '' ? name : null;
}

function tooLong(text: string): boolean {
  return Buffer.byteLength(text, 'utf8') > MAX_NAME_BYTES;
}

/** A concrete address as a routing key on `amq.topic`: MQTT-style levels become topic-exchange words. */
export function topicRoutingKey(address: string): string {
  return address.replaceAll('/', '.');
}

/**
 * The destination of a concrete channel address, given the channel's `bindings.amqp` value
 * (undefined when the channel has none).
 */
export function amqpDestination(address: string, binding: unknown): AmqpDestination {
  const b = record(binding);
  if (b === null) {
    const routingKey = topicRoutingKey(address);
    if (tooLong(routingKey)) return { kind: 'unusable', reason: 'the routing key is over 255 bytes' };
    return { kind: 'routingKey', exchange: DEFAULT_TOPIC_EXCHANGE, routingKey };
  }
  const is = b.is ?? 'routingKey';
  if (is === 'queue') {
    const queue = nameOf(b.queue) ?? address;
    if (tooLong(queue)) return { kind: 'unusable', reason: 'the queue name is over 255 bytes' };
    return { kind: 'queue', queue, exchange: nameOf(b.exchange) };
  }
  if (is !== 'routingKey') return { kind: 'unusable', reason: `bindings.amqp.is is ${JSON.stringify(is)}` };
  const exchange = nameOf(b.exchange);
  const routingKey = topicRoutingKey(address);
  if (tooLong(routingKey)) return { kind: 'unusable', reason: 'the routing key is over 255 bytes' };
  return { kind: 'routingKey', exchange: exchange ?? DEFAULT_TOPIC_EXCHANGE, routingKey };
}
