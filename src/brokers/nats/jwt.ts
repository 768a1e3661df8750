// NATS JWTs (jwt v2, as nats-server 2.10 reads them): `base64url(header).base64url(claims).base64url(sig)`,
// header `{"typ":"JWT","alg":"ed25519-nkey"}`, signed with an ed25519 nkey over the first two parts.
// `jti` is what the jwt library computes: unpadded base32 of SHA-512/256 over the JSON of the standard
// claims with `jti` left out (nats-server does not check it; we keep it right for tools that show it).
// Decoding is for the authorization request only: bounded, never throws, answers a closed reason.
//
// nkeys.js parses and checks the keys (prefix, CRC); the ed25519 work itself is Node's (OpenSSL):
// nkeys.js signs and verifies in pure JavaScript (tweetnacl), which cost several milliseconds per
// connection on a loaded machine, more than the rest of the callout together (bench/nats-callout.ts).

import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { fromPublic, type KeyPair } from 'nkeys.js';

/** What signs a JWT: a key pair's public key and an ed25519 signature over bytes. */
export interface NkeySigner {
  getPublicKey(): string;
  sign(data: Uint8Array): Uint8Array;
}

const HEADER = Buffer.from(JSON.stringify({ typ: 'JWT', alg: 'ed25519-nkey' })).toString('base64url');
const B64URL = /^[A-Za-z0-9_-]*$/;

/** The standard claims, in the order the jwt library marshals them (its `jti` hash input). */
export interface StandardClaims {
  readonly aud?: string;
  readonly exp?: number;
  readonly iat: number;
  readonly iss: string;
  readonly name?: string;
  readonly sub: string;
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32NoPad(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** The jwt library's claim id: base32(SHA-512/256(JSON of the standard claims without jti)). */
export function claimId(claims: StandardClaims): string {
  const std: Record<string, unknown> = {};
  if (claims.aud !== undefined) std.aud = claims.aud;
  if (claims.exp !== undefined) std.exp = claims.exp;
  std.iat = claims.iat;
  std.iss = claims.iss;
  if (claims.name !== undefined) std.name = claims.name;
  std.sub = claims.sub;
  return base32NoPad(createHash('sha512-256').update(JSON.stringify(std)).digest());
}

/** Signs `claims` (its `iss` must be `signer`'s public key) with `jti` added, as a NATS JWT. */
export function encodeNatsJwt(claims: StandardClaims & { readonly nats: object }, signer: NkeySigner): string {
  const { aud, exp, iat, iss, name, sub, nats } = claims;
  const ordered = {
    ...(aud !== undefined ? { aud } : {}),
    ...(exp !== undefined ? { exp } : {}),
    jti: claimId(claims),
    iat,
    iss,
    ...(name !== undefined ? { name } : {}),
    sub,
    nats,
  };
  const body = Buffer.from(JSON.stringify(ordered)).toString('base64url');
  const signed = `${HEADER}.${body}`;
  const sig = Buffer.from(signer.sign(Buffer.from(signed, 'ascii'))).toString('base64url');
  return `${signed}.${sig}`;
}

export type JwtProblem = 'too_large' | 'malformed' | 'bad_header' | 'bad_signature';

export type DecodedJwt =
  | { readonly ok: true; readonly claims: Record<string, unknown> }
  | { readonly ok: false; readonly problem: JwtProblem };

/**
 * Decodes a NATS JWT and verifies its signature against the key in its own `iss` (the caller then
 * decides whether it trusts that key). Never throws: wire input.
 */
export function decodeNatsJwt(token: string, maxBytes: number): DecodedJwt {
  if (token.length > maxBytes) return { ok: false, problem: 'too_large' };
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => p.length > 0 && B64URL.test(p)))
    return { ok: false, problem: 'malformed' };
  const [h, c, s] = parts as [string, string, string];
  const header = parseJson(Buffer.from(h, 'base64url').toString('utf8'));
  if (header === null || header.typ !== 'JWT' || header.alg !== 'ed25519-nkey')
    return { ok: false, problem: 'bad_header' };
  const claims = parseJson(Buffer.from(c, 'base64url').toString('utf8'));
  if (claims === null || typeof claims.iss !== 'string') return { ok: false, problem: 'malformed' };
  const key = publicKeyObject(claims.iss);
  const sig = Buffer.from(s, 'base64url');
  if (key === null || sig.length !== 64 || !verify(null, Buffer.from(`${h}.${c}`, 'ascii'), key, sig))
    return { ok: false, problem: 'bad_signature' };
  return { ok: true, claims };
}

const BASE32_INDEX = new Map([...BASE32].map((ch, i) => [ch, i]));

/** RFC 4648 base32 without padding → bytes, or null. */
function base32Decode(text: string): Buffer | null {
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of text) {
    const v = BASE32_INDEX.get(ch);
    if (v === undefined) return null;
    value = ((value << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

// Request issuers are the few servers of a cluster: their keys are kept, a bounded few.
const publicKeys = new Map<string, KeyObject>();
const MAX_CACHED_KEYS = 64;

/** The ed25519 public key of a public nkey (checked by nkeys.js), or null. */
function publicKeyObject(nkey: string): KeyObject | null {
  const cached = publicKeys.get(nkey);
  if (cached !== undefined) return cached;
  try {
    fromPublic(nkey); // throws on a bad prefix or checksum
  } catch {
    return null;
  }
  // A public nkey is one prefix byte, the 32-byte key, a 2-byte CRC.
  const raw = base32Decode(nkey);
  if (raw === null || raw.length !== 35) return null;
  const key = createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: raw.subarray(1, 33).toString('base64url') },
    format: 'jwk',
  });
  if (publicKeys.size >= MAX_CACHED_KEYS) publicKeys.clear();
  publicKeys.set(nkey, key);
  return key;
}

/** A signer that signs with Node's ed25519 for an nkeys.js key pair made from a seed. */
export function nativeSigner(pair: KeyPair): NkeySigner {
  // A seed is two prefix bytes, the 32-byte ed25519 seed, a 2-byte CRC (nkeys.js checked it).
  const raw = base32Decode(new TextDecoder().decode(pair.getSeed()));
  if (raw === null || raw.length !== 36) throw new TypeError('not an nkey seed');
  const publicKey = pair.getPublicKey();
  const x = base32Decode(publicKey)!.subarray(1, 33).toString('base64url');
  const key = createPrivateKey({
    key: { kty: 'OKP', crv: 'Ed25519', d: raw.subarray(2, 34).toString('base64url'), x },
    format: 'jwk',
  });
  raw.fill(0);
  return { getPublicKey: () => publicKey, sign: (data) => sign(null, data, key) };
}

function parseJson(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** Is `key` a valid public nkey whose prefix letter is `prefix` (`N` server, `A` account, `U` user)? */
export function isPublicNkey(key: unknown, prefix: 'N' | 'A' | 'U'): key is string {
  if (typeof key !== 'string' || key.length !== 56 || key[0] !== prefix) return false;
  try {
    fromPublic(key);
    return true;
  } catch {
    return false;
  }
}
