// asymmetricEncryption: end-to-end payload encryption with a key pair.
//
// Verifier (verify/encryption.ts). Protects payloads, not connections: at connect it
// authenticates nobody (ok, principal `anonymous`), so a server alternative made only of this
// scheme lets anyone connect; then every payload published where the scheme applies must be a
// JWE (compact or JSON serialization, RFC 7516 §7; every recipient's `alg` checked) whose `alg` is
// in `algorithms` (default `ECDH-ES+A256KW`, `RSA-OAEP-256`; allowed: ECDH-ES, ECDH-ES+A128KW,
// ECDH-ES+A192KW, ECDH-ES+A256KW, RSA-OAEP, RSA-OAEP-256, RSA-OAEP-384, RSA-OAEP-512 — never
// RSA1_5) and `enc` in `encryptions` (default `A256GCM`), at most `maxPayloadBytes` (default
// 1 MiB), per tokens/jwe-inspect.ts. Does not check: that the payload decrypts (the guard never holds the
// private key), which key (`kid`) was used.
import type { SchemeDescriptor, Verifier, VerifierContext } from './types.js';
import { createEncryptionVerifier, encryptionConfigSchema } from './verify/encryption.js';

export function createAsymmetricEncryptionVerifier(context: VerifierContext): Verifier {
  return createEncryptionVerifier('asymmetricEncryption', context);
}

export const asymmetricEncryption = {
  type: 'asymmetricEncryption',
  label: 'asymmetric end-to-end encryption',
  // End-to-end payload encryption (AsyncAPI 3.0.0, Security Scheme Object) is independent of the transport.
  protocols: 'any',
  // Only public keys or ciphertext travel.
  carriesSecret: () => false,
  // Nothing is presented at connect: payloads are encrypted.
  wirePlaces: () => [],
  configSchema: encryptionConfigSchema,
  createVerifier: createAsymmetricEncryptionVerifier,
} as const satisfies SchemeDescriptor<'asymmetricEncryption'>;
