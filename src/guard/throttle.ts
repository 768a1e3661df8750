// Brute-force throttling of credential checks, in memory (config `throttle:`).
//
// Failures are counted per remote address and, when `perPrincipal`, per claimed subject (a user
// name or API key id the verifier reads without verifying). After `freeFailures` failures in a
// window, each further failure's *response* is delayed (base, doubling, capped): an attacker
// waits, a legitimate client that gets it right is never slowed. After `lockoutAfter` failures
// the remote or subject is locked out for `lockoutMs`: refused before any verification, so a
// locked-out guess costs no store lookup and no PBKDF2.
//
// The window is fixed from the first failure (not sliding): a counter, a start time and a
// lockout deadline per key, so memory per key is constant. At most `maxTracked` keys are kept;
// the least recently failed key is forgotten first.

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

export type ResolvedThrottleSettings = Required<{ -readonly [K in keyof ThrottleSettings]: NonNullable<ThrottleSettings[K]> }>;

interface Entry {
  failures: number;
  windowStart: number;
  lockedUntil: number;
}

export interface Throttle {
  readonly settings: Readonly<ResolvedThrottleSettings>;
  /** True while the remote address is locked out. */
  remoteLocked(remote: string | null): boolean;
  /** True while the subject is locked out (always false when `perPrincipal` is off). */
  subjectLocked(subject: string | null): boolean;
  /**
   * Records one failure of `remote` and `subject` and returns how long to delay the refusal
   * (0 while within the free failures).
   */
  failure(remote: string | null, subject: string | null): number;
  /** A success resets the subject's counter (not the remote's: one good login must not clear an address that guesses). */
  success(subject: string | null): void;
  /** Keys tracked now (remotes + subjects). */
  readonly size: number;
}

export function resolveThrottleSettings(settings: ThrottleSettings | undefined): ResolvedThrottleSettings {
  return { ...THROTTLE_DEFAULTS, ...(settings ?? {}) };
}

export function createThrottle(settings: ThrottleSettings | undefined, now: () => number): Throttle {
  const s = Object.freeze(resolveThrottleSettings(settings));
  // One map for both kinds, keyed `r:<remote>` / `s:<subject>`: Map keeps insertion order, and a
  // key is re-inserted on each failure, so the first key is always the least recently failed.
  const entries = new Map<string, Entry>();

  const live = (key: string, t: number): Entry | undefined => {
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
  const locked = (key: string): boolean => {
    const t = now();
    const e = live(key, t);
    return e !== undefined && e.lockedUntil > t;
  };
  const bump = (key: string, t: number): number => {
    let e = live(key, t);
    if (e === undefined) e = { failures: 0, windowStart: t, lockedUntil: 0 };
    else entries.delete(key); // re-inserted below: most recent last
    e.failures++;
    if (e.failures >= s.lockoutAfter) e.lockedUntil = t + s.lockoutMs;
    entries.set(key, e);
    while (entries.size > s.maxTracked) {
      const oldest = entries.keys().next().value as string;
      entries.delete(oldest);
    }
    return e.failures;
  };

  return {
    settings: s,
    remoteLocked: (remote) => remote !== null && locked(`r:${remote}`),
    subjectLocked: (subject) => s.perPrincipal && subject !== null && locked(`s:${subject}`),
    failure(remote, subject) {
      const t = now();
      let n = 0;
      if (remote !== null) n = Math.max(n, bump(`r:${remote}`, t));
      if (s.perPrincipal && subject !== null) n = Math.max(n, bump(`s:${subject}`, t));
      if (n <= s.freeFailures) return 0;
      // The first failure past the free ones waits baseDelayMs; each further one doubles it.
      return Math.min(s.maxDelayMs, s.baseDelayMs * 2 ** Math.min(n - s.freeFailures - 1, 30));
    },
    success(subject) {
      if (subject !== null) entries.delete(`s:${subject}`);
    },
    get size() {
      return entries.size;
    },
  };
}
