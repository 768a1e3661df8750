// Keys and hand-made JWEs shared by the end-to-end encryption tests (schemes, tokens, guard, CLI).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { JWK } from 'jose';
import { checkJwk } from '../../src/tokens/keys.js';

const b64 = (b: Uint8Array | string): string => Buffer.from(b).toString('base64url');

/** A symmetric JWK (`oct`) of `bytes` bytes, checked and frozen like loadJwks makes them. */
export function octKey(kid?: string, bytes = 32, alg?: string): JWK {
  return checkJwk({
    kty: 'oct',
    k: b64(randomBytes(bytes)),
    ...(kid !== undefined ? { kid } : {}),
    ...(alg !== undefined ? { alg } : {}),
  });
}

let ecCache: JWK | undefined;
let rsaCache: JWK | undefined;

/** A P-256 private JWK (kid `ec-1` unless given). */
export function ecKey(kid = 'ec-1', crv: 'P-256' | 'P-384' = 'P-256'): JWK {
  if (kid === 'ec-1' && crv === 'P-256' && ecCache !== undefined) return ecCache;
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: crv === 'P-256' ? 'prime256v1' : 'secp384r1' });
  const jwk = checkJwk({ ...(privateKey.export({ format: 'jwk' }) as object), kid });
  if (kid === 'ec-1' && crv === 'P-256') ecCache = jwk;
  return jwk;
}

/** An RSA-2048 private JWK (kid `rsa-1` unless given). */
export function rsaKey(kid = 'rsa-1', modulusLength = 2048): JWK {
  if (kid === 'rsa-1' && modulusLength === 2048 && rsaCache !== undefined) return rsaCache;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength });
  const raw = { ...(privateKey.export({ format: 'jwk' }) as object), kid };
  if (modulusLength < 2048) return raw; // not checkable: the caller tests the refusal
  const jwk = checkJwk(raw);
  if (kid === 'rsa-1' && modulusLength === 2048) rsaCache = jwk;
  return jwk;
}

export interface HandMade {
  header: Record<string, unknown>;
  encryptedKey?: string;
  iv?: string;
  ciphertext?: string;
  tag?: string;
}

/** A compact JWE with any header (nothing is encrypted): for the shape checks, which never decrypt. */
export function handMadeCompact(h: HandMade): string {
  const ek = h.encryptedKey ?? (h.header['alg'] === 'dir' || h.header['alg'] === 'ECDH-ES' ? '' : b64(randomBytes(40)));
  return [
    b64(JSON.stringify(h.header)),
    ek,
    h.iv ?? b64(randomBytes(12)),
    h.ciphertext ?? b64(randomBytes(32)),
    h.tag ?? b64(randomBytes(16)),
  ].join('.');
}

export const EPK = Object.freeze({ kty: 'EC', crv: 'P-256', x: b64(randomBytes(32)), y: b64(randomBytes(32)) });

/** A general JSON serialization (RFC 7516 §7.2.1) with the given per-recipient headers. */
export function handMadeGeneral(
  protectedHeader: Record<string, unknown>,
  recipients: { header?: Record<string, unknown>; encrypted_key?: string }[],
): string {
  return JSON.stringify({
    protected: b64(JSON.stringify(protectedHeader)),
    recipients,
    iv: b64(randomBytes(12)),
    ciphertext: b64(randomBytes(32)),
    tag: b64(randomBytes(16)),
  });
}

export { b64 };
