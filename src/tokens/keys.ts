// End-to-end encryption keys (JWK, RFC 7517) for `sealPayload` / `openPayload` and the `seal` /
// `open` commands: read from `file:PATH` or `env:NAME` (never a literal: docs/architecture.md,
// "Configuration"), one JWK or a JWK Set (§5), each key checked before use so a wrong key fails
// when it is loaded, with its place, and never at the first message. Errors (KeyError,
// ERR_KEY_INVALID) name the source and the key's index / kid, never key material.

import { createPrivateKey, createPublicKey, createSecretKey } from 'node:crypto';
import { readAtMost } from '../read-at-most.js';
import { resolve } from 'node:path';
import type { JWK } from 'jose';
import { KeyError, invalidArgType, type GuardErrorDetails } from '../errors.js';
import { parseSecretRef } from '../credentials/secret-ref.js';
import {
  ASYMMETRIC_ALGORITHMS,
  CONTENT_ENCRYPTIONS,
  ENC_FACTS,
  KW_KEY_BYTES,
  SYMMETRIC_ALGORITHMS,
  type ContentEncryption,
} from './jose-algorithms.js';
import { deepFreeze } from '../deep-freeze.js';

export type { JWK } from 'jose';

/** Largest key file or variable read. */
export const MAX_JWKS_BYTES = 256 * 1024;
/** Most keys in one JWK Set. */
export const MAX_JWKS_KEYS = 100;
/** Smallest RSA modulus accepted (RFC 7518 §4.2/§4.3 require 2048 bits). */
export const MIN_RSA_BITS = 2048;

const EC_CURVES: Readonly<Record<string, number>> = { 'P-256': 32, 'P-384': 48, 'P-521': 66 };
/** ECDH-ES over OKP uses X25519 / X448 (RFC 8037 §3.2); Ed25519 / Ed448 are signing curves. */
const OKP_CURVES: Readonly<Record<string, number>> = { X25519: 32, X448: 56 };
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth'] as const;
const B64URL = /^[A-Za-z0-9_-]+$/;
const KEY_ALGORITHMS: ReadonlySet<string> = new Set([...SYMMETRIC_ALGORITHMS, ...ASYMMETRIC_ALGORITHMS]);

