// The API key check shared by apiKey (login field) and httpApiKey (header, query, cookie).
// Checks: the `agk_<id>_<secret>` form (`malformed` otherwise), the key id exists and the
// secret's SHA-256 matches the stored hash in constant time (both failures answer `unknown_key`,
// so a client cannot tell a wrong secret from an unknown id; the id is the subject), not
// revoked, the principal exists and is not disabled; scopes = the key's scopes ∩ the
// principal's (a key never grants more than its principal), or the principal's when the key has
// none. A store that throws or rejects → `store_unavailable`.
// Does not check: throttling (the guard's), where the key travelled (a key in a query string
// lands in access logs: prefer a header).

import { createHash } from 'node:crypto';
import { apiKeySecretMatches, parseApiKey } from '../../credentials/api-keys.js';
import type { ApiKeyRecord, CredentialStore, PrincipalRecord } from '../../credentials/types.js';
import type { VerifyOutcome } from '../types.js';
import { intersectScopes, invalid, makePrincipal, ok } from './outcomes.js';

/** The key id a presented value claims, or null when it is not one of our keys. Never a secret. */
export function apiKeyIdOf(value: string | null): string | null {
  return value === null ? null : (parseApiKey(value)?.id ?? null);
}

/** Verifies a presented API key (non-empty text). Never throws. */
export async function verifyApiKey(store: CredentialStore, scheme: string, value: string): Promise<VerifyOutcome> {
  const parsed = parseApiKey(value);
  if (parsed === null) return invalid('malformed');
  const { id, secret } = parsed;
  let record: ApiKeyRecord | null;
  try {
    record = await store.getApiKey(id);
  } catch {
    return invalid('store_unavailable', id);
  }
  if (record === null || record === undefined || !(record.hash instanceof Uint8Array)) {
    // Same hashing work as a real comparison.
    createHash('sha256').update(secret, 'utf8').digest();
    return invalid('unknown_key', id);
  }
  if (!apiKeySecretMatches(secret, record.hash)) return invalid('unknown_key', id);
  if (record.revokedAt !== null && record.revokedAt !== undefined) return invalid('revoked', id);
  let principal: PrincipalRecord | null;
  try {
    principal = await store.getPrincipal(record.principal);
  } catch {
    return invalid('store_unavailable', id);
  }
  if (principal === null || principal === undefined) return invalid('unknown_principal', id);
  if (principal.disabled) return invalid('disabled', id);
  const scopes =
    record.scopes === null || record.scopes === undefined
      ? principal.scopes
      : intersectScopes(record.scopes, principal.scopes);
  return ok(makePrincipal(principal.name, scheme, scopes, { keyId: id }));
}
