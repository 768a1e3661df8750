// The `postgres://` store's API keys: the SHA-256 of each key's secret part, never the key. A new
// key is drawn until its id is unused; a revoked key is kept (for listing) with its revocation time.

import { StoreError } from '../errors.js';
import { generateApiKey, isApiKeyId } from './api-keys.js';
import { normalizePrincipalName } from './memory.js';
import { notFound, principalNotFound, type PostgresStoreContext } from './postgres-context.js';
import { compare, toApiKey, type ApiKeyRow } from './postgres-rows.js';
import { checkScopes } from './scopes.js';
import type { CredentialStore } from './types.js';

export type ApiKeyQueries = Pick<CredentialStore, 'getApiKey' | 'listApiKeys' | 'createApiKey' | 'revokeApiKey'>;

export function apiKeyQueries(ctx: PostgresStoreContext): ApiKeyQueries {
  const { db, S, description, changes, ensureOpen, iso } = ctx;
  return {
    async getApiKey(id) {
      ensureOpen();
      if (!isApiKeyId(id)) return null; // cannot exist (the table's CHECK); saves a round trip on junk
      const res = await db.query<ApiKeyRow>(`SELECT * FROM ${S}.api_keys WHERE id = $1`, [id]);
      return res.rows[0] === undefined ? null : toApiKey(res.rows[0]);
    },
    async listApiKeys(principal) {
      ensureOpen();
      const res =
        principal === undefined
          ? await db.query<ApiKeyRow>(`SELECT * FROM ${S}.api_keys`)
          : await db.query<ApiKeyRow>(`SELECT * FROM ${S}.api_keys WHERE principal = $1`, [principal]);
      return res.rows.map(toApiKey).sort((a, b) => compare(a.createdAt, b.createdAt) || compare(a.id, b.id));
    },
    async createApiKey(principal, opts) {
      ensureOpen();
      const name = normalizePrincipalName(principal, description);
      const scopes = opts?.scopes === undefined ? null : checkScopes(opts.scopes, description);
      const at = iso();
      for (let attempt = 0; ; attempt++) {
        const generated = generateApiKey();
        const outcome = await db.transaction(async (q) => {
          // Locks the principal row so a concurrent remove cannot leave a key behind.
          if ((await q(`SELECT 1 FROM ${S}.principals WHERE name = $1 FOR SHARE`, [name])).rowCount === 0)
            throw principalNotFound(ctx, name);
          const res = await q(
            `INSERT INTO ${S}.api_keys (id, principal, hash, scopes, created_at, revoked_at)
             VALUES ($1, $2, $3, $4, $5, NULL)
             ON CONFLICT (id) DO NOTHING RETURNING *`,
            [generated.id, name, Buffer.from(generated.hash), scopes, at],
          );
          if (res.rowCount === 0) return null; // an id collision (60 bits): draw again
          await q(changes.notifySql, [changes.payload({ kind: 'apiKey', id: generated.id, principal: name })]);
          return toApiKey(res.rows[0] as ApiKeyRow);
        });
        if (outcome !== null) {
          changes.emit({ kind: 'apiKey', id: outcome.id, principal: name });
          return { record: outcome, key: generated.key };
        }
        if (attempt >= 5)
          throw new StoreError('ERR_STORE_UNAVAILABLE', 'could not draw an unused key id', { file: description });
      }
    },
    async revokeApiKey(id) {
      ensureOpen();
      const missing = () =>
        notFound(ctx, `no API key '${isApiKeyId(id) ? id : '(malformed id)'}'`, 'an existing key id (`keys list`)');
      if (!isApiKeyId(id)) throw missing();
      const result = await db.transaction(async (q) => {
        const res = await q(
          `UPDATE ${S}.api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING *`,
          [id, iso()],
        );
        if (res.rowCount !== 0) {
          const record = toApiKey(res.rows[0] as ApiKeyRow);
          await q(changes.notifySql, [changes.payload({ kind: 'apiKey', id, principal: record.principal })]);
          return { record, changed: true };
        }
        const existing = await q(`SELECT * FROM ${S}.api_keys WHERE id = $1`, [id]);
        if (existing.rowCount === 0) throw missing();
        return { record: toApiKey(existing.rows[0] as ApiKeyRow), changed: false }; // already revoked: unchanged
      });
      if (result.changed) changes.emit({ kind: 'apiKey', id, principal: result.record.principal });
      return result.record;
    },
  };
}
