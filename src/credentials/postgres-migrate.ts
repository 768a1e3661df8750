// Brings a `postgres://` store's schema to the latest version in migrations.ts: in one transaction
// under `pg_advisory_xact_lock`, so guards starting together do not race. A database migrated by a
// newer asyncapi-guard is refused (ERR_STORE_INVALID) rather than guessed at.

import { StoreError } from '../errors.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, VERSION_TABLE_SQL } from './migrations.js';
import type { PostgresConnection } from './postgres-connection.js';

/** `S` is the quoted schema identifier, `schemaName` the validated bare one. */
export async function migrate(
  db: PostgresConnection,
  S: string,
  schemaName: string,
  description: string,
): Promise<void> {
  await db.transaction(async (q) => {
    // Two guards starting together: the second waits here until the first commits, then finds
    // the tables at the current version. The lock ends with the transaction.
    await q('SELECT pg_advisory_xact_lock(hashtext($1))', [`asyncapi-guard:migrate:${schemaName}`]);
    await q(`CREATE SCHEMA IF NOT EXISTS ${S}`);
    await q(VERSION_TABLE_SQL.replaceAll('{{schema}}', S));
    const res = await q(`SELECT coalesce(max(version), 0) AS version FROM ${S}.schema_version`);
    const current = Number((res.rows[0] as { version: number }).version);
    if (current > LATEST_SCHEMA_VERSION) {
      throw new StoreError(
        'ERR_STORE_INVALID',
        `the database schema is at version ${current}, newer than this asyncapi-guard knows (${LATEST_SCHEMA_VERSION})`,
        {
          file: description,
          expected: 'an asyncapi-guard release at least as new as the one that migrated this database',
        },
      );
    }
    for (const m of MIGRATIONS) {
      if (m.version <= current) continue;
      await q(m.sql.replaceAll('{{schema}}', S));
      await q(`INSERT INTO ${S}.schema_version (version, description) VALUES ($1, $2)`, [m.version, m.description]);
    }
  });
}

/**
 * For read-only use: the tables exist and are at the version this release knows. Creates nothing. Throws
 * ERR_STORE_UNAVAILABLE "not initialised" (naming the command that initialises it), or ERR_STORE_INVALID for a
 * database migrated by a newer or older release.
 */
export async function checkInitialised(
  db: PostgresConnection,
  S: string,
  schemaName: string,
  description: string,
): Promise<void> {
  const present = await db.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [
    `${S}.schema_version`,
  ]);
  if (present.rows[0]?.present !== true) {
    throw new StoreError('ERR_STORE_UNAVAILABLE', `the store is not initialised (no tables in schema ${schemaName})`, {
      file: description,
      expected:
        'a store initialised by a command that writes (`asyncapi-guard users add NAME --store …`) or by `serve`',
    });
  }
  const res = await db.query<{ version: number }>(
    `SELECT coalesce(max(version), 0) AS version FROM ${S}.schema_version`,
  );
  const current = Number(res.rows[0]?.version ?? 0);
  if (current === LATEST_SCHEMA_VERSION) return;
  throw new StoreError(
    'ERR_STORE_INVALID',
    current > LATEST_SCHEMA_VERSION
      ? `the database schema is at version ${current}, newer than this asyncapi-guard knows (${LATEST_SCHEMA_VERSION})`
      : `the database schema is at version ${current}, older than this asyncapi-guard needs (${LATEST_SCHEMA_VERSION})`,
    {
      file: description,
      expected:
        current > LATEST_SCHEMA_VERSION
          ? 'an asyncapi-guard release at least as new as the one that migrated this database'
          : 'a migrated store: any command that writes (`users add`, `users passwd`, …) or `serve` migrates it',
    },
  );
}
