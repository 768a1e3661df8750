// The message bus `serve` moves messages through (issue 5): `memory` (embedded default, one
// process), `nats://` and `redis://` (several `serve` instances share one). One interface, one
// contract test suite run against each. Channels are the document's concrete channels (topic
// names, `/`-separated levels, MQTT 3.1.1 §4.7 rules); subscriptions take MQTT topic filters
// (`+`, `#`), whatever the bus underneath uses.
//
// Delivery: at most once. A message published while a subscriber is slow is queued up to that
// subscription's bound, then dropped for that subscriber (counted), never buffered without end.

export interface BusMessage {
  /** The concrete channel (a valid MQTT topic name). */
  readonly channel: string;
  readonly payload: Uint8Array;
  /**
   * A bus-wide increasing id (string) when the bus can give one (memory: a counter; NATS
   * JetStream / Redis streams could), used by SSE `Last-Event-ID`; null when not.
   */
  readonly id: string | null;
  /** The `serve` instance that published it (so an instance can tell its own messages). */
  readonly origin: string;
}

export interface BusSubscribeOptions {
  /** Messages queued for this subscriber before new ones are dropped for it. Default 1024. */
  readonly maxQueued?: number;
  /** Called once per dropped message (for metrics); never with the payload. */
  readonly onDrop?: () => void;
}

/** Returns nothing (delivered) or a promise (the subscriber is busy until it settles). Throwing is contained. */
export type BusHandler = (message: BusMessage) => void | PromiseLike<void>;

export interface BusSubscription {
  unsubscribe(): Promise<void>;
  /** Messages dropped for this subscriber because it was too slow. */
  readonly dropped: number;
  /** Messages waiting for this subscriber right now (at most `maxQueued`). */
  readonly queued: number;
}

export interface Bus {
  readonly kind: 'memory' | 'nats' | 'redis';
  /** Safe to log: the URL without credentials. */
  readonly description: string;
  /** This instance's id (`origin` of what it publishes). */
  readonly origin: string;
  /** Publishes; resolves when the bus accepted it (not when subscribers got it). */
  publish(channel: string, payload: Uint8Array): Promise<void>;
  /**
   * Delivers every message whose channel matches the MQTT filter, in publish order per publisher.
   * A handler that returns a promise gets the next message only once it settles (back-pressure:
   * meanwhile messages queue up to `maxQueued`, then are dropped for this subscriber).
   */
  subscribe(filter: string, handler: BusHandler, options?: BusSubscribeOptions): Promise<BusSubscription>;
  /**
   * Messages after `lastId` on channels matching the filter, oldest first, when the bus keeps
   * history (memory: a bounded ring); null when it cannot answer (the SSE client then just
   * continues from now).
   */
  replay?(filter: string, lastId: string, limit: number): readonly BusMessage[] | null;
  /** True while connected (readiness). */
  readonly ready: boolean;
  close(): Promise<void>;
}
