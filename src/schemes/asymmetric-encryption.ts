// asymmetricEncryption: end-to-end payload encryption with a key pair.
import type { SchemeDescriptor } from './types.js';

export const asymmetricEncryption = {
  type: 'asymmetricEncryption',
  label: 'asymmetric end-to-end encryption',
  // Reference §4.3: end-to-end payload encryption is independent of the transport.
  protocols: 'any',
  // Only public keys or ciphertext travel.
  carriesSecret: () => false,
  configSchema: { type: 'object', additionalProperties: false, properties: {} },
} as const satisfies SchemeDescriptor<'asymmetricEncryption'>;
