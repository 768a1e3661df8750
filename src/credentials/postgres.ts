// The `postgres://` store: the same interface on PostgreSQL, for several guards sharing one
// credential database. This file opens it: URL and schema name, connection, migrations, change
// feed, then the store made of its queries. Its parts:
//
//   postgres-connection.ts  URL, pool, query/transaction, failures → ERR_STORE_UNAVAILABLE
//   postgres-migrate.ts     migrations.ts applied under an advisory lock
//   postgres-changes.ts     LISTEN/NOTIFY: other processes' changes, reconnecting
//   postgres-principals.ts  principal and SCRAM verifier queries
//   postgres-api-keys.ts    API key queries
//   postgres-rows.ts        rows → records
//   postgres-context.ts     what the query modules share
//
// Every value goes into a query as a parameter; the only identifier interpolated is the schema
// name, which is validated here and quoted. Infrastructure failures become `ERR_STORE_UNAVAILABLE`;
// their messages name the store as `postgres://user@host:port/db` and never carry the URL's
// password or pg's own text.

import { StoreError, invalidArgType } from '../errors.js';
import { apiKeyQueries } from './postgres-api-keys.js';
import { createChangeFeed } from './postgres-changes.js';
import { openConnection, parsePostgresUrl } from './postgres-connection.js';
import type { PostgresStoreContext } from './postgres-context.js';
import { checkInitialised, migrate } from './postgres-migrate.js';
import { principalQueries } from './postgres-principals.js';
import type { CredentialStore } from './types.js';

export { parsePostgresUrl } from './postgres-connection.js';
export { parseNotification } from './postgres-changes.js';

export const DEFAULT_POSTGRES_SCHEMA = 'asyncapi_guard';

export interface PostgresStoreOptions {
  /**
   * PostgreSQL schema holding the tables (default `asyncapi_guard`; `?schema=` in the URL also sets it).
   * Created if missing.
   */
  readonly schema?: string;
  /** Clock for `created`/`updated` (tests). */
  readonly now?: () => number;
  /** Connections in the pool (default 4), plus one for LISTEN. */
  readonly poolSize?: number;
  /** A query (or connecting) that takes longer fails with ERR_STORE_UNAVAILABLE (default 5000 ms). */
  readonly queryTimeoutMs?: number;
  /** Hold a LISTEN connection so `watch()` hears other processes (default true; the CLI turns it off). */
  readonly listen?: boolean;
  /** The LISTEN connection dropped or came back; changes in between are announced as `reload`. */
  readonly onError?: (error: StoreError) => void;
  /** The LISTEN connection is back after an `onError` (the changes in between were announced as `reload`). */
  readonly onReloaded?: () => void;
  /**
   * Bring the tables to the current version (default true). False for read-only use: nothing is created, and a
   * database without the tables is refused as not initialised (`ERR_STORE_UNAVAILABLE`).
   */
  readonly migrate?: boolean;
}

// A lowercase identifier that needs no quoting rules beyond the quotes; short enough that the
// NOTIFY channel `asyncapi_guard_<schema>` stays within PostgreSQL's 63-byte identifiers.
const SCHEMA_RE = /^[a-z_][a-z0-9_]{0,47}$/;

/**
 * Connects, migrates (versioned, in one transaction under `pg_advisory_xact_lock`, so guards
 * starting together do not race), and listens. Throws `StoreError`: `ERR_STORE_UNAVAILABLE`
 * when the server cannot be reached, `ERR_STORE_INVALID` for a bad URL or schema name, or a
 * database migrated by a newer version.
 */
export async function createPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<CredentialStore> {
  if (typeof url !== 'string') throw invalidArgType('url', 'a string');
  const parsed = parsePostgresUrl(url);
  const description = parsed.description;
  const schemaName = options.schema ?? parsed.schema ?? DEFAULT_POSTGRES_SCHEMA;
  if (!SCHEMA_RE.test(schemaName)) {
    throw new StoreError('ERR_STORE_INVALID', 'not a usable schema name', {
      file: description,
      pointer: 'schema',
      expected: 'a lowercase identifier of up to 48 characters (a-z, 0-9, _), not starting with a digit',
    });
  }
  const now = options.now ?? Date.now;
  const S = `"${schemaName}"`;
  const db = await openConnection(
    parsed.connectionString,
    description,
    options.queryTimeoutMs ?? 5000,
    options.poolSize ?? 4,
  );

  try {
    if (options.migrate === false) await checkInitialised(db, S, schemaName, description);
    else await migrate(db, S, schemaName, description);
  } catch (err) {
    await db.pool.end().catch(() => undefined);
    throw err;
  }

  const changes = createChangeFeed(db, schemaName, description, options.onError, options.onReloaded);
  if (options.listen !== false) {
    try {
      await changes.listen();
    } catch (err) {
      await db.pool.end().catch(() => undefined);
      throw err;
    }
  }

  let closed = false;
  const ctx: PostgresStoreContext = {
    db,
    S,
    description,
    changes,
    ensureOpen: () => {
      if (closed) throw new StoreError('ERR_STORE_UNAVAILABLE', 'the store is closed', { file: description });
    },
    iso: () => new Date(now()),
  };

  const store: CredentialStore = {
    description,
    ...principalQueries(ctx),
    ...apiKeyQueries(ctx),
    watch: changes.watch,
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([changes.close(), db.pool.end().catch(() => undefined)]);
    },
  };
  return store;
}
