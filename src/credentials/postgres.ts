// The `postgres://` store: the same interface on PostgreSQL, for several guards sharing one
// credential database. Reads are primary-key lookups on every call (no cache), so a change made
// by any guard or CLI is seen by all at once; `watch()` hears other processes' changes through
// LISTEN/NOTIFY (payload: kind, name/id, principal; never a secret). Every value goes into a
// query as a parameter; the only identifier interpolated is the schema name, which is validated
// and quoted. Infrastructure failures become `ERR_STORE_UNAVAILABLE`; their messages name the
// store as `postgres://user@host:port/db` and never carry the URL's password or pg's own text.

import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { StoreError, invalidArgType } from '../errors.js';
import { saslprep } from '../sasl/saslprep.js';
import { generateApiKey, isApiKeyId } from './api-keys.js';
import { DEFAULT_PASSWORD_ITERATIONS, deriveVerifiers, normalizePrincipalName } from './memory.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, VERSION_TABLE_SQL } from './migrations.js';
import { checkScopes } from './scopes.js';
import type { ApiKeyRecord, CredentialStore, PrincipalRecord, ScramHash, ScramVerifier, StoreChange } from './types.js';

export const DEFAULT_POSTGRES_SCHEMA = 'asyncapi_guard';

export interface PostgresStoreOptions {
  /** PostgreSQL schema holding the tables (default `asyncapi_guard`; `?schema=` in the URL also sets it). Created if missing. */
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
}

// A lowercase identifier that needs no quoting rules beyond the quotes; short enough that the
// NOTIFY channel `asyncapi_guard_<schema>` stays within PostgreSQL's 63-byte identifiers.
const SCHEMA_RE = /^[a-z_][a-z0-9_]{0,47}$/;

interface ParsedUrl {
  readonly connectionString: string;
  readonly description: string;
  readonly schema: string | null;
}

