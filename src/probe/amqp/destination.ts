// Where an AMQP 0-9-1 operation goes on the broker, by the mapping authd enforces (src/brokers/rabbitmq/mapping.ts,
// docs/brokers/rabbitmq.md, "Mapping"): the channel's `amqp` binding (`is: routingKey` with `exchange.name`, or
// `is: queue` with `queue.name`), else a routing key on `amq.topic`; a routing key is the address with `/` → `.`,
// as RabbitMQ's MQTT plugin maps topics. Probe reuses that mapping rather than restating it, so what it tests is
// what authd decides. Pure: the prober acts on what this returns.

import type { RabbitTarget } from '../../brokers/rabbitmq/mapping.js';

export type AmqpDestination =
  /** Publish to `exchange` with `routingKey`; subscribe by binding a server-named queue to it. */
  | { readonly kind: 'routingKey'; readonly exchange: string; readonly routingKey: string }
  /**
   * Subscribe by consuming from `queue`; publish to `exchange` with the address as routing key or, when the
   * binding names none, through the default exchange `''` straight to the queue.
   */
  | { readonly kind: 'queue'; readonly queue: string; readonly exchange: string | null; readonly routingKey: string }
  | { readonly kind: 'unusable'; readonly reason: string };

/** AMQP names (exchange, queue, routing key) are shortstr: at most 255 bytes (AMQP 0-9-1 §4.2.5.3). */
const MAX_NAME_BYTES = 255;

function tooLong(text: string): boolean {
  return Buffer.byteLength(text, 'utf8') > MAX_NAME_BYTES;
}

/** A concrete address as a routing key: MQTT-style levels become topic-exchange words. */
export function topicRoutingKey(address: string): string {
  return address.replaceAll('/', '.');
}

/**
 * The destination of a concrete address of `target`'s channel; `target` undefined when the mapping leaves the
 * channel out (its binding cannot be read, or its address is not a template).
 */
export function amqpDestination(target: RabbitTarget | undefined, address: string): AmqpDestination {
  if (target === undefined) {
    return { kind: 'unusable', reason: "the channel's amqp binding or address cannot be read (authd leaves it out)" };
  }
  const routingKey = topicRoutingKey(address);
  if (tooLong(routingKey)) return { kind: 'unusable', reason: 'the routing key is over 255 bytes' };
  if (target.queue !== null) {
    if (tooLong(target.queue)) return { kind: 'unusable', reason: 'the queue name is over 255 bytes' };
    return { kind: 'queue', queue: target.queue, exchange: target.exchange, routingKey };
  }
  return { kind: 'routingKey', exchange: target.exchange ?? 'amq.topic', routingKey };
}
