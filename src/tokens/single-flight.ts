// One background fetch at a time, with a failure count for backoff: the JWKS refresh and the
// OpenID Connect discovery both need exactly this (concurrent verifies share one fetch; a
// failed fetch is retried later, later each time).

export interface SingleFlight {
  /** Starts `attempt` unless one is running, and returns the running one. Never rejects. */
  run(): Promise<void>;
  /** True while an attempt runs. */
  readonly running: boolean;
  /** Failures since the last success. */
  readonly failures: number;
  /** `now()` when the last attempt started (−∞ before the first). */
  readonly lastAttempt: number;
  /** Attempts started so far. */
  readonly attempts: number;
  /** How long to wait after the last attempt: `firstMs` doubled per further failure, at most `capMs`. */
  backoffMs(firstMs: number, capMs: number): number;
}

/** `attempt` resolves true on success, false (or rejects) on failure. */
export function createSingleFlight(attempt: () => Promise<boolean>, now: () => number): SingleFlight {
  let inflight: Promise<void> | null = null;
  let failures = 0;
  let lastAttempt = Number.NEGATIVE_INFINITY;
  let attempts = 0;
  return {
    run() {
      if (inflight !== null) return inflight;
      lastAttempt = now();
      attempts++;
      inflight = attempt()
        .then(
          (ok) => {
            failures = ok ? 0 : failures + 1;
          },
          () => {
            failures++;
          },
        )
        .finally(() => {
          inflight = null;
        });
      return inflight;
    },
    get running() {
      return inflight !== null;
    },
    get failures() {
      return failures;
    },
    get lastAttempt() {
      return lastAttempt;
    },
    get attempts() {
      return attempts;
    },
    backoffMs: (firstMs, capMs) => Math.min(capMs, firstMs * 2 ** Math.min(Math.max(failures - 1, 0), 30)),
  };
}
