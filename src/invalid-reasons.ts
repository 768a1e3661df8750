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
  // Tokens (http bearer, oauth2, openIdConnect):
  'alg_not_allowed', // the token's alg is not in the allow-list (`none` never is; no HMAC with a public key)
  'bad_signature', // the signature does not verify
  'expired', // exp is past (beyond the clock tolerance)
  'not_yet_valid', // nbf or iat is in the future (beyond the clock tolerance)
  'wrong_issuer',
  'wrong_audience',
  'missing_claim', // a required claim is absent
  'token_inactive', // introspection (RFC 7662) answered active: false
  // no usable key: the JWKS or introspection endpoint is down and nothing cached is valid (fail closed)
  'keys_unavailable',
  // Client certificates (X509):
  'untrusted_certificate', // the chain does not lead to a configured CA, or a signature fails
  'certificate_expired', // a certificate of the chain is outside its validity period
  'certificate_revoked', // listed in the configured CRL
  'certificate_usage', // the leaf's extended key usage does not allow TLS client authentication
  'identity_not_allowed', // the mapped identity is not in the allow-list
] as const;

export type InvalidReason = (typeof invalidReasons)[number];

const known: ReadonlySet<string> = new Set(invalidReasons);

export function isInvalidReason(value: unknown): value is InvalidReason {
  return typeof value === 'string' && known.has(value);
}
