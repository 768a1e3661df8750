// seal / open a payload for an end-to-end encryption scheme (symmetricEncryption,
// asymmetricEncryption): the client side of what the guard enforces. A payload is sealed as a
// compact JWE (RFC 7516 §7.1) for one recipient key, with that key's `kid` in the protected header
// so receivers can rotate keys; it is opened with the key whose `kid` matches — never by trying
// every key (a receiver that tries all keys turns each message into a key-guessing oracle and
// costs n decryptions). Keys are JWKs (src/tokens/keys.ts: `loadJwks` reads them by reference).
//
// What `openPayload` checks before decrypting is exactly what the guard checks (jwe-inspect.ts:
// shape, allow-lists, no `zip`, no `crit`), then a key chosen by `kid`, its `alg` restriction
// (RFC 7517 §4.4), and jose's decryption with the same allow-lists. Failures reject with
// PayloadError (ERR_JWE_REFUSED) and a `refusal` code; messages never hold the payload or a key.

import { CompactEncrypt, compactDecrypt, importJWK, type JWK } from 'jose';
import { KeyError, PayloadError, invalidArgType, invalidArgValue, type PayloadRefusal } from '../errors.js';
import { ASYMMETRIC_ALGORITHMS, CONTENT_ENCRYPTIONS, SYMMETRIC_ALGORITHMS } from './jose-algorithms.js';
import { inspectCompactJwe, type JwePolicy } from './jwe-inspect.js';
import { defaultAlgorithmFor, ensureJwk, isPrivateJwk, keyFitsAlgorithm, publicJwkOf } from './keys.js';

/** Every key management algorithm `sealPayload` / `openPayload` accept (the union of both scheme types' safe sets). */
export const JWE_KEY_ALGORITHMS: readonly string[] = Object.freeze([...SYMMETRIC_ALGORITHMS, ...ASYMMETRIC_ALGORITHMS]);
/** Every content encryption algorithm they accept. */
export const JWE_CONTENT_ENCRYPTIONS: readonly string[] = CONTENT_ENCRYPTIONS;
/** The content encryption used when none is given (the default for both types). */
export const DEFAULT_CONTENT_ENCRYPTION = 'A256GCM';
/** Largest JWE `openPayload` reads by default (a 1 MiB payload in base64url, with headroom). */
export const DEFAULT_MAX_JWE_BYTES = 2 * 1024 * 1024;

export interface SealOptions {
  /** The recipient's key: public (RSA, EC, OKP; private members are ignored) or symmetric (`oct`). */
  readonly key: JWK;
  /** `kid` for the protected header; default the key's own `kid` (none when it has none). */
  readonly kid?: string;
  /**
   * Key management algorithm; default the key's `alg`, else A256KW (oct), RSA-OAEP-256 (RSA), ECDH-ES+A256KW (EC, OKP).
   */
  readonly alg?: string;
  /** Content encryption; default A256GCM. */
  readonly enc?: string;
}

export interface OpenOptions {
  /** Private (RSA, EC, OKP) or symmetric (`oct`) keys; the one whose `kid` the JWE names is used. */
  readonly keys: readonly JWK[];
  /** Allowed key management algorithms; default every one in JWE_KEY_ALGORITHMS. */
  readonly algorithms?: readonly string[];
  /** Allowed content encryptions; default every one in JWE_CONTENT_ENCRYPTIONS. */
  readonly encryptions?: readonly string[];
  /** Longest JWE read; default 2 MiB. */
  readonly maxBytes?: number;
}

type ImportedKey = Awaited<ReturnType<typeof importJWK>>;

// Imported keys by (frozen JWK, alg): importing costs more than sealing a small payload.
const imported = new WeakMap<object, Map<string, Promise<ImportedKey>>>();

function importFor(jwk: JWK, alg: string): Promise<ImportedKey> {
  if (!Object.isFrozen(jwk)) return importJWK(jwk, alg);
  let byAlg = imported.get(jwk);
  if (byAlg === undefined) imported.set(jwk, (byAlg = new Map<string, Promise<ImportedKey>>()));
  let p = byAlg.get(alg);
  if (p === undefined) {
    p = importJWK(jwk, alg);
    byAlg.set(alg, p);
    // A failed import is not remembered.
    p.catch(() => byAlg.delete(alg));
  }
  return p;
}