/** Splits off `?schema=`, and describes the URL without its password. Throws ERR_STORE_INVALID (never quoting the URL). */
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
  const timeout = options.queryTimeoutMs ?? 5000;
  const S = `"${schemaName}"`;
  const channel = `asyncapi_guard_${schemaName}`;
  const origin = randomBytes(8).toString('hex');
  const clientConfig: pg.ClientConfig = {
    connectionString: parsed.connectionString,
    connectionTimeoutMillis: timeout,
    query_timeout: timeout,
    application_name: 'asyncapi-guard',
  };
  // `pg` is loaded only when a postgres:// store is opened, so `check` and file stores never pay for it.
  const { default: pgModule } = await import('pg');
  const pool = new pgModule.Pool({ ...clientConfig, max: options.poolSize ?? 4, idleTimeoutMillis: 30_000 });
  // An idle connection that dies (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);

  const fail = (err: unknown): never => {
    if (err instanceof StoreError) throw err;
    throw unavailable(description, err);
  };
  const query = async <R extends pg.QueryResultRow>(
    text: string,
    values: unknown[] = [],
  ): Promise<pg.QueryResult<R>> => {
    try {
      return await pool.query<R>(text, values);
    } catch (err) {
      return fail(err);
    }
  };
  /** BEGIN … COMMIT on one connection; ROLLBACK on any failure. */
  const transaction = async <T>(
    work: (q: (text: string, values?: unknown[]) => Promise<pg.QueryResult>) => Promise<T>,
  ): Promise<T> => {
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
  };

  try {
    await migrate(transaction, S, schemaName, description);
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }

  const listeners = new Set<(change: StoreChange) => void>();
  const emit = (change: StoreChange) => {
    for (const l of [...listeners]) {
      try {
        l(change);
      } catch {
        // A watcher's failure is its own.
      }
    }
  };
  let closed = false;
  let listener: pg.Client | null = null;
  let retry: NodeJS.Timeout | null = null;

  const onNotification = (msg: pg.Notification) => {
    if (msg.channel !== channel || msg.payload === undefined) return;
    const change = parseNotification(msg.payload, origin);
    if (change !== null) emit(change);
  };
  const connectListener = async (): Promise<void> => {
    const client = new pgModule.Client(clientConfig);
    client.on('error', () => undefined); // handled by 'end'
    try {
      await client.connect();
      await client.query(`LISTEN "${channel}"`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw unavailable(description, err);
    }
    client.on('notification', onNotification);
    client.on('end', () => {
      if (closed || listener !== client) return;
      listener = null;
      options.onError?.(
        new StoreError('ERR_STORE_UNAVAILABLE', 'the LISTEN connection was lost; reconnecting', { file: description }),
      );
      scheduleReconnect(500);
    });
    listener = client;
  };
  const scheduleReconnect = (delay: number) => {
    if (closed) return;
    retry = setTimeout(() => {
      retry = null;
      connectListener().then(
        // Notifications sent while we were away are lost: everything may have changed.
        () => emit({ kind: 'reload' }),
        (err: unknown) => {
          if (err instanceof StoreError) options.onError?.(err);
          scheduleReconnect(Math.min(delay * 2, 30_000));
        },
      );
    }, delay);
    retry.unref();
  };
  if (options.listen !== false) {
    try {
      await connectListener();
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw err;
    }
  }

  const ensureOpen = () => {
    if (closed) throw new StoreError('ERR_STORE_UNAVAILABLE', 'the store is closed', { file: description });
  };
  const iso = () => new Date(now());
  /** Notified inside the transaction: PostgreSQL delivers it on COMMIT only. */
  const notifySql = `SELECT pg_notify('${channel}', $1)`;
  const payload = (change: StoreChange) => JSON.stringify({ ...change, origin });
  const notFound = (what: string, expected: string) =>
    new StoreError('ERR_STORE_NOT_FOUND', what, { file: description, expected });
  const principalNotFound = (name: string) =>
    notFound(`no principal '${name}'`, 'an existing principal (`users list`)');

  const principalSelect = `SELECT p.name, p.scopes, p.disabled, p.created_at, p.updated_at,
      v.hash, v.salt, v.iterations, v.stored_key, v.server_key
    FROM ${S}.principals p LEFT JOIN ${S}.scram_verifiers v ON v.principal = p.name`;
  const readPrincipal = async (
    q: (text: string, values?: unknown[]) => Promise<pg.QueryResult>,
    name: string,
  ): Promise<PrincipalRecord | null> =>
    toPrincipals((await q(`${principalSelect} WHERE p.name = $1`, [name])).rows as PrincipalRow[])[0] ?? null;
  const poolQ = (text: string, values?: unknown[]) => query(text, values);

  /** Updates a principal's row (and whatever `more` does) in one transaction; notifies; returns the new record. */
  const updatePrincipal = async (
    name: string,
    set: { column: 'scopes' | 'disabled' | null; value?: unknown },
    more?: (q: (text: string, values?: unknown[]) => Promise<pg.QueryResult>, key: string) => Promise<void>,
  ): Promise<PrincipalRecord> => {
    ensureOpen();
    const key = normalizePrincipalName(name, description);
    const record = await transaction(async (q) => {
      const sql =
        set.column === null
          ? `UPDATE ${S}.principals SET updated_at = $2 WHERE name = $1`
          : `UPDATE ${S}.principals SET updated_at = $2, ${set.column} = $3 WHERE name = $1`;
      const res = await q(sql, set.column === null ? [key, iso()] : [key, iso(), set.value]);
      if (res.rowCount === 0) throw principalNotFound(key);
      if (more) await more(q, key);
      await q(notifySql, [payload({ kind: 'principal', name: key })]);
      return (await readPrincipal(q, key))!;
    });
    emit({ kind: 'principal', name: key });
    return record;
  };
  const insertVerifiers = async (
    q: (text: string, values?: unknown[]) => Promise<pg.QueryResult>,
    key: string,
    verifiers: Partial<Record<ScramHash, ScramVerifier>>,
  ) => {
    for (const v of Object.values(verifiers)) {
      await q(
        `INSERT INTO ${S}.scram_verifiers (principal, hash, salt, iterations, stored_key, server_key) VALUES ($1, $2, $3, $4, $5, $6)`,
        [key, v.hash, Buffer.from(v.salt), v.iterations, Buffer.from(v.storedKey), Buffer.from(v.serverKey)],
      );
    }
  };

  const store: CredentialStore = {
    description,
    async getPrincipal(name) {
      ensureOpen();
      const prepared = typeof name === 'string' ? saslprep(name, { allowUnassigned: true }) : null;
      // Longer names cannot be stored (normalizePrincipalName): no round trip for them.
      if (prepared === null || !prepared.ok || prepared.value.length > 255) return null;
      return readPrincipal(poolQ, prepared.value);
    },
    async getApiKey(id) {
      ensureOpen();
      if (!isApiKeyId(id)) return null; // cannot exist (the table's CHECK); saves a round trip on junk
      const res = await query<ApiKeyRow>(`SELECT * FROM ${S}.api_keys WHERE id = $1`, [id]);
      return res.rows[0] === undefined ? null : toApiKey(res.rows[0]);
    },
    async listPrincipals() {
      ensureOpen();
      const res = await query<PrincipalRow>(principalSelect);
      return toPrincipals(res.rows).sort((a, b) => compare(a.name, b.name));
    },
    async listApiKeys(principal) {
      ensureOpen();
      const res =
        principal === undefined
          ? await query<ApiKeyRow>(`SELECT * FROM ${S}.api_keys`)
          : await query<ApiKeyRow>(`SELECT * FROM ${S}.api_keys WHERE principal = $1`, [principal]);
      return res.rows.map(toApiKey).sort((a, b) => compare(a.createdAt, b.createdAt) || compare(a.id, b.id));
    },
    async addPrincipal(input) {
      ensureOpen();
      const name = normalizePrincipalName(input.name, description);
      const scopes = checkScopes(input.scopes ?? [], description);
      const conflict = () =>
        new StoreError('ERR_STORE_CONFLICT', `principal '${name}' already exists`, {
          file: description,
          expected: 'a new name, or `users passwd` to change the password',
        });
      // Cheap check first, so a taken name does not cost two PBKDF2 runs; the INSERT decides.
      if ((await query(`SELECT 1 FROM ${S}.principals WHERE name = $1`, [name])).rowCount !== 0) throw conflict();
      const verifiers =
        input.password === undefined
          ? {}
          : await deriveVerifiers(input.password, input.iterations ?? DEFAULT_PASSWORD_ITERATIONS);
      const at = iso();
      const record = await transaction(async (q) => {
        const res = await q(
          `INSERT INTO ${S}.principals (name, scopes, disabled, created_at, updated_at) VALUES ($1, $2, false, $3, $3) ON CONFLICT (name) DO NOTHING`,
          [name, scopes, at],
        );
        if (res.rowCount === 0) throw conflict();
        await insertVerifiers(q, name, verifiers);
        await q(notifySql, [payload({ kind: 'principal', name })]);
        return (await readPrincipal(q, name))!;
      });
      emit({ kind: 'principal', name });
      return record;
    },
    async setPassword(name, password, opts) {
      ensureOpen();
      const key = normalizePrincipalName(name, description);
      if ((await query(`SELECT 1 FROM ${S}.principals WHERE name = $1`, [key])).rowCount === 0)
        throw principalNotFound(key);
      const verifiers = await deriveVerifiers(password, opts?.iterations ?? DEFAULT_PASSWORD_ITERATIONS);
      return updatePrincipal(key, { column: null }, async (q, k) => {
        await q(`DELETE FROM ${S}.scram_verifiers WHERE principal = $1`, [k]);
        await insertVerifiers(q, k, verifiers);
      });
    },
    setScopes: async (name, scopes) =>
      updatePrincipal(name, { column: 'scopes', value: checkScopes(scopes, description) }),
    setDisabled: async (name, disabled) => updatePrincipal(name, { column: 'disabled', value: disabled === true }),
    async removePrincipal(name) {
      ensureOpen();
      const key = normalizePrincipalName(name, description);
      await transaction(async (q) => {
        // The principal's verifiers and keys go with it (ON DELETE CASCADE).
        const res = await q(`DELETE FROM ${S}.principals WHERE name = $1`, [key]);
        if (res.rowCount === 0) throw principalNotFound(key);
        await q(notifySql, [payload({ kind: 'principal', name: key })]);
      });
      emit({ kind: 'principal', name: key });
    },
    async createApiKey(principal, opts) {
      ensureOpen();
      const name = normalizePrincipalName(principal, description);
      const scopes = opts?.scopes === undefined ? null : checkScopes(opts.scopes, description);
      const at = iso();
      for (let attempt = 0; ; attempt++) {
        const generated = generateApiKey();
        const outcome = await transaction(async (q) => {
          // Locks the principal row so a concurrent remove cannot leave a key behind.
          if ((await q(`SELECT 1 FROM ${S}.principals WHERE name = $1 FOR SHARE`, [name])).rowCount === 0)
            throw principalNotFound(name);
          const res = await q(
            `INSERT INTO ${S}.api_keys (id, principal, hash, scopes, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5, NULL)
             ON CONFLICT (id) DO NOTHING RETURNING *`,
            [generated.id, name, Buffer.from(generated.hash), scopes, at],
          );
          if (res.rowCount === 0) return null; // an id collision (60 bits): draw again
          await q(notifySql, [payload({ kind: 'apiKey', id: generated.id, principal: name })]);
          return toApiKey(res.rows[0] as ApiKeyRow);
        });
        if (outcome !== null) {
          emit({ kind: 'apiKey', id: outcome.id, principal: name });
          return { record: outcome, key: generated.key };
        }
        if (attempt >= 5)
          throw new StoreError('ERR_STORE_UNAVAILABLE', 'could not draw an unused key id', { file: description });
      }
    },
    async revokeApiKey(id) {
      ensureOpen();
      const missing = () =>
        notFound(`no API key '${isApiKeyId(id) ? id : '(malformed id)'}'`, 'an existing key id (`keys list`)');
      if (!isApiKeyId(id)) throw missing();
      const result = await transaction(async (q) => {
        const res = await q(
          `UPDATE ${S}.api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING *`,
          [id, iso()],
        );
        if (res.rowCount !== 0) {
          const record = toApiKey(res.rows[0] as ApiKeyRow);
          await q(notifySql, [payload({ kind: 'apiKey', id, principal: record.principal })]);
          return { record, changed: true };
        }
        const existing = await q(`SELECT * FROM ${S}.api_keys WHERE id = $1`, [id]);
        if (existing.rowCount === 0) throw missing();
        return { record: toApiKey(existing.rows[0] as ApiKeyRow), changed: false }; // already revoked: unchanged
      });
      if (result.changed) emit({ kind: 'apiKey', id, principal: result.record.principal });
      return result.record;
    },
    watch(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      if (closed) return;
      closed = true;
      listeners.clear();
      if (retry !== null) clearTimeout(retry);
      const l = listener;
      listener = null;
      await Promise.all([l?.end().catch(() => undefined), pool.end().catch(() => undefined)]);
    },
  };
  return store;
}

