// The audit log's rate bound (docs/guard.md, "Audit events"): per event kind (`guard.decision`
// by action and result, `store.unavailable`), at most `maxLinesPerSecond` lines in each
// one-second window of the audit clock; the excess is not written but counted, and one
// `audit.suppressed` line (`warn`) says how many lines of that kind were left out, written as
// soon as the window has passed: with the next line of any kind, or by a timer when the flood
// stops. A flood of refusals therefore costs a bounded number of synchronous writes, and the log
// still says that it happened. Kinds are a closed set (never a value a client sends), so the
// state is a handful of counters.

import type { Logger } from 'pino';

/** `audit.maxLinesPerSecond` when the config does not say (0: no bound). */
export const AUDIT_MAX_LINES_PER_SECOND = 100;

const WINDOW_MS = 1000;

interface Window {
  start: number;
  written: number;
  suppressed: number;
}

export interface AuditRate {
  /** Whether one more line of `kind` may be written now (counts it either way). */
  admit(kind: string): boolean;
  /** Writes the summary of every window that has passed with suppressed lines. */
  flush(): void;
}

export function createAuditRate(logger: Logger, maxPerSecond: number, now: () => number): AuditRate {
  const windows = new Map<string, Window>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const summarize = (kind: string, w: Window): void => {
    if (w.suppressed === 0) return;
    const [event, action, result] = kind.split(' ');
    logger.warn(
      { event, action: action ?? null, result: result ?? null, suppressed: w.suppressed, since: w.start },
      'audit.suppressed',
    );
    w.suppressed = 0;
  };
  const flush = (): void => {
    const t = now();
    for (const [kind, w] of windows) if (t - w.start >= WINDOW_MS) summarize(kind, w);
  };
  return {
    admit(kind) {
      if (maxPerSecond <= 0) return true;
      const t = now();
      let w = windows.get(kind);
      if (w !== undefined && t - w.start < WINDOW_MS) {
        if (w.written < maxPerSecond) {
          w.written++;
          return true;
        }
        w.suppressed++;
        // When the flood stops there is no next line: a timer writes the summary then.
        timer ??= setTimeout(() => {
          timer = undefined;
          flush();
        }, WINDOW_MS + 10).unref();
        return false;
      }
      flush();
      if (w === undefined) windows.set(kind, (w = { start: t, written: 0, suppressed: 0 }));
      w.start = t;
      w.written = 1;
      return true;
    },
    flush,
  };
}
