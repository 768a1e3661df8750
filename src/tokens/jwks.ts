// Where JWT verification keys come from: a local JWKS file (read at construction, and again when
// it changes, checked by a stat every few seconds; a bad new file keeps the last good keys) or a
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

import { statSync } from 'node:fs';
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

/** What a JWKS file holds, ready to verify with. */
interface FileKeys {
  readonly set: GetKey | null;
  readonly symmetric: readonly JWK[];
  /** Imported HMAC keys, by `<index in symmetric>:<alg>`: one import per key and algorithm. */
  readonly hmacKeys: Map<string, Promise<CryptoKey | Uint8Array>>;
  /** Keys in the file. */
  readonly count: number;
}

/**
 * Reads a JWKS (`{"keys": […]}`) or a single JWK from `path`, synchronously (bounded: 1 MiB, MAX_KEYS).
 * Throws ConfigError ERR_CONFIG_INVALID naming the file (never a key) when it cannot be read, is not JSON, holds no
 * usable key, more than MAX_KEYS, or a private asymmetric key.
 */
function loadKeyFile(path: string): FileKeys {
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
  return { set, symmetric, hmacKeys: new Map(), count: members.length };
}

/** The file's identity and version: inode, size, modification time (an atomic rename counts), or why it is missing. */
function statFingerprint(path: string): string {
  try {
    const s = statSync(path, { bigint: true });
    return `${s.ino}:${s.size}:${s.mtimeNs}`;
  } catch (err) {
    return `missing:${(err as NodeJS.ErrnoException).code ?? 'error'}`;
  }
}

export interface FileKeyOptions {
  /**
   * How often the file is looked at (one stat) for a change, in ms; 0: never (read once). A changed file is read
   * again: a good one replaces the keys for the next verification, a bad one keeps the last good keys and is
   * reported once per change of the file.
   */
  readonly checkIntervalMs?: number;
  /** The keys were replaced (the caller drops what it verified with the old ones) or a reload failed. */
  readonly onReload?: (result: { ok: true; keys: number } | { ok: false; error: ConfigError }) => void;
}

/**
 * The keys of a local JWKS file. Read at once (startup errors thrown as `loadKeyFile` throws them) and, with
 * `checkIntervalMs` > 0, read again when the file changes, as the X509 CA bundle and CRLs are (a rotated or
 * compromised signing key needs no restart).
 */
export function createFileKeyResolver(path: string, options: FileKeyOptions = {}): KeyResolver {
  // Stat first: a change between the stat and the read is then seen at the next check.
  let seen = statFingerprint(path);
  let keys = loadKeyFile(path);
  const startedSymmetric = keys.symmetric.length > 0;
  const interval = options.checkIntervalMs ?? 0;
  const check = (): void => {
    const now = statFingerprint(path);
    if (now === seen) return;
    seen = now;
    try {
      const next = loadKeyFile(path);
      keys = next;
      options.onReload?.({ ok: true, keys: next.count });
    } catch (err) {
      if (err instanceof ConfigError) options.onReload?.({ ok: false, error: err });
    }
  };
  const timer = interval > 0 ? setInterval(check, interval) : null;
  timer?.unref();
  return {
    hasSymmetricKeys: startedSymmetric,
    fetches: () => 0,
    close() {
      if (timer !== null) clearInterval(timer);
    },
    async resolve(header) {
      const k = keys; // one version of the file for the whole lookup
      const alg = header.alg ?? '';
      if (!isHmac(alg)) return lookupAsymmetric(k.set, header);
      // HMAC: only an `oct` key of this file can verify it (never an asymmetric key used as a secret).
      if (k.symmetric.length === 0) return { kind: 'refused', reason: 'alg_not_allowed' };
      const fits = k.symmetric.filter(
        (j) =>
          (header.kid === undefined || j.kid === header.kid) &&
          (j.alg === undefined || j.alg === alg) &&
          (j.use === undefined || j.use === 'sig'),
      );
      const jwk = fits[0];
      if (fits.length !== 1 || jwk === undefined) return { kind: 'refused', reason: 'unknown_key' };
      const id = `${k.symmetric.indexOf(jwk)}:${alg}`;
      let pending = k.hmacKeys.get(id);
      if (pending === undefined) {
        pending = importJWK(jwk, alg);
        k.hmacKeys.set(id, pending);
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
