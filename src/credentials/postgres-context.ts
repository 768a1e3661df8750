// What the `postgres://` store's query modules (postgres-principals.ts, postgres-api-keys.ts)
// share: one object built by createPostgresStore, instead of closures over its variables.

import { StoreError } from '../errors.js';
import type { PostgresConnection } from './postgres-connection.js';
import type { ChangeFeed } from './postgres-changes.js';

export interface PostgresStoreContext {
  readonly db: PostgresConnection;
  /** The quoted schema identifier: validated, and the only identifier interpolated into SQL. */
  readonly S: string;
  /** `postgres://user@host:port/db`, safe to put in errors. */
  readonly description: string;
  readonly changes: ChangeFeed;
  /** Throws ERR_STORE_UNAVAILABLE once the store is closed. */
  readonly ensureOpen: () => void;
  /** Now, for the `created_at` / `updated_at` / `revoked_at` columns. */
  readonly iso: () => Date;
}

export function notFound(ctx: PostgresStoreContext, what: string, expected: string): StoreError {
  return new StoreError('ERR_STORE_NOT_FOUND', what, { file: ctx.description, expected });
}

export function principalNotFound(ctx: PostgresStoreContext, name: string): StoreError {
  return notFound(ctx, `no principal '${name}'`, 'an existing principal (`users list`)');
}
