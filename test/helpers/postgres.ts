// The REAL PostgreSQL on 127.0.0.1:5432 (trust auth; CI starts it: .ci/run). Tests that need it
// FAIL when it is not reachable, they never skip. Schemas made here have random names; callers
// drop them with `dropSchema` when done.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The first user/database pair that answers: `postgres` then `root`; `test` then `postgres`. */
export async function findPostgresUrl(): Promise<string> {
  const tried: string[] = [];
  for (const user of ['postgres', 'root']) {
    for (const db of ['test', 'postgres']) {
      const url = `postgres://${user}@127.0.0.1:5432/${db}`;
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
      try {
        await client.connect();
        await client.query('SELECT 1');
        return url;
      } catch (err) {
        tried.push(`${user}@${db}: ${(err as Error).message}`);
      } finally {
        await client.end().catch(() => undefined);
      }
    }
  }
  throw new Error(`PostgreSQL is not reachable on 127.0.0.1:5432 (${tried.join('; ')}); CI starts it (.ci/run)`);
}

/** A fresh schema name for one test file (`agk_test_<random>`). */
export function randomSchemaName(): string {
  return `agk_test_${randomBytes(6).toString('hex')}`;
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`not a schema name: ${schema}`);
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
