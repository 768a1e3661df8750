// Password checks against stored SCRAM verifiers: one stored form (salt, iterations, StoredKey,
// ServerKey; never the password) serves userPassword, plain, http basic and SCRAM alike.
// RFC 5802 §3: SaltedPassword = Hi(SASLprep(password), salt, i); ClientKey = HMAC(SaltedPassword,
// "Client Key"); the password is right when H(ClientKey) equals the stored StoredKey.

import { timingSafeEqual } from 'node:crypto';
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
