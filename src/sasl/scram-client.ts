// SCRAM client state machine (RFC 5802 §5, §7; RFC 7677): first() → client-first,
// final(server-first) → client-final, verify(server-final) → mutual authentication done.
// Outcomes are values; no call throws on what a server sends.
//
// Checks: the server nonce extends ours, 4096 ≤ iterations ≤ maxIterations (a lower count is a
// downgrade, a higher one a CPU attack on the client), `m=` refused, canonical base64, the
// server signature (constant time), `e=` errors passed on. Sends GS2 flag `n`: we do no channel
// binding, so `y` (which claims we could) would be wrong.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import {
  DEFAULT_MAX_SCRAM_MESSAGE_BYTES,
  MAX_SCRAM_ITERATIONS,
  MIN_SCRAM_ITERATIONS,
  computeSaltedPassword,
  computeScramKeys,
  encodeSaslname,
  hmac,
  invalidArg,
  isPrintableNonce,
  isScramHash,
  parseServerFinal,
  parseServerFirst,
  readMessage,
  scramDigests,
  xor,
} from './scram.js';
import { saslprep } from './saslprep.js';
import type { ScramClientFailureReason, ScramClientStep, ScramClientVerify, ScramDigest, ScramHash } from './types.js';

export interface ScramClientOptions {
  readonly hash: ScramHash;
  readonly username: string;
  readonly password: string;
  /** Authorization identity to request (`a=`); default none. */
  readonly authzid?: string;
  /** Client nonce source; default 24 random bytes in base64. Injectable to replay test vectors. */
  readonly nonce?: () => string;
  /** Highest iteration count accepted from a server; default 1,000,000. */
  readonly maxIterations?: number;
  /**
   * Send the user name and use the password without SASLprep. Only for servers that skip it
   * (RFC 5802 §5.1 says clients SHOULD prepare); the published vectors include such a case.
   */
  readonly skipSaslprep?: boolean;
}

export interface ScramClient {
  first(): ScramClientStep;
  final(serverFirst: string | Uint8Array): Promise<ScramClientStep>;
  verify(serverFinal: string | Uint8Array): ScramClientVerify;
}

/** Creates the client side of one SCRAM-SHA-256 or SCRAM-SHA-512 exchange. */
export function createScramClient(options: ScramClientOptions): ScramClient {
  if (options === null || typeof options !== 'object')
    throw invalidArg('ERR_INVALID_ARG_TYPE', 'options: expected an object');
  if (!isScramHash(options.hash))
    throw invalidArg('ERR_INVALID_ARG_VALUE', "options.hash: expected 'SHA-256' or 'SHA-512'");
  return createScramClientWithDigest(scramDigests[options.hash], options);
}

/**
 * @internal The digest-level factory behind `createScramClient`, for tests replaying the
 * published SCRAM-SHA-1 vectors with a digest they define. Not re-exported from `sasl/index.ts`.
 */
