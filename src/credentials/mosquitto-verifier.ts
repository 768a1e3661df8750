// The Mosquitto-format password verifier (docs/brokers/mosquitto.md, "Passwords"): what Mosquitto's
// dynamic security plugin keeps per client in its JSON file — PBKDF2-HMAC-SHA512 of the password's
// UTF-8 bytes, a 12-byte salt, the iteration count. Kept beside the SCRAM verifiers, with a salt of
// its own, only when a deployment provisions Mosquitto: Mosquitto 2.0's `createClient` and
// `setClientPassword` take the password itself, which the store never has, so this stored form is
// the only way a store password can reach the broker.

import { pbkdf2, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const pbkdf2Async = promisify(pbkdf2);

/**
 * Mosquitto 2.0.11's plugin reads a salt of exactly 12 bytes from its file and silently drops a client whose salt has
 * another length (tried: a 16-byte salt loses the client), so 12 it is: 96 random bits, unique per principal.
 */
export const MOSQUITTO_SALT_BYTES = 12;
/** SHA-512's output: the plugin compares the whole 64-byte PBKDF2 result. */
export const MOSQUITTO_HASH_BYTES = 64;

export interface MosquittoVerifier {
  readonly salt: Uint8Array;
  readonly iterations: number;
  /** PBKDF2-HMAC-SHA512(password, salt, iterations), 64 bytes. */
  readonly hash: Uint8Array;
}

/**
 * A new verifier for `password`, with a fresh salt. No SASLprep: Mosquitto hashes the CONNECT password's bytes as
 * they arrive, so the verifier must be of the password as typed.
 */
export async function deriveMosquittoVerifier(password: string, iterations: number): Promise<MosquittoVerifier> {
  const salt = new Uint8Array(randomBytes(MOSQUITTO_SALT_BYTES));
  const hash = new Uint8Array(
    await pbkdf2Async(Buffer.from(password, 'utf8'), salt, iterations, MOSQUITTO_HASH_BYTES, 'sha512'),
  );
  return Object.freeze({ salt, iterations, hash });
}
