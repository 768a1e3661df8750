// One subscriber's delivery: a bounded FIFO in front of its handler (issue 5 back-pressure).
// A message for an idle subscriber is handed over at once; while the handler is busy (it returned
// a promise that has not settled, or it is still running and published on its own channel) new
// messages wait in the queue, up to `maxQueued`; beyond that they are dropped for THIS subscriber
// only and counted. The publisher never waits for a subscriber, and a handler that throws or
// rejects does not stop delivery (to it or anyone else).

import type { BusHandler, BusMessage, BusSubscription } from './types.js';
import { invalidArgValue } from '../errors.js';

export const DEFAULT_MAX_QUEUED = 1024;

export interface Delivery {
  push(message: BusMessage): void;
  /** Stops delivery at once; queued messages are discarded. */
  close(): void;
  readonly dropped: number;
  readonly queued: number;
  readonly closed: boolean;
}

export interface DeliveryOptions {
  readonly maxQueued: number;
  readonly onDrop?: (() => void) | undefined;
  /** A handler threw or its promise rejected (for the operational log). */
  readonly onHandlerError?: ((error: unknown) => void) | undefined;
}

/** Checks a `maxQueued` given by a caller: a positive safe integer. */
export function checkMaxQueued(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw invalidArgValue(name, 'must be a positive integer');
  }
  return value;
}

function isThenable(value: unknown): value is PromiseLike<void> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

export function createDelivery(handler: BusHandler, options: DeliveryOptions): Delivery {
  const { maxQueued, onDrop, onHandlerError } = options;
  // A growable FIFO (array + head index) so 10,000 idle subscriptions cost nothing up front.
  let items: (BusMessage | undefined)[] = [];
  let head = 0;
  let busy = false;
  let closed = false;
  let dropped = 0;

  const reportError = (error: unknown): void => {
    try {
      onHandlerError?.(error);
    } catch {
      // the reporter itself failing must not break delivery either
    }
  };

  function dequeue(): BusMessage | undefined {
    if (head === items.length) return undefined;
    const message = items[head];
    items[head++] = undefined;
    if (head === items.length) {
      items = [];
      head = 0;
    } else if (head >= 1024 && head * 2 >= items.length) {
      items = items.slice(head);
      head = 0;
    }
    return message;
  }

  function resume(): void {
    const next = closed ? undefined : dequeue();
    if (next === undefined) busy = false;
    else run(next);
  }

  function run(first: BusMessage): void {
    busy = true;
    let message: BusMessage | undefined = first;
    while (message !== undefined && !closed) {
      let result: unknown;
      try {
        result = handler(message);
      } catch (error) {
        reportError(error);
        result = undefined;
      }
      if (isThenable(result)) {
        // Busy until it settles; then the queue resumes on a fresh stack.
        result.then(resume, (error: unknown) => {
          reportError(error);
          resume();
        });
        return;
      }
      message = dequeue();
    }
    busy = false;
  }

  return {
    push(message) {
      if (closed) return;
      if (!busy) {
        run(message);
        return;
      }
      if (items.length - head >= maxQueued) {
        dropped++;
        if (onDrop !== undefined) {
          try {
            onDrop();
          } catch (error) {
            reportError(error);
          }
        }
        return;
      }
      items.push(message);
    },
    close() {
      closed = true;
      items = [];
      head = 0;
    },
    get dropped() {
      return dropped;
    },
    get queued() {
      return items.length - head;
    },
    get closed() {
      return closed;
    },
  };
}

/** The subscription a bus hands out for one delivery: its counters, and `release` (which ends it) on unsubscribe. */
export function subscriptionOf(delivery: Delivery, release: () => void): BusSubscription {
  return {
    // eslint-disable-next-line @typescript-eslint/require-await -- async: a throw becomes a rejection (Bus contract)
    async unsubscribe() {
      release();
    },
    get dropped() {
      return delivery.dropped;
    },
    get queued() {
      return delivery.queued;
    },
  };
}
