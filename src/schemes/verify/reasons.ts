// Why a presented credential was refused: one closed list, as data, so the guard can check a
// plug-in's answer and count each reason without a second copy of it.

export const invalidReasons = [
  'malformed', // not well-formed for the scheme (bad base64, bad UTF-8, bad key format, oversized)
  'bad_password', // wrong password, or a principal that has no password
  'unknown_principal', // no such user (audit only: clients see the same as bad_password)
  'unknown_key', // no such API key id, or the secret does not match
  'revoked', // the API key was revoked
  'disabled', // the principal is disabled
  'authzid_not_allowed', // SASL: may not act as the requested authorization identity
  'throttled', // too many recent failures: refused without checking
  'store_unavailable', // the credential store did not answer: fail closed
  'verifier_error', // a plug-in verifier threw or answered something that is not an outcome: fail closed
] as const;

export type InvalidReason = (typeof invalidReasons)[number];

const known: ReadonlySet<string> = new Set(invalidReasons);

export function isInvalidReason(value: unknown): value is InvalidReason {
  return typeof value === 'string' && known.has(value);
}