export function createScramClientWithDigest(
  digest: ScramDigest,
  options: Omit<ScramClientOptions, 'hash'>,
): ScramClient {
  if (typeof options.username !== 'string')
    throw invalidArg('ERR_INVALID_ARG_TYPE', 'options.username: expected a string');
  if (typeof options.password !== 'string')
    throw invalidArg('ERR_INVALID_ARG_TYPE', 'options.password: expected a string');
  if (options.authzid !== undefined && typeof options.authzid !== 'string')
    throw invalidArg('ERR_INVALID_ARG_TYPE', 'options.authzid: expected a string');
  if (options.nonce !== undefined && typeof options.nonce !== 'function')
    throw invalidArg('ERR_INVALID_ARG_TYPE', 'options.nonce: expected a function');
  const maxIterations = options.maxIterations ?? MAX_SCRAM_ITERATIONS;
  if (
    !Number.isSafeInteger(maxIterations) ||
    maxIterations < MIN_SCRAM_ITERATIONS ||
    maxIterations > MAX_SCRAM_ITERATIONS
  ) {
    throw invalidArg(
      'ERR_INVALID_ARG_VALUE',
      `options.maxIterations: expected an integer from ${MIN_SCRAM_ITERATIONS} to ${MAX_SCRAM_ITERATIONS}`,
    );
  }
  const skipSaslprep = options.skipSaslprep === true;
  const makeNonce = options.nonce ?? ((): string => randomBytes(24).toString('base64'));
  let password: string | undefined = options.password;

  let state: 'initial' | 'sent-first' | 'sent-final' | 'done' = 'initial';
  let gs2Header = '';
  let bare = '';
  let clientNonce = '';
  let expectedServerSignature: Buffer | undefined;

  function fail(
    reason: ScramClientFailureReason,
    serverError?: string,
  ): { ok: false; reason: ScramClientFailureReason; serverError?: string } {
    state = 'done';
    password = undefined;
    expectedServerSignature = undefined;
    return serverError === undefined ? { ok: false, reason } : { ok: false, reason, serverError };
  }

  function prepare(value: string): string | null {
    if (skipSaslprep) return value.length > 0 && !value.includes('\u0000') ? value : null;
    const prepared = saslprep(value, { allowUnassigned: true });
    return prepared.ok ? prepared.value : null;
  }

  return {
    first(): ScramClientStep {
      if (state !== 'initial') return fail('out_of_order');
      const username = prepare(options.username);
      if (username === null) return fail('invalid_username');
      let authz = '';
      if (options.authzid !== undefined && options.authzid !== '') {
        const prepared = prepare(options.authzid);
        if (prepared === null) return fail('invalid_username');
        authz = `a=${encodeSaslname(prepared)}`;
      }
      const nonce = makeNonce();
      if (typeof nonce !== 'string' || !isPrintableNonce(nonce))
        throw invalidArg(
          'ERR_INVALID_ARG_VALUE',
          'options.nonce: returned something other than printable ASCII without ","',
        );
      clientNonce = nonce;
      gs2Header = `n,${authz},`;
      bare = `n=${encodeSaslname(username)},r=${clientNonce}`;
      state = 'sent-first';
      return { ok: true, message: gs2Header + bare };
    },

    async final(message: string | Uint8Array): Promise<ScramClientStep> {
      if (state !== 'sent-first') return fail('out_of_order');
      const read = readMessage(message, DEFAULT_MAX_SCRAM_MESSAGE_BYTES);
      if (!read.ok) return fail('malformed');
      const serverFirst = read.text;
      const parsed = parseServerFirst(serverFirst);
      if (!parsed.ok) return fail(parsed.reason, parsed.serverError);
      // RFC 5802 §5.1: the nonce starts with ours and the server added its own part.
      if (!parsed.nonce.startsWith(clientNonce) || parsed.nonce.length === clientNonce.length)
        return fail('nonce_mismatch');
      if (parsed.iterations < MIN_SCRAM_ITERATIONS) return fail('iterations_too_low');
      if (parsed.iterations > maxIterations) return fail('iterations_too_high');
      const secret = password === undefined ? null : prepare(password);
      if (secret === null) return fail('invalid_password');

      let salted: Buffer;
      try {
        salted = await computeSaltedPassword(digest, secret, parsed.salt, parsed.iterations);
      } catch {
        return fail('malformed');
      }
      const { clientKey, storedKey, serverKey } = computeScramKeys(digest, salted);
      salted.fill(0);
      password = undefined;
      const withoutProof = `c=${Buffer.from(gs2Header, 'utf8').toString('base64')},r=${parsed.nonce}`;
      const authMessage = `${bare},${serverFirst},${withoutProof}`;
      const proof = xor(clientKey, hmac(digest, storedKey, authMessage));
      expectedServerSignature = hmac(digest, serverKey, authMessage);
      state = 'sent-final';
      return { ok: true, message: `${withoutProof},p=${proof.toString('base64')}` };
    },

    verify(message: string | Uint8Array): ScramClientVerify {
      if (state !== 'sent-final' || expectedServerSignature === undefined) return fail('out_of_order');
      const read = readMessage(message, DEFAULT_MAX_SCRAM_MESSAGE_BYTES);
      if (!read.ok) return fail('malformed');
      const parsed = parseServerFinal(read.text);
      if (!parsed.ok) return fail(parsed.reason, parsed.serverError);
      const expected = expectedServerSignature;
      const ok = parsed.signature.length === expected.length && timingSafeEqual(parsed.signature, expected);
      if (!ok) return fail('bad_server_signature');
      state = 'done';
      expectedServerSignature = undefined;
      return { ok: true };
    },
  };
}
