// API keys: `agk_<id>_<secret>`. The id (12 characters of lowercase base32, 60 bits) is public:
// it is what listings, logs and `keys revoke` show, and how the store finds the key. The secret
// (32 random bytes, base64url, 43 characters) is shown once at creation; the store keeps only
// SHA-256 of it. A fast hash is right here because the secret is random with 256 bits of
// entropy, unlike a password, so there is nothing to guess offline.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const API_KEY_PREFIX = 'agk_';
const ID_LENGTH = 12;
const SECRET_LENGTH = 43;
/** The whole key's length; anything else is malformed without looking further. */
export const API_KEY_LENGTH = API_KEY_PREFIX.length + ID_LENGTH + 1 + SECRET_LENGTH;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
const ID_RE = /^[a-z2-7]{12}$/;
const SECRET_RE = /^[A-Za-z0-9_-]{43}$/;

export interface ParsedApiKey {
  readonly id: string;
  readonly secret: string;
}

/** Splits a presented key into id and secret, or null when it is not an API key of ours. Never throws. */
export function parseApiKey(value: unknown): ParsedApiKey | null {
  if (typeof value !== 'string' || value.length !== API_KEY_LENGTH || !value.startsWith(API_KEY_PREFIX)) return null;
  const id = value.slice(API_KEY_PREFIX.length, API_KEY_PREFIX.length + ID_LENGTH);
  if (value.charCodeAt(API_KEY_PREFIX.length + ID_LENGTH) !== 0x5f /* _ */) return null;
  const secret = value.slice(API_KEY_PREFIX.length + ID_LENGTH + 1);
  if (!ID_RE.test(id) || !SECRET_RE.test(secret)) return null;
  return { id, secret };
}

/** True when `id` has the form of a key id (for `keys revoke ID`). */
export function isApiKeyId(id: unknown): id is string {
  return typeof id === 'string' && ID_RE.test(id);
}

export function hashApiKeySecret(secret: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(secret, 'utf8').digest());
}

/** Constant-time: does the presented secret hash to the stored hash? */
export function apiKeySecretMatches(secret: string, storedHash: Uint8Array): boolean {
  const h = createHash('sha256').update(secret, 'utf8').digest();
  return storedHash.length === h.length && timingSafeEqual(h, storedHash);
}

/** A new key: the id, the whole key (shown once) and the hash to store. */
export function generateApiKey(): { id: string; key: string; hash: Uint8Array } {
  const idBytes = randomBytes(ID_LENGTH);
  let id = '';
  for (let i = 0; i < ID_LENGTH; i++) id += BASE32[(idBytes[i] as number) & 31];
  const secret = randomBytes(32).toString('base64url');
  return { id, key: `${API_KEY_PREFIX}${id}_${secret}`, hash: hashApiKeySecret(secret) };
}
