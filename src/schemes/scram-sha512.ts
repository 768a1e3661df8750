// scramSha512: SASL SCRAM-SHA-512, a salted challenge-response.
import type { SchemeDescriptor } from './types.js';
import { scramProtocols } from './scram-sha256.js';

export const scramSha512 = {
  type: 'scramSha512',
  label: 'SASL SCRAM-SHA-512',
  // Same rows as scramSha256 (reference §4.3 lists them together).
  protocols: scramProtocols,
  // Challenge-response (RFC 5802 §9): no reusable secret on the wire.
  carriesSecret: () => false,
} as const satisfies SchemeDescriptor<'scramSha512'>;
