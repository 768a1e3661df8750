// symmetricEncryption: end-to-end payload encryption with a shared key.
import type { SchemeDescriptor } from './types.js';

export const symmetricEncryption = {
  type: 'symmetricEncryption',
  label: 'symmetric end-to-end encryption',
  // Reference §4.3: end-to-end payload encryption is independent of the transport.
  protocols: 'any',
  // The key protects payloads; it is never sent over the connection.
  carriesSecret: () => false,
  configSchema: { type: 'object', additionalProperties: false, properties: {} },
} as const satisfies SchemeDescriptor<'symmetricEncryption'>;
