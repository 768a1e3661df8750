// The `postgres://` store's rows as pg returns them, and how they become frozen records.

import type { ApiKeyRecord, PrincipalRecord, ScramHash, ScramVerifier } from './types.js';

/** A principal joined with one of its verifiers (or none: the verifier columns are then null). */
export interface PrincipalRow {
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
  /** The Mosquitto verifier's columns (mosquitto_verifiers), null when the principal has none. */
  m_salt: Buffer | null;
  m_iterations: number | null;
  m_hash: Buffer | null;
}

export interface ApiKeyRow {
  id: string;
  principal: string;
  hash: Buffer;
  scopes: string[] | null;
  created_at: Date;
  revoked_at: Date | null;
}

export const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const bytes = (b: Buffer) => new Uint8Array(b);

/** Joined rows (one per verifier) → records, in row order. */
export function toPrincipals(rows: readonly PrincipalRow[]): PrincipalRecord[] {
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
      ...(row.m_salt !== null &&
        row.m_iterations !== null &&
        row.m_hash !== null && {
          mosquitto: Object.freeze({ salt: bytes(row.m_salt), iterations: row.m_iterations, hash: bytes(row.m_hash) }),
        }),
      createdAt: row.created_at.toISOString(),
      updatedAt: row.updated_at.toISOString(),
    }),
  );
}

export function toApiKey(row: ApiKeyRow): ApiKeyRecord {
  return Object.freeze({
    id: row.id,
    principal: row.principal,
    hash: bytes(row.hash),
    scopes: row.scopes === null ? null : Object.freeze([...row.scopes]),
    createdAt: row.created_at.toISOString(),
    revokedAt: row.revoked_at === null ? null : row.revoked_at.toISOString(),
  });
}
