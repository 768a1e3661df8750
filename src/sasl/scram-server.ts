// SCRAM server state machine (RFC 5802 §5, §7; RFC 7677). One instance per exchange:
// client-first → challenge (server-first), client-final → success (server-final `v=`) or
// failure (`e=`). Every outcome is a value; `step` never throws and never rejects.
//
// Checks: message size, strict UTF-8, the grammar of both client messages (attribute order,
// saslname escaping, printable nonces, canonical base64), `m=` refused, GS2 flag (`n` and `y`
// accepted, `p=` refused: we do no channel binding and offer no -PLUS mechanism), `c=` equal to
// base64 of the exact GS2 header, the combined nonce, the proof (constant time), the stored
// verifier (hash, key lengths, 4096 ≤ iterations ≤ 1,000,000), and authzid against `authorize`.
// Does not check: channel binding (none offered), replay across exchanges beyond the fresh
// server nonce, throttling (the guard's job).

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  DEFAULT_MAX_SCRAM_MESSAGE_BYTES,
  DEFAULT_SCRAM_SALT_BYTES,
  MAX_SCRAM_ITERATIONS,
  MIN_SCRAM_ITERATIONS,
  hash,
  hmac,
  invalidArg,
  isPrintableNonce,
  isScramHash,
  parseClientFinal,
  parseClientFirst,
  readMessage,
  scramDigests,
  xor,
} from './scram.js';
import { saslprep } from './saslprep.js';
import type {
  ScramDigest,
  ScramHash,
  ScramServerError,
  ScramServerFailureReason,
  ScramServerStep,
  ScramVerifier,
} from './types.js';

export interface ScramServerOptions {
  readonly hash: ScramHash;
  /** The stored verifier for a SASLprep'd user name, or null when there is none. May reject (→ `store_unavailable`). */
  readonly lookup: (username: string) => Promise<ScramVerifier | null>;
  /** Server nonce source; default 18 random bytes in base64. Injectable to replay test vectors. */
  readonly nonce?: () => string;
  /** Largest accepted client message in UTF-8 bytes; default 4096, from 256 to 65536. */
  readonly maxMessageBytes?: number;
  /**
   * May `username` act as `authzid`? Asked only after the proof verified, and only when the
   * client sent an `a=` different from its user name. Default: refuse (as Kafka does).
   */
  readonly authorize?: (authzid: string, username: string) => boolean;
  /**
   * How strictly client-final `r=` is compared: `'kafka-compatible'` (default) also accepts the
   * form librdkafka before 2.6.1 sends (see `nonceMatches`); `'strict'` accepts RFC 5802 only.
   */
  readonly clientFinalNonce?: 'kafka-compatible' | 'strict';
  /**
   * Secret (≥ 32 bytes) from which unknown users' fake salts and keys are derived. Give every
   * instance serving the same users the same secret, or an attacker can compare salts across
   * instances. Default: one random secret per process.
   */
  readonly unknownUserSecret?: Uint8Array;
  /** Iteration count advertised for unknown users; use the count real verifiers have. Default 4096. */
  readonly unknownUserIterations?: number;
  /**
   * Risky: answer an unknown user's client-first with `e=unknown-user` (RFC 5802 §7), which
   * tells anyone which user names exist. Off by default: unknown users get a fake challenge and
   * fail at the proof with `e=invalid-proof`, like a wrong password.
   */
  readonly allowUserEnumeration?: boolean;
}

export interface ScramServer {
  /** Feeds one client message; answers with the next server message and what happened. */
  step(message: string | Uint8Array): Promise<ScramServerStep>;
}

let processSecret: Buffer | undefined;

function defaultUnknownUserSecret(): Buffer {
  processSecret ??= randomBytes(32);
  return processSecret;
}

/** Creates the server side of one SCRAM-SHA-256 or SCRAM-SHA-512 exchange. */
export function createScramServer(options: ScramServerOptions): ScramServer {
  if (options === null || typeof options !== 'object')
    throw invalidArg('ERR_INVALID_ARG_TYPE', 'options: expected an object');
  if (!isScramHash(options.hash))
    throw invalidArg('ERR_INVALID_ARG_VALUE', "options.hash: expected 'SHA-256' or 'SHA-512'");
  return createScramServerWithDigest(scramDigests[options.hash], options);
}

