// Where JWT verification keys come from: a local JWKS file (read once, at construction) or a
// remote JWKS URL with its own small cache. The remote cache:
// - fetches lazily (first verify), bounded in time and size; concurrent verifies share one fetch;
// - refreshes in the background once the keys are older than `refreshMs` (stale-while-revalidate);
// - refreshes at once for an unknown `kid` (key rotation), at most once per `cooldownMs`;
// - retries a failed fetch with exponential backoff (1 s, 2 s, 4 s … capped at `cooldownMs`);
// - keeps verifying with the keys it has while the source is down, until `maxStaleMs` after the
//   last successful fetch; past that, or with nothing ever fetched, every token is refused
//   `keys_unavailable` (fail closed).
// Keys are only ever taken from the configured source, never from the token (its `jwk`, `jku`,
// `x5u`, `x5c` headers are refused by jwt.ts before a key is looked up).

import { createSingleFlight } from './single-flight.js';
import { readAtMostSync } from '../read-at-most.js';
import { createLocalJWKSet, importJWK } from 'jose';
import type { CryptoKey, JWK, JWSHeaderParameters } from 'jose';
import { ConfigError } from '../errors.js';
import { fetchJson } from './fetch.js';

export type KeyLookup =
  | { readonly kind: 'key'; readonly key: CryptoKey | Uint8Array }
  | { readonly kind: 'refused'; readonly reason: 'unknown_key' | 'keys_unavailable' | 'alg_not_allowed' };

export interface KeyResolver {
  resolve(header: JWSHeaderParameters): Promise<KeyLookup>;
  /** True when the source holds symmetric (`oct`) keys, so HS* algorithms can be allowed. */
  readonly hasSymmetricKeys: boolean;
  /** JWKS fetches started so far (0 for a file). */
  fetches(): number;
  close(): void;
}

/** At most this many keys in a set; a bigger set is refused (file) or ignored (remote). */
export const MAX_KEYS = 100;
const MAX_FILE_BYTES = 1024 * 1024;
const ASYMMETRIC_KTY: ReadonlySet<string> = new Set(['RSA', 'EC', 'OKP']);
/** RFC 7517 §6.2.2 / §6.3.2: members that make a JWK private. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth'] as const;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isHmac = (alg: string): boolean => alg === 'HS256' || alg === 'HS384' || alg === 'HS512';

type GetKey = (header: JWSHeaderParameters) => Promise<CryptoKey>;

/** Looks a key up in a jose local set; a set with no asymmetric keys finds nothing. */
async function lookupAsymmetric(set: GetKey | null, header: JWSHeaderParameters): Promise<KeyLookup> {
  if (set === null) return { kind: 'refused', reason: 'unknown_key' };
  try {
    return { kind: 'key', key: await set(header) };
  } catch {
    // ERR_JWKS_NO_MATCHING_KEY; ERR_JWKS_MULTIPLE_MATCHING_KEYS (a token without `kid` must fit
    // exactly one key); a key that does not import. All: no usable key for this token.
    return { kind: 'refused', reason: 'unknown_key' };
  }
}

function buildAsymmetricSet(keys: readonly JWK[]): GetKey | null {
  if (keys.length === 0) return null;
  return createLocalJWKSet({ keys: [...keys] });
}

// ------------------------------------------------------------------------------------ file

/**
 * Reads a JWKS (`{"keys": […]}`) or a single JWK from `path`, synchronously (at startup).
 * Throws ConfigError ERR_CONFIG_INVALID naming the file (never a key) when it cannot be read,
 * is not JSON, holds no usable key, more than MAX_KEYS, or a private asymmetric key.
 */