// The public halves, made once per frozen private JWK.
const publicHalves = new WeakMap<object, JWK>();
function publicHalf(jwk: JWK): JWK {
  if (jwk.kty === 'oct' || typeof jwk.d !== 'string') return jwk;
  let pub = publicHalves.get(jwk);
  if (pub === undefined) publicHalves.set(jwk, (pub = Object.freeze(publicJwkOf(jwk))));
  return pub;
}

function bytesOf(payload: Uint8Array | string, name: string): Uint8Array {
  if (typeof payload === 'string') return new TextEncoder().encode(payload);
  if (payload instanceof Uint8Array) return payload;
  throw invalidArgType(name, 'a Uint8Array or a string');
}

function checkList(value: readonly string[] | undefined, name: string, safe: readonly string[]): readonly string[] {
  if (value === undefined) return safe;
  if (!Array.isArray(value) || value.length === 0) throw invalidArgType(name, 'a non-empty array of strings');
  const items: readonly unknown[] = value;
  for (const v of items)
    if (typeof v !== 'string' || !safe.includes(v)) throw invalidArgValue(name, `must hold only ${safe.join(', ')}`);
  return items as readonly string[];
}

/** Seals `payload` as a compact JWE for `options.key`. */
export async function sealPayload(payload: Uint8Array | string, options: SealOptions): Promise<string> {
  const plaintext = bytesOf(payload, 'payload');
  if (options === null || typeof options !== 'object') throw invalidArgType('options', 'an object');
  const key = ensureJwk(options.key);
  const alg = options.alg ?? defaultAlgorithmFor(key);
  const enc = options.enc ?? DEFAULT_CONTENT_ENCRYPTION;
  if (typeof alg !== 'string' || !JWE_KEY_ALGORITHMS.includes(alg))
    throw invalidArgValue('options.alg', `must be one of ${JWE_KEY_ALGORITHMS.join(', ')}`);
  if (typeof enc !== 'string' || !JWE_CONTENT_ENCRYPTIONS.includes(enc))
    throw invalidArgValue('options.enc', `must be one of ${JWE_CONTENT_ENCRYPTIONS.join(', ')}`);
  const kid = options.kid ?? key.kid;
  if (kid !== undefined && (typeof kid !== 'string' || kid.length === 0 || kid.length > 256))
    throw invalidArgValue('options.kid', 'must be a string of 1 to 256 characters');
  // RFC 7517 §4.4: a key with an `alg` is for that algorithm only.
  if (key.alg !== undefined && key.alg !== alg)
    throw new KeyError('ERR_KEY_INVALID', 'the key is restricted to another alg', {
      expected: 'the alg the key names, or a key without alg',
    });
  if (!keyFitsAlgorithm(key, alg, enc))
    throw new KeyError('ERR_KEY_INVALID', `the key does not fit ${alg} with ${enc}`, {
      expected: keyExpectation(alg, enc),
    });
  const recipient = await importFor(publicHalf(key), alg);
  return new CompactEncrypt(plaintext)
    .setProtectedHeader(kid !== undefined ? { alg, enc, kid } : { alg, enc })
    .encrypt(recipient);
}

function keyExpectation(alg: string, enc: string): string {
  if (alg === 'dir') return `an oct key the size of ${enc}'s content key`;
  if (alg.endsWith('KW') && !alg.startsWith('ECDH')) return `an oct key of the size ${alg} wraps with`;
  if (alg.startsWith('RSA')) return 'an RSA key';
  return 'an EC (P-256, P-384, P-521) or OKP (X25519, X448) key';
}

// Policies by allow-lists given (the default lists are the same arrays every call).
const policies = new WeakMap<readonly string[], WeakMap<readonly string[], Map<number, JwePolicy>>>();
function policyFor(algorithms: readonly string[], encryptions: readonly string[], maxBytes: number): JwePolicy {
  let byEnc = policies.get(algorithms);
  if (byEnc === undefined) policies.set(algorithms, (byEnc = new WeakMap()));
  let byMax = byEnc.get(encryptions);
  if (byMax === undefined) byEnc.set(encryptions, (byMax = new Map<number, JwePolicy>()));
  let p = byMax.get(maxBytes);
  if (p === undefined) {
    // Arrays a caller passes may change later: their policy is rebuilt each call, not cached.
    p = Object.freeze({
      algorithms: new Set(algorithms),
      encryptions: new Set(encryptions),
      maxPayloadBytes: maxBytes,
    });
    if (Object.isFrozen(algorithms) && Object.isFrozen(encryptions) && byMax.size < 16) byMax.set(maxBytes, p);
  }
  return p;
}

