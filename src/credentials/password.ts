// Password checks against stored SCRAM verifiers: one stored form (salt, iterations, StoredKey,
// ServerKey; never the password) serves userPassword, plain, http basic and SCRAM alike.
// RFC 5802 §3: SaltedPassword = Hi(SASLprep(password), salt, i); ClientKey = HMAC(SaltedPassword,
// "Client Key"); the password is right when H(ClientKey) equals the stored StoredKey.

import { createHash, timingSafeEqual } from 'node:crypto';
import { computeSaltedPassword, computeScramKeys, scramDigests } from '../sasl/scram.js';
import { saslprep } from '../sasl/saslprep.js';
import type { PrincipalRecord, ScramHash, ScramVerifier } from './types.js';

/**
 * Which stored verifier a plain password is checked against: SHA-256 first, since `users add` always writes both and
 * SHA-256 is the one SCRAM-only stores are most likely to hold.
 */
const PREFERRED: readonly ScramHash[] = ['SHA-256', 'SHA-512'];

/** The verifier a password check uses, or null when the principal has no password. */
export function passwordVerifierOf(record: PrincipalRecord): ScramVerifier | null {
  for (const h of PREFERRED) {
    const v = record.verifiers[h];
    if (v !== undefined) return v;
  }
  return null;
}

/**
 * Is `password` the one the verifier was derived from? Constant-time comparison of the derived
 * StoredKey. SASLprep (query mode) is applied first, as for SCRAM; a password SASLprep refuses
 * is simply wrong. Costs one PBKDF2 at the verifier's iteration count (that is the point).
 */
export async function checkPassword(password: string, verifier: ScramVerifier): Promise<boolean> {
  const prepared = saslprep(password, { allowUnassigned: true });
  if (!prepared.ok) return false;
  const digest = scramDigests[verifier.hash];
  const salted = await computeSaltedPassword(digest, prepared.value, verifier.salt, verifier.iterations);
  const { storedKey } = computeScramKeys(digest, salted);
  salted.fill(0);
  return storedKey.length === verifier.storedKey.length && timingSafeEqual(storedKey, verifier.storedKey);
}

/**
 * Which password a principal has, as a short fingerprint: SHA-256 over its verifiers' hash names and salts (public in
 * SCRAM; no key or password goes in), first 16 hex digits. A password change draws new salts, so the fingerprint
 * changes; a change of scopes or of the disabled flag keeps it. Null for a principal without a password. Sessions
 * carry it (`principal.claims.passwordId`), so `serve` ends those opened with a password that was changed since.
 */
export function passwordIdOf(record: PrincipalRecord): string | null {
  const h = createHash('sha256');
  let any = false;
  for (const name of ['SHA-256', 'SHA-512'] as const) {
    const v = record.verifiers[name];
    if (v === undefined || !(v.salt instanceof Uint8Array)) continue;
    any = true;
    h.update(`${name}:${v.salt.length}:`).update(v.salt);
  }
  return any ? h.digest('hex').slice(0, 16) : null;
}
