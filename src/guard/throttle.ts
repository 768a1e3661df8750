// Brute-force throttling of credential checks, in memory (config `throttle:`).
//
// Failures are counted per remote address and, when `perPrincipal`, per claimed subject (a user
// name or API key id the verifier reads without verifying). After `freeFailures` failures in a
// window, each further failure's *response* is delayed (base, doubling, capped): an attacker
// waits, a legitimate client that gets it right is never slowed. After `lockoutAfter` failures
// the remote is locked out for `lockoutMs`: refused before any verification, so a locked-out
// guess costs no store lookup and no PBKDF2. A subject with `lockoutAfter` failures is locked
// too, but only against addresses that have been failing (one failure or more in their window,
// or no address at all): a correct credential from an address that has not been failing is still
// checked and gets in, so guessing from many addresses cannot lock a user out of their own
// (docs/guard.md "Throttling", docs/architecture.md "Decisions"). Each address still gets at
// most one guess at a locked subject (its first failure makes it a failing address), delayed.
//
// The window is fixed from the first failure (not sliding): a counter, a start time and a
// lockout deadline per key, so memory per key is constant. Addresses and subjects are kept in
// two maps of at most `maxTracked` keys each, so junk user names cannot push addresses out (or
// the reverse). When a map is full, the least recently failed key that is not locked out is
// forgotten (looking at the oldest EVICTION_SCAN keys; only if all of those are locked does the
// oldest go), so flushing a lockout takes `maxTracked` other lockouts, not mere failures.
// An IPv6 address counts per /64 (one customer network: an attacker gets a whole /64 for the
// price of one address); an IPv4-mapped IPv6 address counts as its IPv4 address.

import { isIPv6 } from 'node:net';
import type { ThrottleSettings } from '../config/types.js';

/** The defaults of schemas/config.schema.json `throttle`. */
export const THROTTLE_DEFAULTS = Object.freeze({
  freeFailures: 5,
  baseDelayMs: 250,
  maxDelayMs: 4000,
  lockoutAfter: 20,
  lockoutMs: 900_000,
  windowMs: 900_000,
  perPrincipal: true,
  maxTracked: 100_000,
});

/** How many of the oldest keys eviction looks at for one that is not locked out. */
const EVICTION_SCAN = 32;

