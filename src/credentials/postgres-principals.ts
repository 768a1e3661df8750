// The `postgres://` store's principals: reads are primary-key lookups on every call (no cache), so
// a change made by any guard or CLI is seen by all at once; each change is one transaction that
// also NOTIFYs the other processes (postgres-changes.ts). A principal's SCRAM verifiers live in
// their own table, one row per hash, never a password.

import { StoreError } from '../errors.js';
import { saslprep } from '../sasl/saslprep.js';
import {
  DEFAULT_PASSWORD_ITERATIONS,
  deriveVerifiers,
  nextMosquittoVerifier,
  normalizePrincipalName,
} from './memory.js';
import type { MosquittoVerifier } from './mosquitto-verifier.js';
import type { Query } from './postgres-connection.js';
import { principalNotFound, type PostgresStoreContext } from './postgres-context.js';
import { compare, toPrincipals, type PrincipalRow } from './postgres-rows.js';
import { checkScopes } from './scopes.js';
import type { CredentialStore, PrincipalRecord, ScramHash, ScramVerifier } from './types.js';

export type PrincipalQueries = Pick<
  CredentialStore,
  'getPrincipal' | 'listPrincipals' | 'addPrincipal' | 'setPassword' | 'setScopes' | 'setDisabled' | 'removePrincipal'
>;