const refuse = (refusal: PayloadRefusal, reason: string, expected?: string): PayloadError =>
  new PayloadError(refusal, reason, expected !== undefined ? { expected } : {});

/**
 * Opens a compact JWE with the key its `kid` names; resolves to the plaintext bytes. Rejects with PayloadError
 * (ERR_JWE_REFUSED).
 */
export async function openPayload(jwe: string, options: OpenOptions): Promise<Uint8Array> {
  if (typeof jwe !== 'string') throw invalidArgType('jwe', 'a string (a compact JWE)');
  if (options === null || typeof options !== 'object') throw invalidArgType('options', 'an object');
  if (!Array.isArray(options.keys) || options.keys.length === 0)
    throw invalidArgType('options.keys', 'a non-empty array of JWKs');
  const keys = options.keys.map((k, i) => ensureJwk(k, { pointer: `keys[${i}]` }));
  const algorithms = checkList(options.algorithms, 'options.algorithms', JWE_KEY_ALGORITHMS);
  const encryptions = checkList(options.encryptions, 'options.encryptions', JWE_CONTENT_ENCRYPTIONS);
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_JWE_BYTES;
  if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0)
    throw invalidArgValue('options.maxBytes', 'must be a positive integer');

  if (jwe.length > maxBytes) throw refuse('too_large', 'the JWE is larger than the limit', `at most ${maxBytes} bytes`);
  if (jwe.trimStart().startsWith('{'))
    throw refuse(
      'malformed',
      'only the compact serialization can be opened',
      'five base64url parts separated by dots (RFC 7516 §7.1)',
    );
  const { verdict, header } = inspectCompactJwe(jwe, policyFor(algorithms, encryptions, maxBytes));
  if (!verdict.ok || header === null) {
    if (!verdict.ok && verdict.reason === 'alg_not_allowed')
      throw refuse(
        'alg_not_allowed',
        "the JWE's alg, enc or zip is not allowed",
        `alg in ${algorithms.join(', ')}; enc in ${encryptions.join(', ')}; no zip`,
      );
    throw refuse(
      'malformed',
      'not a well-formed compact JWE',
      'five base64url parts and a protected header with alg and enc (RFC 7516 §7.1)',
    );
  }
  const alg = header['alg'] as string;
  const enc = header['enc'] as string;
  const headerKid = header['kid'];
  let key: JWK | undefined;
  if (typeof headerKid === 'string') {
    key = keys.find((k) => k.kid === headerKid);
    if (key === undefined)
      throw refuse('unknown_key', "no key has the JWE's kid", 'a key whose kid matches (keys rotate by kid)');
  } else if (headerKid !== undefined) throw refuse('malformed', 'the kid is not a string');
  else if (keys.length === 1) key = keys[0]!;
  else
    throw refuse(
      'unknown_key',
      'the JWE has no kid and several keys are given',
      'a JWE with a kid, or exactly one key',
    );
  if (!isPrivateJwk(key))
    throw refuse('unknown_key', 'the key with that kid is a public key', 'the private key (d) to open');
  if ((key.alg !== undefined && key.alg !== alg) || !keyFitsAlgorithm(key, alg, enc))
    throw refuse('unknown_key', "the key with that kid does not fit the JWE's alg", keyExpectation(alg, enc));
  let cryptoKey: ImportedKey;
  try {
    cryptoKey = await importFor(key, alg);
  } catch {
    throw refuse('unknown_key', "the key with that kid cannot be used for the JWE's alg");
  }
  try {
    const { plaintext } = await compactDecrypt(jwe, cryptoKey, {
      keyManagementAlgorithms: [alg],
      contentEncryptionAlgorithms: [enc],
    });
    return plaintext;
  } catch {
    // jose's message is not passed on: it is ours to word, and it says nothing more useful.
    throw refuse(
      'decryption_failed',
      'the JWE does not decrypt with the key its kid names',
      'a JWE sealed for this key and not changed on the way',
    );
  }
}
