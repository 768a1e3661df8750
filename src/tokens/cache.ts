// The verified-token cache: repeat verification of a token costs one SHA-256 and one Map lookup.
// Keyed by the SHA-256 of the token, never the token itself, so a heap dump of a busy guard holds
// no usable bearer token. Bounded (`size` entries) with CLOCK eviction (second chance): a hit
// only sets a flag, so hits never reorder the Map; inserts sweep the oldest entries, re-queueing
// the ones used since the last sweep. Every entry has a hard deadline (`expiresAt`, the token's
// `exp`), checked against `now()` on every hit: an entry is never served past it.
// Only successful outcomes are stored; refusals are recomputed (a forger changes one byte per try,
// so caching them would only fill the cache).

import { createHash, hash as oneShotHash } from 'node:crypto';

/** base64 SHA-256 of the token (44 chars). The one-shot `crypto.hash` (Node ≥ 20.12) is ~2x cheaper than createHash. */
export const tokenKey: (token: string) => string =
  typeof oneShotHash === 'function'
    ? (token) => oneShotHash('sha256', token, 'base64')
    : (token) => createHash('sha256').update(token).digest('base64');

interface Entry<V> {
  readonly value: V;
  readonly expiresAt: number;
  used: boolean;
}

export interface TokenCache<V> {
  /** The value stored under `key`, or undefined when absent or past its deadline (then dropped). */
  get(key: string): V | undefined;
  /**
   * Stores `value` until `expiresAt` (ms since the epoch). Ignored when already past, or when the cache is disabled
   * (size 0).
   */
  set(key: string, value: V, expiresAt: number): void;
  readonly size: number;
  clear(): void;
}

export function createTokenCache<V>(capacity: number, now: () => number): TokenCache<V> {
  const map = new Map<string, Entry<V>>();
  const evictOne = (): void => {
    // CLOCK: the Map's insertion order is the ring. Bounded: each entry gets at most one second
    // chance per sweep, so this ends within 2 × capacity steps.
    for (const [key, entry] of map) {
      map.delete(key);
      if (entry.used && entry.expiresAt > now()) {
        entry.used = false;
        map.set(key, entry);
        continue;
      }
      return;
    }
  };
  return {
    get(key) {
      const entry = map.get(key);
      if (entry === undefined) return undefined;
      if (now() >= entry.expiresAt) {
        map.delete(key);
        return undefined;
      }
      entry.used = true;
      return entry.value;
    },
    set(key, value, expiresAt) {
      if (capacity <= 0 || !(expiresAt > now())) return;
      if (map.has(key)) map.delete(key);
      else if (map.size >= capacity) evictOne();
      map.set(key, { value, expiresAt, used: false });
    },
    get size() {
      return map.size;
    },
    clear() {
      map.clear();
    },
  };
}
