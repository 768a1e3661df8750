// The latest refusals, for the admin status page: read from the audit stream itself (the lines
// the guard writes), so the page shows exactly what the audit log says, and nothing the audit
// builders do not emit. Kept fields: time, server, action, scheme, reason, principal id — never
// a channel, a remote address or anything else. Bounded: the last `limit` refusals, each field
// cut to 200 characters.

import type { DestinationStream } from 'pino';

export interface RefusalEntry {
  readonly time: number;
  readonly server: string;
  readonly action: string;
  readonly scheme: string | null;
  readonly reason: string;
  readonly principal: string | null;
}

export interface RefusalLog {
  /** Newest first. */
  latest(): readonly RefusalEntry[];
  /** A stream that passes every line to `next` and remembers the refusals among them. */
  tee(next: DestinationStream): DestinationStream;
}

const MAX_FIELD = 200;
const MAX_LINE = 64 * 1024;

export function createRefusalLog(limit = 20): RefusalLog {
  const ring: RefusalEntry[] = [];
  const observe = (line: string): void => {
    // A cheap test before parsing: only denied guard.decision lines are kept.
    if (line.length > MAX_LINE || !line.includes('"result":"denied"') || !line.includes('"msg":"guard.decision"'))
      return;
    let e: Record<string, unknown>;
    try {
      e = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    const str = (v: unknown): string | null => (typeof v === 'string' ? v.slice(0, MAX_FIELD) : null);
    const server = str(e.server);
    const reason = str(e.reason);
    if (server === null || reason === null) return;
    ring.unshift(
      Object.freeze({
        time: typeof e.time === 'number' ? e.time : Date.now(),
        server,
        action: str(e.action) ?? '',
        scheme: str(e.scheme),
        reason,
        principal: str(e.principal),
      }),
    );
    if (ring.length > limit) ring.length = limit;
  };
  return {
    latest: () => [...ring],
    tee: (next) => ({
      write(chunk: string) {
        next.write(chunk);
        for (const line of chunk.split('\n')) if (line !== '') observe(line);
      },
    }),
  };
}