/**
 * @internal The digest-level factory behind `createScramServer`, for tests that replay the
 * published SCRAM-SHA-1 vectors with a digest they define themselves. Not re-exported from
 * `sasl/index.ts`: SHA-1 is never offered as a mechanism.
 */
export function createScramServerWithDigest(
  digest: ScramDigest,
  options: Omit<ScramServerOptions, 'hash'>,
): ScramServer {
  if (typeof options.lookup !== 'function')
    throw invalidArg('ERR_INVALID_ARG_TYPE', 'options.lookup: expected a function');
  if (options.nonce !== undefined && typeof options.nonce !== 'function')
    throw invalidArg('ERR_INVALID_ARG_TYPE', 'options.nonce: expected a function');
  if (options.authorize !== undefined && typeof options.authorize !== 'function')
    throw invalidArg('ERR_INVALID_ARG_TYPE', 'options.authorize: expected a function');
  const maxBytes = options.maxMessageBytes ?? DEFAULT_MAX_SCRAM_MESSAGE_BYTES;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 256 || maxBytes > 65536)
    throw invalidArg('ERR_INVALID_ARG_VALUE', 'options.maxMessageBytes: expected an integer from 256 to 65536');
  const nonceMode = options.clientFinalNonce ?? 'kafka-compatible';
  if (nonceMode !== 'kafka-compatible' && nonceMode !== 'strict')
    throw invalidArg('ERR_INVALID_ARG_VALUE', "options.clientFinalNonce: expected 'kafka-compatible' or 'strict'");
  if (
    options.unknownUserSecret !== undefined &&
    (!(options.unknownUserSecret instanceof Uint8Array) || options.unknownUserSecret.length < 32)
  ) {
    throw invalidArg('ERR_INVALID_ARG_VALUE', 'options.unknownUserSecret: expected a Uint8Array of at least 32 bytes');
  }
  const fakeIterations = options.unknownUserIterations ?? MIN_SCRAM_ITERATIONS;
  if (
    !Number.isSafeInteger(fakeIterations) ||
    fakeIterations < MIN_SCRAM_ITERATIONS ||
    fakeIterations > MAX_SCRAM_ITERATIONS
  ) {
    throw invalidArg(
      'ERR_INVALID_ARG_VALUE',
      `options.unknownUserIterations: expected an integer from ${MIN_SCRAM_ITERATIONS} to ${MAX_SCRAM_ITERATIONS}`,
    );
  }
  const secret =
    options.unknownUserSecret === undefined ? defaultUnknownUserSecret() : Buffer.from(options.unknownUserSecret);
  const lookup = options.lookup;
  const makeNonce = options.nonce ?? ((): string => randomBytes(18).toString('base64'));
  const authorize = options.authorize;
  const allowUserEnumeration = options.allowUserEnumeration === true;

  // State of this exchange. `expected` is null for unknown users: a fake verifier stands in.
  let state: 'first' | 'final' | 'done' = 'first';
  let first:
    { gs2Header: Buffer; bare: string; clientNonce: string; username: string; authzid: string | undefined } | undefined;
  let serverFirst = '';
  let combinedNonce = '';
  let verifier: { storedKey: Uint8Array; serverKey: Uint8Array } | undefined;
  let missing: 'unknown_principal' | 'verifier_invalid' | undefined;

  function failure(error: ScramServerError, reason: ScramServerFailureReason): ScramServerStep {
    state = 'done';
    // Forget the keys as soon as the exchange is over.
    verifier = undefined;
    const username = first?.username;
    return username === undefined
      ? { kind: 'failure', message: `e=${error}`, reason }
      : { kind: 'failure', message: `e=${error}`, reason, username };
  }

  /**
   * Deterministic stand-in for a user without a (usable) verifier: the same salt and
   * iteration count on every attempt, so the challenge cannot be told apart from a real one.
   */
  function fakeVerifier(username: string): { salt: Buffer; iterations: number; storedKey: Buffer; serverKey: Buffer } {
    const derive = (label: string, length: number): Buffer =>
      createHmac('sha512', secret)
        .update(`asyncapi-guard scram ${label}\u0000${digest.name}\u0000${username}`)
        .digest()
        .subarray(0, length);
    return {
      salt: derive('salt', DEFAULT_SCRAM_SALT_BYTES),
      iterations: fakeIterations,
      storedKey: derive('stored', digest.length),
      serverKey: derive('server', digest.length),
    };
  }

  function usable(v: ScramVerifier | null): v is ScramVerifier {
    return (
      v !== null &&
      typeof v === 'object' &&
      v.hash === digest.name &&
      v.salt instanceof Uint8Array &&
      v.salt.length > 0 &&
      v.salt.length <= 1024 &&
      v.storedKey instanceof Uint8Array &&
      v.storedKey.length === digest.length &&
      v.serverKey instanceof Uint8Array &&
      v.serverKey.length === digest.length &&
      Number.isSafeInteger(v.iterations) &&
      v.iterations >= MIN_SCRAM_ITERATIONS &&
      v.iterations <= MAX_SCRAM_ITERATIONS
    );
  }

  async function onClientFirst(text: string): Promise<ScramServerStep> {
    const parsed = parseClientFirst(text);
    if (!parsed.ok) return failure(parsed.error, parsed.reason);
    // RFC 5802 §5.1: the server prepares the user name with SASLprep (a query, RFC 4013 §2.5).
    const username = saslprep(parsed.username, { allowUnassigned: true });
    if (!username.ok) return failure('invalid-username-encoding', 'invalid_username');
    let authzid: string | undefined;
    if (parsed.authzid !== undefined) {
      const prepared = saslprep(parsed.authzid, { allowUnassigned: true });
      if (!prepared.ok) return failure('invalid-encoding', 'malformed');
      authzid = prepared.value;
    }
    first = {
      gs2Header: Buffer.from(parsed.gs2Header, 'utf8'),
      bare: parsed.bare,
      clientNonce: parsed.clientNonce,
      username: username.value,
      authzid,
    };

    let stored: ScramVerifier | null;
    try {
      stored = await lookup(username.value);
    } catch {
      return failure('other-error', 'store_unavailable');
    }
    let salt: Uint8Array;
    let iterations: number;
    if (usable(stored)) {
      ({ salt, iterations } = stored);
      verifier = { storedKey: stored.storedKey, serverKey: stored.serverKey };
      missing = undefined;
    } else {
      missing = stored === null || stored === undefined ? 'unknown_principal' : 'verifier_invalid';
      if (missing === 'unknown_principal' && allowUserEnumeration) return failure('unknown-user', 'unknown_principal');
      const fake = fakeVerifier(username.value);
      ({ salt, iterations } = fake);
      verifier = { storedKey: fake.storedKey, serverKey: fake.serverKey };
    }

    let serverNonce: string;
    try {
      serverNonce = makeNonce();
    } catch {
      return failure('other-error', 'server_misconfigured');
    }
    if (typeof serverNonce !== 'string' || !isPrintableNonce(serverNonce) || serverNonce.length > 256)
      return failure('other-error', 'server_misconfigured');
    combinedNonce = parsed.clientNonce + serverNonce;
    serverFirst = `r=${combinedNonce},s=${Buffer.from(salt).toString('base64')},i=${iterations}`;
    state = 'final';
    return { kind: 'challenge', message: serverFirst };
  }

  /**
   * RFC 5802 §5.1 says client-final `r=` MUST equal the nonce of server-first (c-nonce s-nonce).
   *
   * Kafka compatibility. librdkafka from v0.0.99 up to 2.6.0 built client-final as
   * `"c=biws,r=" + c-nonce + <the whole server-first r= value>`, i.e. c-nonce c-nonce s-nonce:
   * the client nonce twice (confluentinc/librdkafka#4895, "avoid concatenating client side nonce
   * once more", fixed in 2.6.1; src/rdkafka_sasl_scram.c
   * rd_kafka_sasl_scram_build_client_final_message_wo_proof). Kafka brokers before 3.8.1 did not
   * compare the nonce at all; the CVE-2024-56128 fix (apache/kafka commit 0a004562, 3.8.1/3.9.x)
   * compares with `clientFinalMessage.nonce().endsWith(serverFirstMessage.nonce())` precisely so
   * those librdkafka clients keep working; Kafka 4.x went back to `equals`, which is why old
   * librdkafka fails against it. We accept exactly the one extra form librdkafka sends (c-nonce
   * prepended once), not Kafka's "any prefix". This does not weaken authentication: the proof is
   * an HMAC over AuthMessage, which contains the received client-final-without-proof, and the
   * server nonce is still required in full. `clientFinalNonce: 'strict'` turns this off.
   */
  function nonceMatches(nonce: string): 'exact' | 'librdkafka-repeated-client-nonce' | null {
    if (nonce === combinedNonce) return 'exact';
    if (nonceMode === 'kafka-compatible' && first !== undefined && nonce === first.clientNonce + combinedNonce)
      return 'librdkafka-repeated-client-nonce';
    return null;
  }

  function onClientFinal(text: string): ScramServerStep {
    const ctx = first;
    const keys = verifier;
    if (ctx === undefined || keys === undefined) return failure('other-error', 'unexpected_message');
    const parsed = parseClientFinal(text);
    if (!parsed.ok) return failure(parsed.error, parsed.reason);
    // RFC 5802 §6: c= carries base64(cbind-input); with no channel binding that is the GS2 header itself.
    if (!parsed.channelBinding.equals(ctx.gs2Header))
      return failure('channel-bindings-dont-match', 'channel_binding_mismatch');
    const nonceForm = nonceMatches(parsed.nonce);
    if (nonceForm === null) return failure('other-error', 'nonce_mismatch');

    // RFC 5802 §3: AuthMessage, ClientSignature, ClientKey = ClientProof XOR ClientSignature,
    // then H(ClientKey) must equal StoredKey. Same work for unknown users (fake keys).
    const authMessage = `${ctx.bare},${serverFirst},${parsed.withoutProof}`;
    const clientSignature = hmac(digest, keys.storedKey, authMessage);
    let proofOk = false;
    if (parsed.proof.length === digest.length) {
      const computedStoredKey = hash(digest, xor(parsed.proof, clientSignature));
      proofOk = timingSafeEqual(computedStoredKey, keys.storedKey);
    }
    if (missing !== undefined) return failure('invalid-proof', missing);
    if (!proofOk) return failure('invalid-proof', 'bad_password');

    const authzid = ctx.authzid === undefined || ctx.authzid === '' ? ctx.username : ctx.authzid;
    if (authzid !== ctx.username) {
      let allowed: boolean;
      try {
        allowed = authorize?.(authzid, ctx.username) === true;
      } catch {
        allowed = false;
      }
      if (!allowed) return failure('other-error', 'authzid_not_allowed');
    }
    const serverSignature = hmac(digest, keys.serverKey, authMessage);
    state = 'done';
    verifier = undefined;
    return {
      kind: 'success',
      message: `v=${serverSignature.toString('base64')}`,
      username: ctx.username,
      authzid,
      nonceForm,
    };
  }

  return {
    async step(message: string | Uint8Array): Promise<ScramServerStep> {
      try {
        if (state === 'done') return failure('other-error', 'unexpected_message');
        const read = readMessage(message, maxBytes);
        if (!read.ok)
          return read.tooLarge ? failure('other-error', 'message_too_large') : failure('invalid-encoding', 'malformed');
        return state === 'first' ? await onClientFirst(read.text) : onClientFinal(read.text);
      } catch {
        // Unreachable by design; a bug must still end the exchange closed, not crash a connection.
        return failure('other-error', 'server_misconfigured');
      }
    },
  };
}
