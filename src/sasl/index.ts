// SASL mechanisms: SASLprep (RFC 4013), SCRAM-SHA-256 / SCRAM-SHA-512 (RFC 5802, RFC 7677) and
// PLAIN (RFC 4616). Imported by guard/ and schemes/; imports nothing from check/, cli/, model/.
// See docs/sasl.md.

export { saslprep } from './saslprep.js';
export type { SaslprepOptions } from './saslprep.js';
export {
  DEFAULT_MAX_SCRAM_MESSAGE_BYTES,
  MAX_SCRAM_ITERATIONS,
  MIN_SCRAM_ITERATIONS,
  deriveScramVerifier,
  parseClientFinal,
  parseClientFirst,
  parseServerFinal,
  parseServerFirst,
  scramDigests,
} from './scram.js';
export type { DeriveScramVerifierOptions } from './scram.js';
export { createScramServer } from './scram-server.js';
export type { ScramServer, ScramServerOptions } from './scram-server.js';
export { createScramClient } from './scram-client.js';
export type { ScramClient, ScramClientOptions } from './scram-client.js';
export { MAX_PLAIN_FIELD_BYTES, createPlainServer, encodePlainMessage, parsePlainMessage } from './plain.js';
export type { PlainCredentials, PlainServer, PlainServerOptions } from './plain.js';
export type * from './types.js';