// ------------------------------------------------------------------ migration

async function migrate(
  transaction: <T>(
    work: (q: (text: string, values?: unknown[]) => Promise<pg.QueryResult>) => Promise<T>,
  ) => Promise<T>,
  S: string,
  schemaName: string,
  description: string,
): Promise<void> {
  await transaction(async (q) => {
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

// ------------------------------------------------------------------ rows

interface PrincipalRow {
  name: string;
  scopes: string[];
  disabled: boolean;
  created_at: Date;
  updated_at: Date;
  hash: ScramHash | null;
  salt: Buffer | null;
  iterations: number | null;
  stored_key: Buffer | null;
  server_key: Buffer | null;
}

interface ApiKeyRow {
  id: string;
  principal: string;
  hash: Buffer;
  scopes: string[] | null;
  created_at: Date;
  revoked_at: Date | null;
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const bytes = (b: Buffer) => new Uint8Array(b);

/** Joined rows (one per verifier) → records, in row order. */
function toPrincipals(rows: readonly PrincipalRow[]): PrincipalRecord[] {
  const byName = new Map<string, { row: PrincipalRow; verifiers: Partial<Record<ScramHash, ScramVerifier>> }>();
  for (const row of rows) {
    let entry = byName.get(row.name);
    if (entry === undefined) {
      entry = { row, verifiers: {} };
      byName.set(row.name, entry);
    }
    if (
      row.hash !== null &&
      row.salt !== null &&
      row.iterations !== null &&
      row.stored_key !== null &&
      row.server_key !== null
    ) {
      entry.verifiers[row.hash] = Object.freeze({
        hash: row.hash,
        salt: bytes(row.salt),
        iterations: row.iterations,
        storedKey: bytes(row.stored_key),
        serverKey: bytes(row.server_key),
      });
    }
  }
  return [...byName.values()].map(({ row, verifiers }) =>
    Object.freeze({
      name: row.name,
      scopes: Object.freeze([...row.scopes]),
      disabled: row.disabled,
      verifiers: Object.freeze(verifiers),
      createdAt: row.created_at.toISOString(),
      updatedAt: row.updated_at.toISOString(),
    }),
  );
}

function toApiKey(row: ApiKeyRow): ApiKeyRecord {
  return Object.freeze({
    id: row.id,
    principal: row.principal,
    hash: bytes(row.hash),
    scopes: row.scopes === null ? null : Object.freeze([...row.scopes]),
    createdAt: row.created_at.toISOString(),
    revokedAt: row.revoked_at === null ? null : row.revoked_at.toISOString(),
  });
}

/** A NOTIFY payload → a change, or null for our own, a malformed or a foreign one. Bounded: payloads are at most 8000 bytes. */
export function parseNotification(payload: string, origin: string): StoreChange | null {
  let v: unknown;
  try {
    v = JSON.parse(payload);
  } catch {
    return null;
  }
  if (v === null || typeof v !== 'object') return null;
  const o = v as Record<string, unknown>;
  if (o.origin === origin) return null; // ours: already told to our watchers at commit
  if (o.kind === 'principal' && typeof o.name === 'string') return { kind: 'principal', name: o.name };
  if (o.kind === 'apiKey' && typeof o.id === 'string' && typeof o.principal === 'string')
    return { kind: 'apiKey', id: o.id, principal: o.principal };
  if (o.kind === 'reload') return { kind: 'reload' };
  return null;
}

// pg's own error texts are not ours to pass on (some quote a connection parameter); the errno or
// SQLSTATE code says enough to act on.
function unavailable(description: string, err: unknown): StoreError {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' && /^[A-Z0-9_]{1,32}$/.test(e.code) ? e.code : null;
  const timedOut = code === null && typeof e?.message === 'string' && /timeout|timed out/i.test(e.message);
  const what =
    code !== null
      ? /^[0-9A-Z]{5}$/.test(code) && /\d/.test(code)
        ? `SQLSTATE ${code}`
        : code
      : timedOut
        ? 'timeout'
        : 'connection failed';
  return new StoreError('ERR_STORE_UNAVAILABLE', `the database did not answer (${what})`, {
    file: description,
    expected: 'a reachable PostgreSQL server and a user that may create tables in the schema',
  });
}
