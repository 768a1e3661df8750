// A session lasts no longer than its credential (`session.expiresAt`: a token's exp, a client
// certificate's notAfter). Every front registers its live sessions that expire here; a sweep
// every `intervalMs` ends those whose time has come. Sessions that never expire cost nothing.

import { invalidArgType, invalidArgValue } from '../errors.js';

/** Default for the fronts' `expiryCheckMs`. */
export const DEFAULT_EXPIRY_CHECK_MS = 1_000;

export interface ExpirySweep<T> {
  /** Watches `item` when `expiresAt` is defined; does nothing otherwise. */
  add(item: T, expiresAt: number | undefined): void;
  /** Stops watching `item` (it ended some other way). */
  delete(item: T): void;
  /** Stops the sweep. */
  close(): void;
}

export interface ExpirySweepOptions<T> {
  readonly intervalMs?: number | undefined;
  /** Clock, ms since the epoch. */
  readonly now: () => number;
  /** Ends the item's session (called once, after it is no longer watched). */
  readonly onExpired: (item: T) => void;
}

/** Checks a front's `expiryCheckMs` option. */
function checkExpiryCheckMs(value: unknown, name = 'options.expiryCheckMs'): number {
  if (value === undefined) return DEFAULT_EXPIRY_CHECK_MS;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1)
    throw invalidArgValue(name, 'must be a positive integer');
  return value;
}

export function createExpirySweep<T>(options: ExpirySweepOptions<T>): ExpirySweep<T> {
  const intervalMs = checkExpiryCheckMs(options.intervalMs);
  const { now, onExpired } = options;
  if (typeof now !== 'function') throw invalidArgType('options.now', 'a function');
  const watched = new Map<T, number>();
  const timer = setInterval(() => {
    if (watched.size === 0) return;
    const t = now();
    for (const [item, expiresAt] of watched) {
      if (expiresAt > t) continue;
      watched.delete(item);
      onExpired(item);
    }
  }, intervalMs);
  timer.unref();
  return {
    add(item, expiresAt) {
      if (expiresAt !== undefined) watched.set(item, expiresAt);
    },
    delete(item) {
      watched.delete(item);
    },
    close() {
      clearInterval(timer);
      watched.clear();
    },
  };
}
