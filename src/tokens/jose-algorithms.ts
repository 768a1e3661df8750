// The JOSE algorithm tables end-to-end encryption uses (RFC 7518): which key management and
// content encryption algorithms are sound, the defaults of each encryption scheme type, and the
// key, IV and tag sizes each algorithm defines. One copy, read by the guard's payload check
// (jwe-inspect.ts), the key checks (keys.ts) and `sealPayload` / `openPayload` (jwe.ts).

/** Key management algorithms (RFC 7518 §4.1) we consider sound for symmetric keys. */
export const SYMMETRIC_ALGORITHMS = Object.freeze(['dir', 'A128KW', 'A192KW', 'A256KW'] as const);
/**
 * Key management algorithms we consider sound for key pairs (no RSA1_5: PKCS#1 v1.5 padding oracles, RFC 8017 §7.2).
 */
export const ASYMMETRIC_ALGORITHMS = Object.freeze([
  'ECDH-ES',
  'ECDH-ES+A128KW',
  'ECDH-ES+A192KW',
  'ECDH-ES+A256KW',
  'RSA-OAEP',
  'RSA-OAEP-256',
  'RSA-OAEP-384',
  'RSA-OAEP-512',
] as const);
/** Content encryption algorithms (RFC 7518 §5.1): the AEAD ones, all of them. */
export const CONTENT_ENCRYPTIONS = Object.freeze([
  'A128GCM',
  'A192GCM',
  'A256GCM',
  'A128CBC-HS256',
  'A192CBC-HS384',
  'A256CBC-HS512',
] as const);

export type SymmetricAlgorithm = (typeof SYMMETRIC_ALGORITHMS)[number];
export type AsymmetricAlgorithm = (typeof ASYMMETRIC_ALGORITHMS)[number];
export type KeyAlgorithm = SymmetricAlgorithm | AsymmetricAlgorithm;
export type ContentEncryption = (typeof CONTENT_ENCRYPTIONS)[number];

/**
 * The defaults: `dir` or `A256KW` with `A256GCM` (symmetric); ECDH-ES+A256KW or RSA-OAEP-256 with `A256GCM`.
 */
export const SYMMETRIC_DEFAULTS = Object.freeze({
  algorithms: Object.freeze(['dir', 'A256KW']),
  encryptions: Object.freeze(['A256GCM']),
});
export const ASYMMETRIC_DEFAULTS = Object.freeze({
  algorithms: Object.freeze(['ECDH-ES+A256KW', 'RSA-OAEP-256']),
  encryptions: Object.freeze(['A256GCM']),
});

/** Content encryption facts: CEK, IV and tag sizes in bytes (RFC 7518 §5.2.3–5.2.5, §5.3). */
export const ENC_FACTS: Readonly<
  Record<ContentEncryption, { readonly cekBytes: number; readonly ivBytes: number; readonly tagBytes: number }>
> = Object.freeze({
  A128GCM: { cekBytes: 16, ivBytes: 12, tagBytes: 16 },
  A192GCM: { cekBytes: 24, ivBytes: 12, tagBytes: 16 },
  A256GCM: { cekBytes: 32, ivBytes: 12, tagBytes: 16 },
  'A128CBC-HS256': { cekBytes: 32, ivBytes: 16, tagBytes: 16 },
  'A192CBC-HS384': { cekBytes: 48, ivBytes: 16, tagBytes: 24 },
  'A256CBC-HS512': { cekBytes: 64, ivBytes: 16, tagBytes: 32 },
});

/** Key wrap key sizes (RFC 7518 §4.4) for the symmetric wrap algorithms. */
export const KW_KEY_BYTES: Readonly<Record<string, number>> = Object.freeze({ A128KW: 16, A192KW: 24, A256KW: 32 });