/** The throttling key of a remote address: IPv4 as is, IPv6 by its /64, IPv4-mapped IPv6 as IPv4. */
export function remoteKeyOf(remote: string): string {
  const pct = remote.indexOf('%');
  const address = (pct >= 0 ? remote.slice(0, pct) : remote).toLowerCase();
  if (!isIPv6(address)) return remote;
  if (address.startsWith('::ffff:') && address.includes('.')) return address.slice(7);
  const double = address.indexOf('::');
  const head =
    double < 0 ? address.split(':') : address.slice(0, double) === '' ? [] : address.slice(0, double).split(':');
  const tail = double < 0 ? [] : address.slice(double + 2) === '' ? [] : address.slice(double + 2).split(':');
  // A dotted IPv4 tail takes two hextets.
  const width = (parts: string[]) => parts.reduce((n, p) => n + (p.includes('.') ? 2 : 1), 0);
  const groups = [...head, ...new Array<string>(8 - width(head) - width(tail)).fill('0'), ...tail];
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

export type ResolvedThrottleSettings = Required<{
  -readonly [K in keyof ThrottleSettings]: NonNullable<ThrottleSettings[K]>;
}>;

interface Entry {
  failures: number;
  windowStart: number;
  lockedUntil: number;
}

export interface Throttle {
  readonly settings: Readonly<ResolvedThrottleSettings>;
  /** True while the remote address is locked out. */
  remoteLocked(remote: string | null): boolean;
  /**
   * True while the subject is locked out for this remote: the subject reached `lockoutAfter` and
   * the remote has been failing in its window (or is unknown). Always false when `perPrincipal` is off.
   */
  subjectLocked(subject: string | null, remote: string | null): boolean;
  /**
   * Records one failure of `remote` and of each distinct subject (a user name, an API key id:
   * every one the attempt guessed at) and returns how long to delay the refusal (0 while within
   * the free failures).
   */
  failure(remote: string | null, subjects: string | null | readonly (string | null)[]): number;
  /**
   * A success resets the subject's counter, unless the subject is locked (the lock keeps the
   * failing addresses out until it ends); never the remote's: one good login must not clear an
   * address that guesses.
   */
  success(subject: string | null): void;
  /** Keys tracked now (remotes + subjects). */
  readonly size: number;
}

export function resolveThrottleSettings(settings: ThrottleSettings | undefined): ResolvedThrottleSettings {
  return { ...THROTTLE_DEFAULTS, ...(settings ?? {}) };
}

export function createThrottle(settings: ThrottleSettings | undefined, now: () => number): Throttle {
  const s = Object.freeze(resolveThrottleSettings(settings));
  // Map keeps insertion order and a key is re-inserted on each failure, so the first key is
  // always the least recently failed.
  const remotes = new Map<string, Entry>();
  const subjects = new Map<string, Entry>();

  const live = (entries: Map<string, Entry>, key: string, t: number): Entry | undefined => {
    const e = entries.get(key);
    if (e === undefined) return undefined;
    if (e.lockedUntil > t) return e;
    if (e.lockedUntil !== 0 || t - e.windowStart >= s.windowMs) {
      // The lockout ended or the window passed: start over.
      entries.delete(key);
      return undefined;
    }
    return e;
  };
  const locked = (entries: Map<string, Entry>, key: string): boolean => {
    const t = now();
    const e = live(entries, key, t);
    return e !== undefined && e.lockedUntil > t;
  };
  /** The remote address has failed at least once in its current window. */
  const failing = (remote: string): boolean => live(remotes, remoteKeyOf(remote), now()) !== undefined;
  const evictOne = (entries: Map<string, Entry>, t: number): void => {
    let oldest: string | undefined;
    let scanned = 0;
    for (const [key, e] of entries) {
      oldest ??= key;
      if (e.lockedUntil <= t) {
        entries.delete(key);
        return;
      }
      if (++scanned >= EVICTION_SCAN) break;
    }
    if (oldest !== undefined) entries.delete(oldest);
  };
  const bump = (entries: Map<string, Entry>, key: string, t: number): number => {
    let e = live(entries, key, t);
    if (e === undefined) e = { failures: 0, windowStart: t, lockedUntil: 0 };
    else entries.delete(key); // re-inserted below: most recent last
    e.failures++;
    if (e.failures >= s.lockoutAfter) e.lockedUntil = t + s.lockoutMs;
    entries.set(key, e);
    while (entries.size > s.maxTracked) evictOne(entries, t);
    return e.failures;
  };

  return {
    settings: s,
    remoteLocked: (remote) => remote !== null && locked(remotes, remoteKeyOf(remote)),
    subjectLocked: (subject, remote) =>
      s.perPrincipal && subject !== null && locked(subjects, subject) && (remote === null || failing(remote)),
    failure(remote, guessed) {
      const t = now();
      let n = 0;
      if (remote !== null) n = Math.max(n, bump(remotes, remoteKeyOf(remote), t));
      if (s.perPrincipal) {
        const list = typeof guessed === 'string' || guessed === null ? [guessed] : guessed;
        for (const subject of new Set(list)) if (subject !== null) n = Math.max(n, bump(subjects, subject, t));
      }
      if (n <= s.freeFailures) return 0;
      // The first failure past the free ones waits baseDelayMs; each further one doubles it.
      return Math.min(s.maxDelayMs, s.baseDelayMs * 2 ** Math.min(n - s.freeFailures - 1, 30));
    },
    success(subject) {
      if (subject !== null && !locked(subjects, subject)) subjects.delete(subject);
    },
    get size() {
      return remotes.size + subjects.size;
    },
  };
}
