// Whether the credential store `serve` enforces is in step with its source. A `file:` store that
// cannot be re-read (a half-edited or corrupt credentials.yaml, a file made unreadable) keeps its
// last good state, and a `postgres://` store whose LISTEN connection dropped does not hear other
// processes' changes until it is back: either way a revocation or password change the operator
// made may not be in force. This module logs each such failure once (file, line, column, key
// path, what was expected: never the file's content, a URL's password or a credential), counts
// it, remembers the last time the store was in step, and says whether it is stale now, which
// `/readyz` answers with 503 (docs/serve.md, "Health and readiness").

import type { Logger } from 'pino';
import { isGuardError } from '../errors.js';

export interface StoreHealth {
  /** A reload failed: the last good state stays in force. */
  onError(err: unknown): void;
  /** The store is in step again (file re-read, LISTEN connection back). */
  onReloaded(): void;
  /** True from a failed reload until the next successful one. */
  stale(): boolean;
  /** Prometheus text of the store families (appended to `/metrics`). */
  metrics(): string;
}

export function createStoreHealth(logger: Logger, description: () => string, now: () => number): StoreHealth {
  let failures = 0;
  let stale = false;
  let lastSuccessMs = now();
  return {
    onError(err) {
      failures++;
      stale = true;
      const fields: Record<string, unknown> = { store: description() };
      if (isGuardError(err)) {
        fields.code = err.code;
        fields.reason = err.reason;
        if (err.file !== undefined) fields.file = err.file;
        if (err.line !== undefined) fields.line = err.line;
        if (err.column !== undefined) fields.column = err.column;
        if (err.pointer !== undefined) fields.pointer = err.pointer;
        if (err.expected !== undefined) fields.expected = err.expected;
      } else fields.code = 'error';
      logger.error(fields, 'serve.store_reload_failed: the last good credentials stay in force');
    },
    onReloaded() {
      if (stale) logger.warn({ store: description() }, 'serve.store_reloaded: the store is in step again');
      stale = false;
      lastSuccessMs = now();
    },
    stale: () => stale,
    metrics() {
      return (
        '# HELP asyncapi_guard_serve_store_reload_failures_total Credential store reloads that failed ' +
        '(the last good state stayed in force).\n' +
        '# TYPE asyncapi_guard_serve_store_reload_failures_total counter\n' +
        `asyncapi_guard_serve_store_reload_failures_total ${failures}\n` +
        '# HELP asyncapi_guard_serve_store_stale 1 while the credential store is not in step with its source.\n' +
        '# TYPE asyncapi_guard_serve_store_stale gauge\n' +
        `asyncapi_guard_serve_store_stale ${stale ? 1 : 0}\n` +
        '# HELP asyncapi_guard_serve_store_last_success_timestamp_seconds When the credential store was last ' +
        'known in step (opened or reloaded), Unix time.\n' +
        '# TYPE asyncapi_guard_serve_store_last_success_timestamp_seconds gauge\n' +
        `asyncapi_guard_serve_store_last_success_timestamp_seconds ${Math.floor(lastSuccessMs / 1000)}\n`
      );
    },
  };
}
