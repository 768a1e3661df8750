// Hands allowed client publishes to the bus and counts those not yet settled, so `close()` can give
// them their grace time and a QoS 0 publisher waits once the bus lags (bounded work).
// A count, not a set of promises: a publish adds no allocation here beyond the bus's own promise.

import type { FrontContext } from './context.js';

/** Bus publishes not yet settled beyond which a QoS 0 publisher waits for the bus too (back-pressure). */
export const MAX_UNSETTLED_QOS0 = 1024;

export interface BusHandoff {
  /** Bus publishes handed over and not yet settled. */
  readonly inflight: number;
  /**
   * QoS 0 (nothing to acknowledge): hands the publish over without waiting, unless
   * MAX_UNSETTLED_QOS0 are unsettled; then returns false and the caller waits with `publish`.
   * A bus failure drops the message (at most once) and is counted.
   */
  publishUnacknowledged(topic: string, payload: Buffer): boolean;
  /** Hands a publish to the bus; `callback` (aedes's) runs once the bus took it or refused it. */
  publish(topic: string, payload: Buffer, callback: (error?: Error | null) => void): void;
  /** Resolves once nothing is in flight, or after `graceMs`. */
  drain(graceMs: number): Promise<void>;
}

export function createBusHandoff(ctx: FrontContext): BusHandoff {
  const { bus, logger, counters } = ctx;
  let inflight = 0;
  let onIdle: (() => void) | null = null;
  const settled = () => {
    if (--inflight === 0 && onIdle !== null) onIdle();
  };

  // Shared by every QoS 0 publish, so such a publish allocates no closure.
  const qos0Accepted = settled;
  const qos0Failed = () => {
    settled();
    counters.dropped++;
    logger.warn({ event: 'mqtt.bus.publish_failed', bus: bus.description });
  };

  return {
    get inflight() {
      return inflight;
    },

    publishUnacknowledged(topic, payload) {
      if (inflight >= MAX_UNSETTLED_QOS0) return false;
      inflight++;
      bus.publish(topic, payload).then(qos0Accepted, qos0Failed);
      return true;
    },

    publish(topic, payload, callback) {
      inflight++;
      bus.publish(topic, payload).then(
        () => {
          settled();
          callback(null);
        },
        () => {
          settled();
          logger.warn({ event: 'mqtt.bus.publish_failed', bus: bus.description });
          callback(new Error('bus unavailable'));
        },
      );
    },

    async drain(graceMs) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        onIdle = resolve;
        timer = setTimeout(resolve, Math.max(0, graceMs));
      });
      onIdle = null;
      clearTimeout(timer);
    },
  };
}
