// The `postgres://` store's connection: the URL (described without its password), the pool, one
// query or one transaction at a time, and the mapping of every infrastructure failure to
// `ERR_STORE_UNAVAILABLE`, whose message names the store as `postgres://user@host:port/db` and never
// carries the URL's password or pg's own text.

import type pg from 'pg';
import { StoreError } from '../errors.js';

/** Runs one statement with its values as parameters (never interpolated). */
export type Query = (text: string, values?: unknown[]) => Promise<pg.QueryResult>;

export interface ParsedUrl {
  readonly connectionString: string;
  readonly description: string;
  readonly schema: string | null;
}

/**
 * Splits off `?schema=`, and describes the URL without its password. Throws ERR_STORE_INVALID
 * (never quoting the URL).
 */
export function parsePostgresUrl(url: string): ParsedUrl {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new StoreError('ERR_STORE_INVALID', 'not a valid PostgreSQL URL', {
      pointer: 'store',
      expected: 'postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE',
    });
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new StoreError('ERR_STORE_INVALID', 'not a PostgreSQL URL', {
      pointer: 'store',
      expected: 'postgres:// or postgresql://',
    });
  }
  const schema = u.searchParams.get('schema');
  u.searchParams.delete('schema');
  const user = u.username === '' ? '' : `${decodeURIComponent(u.username)}@`;
  const host = u.hostname === '' ? 'localhost' : u.hostname;
  const port = u.port === '' ? '5432' : u.port;
  const db = u.pathname.length > 1 ? decodeURIComponent(u.pathname.slice(1)) : '';
  return { connectionString: u.toString(), description: `postgres://${user}${host}:${port}/${db}`, schema };
}

export interface PostgresConnection {
  /** The `pg` module, loaded when the store was opened. */
  readonly pg: typeof pg;
  /** What the pool connects with; the LISTEN connection uses it too. */
  readonly clientConfig: pg.ClientConfig;
  readonly pool: pg.Pool;
  /** One statement on any pooled connection. */
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
  /** BEGIN … COMMIT on one connection; ROLLBACK on any failure. */
  transaction<T>(work: (q: Query) => Promise<T>): Promise<T>;
}

/**
 * Loads `pg` and makes the pool (it connects on the first query). A query, or connecting, that takes
 * longer than `timeoutMs` fails with ERR_STORE_UNAVAILABLE.
 */
export async function openConnection(
  connectionString: string,
  description: string,
  timeoutMs: number,
  poolSize: number,
): Promise<PostgresConnection> {
  const clientConfig: pg.ClientConfig = {
    connectionString,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
    application_name: 'asyncapi-guard',
  };
  // `pg` is loaded only when a postgres:// store is opened, so `check` and file stores never pay for it.
  const { default: pgModule } = await import('pg');
  const pool = new pgModule.Pool({ ...clientConfig, max: poolSize, idleTimeoutMillis: 30_000 });
  // An idle connection that dies (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);

  const fail = (err: unknown): never => {
    if (err instanceof StoreError) throw err;
    throw unavailable(description, err);
  };

  return {
    pg: pgModule,
    clientConfig,
    pool,
    async query<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<pg.QueryResult<R>> {
      try {
        return await pool.query<R>(text, values);
      } catch (err) {
        return fail(err);
      }
    },
    async transaction<T>(work: (q: Query) => Promise<T>): Promise<T> {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        return fail(err);
      }
      let broken = false;
      try {
        await client.query('BEGIN');
        const result = await work((text, values = []) => client.query(text, values));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        return fail(err);
      } finally {
        client.release(broken);
      }
    },
  };
}

// pg's own error texts are not ours to pass on (some quote a connection parameter): the errno or
// SQLSTATE code, and for SQLSTATE 28000 whether the text is PostgreSQL's "role … does not exist",
// decide which of our own sentences is said. The user, host, port and database come from the
// description, which never holds the password.
export function unavailable(description: string, err: unknown): StoreError {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' && /^[A-Z0-9_]{1,32}$/.test(e.code) ? e.code : null;
  const message = typeof e?.message === 'string' ? e.message : '';
  const { reason, expected } = explain(code, message, description);
  return new StoreError('ERR_STORE_UNAVAILABLE', reason, { file: description, expected });
}

interface Explained {
  readonly reason: string;
  readonly expected: string;
}

function explain(code: string | null, message: string, description: string): Explained {
  const u = /^postgres:\/\/(?:([^@/]*)@)?([^/]*)\/(.*)$/.exec(description);
  const user = u?.[1] ?? '';
  const host = u?.[2] ?? '';
  const db = u?.[3] ?? '';
  const role = user === '' ? 'the connecting role' : `role ${user}`;
  const sqlstate = code !== null && /^[0-9A-Z]{5}$/.test(code) && /\d/.test(code) ? code : null;
  const tag = sqlstate !== null ? ` (SQLSTATE ${sqlstate})` : code !== null ? ` (${code})` : '';
  switch (code) {
    case 'ECONNREFUSED':
      return {
        reason: `the database is unreachable: connection refused at ${host}${tag}`,
        expected: 'a PostgreSQL server listening at that host and port',
      };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return {
        reason: `the database is unreachable: the host name does not resolve${tag}`,
        expected: 'a host name or address that resolves',
      };
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ECONNRESET':
    case 'EPIPE':
      return {
        reason: `the database is unreachable at ${host}${tag}`,
        expected: 'a reachable PostgreSQL server (network, firewall)',
      };
    case '28P01':
      return {
        reason: `authentication failed for ${role}${tag}`,
        expected: 'the right password for that role in the URL (or in PGPASSWORD / ~/.pgpass)',
      };
    case '28000':
      return /^role "[^"]*" does not exist$/.test(message)
        ? {
            reason: `${role} does not exist on the server${tag}`,
            expected: `an existing role that may log in (CREATE ROLE ${user === '' ? 'NAME' : user} LOGIN)`,
          }
        : {
            reason: `the server refused the connection of ${role} (authentication rules)${tag}`,
            expected: 'a pg_hba.conf entry that lets this role connect to this database from here',
          };
    case '3D000':
      return {
        reason: `database ${db === '' ? '(default)' : db} does not exist${tag}`,
        expected: `an existing database (CREATE DATABASE ${db === '' ? 'NAME' : db})`,
      };
    case '42501':
      return {
        reason: `${role} lacks a privilege the store needs${tag}`,
        expected: 'a role that may use the schema (and create its tables, for commands that write)',
      };
    case '53300':
      return {
        reason: `the server has no free connection${tag}`,
        expected: 'fewer clients, or a larger max_connections',
      };
    case '57P03':
      return { reason: `the server is starting up or shutting down${tag}`, expected: 'a server accepting connections' };
    default:
      break;
  }
  if (code === null && /password must be a string|no password/i.test(message))
    return {
      reason: `the server asks ${role} for a password and none was given`,
      expected: 'a password in the URL (or in PGPASSWORD / ~/.pgpass)',
    };
  if (code === null && /timeout|timed out/i.test(message))
    return {
      reason: 'the database did not answer in time (timeout)',
      expected: 'a reachable PostgreSQL server that answers within the query timeout',
    };
  const what = sqlstate !== null ? `SQLSTATE ${sqlstate}` : (code ?? 'connection failed');
  return {
    reason: `the database did not answer (${what})`,
    expected: 'a reachable PostgreSQL server and a user that may create tables in the schema',
  };
}