export function createFileKeyResolver(path: string): KeyResolver {
  const bad = (reason: string, expected: string) =>
    new ConfigError('ERR_CONFIG_INVALID', `the JWKS file ${reason}`, { file: path, expected });
  let text: string;
  try {
    const bytes = readAtMostSync(path, MAX_FILE_BYTES);
    if (bytes.length > MAX_FILE_BYTES) throw bad('is too large', `at most ${MAX_FILE_BYTES} bytes`);
    text = bytes.toString('utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw bad(`cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`, 'a readable JWKS file');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw bad('is not JSON', 'a JWK Set ({"keys": […]}) or one JWK, as JSON');
  }
  const members: unknown[] =
    isObject(json) && Array.isArray(json['keys'])
      ? json['keys']
      : isObject(json) && typeof json['kty'] === 'string'
        ? [json]
        : [];
  if (members.length === 0) throw bad('holds no key', 'a JWK Set ({"keys": […]}) or one JWK');
  if (members.length > MAX_KEYS) throw bad('holds too many keys', `at most ${MAX_KEYS} keys`);
  const asymmetric: JWK[] = [];
  const symmetric: JWK[] = [];
  for (const [i, jwk] of members.entries()) {
    if (!isObject(jwk) || typeof jwk['kty'] !== 'string')
      throw bad(`has a key without "kty" (key ${i})`, 'JWKs (RFC 7517)');
    if (jwk['kty'] === 'oct') {
      if (typeof jwk['k'] !== 'string' || jwk['k'] === '')
        throw bad(`has a symmetric key without "k" (key ${i})`, 'an oct JWK with "k"');
      symmetric.push(jwk);
    } else if (ASYMMETRIC_KTY.has(jwk['kty'])) {
      if (PRIVATE_MEMBERS.some((m) => m in jwk))
        throw bad(`holds a private key (key ${i})`, 'public keys only (remove "d" and the other private members)');
      asymmetric.push(jwk);
    } else {
      throw bad(`has a key of unsupported type (key ${i})`, 'kty RSA, EC, OKP or oct');
    }
  }
  let set: GetKey | null;
  try {
    set = buildAsymmetricSet(asymmetric);
  } catch {
    throw bad('is not a valid JWK Set', 'a JWK Set ({"keys": […]}) or one JWK');
  }
  const hmacKeys = new Map<string, Promise<CryptoKey | Uint8Array>>();
  return {
    hasSymmetricKeys: symmetric.length > 0,
    fetches: () => 0,
    close() {},
    async resolve(header) {
      const alg = header.alg ?? '';
      if (!isHmac(alg)) return lookupAsymmetric(set, header);
      // HMAC: only an `oct` key of this file can verify it (never an asymmetric key used as a secret).
      if (symmetric.length === 0) return { kind: 'refused', reason: 'alg_not_allowed' };
      const fits = symmetric.filter(
        (k) =>
          (header.kid === undefined || k.kid === header.kid) &&
          (k.alg === undefined || k.alg === alg) &&
          (k.use === undefined || k.use === 'sig'),
      );
      const jwk = fits[0];
      if (fits.length !== 1 || jwk === undefined) return { kind: 'refused', reason: 'unknown_key' };
      const id = `${symmetric.indexOf(jwk)}:${alg}`;
      let pending = hmacKeys.get(id);
      if (pending === undefined) {
        pending = importJWK(jwk, alg);
        hmacKeys.set(id, pending);
      }
      try {
        return { kind: 'key', key: await pending };
      } catch {
        return { kind: 'refused', reason: 'unknown_key' };
      }
    },
  };
}

// ------------------------------------------------------------------------------------ remote

export interface RemoteKeyOptions {
  readonly timeoutMs: number;
  readonly cooldownMs: number;
  readonly maxBytes: number;
  readonly maxStaleMs: number;
  readonly refreshMs: number;
  readonly now: () => number;
}

/** First retry after a failed fetch; doubles per failure, capped at the cooldown. */
const FIRST_RETRY_MS = 1000;

/** The usable public keys of a fetched set: asymmetric, no private members; at most MAX_KEYS. */
export function usablePublicKeys(json: unknown): JWK[] | null {
  if (!isObject(json) || !Array.isArray(json['keys'])) return null;
  const out: JWK[] = [];
  for (const jwk of json['keys'].slice(0, MAX_KEYS)) {
    // A published `oct` key would be a shared secret made public; a private member, a leak.
    // Neither can verify anything safely: skip them.
    if (!isObject(jwk) || typeof jwk['kty'] !== 'string' || !ASYMMETRIC_KTY.has(jwk['kty'])) continue;
    if (PRIVATE_MEMBERS.some((m) => m in jwk)) continue;
    out.push(jwk);
  }
  return out;
}

export function createRemoteKeyResolver(url: string, options: RemoteKeyOptions): KeyResolver {
  const { now } = options;
  const controller = new AbortController();
  let set: GetKey | null = null;
  let fetchedAt: number | null = null;
  let closed = false;

  const usable = (): boolean => set !== null && fetchedAt !== null && now() - fetchedAt <= options.maxStaleMs;
  const mayFetch = (): boolean => {
    const wait = flight.failures === 0 ? options.cooldownMs : flight.backoffMs(FIRST_RETRY_MS, options.cooldownMs);
    return !closed && now() - flight.lastAttempt >= wait;
  };

  const flight = createSingleFlight(async () => {
    const r = await fetchJson(url, {
      timeoutMs: options.timeoutMs,
      maxBytes: options.maxBytes,
      signal: controller.signal,
    });
    const keys = r.ok ? usablePublicKeys(r.json) : null;
    let next: GetKey | null = null;
    if (keys !== null && keys.length > 0) {
      try {
        next = buildAsymmetricSet(keys);
      } catch {
        next = null;
      }
    }
    // An empty or broken answer is a failure: the keys we hold stay (an IdP glitch must not
    // wipe them), and the retry backs off.
    if (next === null || closed) return false;
    set = next;
    fetchedAt = now();
    return true;
  }, now);
  const refresh = (): Promise<void> => flight.run();

  return {
    hasSymmetricKeys: false,
    fetches: () => flight.attempts,
    close() {
      closed = true;
      controller.abort();
    },
    async resolve(header) {
      if (closed) return { kind: 'refused', reason: 'keys_unavailable' };
      // A remote JWKS publishes public keys only: HMAC can never verify against it.
      if (isHmac(header.alg ?? '')) return { kind: 'refused', reason: 'alg_not_allowed' };
      if (!usable()) {
        if (flight.running || mayFetch()) await refresh();
        if (!usable()) return { kind: 'refused', reason: 'keys_unavailable' };
      } else if (fetchedAt !== null && now() - fetchedAt >= options.refreshMs && !flight.running && mayFetch()) {
        void refresh(); // periodic: in the background, this token uses the keys we hold
      }
      const found = await lookupAsymmetric(set, header);
      if (found.kind === 'key') return found;
      // Unknown kid: maybe the IdP rotated its keys. One refresh, at most once per cooldown
      // (a stream of made-up kids must not turn into a stream of fetches).
      if (!flight.running && !mayFetch()) return found;
      await refresh();
      if (!usable()) return { kind: 'refused', reason: 'keys_unavailable' };
      return lookupAsymmetric(set, header);
    },
  };
}
