// symmetricEncryption: end-to-end payload encryption with a shared key.
//
// Verifier (verify/encryption.ts). Protects payloads, not connections: at connect it
// authenticates nobody (ok, principal `anonymous`), so a server alternative made only of this
// scheme lets anyone connect; then every payload published where the scheme applies must be a
// JWE (compact or JSON serialization, RFC 7516 §7) whose `alg` is in `algorithms` (default `dir`,
// `A256KW`; allowed: dir, A128KW, A192KW, A256KW) and `enc` in `encryptions` (default `A256GCM`;
// allowed: A128GCM, A192GCM, A256GCM, A128CBC-HS256, A192CBC-HS384, A256CBC-HS512), at most
// `maxPayloadBytes` (default 1 MiB), per tokens/jwe-inspect.ts. Does not check: that the payload
// decrypts (the guard never holds the key), which key (`kid`) was used.
import type { SchemeDescriptor, Verifier, VerifierContext } from './types.js';
import { createEncryptionVerifier, encryptionConfigSchema } from './verify/encryption.js';

export function createSymmetricEncryptionVerifier(context: VerifierContext): Verifier {
  return createEncryptionVerifier('symmetricEncryption', context);
}

export const symmetricEncryption = {
  type: 'symmetricEncryption',
  label: 'symmetric end-to-end encryption',
  // End-to-end payload encryption (AsyncAPI 3.0.0, Security Scheme Object) is independent of the transport.
  protocols: 'any',
  // The key protects payloads; it is never sent over the connection.
  carriesSecret: () => false,
  // Nothing is presented at connect: payloads are encrypted.
  wirePlaces: () => [],
  configSchema: encryptionConfigSchema,
  createVerifier: createSymmetricEncryptionVerifier,
} as const satisfies SchemeDescriptor<'symmetricEncryption'>;