export interface LoadJwksOptions {
  /** Folder a relative `file:` path resolves against (the config file's folder, or the cwd). */
  readonly baseDir: string;
  /** Where `env:` references are read (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
}

const b64bytes = (s: string): number => Math.floor((s.length * 3) / 4);

/** Which `alg` values fit a key: by kty (and for `oct`, by length). */
export function keyFitsAlgorithm(jwk: JWK, alg: string, enc?: string): boolean {
  switch (jwk.kty) {
    case 'oct': {
      const n = typeof jwk.k === 'string' ? b64bytes(jwk.k) : -1;
      if (alg === 'dir')
        return enc === undefined
          ? Object.values(ENC_FACTS).some((f) => f.cekBytes === n)
          : ENC_FACTS[enc as ContentEncryption]?.cekBytes === n;
      return KW_KEY_BYTES[alg] === n;
    }
    case 'RSA':
      return alg.startsWith('RSA-OAEP');
    case 'EC':
    case 'OKP':
      return alg === 'ECDH-ES' || alg.startsWith('ECDH-ES+');
    default:
      return false;
  }
}

/** The `alg` to seal with when none is given: the key's own `alg`, else the issue's default for its type. */
export function defaultAlgorithmFor(jwk: JWK): string {
  if (typeof jwk.alg === 'string') return jwk.alg;
  switch (jwk.kty) {
    case 'oct':
      // A fresh content key per message (RFC 3394 wrap) rather than one key for every message.
      return 'A256KW';
    case 'RSA':
      return 'RSA-OAEP-256';
    default:
      return 'ECDH-ES+A256KW';
  }
}

/** The public half of an asymmetric JWK (private members dropped); an `oct` key as is. */
export function publicJwkOf(jwk: JWK): JWK {
  if (jwk.kty === 'oct') return jwk;
  const out: Record<string, unknown> = { ...jwk };
  for (const m of PRIVATE_MEMBERS) delete out[m];
  return out;
}

export function isPrivateJwk(jwk: JWK): boolean {
  return jwk.kty === 'oct' || typeof jwk.d === 'string';
}

/** JWKs this module checked and froze: `ensureJwk` does not check them twice (the seal/open hot path). */
const checked = new WeakSet<object>();

/** `jwk` itself when `checkJwk` made it, else a checked frozen copy (throws KeyError like checkJwk). */
export function ensureJwk(jwk: unknown, place: GuardErrorDetails = {}): JWK {
  if (jwk === null || typeof jwk !== 'object') return checkJwk(jwk, place);
  if (checked.has(jwk)) return jwk;
  // A frozen JWK cannot change: its checked copy is remembered (the import cache keys on it).
  if (!Object.isFrozen(jwk)) return checkJwk(jwk, place);
  let copy = checkedCopies.get(jwk);
  if (copy === undefined) checkedCopies.set(jwk, (copy = checkJwk(jwk, place)));
  return copy;
}
const checkedCopies = new WeakMap<object, JWK>();

/**
 * Checks one JWK for end-to-end encryption; throws KeyError (ERR_KEY_INVALID) at `place` when it
 * is not usable. Returns it deep-frozen (a copy).
 */
export function checkJwk(value: unknown, place: GuardErrorDetails = {}): JWK {
  const fail = (reason: string, expected?: string): never => {
    throw new KeyError('ERR_KEY_INVALID', reason, { ...place, ...(expected !== undefined ? { expected } : {}) });
  };
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return fail('not a JWK', 'a JSON object with kty (RFC 7517 §4)');
  const jwk = { ...(value as Record<string, unknown>) } as JWK & Record<string, unknown>;
  const str = (member: string, optional = false): string | undefined => {
    const v = jwk[member];
    if (v === undefined && optional) return undefined;
    if (typeof v !== 'string' || v.length === 0)
      return fail(`the member ${member} is missing or not a string`, `${member} as a string`);
    return v;
  };
  const b64 = (member: string, optional = false): string | undefined => {
    const v = str(member, optional);
    if (v !== undefined && !B64URL.test(v))
      fail(`the member ${member} is not base64url`, `${member} in base64url without padding`);
    return v;
  };
  const kty = str('kty');
  const kid = str('kid', true);
  if (kid !== undefined && kid.length > 256) fail('the kid is longer than 256 characters');
  const use = str('use', true);
  if (use !== undefined && use !== 'enc') fail("the key's use is not enc", 'use: enc (or no use)');
  if (jwk.key_ops !== undefined && (!Array.isArray(jwk.key_ops) || !jwk.key_ops.every((o) => typeof o === 'string')))
    fail('key_ops is not a list of strings');
  const alg = str('alg', true);
  if (alg !== undefined && !KEY_ALGORITHMS.has(alg)) {
    fail(
      'the alg is not a key management algorithm we allow',
      `one of ${[...KEY_ALGORITHMS].join(', ')} (none, RSA1_5 and PBES2-* are never allowed)`,
    );
  }
  switch (kty) {
    case 'oct': {
      const k = b64('k')!;
      const n = b64bytes(k);
      if (alg === undefined) {
        if (![16, 24, 32, 48, 64].includes(n)) fail('an oct key must be 16, 24, 32, 48 or 64 bytes');
      } else if (alg === 'dir') {
        if (!CONTENT_ENCRYPTIONS.some((e) => ENC_FACTS[e].cekBytes === n))
          fail('an oct key for dir must be the size of a content key', 'k of 16, 24, 32, 48 or 64 bytes');
      } else if (KW_KEY_BYTES[alg] === undefined)
        fail('the alg does not fit an oct key', `one of ${SYMMETRIC_ALGORITHMS.join(', ')}`);
      else if (KW_KEY_BYTES[alg] !== n)
        fail(`an oct key for ${alg} must be ${KW_KEY_BYTES[alg]} bytes`, `a ${KW_KEY_BYTES[alg]}-byte k`);
      break;
    }
    case 'RSA': {
      const n = b64('n')!;
      b64('e');
      if (b64bytes(n) * 8 < MIN_RSA_BITS)
        fail(`the RSA modulus is shorter than ${MIN_RSA_BITS} bits`, `n of at least ${MIN_RSA_BITS} bits`);
      if (jwk.d !== undefined) for (const m of ['d', 'p', 'q', 'dp', 'dq', 'qi']) b64(m);
      if (alg !== undefined && !alg.startsWith('RSA-OAEP'))
        fail('the alg does not fit an RSA key', 'an RSA-OAEP algorithm');
      break;
    }
    case 'EC':
    case 'OKP': {
      const crv = str('crv')!;
      const curves = kty === 'EC' ? EC_CURVES : OKP_CURVES;
      if (!Object.prototype.hasOwnProperty.call(curves, crv))
        fail(`the curve is not one for key agreement`, `crv: ${Object.keys(curves).join(', ')}`);
      b64('x');
      if (kty === 'EC') b64('y');
      b64('d', true);
      if (alg !== undefined && !(alg === 'ECDH-ES' || alg.startsWith('ECDH-ES+')))
        fail(`the alg does not fit an ${kty} key`, 'an ECDH-ES algorithm');
      break;
    }
    default:
      fail('the kty is not one for encryption', 'kty: oct, RSA, EC or OKP');
  }
  // Let the crypto library read it: catches points off the curve, inconsistent RSA members…
  try {
    if (kty === 'oct') createSecretKey(Buffer.from(jwk.k as string, 'base64url'));
    else if (typeof jwk.d === 'string') createPrivateKey({ key: jwk as never, format: 'jwk' });
    else createPublicKey({ key: jwk as never, format: 'jwk' });
  } catch {
    fail('the key material is not a valid key of its type');
  }
  const frozen = deepFreeze(structuredClone(jwk)) as JWK;
  checked.add(frozen);
  return frozen;
}

/**
 * Reads a JWK or a JWK Set from `file:PATH` or `env:NAME` and checks every key. Resolves to a
 * frozen list (one entry for a single JWK). Throws KeyError ERR_KEY_INVALID naming the place; a
 * value that is not a reference is refused without being quoted (it may be a key pasted by mistake).
 */
export async function loadJwks(ref: string, options: LoadJwksOptions): Promise<readonly JWK[]> {
  if (typeof ref !== 'string') throw invalidArgType('ref', 'a string (env:NAME or file:PATH)');
  if (options === null || typeof options !== 'object' || typeof options.baseDir !== 'string')
    throw invalidArgType('options.baseDir', 'a string');
  const parsed = parseSecretRef(ref);
  if (parsed === null)
    throw new KeyError('ERR_KEY_INVALID', 'the key is not given by reference', {
      expected: 'env:NAME or file:PATH (a key is never given literally)',
    });
  let text: string;
  let source: GuardErrorDetails;
  if (parsed.kind === 'env') {
    source = { file: `env:${parsed.name}` };
    const v = (options.env ?? process.env)[parsed.name];
    if (v === undefined || v === '')
      throw new KeyError('ERR_KEY_INVALID', `the environment variable ${parsed.name} is not set`, {
        expected: `${parsed.name} to hold a JWK or JWKS`,
      });
    if (Buffer.byteLength(v) > MAX_JWKS_BYTES)
      throw new KeyError('ERR_KEY_INVALID', 'the value is too large', {
        ...source,
        expected: `at most ${MAX_JWKS_BYTES} bytes`,
      });
    text = v;
  } else {
    source = { file: parsed.path };
    let buf: Buffer;
    try {
      buf = await readAtMost(resolve(options.baseDir, parsed.path), MAX_JWKS_BYTES);
    } catch (err) {
      throw new KeyError(
        'ERR_KEY_INVALID',
        `the file cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
        { ...source, expected: 'a readable file holding a JWK or JWKS' },
      );
    }
    if (buf.length > MAX_JWKS_BYTES)
      throw new KeyError('ERR_KEY_INVALID', 'the file is too large', {
        ...source,
        expected: `at most ${MAX_JWKS_BYTES} bytes`,
      });
    text = buf.toString('utf8');
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    // Not quoting the parser's message: it can contain a piece of the text, i.e. of a key.
    throw new KeyError('ERR_KEY_INVALID', 'not JSON', {
      ...source,
      expected: 'a JWK or a JWK Set ({"keys": [...]}) as JSON',
    });
  }
  const isSet =
    doc !== null && typeof doc === 'object' && !Array.isArray(doc) && Object.prototype.hasOwnProperty.call(doc, 'keys');
  const list: unknown[] = isSet ? ((doc as { keys: unknown }).keys as unknown[]) : [doc];
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_JWKS_KEYS) {
    throw new KeyError('ERR_KEY_INVALID', 'the keys member is not a list of 1 to 100 keys', {
      ...source,
      pointer: 'keys',
      expected: `1 to ${MAX_JWKS_KEYS} JWKs`,
    });
  }
  const keys: JWK[] = [];
  const kids = new Set<string>();
  list.forEach((value, i) => {
    const kid =
      value !== null && typeof value === 'object' && typeof (value as { kid?: unknown }).kid === 'string'
        ? (value as { kid: string }).kid
        : undefined;
    const place = {
      ...source,
      pointer: isSet ? `keys[${i}]${kid !== undefined ? ` (kid ${JSON.stringify(kid.slice(0, 64))})` : ''}` : '',
    };
    const jwk = checkJwk(value, place);
    if (jwk.kid !== undefined) {
      if (kids.has(jwk.kid))
        throw new KeyError('ERR_KEY_INVALID', 'two keys have the same kid', {
          ...place,
          expected: 'a distinct kid per key (keys rotate by kid)',
        });
      kids.add(jwk.kid);
    }
    keys.push(jwk);
  });
  return Object.freeze(keys);
}