export function principalQueries(ctx: PostgresStoreContext): PrincipalQueries {
  const { db, S, description, changes, ensureOpen, iso } = ctx;

  const principalSelect = `SELECT p.name, p.scopes, p.disabled, p.created_at, p.updated_at,
      v.hash, v.salt, v.iterations, v.stored_key, v.server_key,
      m.salt AS m_salt, m.iterations AS m_iterations, m.hash AS m_hash
    FROM ${S}.principals p LEFT JOIN ${S}.scram_verifiers v ON v.principal = p.name
      LEFT JOIN ${S}.mosquitto_verifiers m ON m.principal = p.name`;
  const readPrincipal = async (q: Query, name: string): Promise<PrincipalRecord | null> =>
    toPrincipals((await q(`${principalSelect} WHERE p.name = $1`, [name])).rows as PrincipalRow[])[0] ?? null;
  const poolQ = (text: string, values?: unknown[]) => db.query(text, values);

  /** Updates a principal's row (and whatever `more` does) in one transaction; notifies; returns the new record. */
  const updatePrincipal = async (
    name: string,
    set: { column: 'scopes' | 'disabled' | null; value?: unknown },
    more?: (q: Query, key: string) => Promise<void>,
  ): Promise<PrincipalRecord> => {
    ensureOpen();
    const key = normalizePrincipalName(name, description);
    const record = await db.transaction(async (q) => {
      const sql =
        set.column === null
          ? `UPDATE ${S}.principals SET updated_at = $2 WHERE name = $1`
          : `UPDATE ${S}.principals SET updated_at = $2, ${set.column} = $3 WHERE name = $1`;
      const res = await q(sql, set.column === null ? [key, iso()] : [key, iso(), set.value]);
      if (res.rowCount === 0) throw principalNotFound(ctx, key);
      if (more) await more(q, key);
      await q(changes.notifySql, [changes.payload({ kind: 'principal', name: key })]);
      return (await readPrincipal(q, key))!;
    });
    changes.emit({ kind: 'principal', name: key });
    return record;
  };
  const insertVerifiers = async (q: Query, key: string, verifiers: Partial<Record<ScramHash, ScramVerifier>>) => {
    for (const v of Object.values(verifiers)) {
      await q(
        `INSERT INTO ${S}.scram_verifiers (principal, hash, salt, iterations, stored_key, server_key)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [key, v.hash, Buffer.from(v.salt), v.iterations, Buffer.from(v.storedKey), Buffer.from(v.serverKey)],
      );
    }
  };

  const replaceMosquittoVerifier = async (q: Query, key: string, verifier: MosquittoVerifier | undefined) => {
    await q(`DELETE FROM ${S}.mosquitto_verifiers WHERE principal = $1`, [key]);
    if (verifier === undefined) return;
    await q(`INSERT INTO ${S}.mosquitto_verifiers (principal, salt, iterations, hash) VALUES ($1, $2, $3, $4)`, [
      key,
      Buffer.from(verifier.salt),
      verifier.iterations,
      Buffer.from(verifier.hash),
    ]);
  };

  return {
    async getPrincipal(name) {
      ensureOpen();
      const prepared = typeof name === 'string' ? saslprep(name, { allowUnassigned: true }) : null;
      // Longer names cannot be stored (normalizePrincipalName): no round trip for them.
      if (prepared === null || !prepared.ok || prepared.value.length > 255) return null;
      return readPrincipal(poolQ, prepared.value);
    },
    async listPrincipals() {
      ensureOpen();
      const res = await db.query<PrincipalRow>(principalSelect);
      return toPrincipals(res.rows).sort((a, b) => compare(a.name, b.name));
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
      if ((await db.query(`SELECT 1 FROM ${S}.principals WHERE name = $1`, [name])).rowCount !== 0) throw conflict();
      const iterations = input.iterations ?? DEFAULT_PASSWORD_ITERATIONS;
      const verifiers = input.password === undefined ? {} : await deriveVerifiers(input.password, iterations);
      const mosquitto =
        input.password === undefined
          ? undefined
          : await nextMosquittoVerifier(input.password, iterations, input.mosquitto, false);
      const at = iso();
      const record = await db.transaction(async (q) => {
        const res = await q(
          `INSERT INTO ${S}.principals (name, scopes, disabled, created_at, updated_at)
           VALUES ($1, $2, false, $3, $3) ON CONFLICT (name) DO NOTHING`,
          [name, scopes, at],
        );
        if (res.rowCount === 0) throw conflict();
        await insertVerifiers(q, name, verifiers);
        await replaceMosquittoVerifier(q, name, mosquitto);
        await q(changes.notifySql, [changes.payload({ kind: 'principal', name })]);
        return (await readPrincipal(q, name))!;
      });
      changes.emit({ kind: 'principal', name });
      return record;
    },
    async setPassword(name, password, opts) {
      ensureOpen();
      const key = normalizePrincipalName(name, description);
      const had = await db.query(
        `SELECT p.name, m.principal IS NOT NULL AS had FROM ${S}.principals p
           LEFT JOIN ${S}.mosquitto_verifiers m ON m.principal = p.name WHERE p.name = $1`,
        [key],
      );
      if (had.rowCount === 0) throw principalNotFound(ctx, key);
      const iterations = opts?.iterations ?? DEFAULT_PASSWORD_ITERATIONS;
      const verifiers = await deriveVerifiers(password, iterations);
      const hadMosquitto = (had.rows[0] as { had: boolean }).had;
      const mosquitto = await nextMosquittoVerifier(password, iterations, opts?.mosquitto, hadMosquitto);
      return updatePrincipal(key, { column: null }, async (q, k) => {
        await q(`DELETE FROM ${S}.scram_verifiers WHERE principal = $1`, [k]);
        await insertVerifiers(q, k, verifiers);
        await replaceMosquittoVerifier(q, k, mosquitto);
      });
    },
    setScopes: async (name, scopes) =>
      updatePrincipal(name, { column: 'scopes', value: checkScopes(scopes, description) }),
    setDisabled: async (name, disabled) => updatePrincipal(name, { column: 'disabled', value: disabled === true }),
    async removePrincipal(name) {
      ensureOpen();
      const key = normalizePrincipalName(name, description);
      await db.transaction(async (q) => {
        // The principal's verifiers and keys go with it (ON DELETE CASCADE).
        const res = await q(`DELETE FROM ${S}.principals WHERE name = $1`, [key]);
        if (res.rowCount === 0) throw principalNotFound(ctx, key);
        await q(changes.notifySql, [changes.payload({ kind: 'principal', name: key })]);
      });
      changes.emit({ kind: 'principal', name: key });
    },
  };
}
