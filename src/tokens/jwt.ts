// JWT access tokens (RFC 7519, JWS compact RFC 7515), verified with jose.
//
// Checks: size (over `maxTokenBytes` refused unparsed), compact form; no key in the token's own
// header (`jwk`, `jku`, `x5u`, `x5c`: RFC 7515 §4.1.3–4.1.6 let a token name its own key, which
// would let anyone sign; refused `malformed`); unknown `crit` (RFC 7515 §4.1.11, jose);
// `alg` in the allow-list (`none` can never be listed; HS* only with a symmetric key from a
// file, never against a remote JWKS or an asymmetric key); the signature with a key from the
// configured source only (`kid` picks it; an unknown kid triggers one bounded JWKS refresh);
// `iss` (exact), `aud` (one of), `exp` required (a bearer token must expire: RFC 9068 §2.2),
// `nbf` and `iat` not in the future, all with `clockToleranceSec`; `requiredClaims` present; the
// subject claim a non-empty string.
// Does not check: `typ` (RFC 9068 `at+jwt` is not sent by every IdP), `jti` replay, token
// binding (DPoP, mTLS-bound tokens), revocation (a JWT is valid until `exp`: keep them short).

import { jwtVerify } from 'jose';
import type { JWSHeaderParameters, JWTPayload } from 'jose';
import { isAbsolute } from 'node:path';
import { invalidArgType, invalidArgValue } from '../errors.js';
import { createTokenCache, tokenKey } from './cache.js';
import { checkEndpointUrl } from './fetch.js';
import { createFileKeyResolver, createRemoteKeyResolver } from './jwks.js';
import type { KeyResolver } from './jwks.js';
import { extractScopes, readClaimPath } from './scopes.js';
import type {
  JwtVerifierOptions,
  TokenInvalidReason,
  TokenOutcome,
  TokenVerifier,
  TokenVerifierStats,
} from './types.js';
import { deepFreeze } from '../deep-freeze.js';
import { optionalNumber } from './options.js';

/** JWS algorithms jose verifies (RFC 7518 §3.1, RFC 8037). `none` is not one of them, on purpose. */
export const JWS_ALGORITHMS: ReadonlySet<string> = new Set([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
  'HS256',
  'HS384',
  'HS512',
]);
const isHmac = (alg: string): boolean => alg.startsWith('HS');

export const JWT_DEFAULTS = {
  clockToleranceSec: 30,
  maxTokenBytes: 8192,
  cacheSize: 10_000,
  jwksTimeoutMs: 5000,
  jwksCooldownMs: 30_000,
  jwksMaxBytes: 1024 * 1024,
  jwksMaxStaleMs: 24 * 3600 * 1000,
  jwksRefreshMs: 10 * 60 * 1000,
  jwksFileCheckMs: 5000,
} as const;

/** Header members through which a token would name its own key (RFC 7515 §4.1.3–4.1.6). */
const SELF_KEY_HEADERS = ['jwk', 'jku', 'x5u', 'x5c'] as const;
/**
 * header.payload.signature, base64url (RFC 7515 §7.1); the signature may be empty so that `alg: none` earns
 * `alg_not_allowed`.
 */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const MAX_SUBJECT_LENGTH = 1024;

type Refused = { readonly ok: false; readonly reason: TokenInvalidReason };
const refusals = new Map<TokenInvalidReason, Refused>();
/** One frozen refusal object per reason (no allocation per refusal). */
export function refused(reason: TokenInvalidReason): Refused {
  let r = refusals.get(reason);
  if (r === undefined) {
    r = Object.freeze({ ok: false as const, reason });
    refusals.set(reason, r);
  }
  return r;
}

const MALFORMED: Promise<TokenOutcome> = Promise.resolve(refused('malformed'));
const KEYS_UNAVAILABLE: Promise<TokenOutcome> = Promise.resolve(refused('keys_unavailable'));

/** Thrown by our key lookup inside jose and caught right after: carries our reason, no text. */
class Refusal {
  readonly reason: TokenInvalidReason;
  constructor(reason: TokenInvalidReason) {
    this.reason = reason;
  }
}

/**
 * jose's error → our closed reason. Only `code`, `claim` and `reason` are read: jose's message
 * can quote claims, so it never goes anywhere.
 */
export function reasonOfJoseError(err: unknown): TokenInvalidReason {
  if (err instanceof Refusal) return err.reason;
  const e = err as { code?: unknown; claim?: unknown; reason?: unknown } | null;
  switch (e?.code) {
    case 'ERR_JWT_EXPIRED':
      return 'expired';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (e.reason === 'missing') return 'missing_claim';
      if (e.reason !== 'check_failed') return 'malformed'; // `invalid`: a claim of the wrong type
      if (e.claim === 'iss') return 'wrong_issuer';
      if (e.claim === 'aud') return 'wrong_audience';
      if (e.claim === 'nbf' || e.claim === 'iat') return 'not_yet_valid';
      return 'malformed';
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'bad_signature';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return 'alg_not_allowed';
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return 'unknown_key';
    default:
      // ERR_JWS_INVALID (bad base64url/JSON, unknown crit, no alg), ERR_JWT_INVALID (payload not
      // a JSON object, b64: false), ERR_JOSE_NOT_SUPPORTED, a TypeError (RSA key under 2048
      // bits, a key of the wrong type for alg): the token is not one we can verify.
      return 'malformed';
  }
}

function stringList(value: unknown, name: string): readonly string[] {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0)
    throw invalidArgType(name, 'a non-empty string or a non-empty array of strings');
  for (const v of list)
    if (typeof v !== 'string' || v === '') throw invalidArgValue(name, 'must hold non-empty strings only');
  return Object.freeze([...(list as string[])]);
}

function optionalClaimName(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '' || value.length > 256)
    throw invalidArgValue(name, 'must be a non-empty claim name or dotted path');
  return value;
}

/** Checks the allow-list: non-empty, known algorithms only, never `none`. */
export function checkAlgorithms(value: unknown): readonly string[] {
  if (!Array.isArray(value) || value.length === 0)
    throw invalidArgValue('options.algorithms', 'must be a non-empty array of JWS algorithm names');
  for (const alg of value) {
    if (typeof alg !== 'string') throw invalidArgType('options.algorithms', 'an array of strings');
    // RFC 8725 §3.1/§3.2: an unsecured JWT is never acceptable for access control.
    if (alg.toLowerCase() === 'none')
      throw invalidArgValue('options.algorithms', 'must not contain "none": an unsigned token proves nothing');
    if (!JWS_ALGORITHMS.has(alg))
      throw invalidArgValue(
        'options.algorithms',
        `holds an unknown algorithm (known: ${[...JWS_ALGORITHMS].join(', ')})`,
      );
  }
  return Object.freeze([...new Set(value as string[])]);
}

/** The ok outcome for verified claims, or the refusal when the subject claim is unusable. */
export function outcomeOf(
  claims: Record<string, unknown>,
  subjectClaim: string | undefined,
  scopeClaim: string | undefined,
  fallbackSubjects: readonly string[] = [],
): TokenOutcome {
  let subject: unknown = readClaimPath(claims, subjectClaim ?? 'sub');
  for (let i = 0; subjectClaim === undefined && typeof subject !== 'string' && i < fallbackSubjects.length; i++)
    subject = claims[fallbackSubjects[i] as string];
  if (typeof subject !== 'string' || subject === '' || subject.length > MAX_SUBJECT_LENGTH)
    return refused('missing_claim');
  deepFreeze(claims);
  const exp = claims['exp'];
  return Object.freeze({
    ok: true as const,
    subject,
    scopes: extractScopes(claims, scopeClaim),
    claims,
    expiresAt: typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : null,
  });
}

/**
 * A verifier for JWT access tokens. Throws TypeError (ERR_INVALID_ARG_TYPE / _VALUE) for bad
 * options: `none` or an empty allow-list, an HS* algorithm with a remote JWKS or a key file
 * without a symmetric key, a JWKS URL that is not https (nor http to loopback); ConfigError
 * ERR_CONFIG_INVALID for an unusable JWKS file. `verify` never throws.
 */
export function createJwtVerifier(options: JwtVerifierOptions): TokenVerifier {
  if (options === null || typeof options !== 'object') throw invalidArgType('options', 'an object');
  const algorithms = checkAlgorithms(options.algorithms);
  const issuer = stringList(options.issuer, 'options.issuer');
  const audience = stringList(options.audience, 'options.audience');
  const clockTolerance = optionalNumber(
    options.clockToleranceSec,
    'options.clockToleranceSec',
    JWT_DEFAULTS.clockToleranceSec,
  );
  const maxTokenBytes = optionalNumber(options.maxTokenBytes, 'options.maxTokenBytes', JWT_DEFAULTS.maxTokenBytes, 16);
  const cacheSize = optionalNumber(options.cacheSize, 'options.cacheSize', JWT_DEFAULTS.cacheSize);
  const requiredClaims =
    options.requiredClaims === undefined ? [] : stringList(options.requiredClaims, 'options.requiredClaims');
  const subjectClaim = optionalClaimName(options.subjectClaim, 'options.subjectClaim');
  const scopeClaim = optionalClaimName(options.scopeClaim, 'options.scopeClaim');
  const now = options.now ?? Date.now;
  if (typeof now !== 'function') throw invalidArgType('options.now', 'a function');

  const cache = createTokenCache<Promise<TokenOutcome>>(cacheSize, now);
  const keys = options.keys as unknown;
  let resolver: KeyResolver;
  if (keys === null || typeof keys !== 'object')
    throw invalidArgType('options.keys', "{ kind: 'file', path } or { kind: 'url', url }");
  const source = keys as { kind?: unknown; path?: unknown; url?: unknown };
  if (source.kind === 'file') {
    if (typeof source.path !== 'string' || !isAbsolute(source.path))
      throw invalidArgValue('options.keys.path', 'must be an absolute path');
    resolver = createFileKeyResolver(source.path, {
      checkIntervalMs: optionalNumber(options.jwksFileCheckMs, 'options.jwksFileCheckMs', JWT_DEFAULTS.jwksFileCheckMs),
      onReload: (result) => {
        // Tokens verified with the old keys are verified again: a removed key must not live on in the cache.
        if (result.ok) cache.clear();
        try {
          options.onKeysReload?.(result.ok ? { ok: true, keys: result.keys } : { ok: false, error: result.error });
        } catch {
          // the caller's reporter failing must not stop the reload
        }
      },
    });
    if (algorithms.some(isHmac) && !resolver.hasSymmetricKeys) {
      throw invalidArgValue(
        'options.algorithms',
        'holds an HMAC algorithm (HS*) but the key file has no symmetric (oct) key: a public key must never ' +
          'be used as an HMAC secret',
      );
    }
  } else if (source.kind === 'url') {
    const url = checkEndpointUrl(source.url, 'options.keys.url');
    if (algorithms.some(isHmac))
      throw invalidArgValue(
        'options.algorithms',
        'holds an HMAC algorithm (HS*), which a JWKS URL (public keys) can never verify',
      );
    resolver = createRemoteKeyResolver(url.href, {
      timeoutMs: optionalNumber(options.jwksTimeoutMs, 'options.jwksTimeoutMs', JWT_DEFAULTS.jwksTimeoutMs, 1),
      cooldownMs: optionalNumber(options.jwksCooldownMs, 'options.jwksCooldownMs', JWT_DEFAULTS.jwksCooldownMs),
      maxBytes: optionalNumber(options.jwksMaxBytes, 'options.jwksMaxBytes', JWT_DEFAULTS.jwksMaxBytes, 64),
      maxStaleMs: optionalNumber(options.jwksMaxStaleMs, 'options.jwksMaxStaleMs', JWT_DEFAULTS.jwksMaxStaleMs),
      refreshMs: optionalNumber(options.jwksRefreshMs, 'options.jwksRefreshMs', JWT_DEFAULTS.jwksRefreshMs),
      now,
    });
  } else {
    throw invalidArgValue('options.keys.kind', "must be 'file' or 'url'");
  }

  const useCache = cacheSize > 0;
  let cacheHits = 0;
  let verifications = 0;
  const verifyOptions = {
    algorithms: [...algorithms],
    issuer: [...issuer],
    audience: [...audience],
    clockTolerance,
    requiredClaims: [...new Set(['exp', ...requiredClaims])],
  };
  const getKey = async (header: JWSHeaderParameters) => {
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- caught right after; no stack needed
    for (const member of SELF_KEY_HEADERS) if (member in header) throw new Refusal('malformed');
    const found = await resolver.resolve(header);
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- caught right after; no stack needed
    if (found.kind === 'refused') throw new Refusal(found.reason);
    return found.key;
  };

  async function verifyUncached(token: string): Promise<TokenOutcome> {
    if (!COMPACT_JWS.test(token)) return refused('malformed');
    verifications++;
    const at = now();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, getKey, { ...verifyOptions, currentDate: new Date(at) }));
    } catch (err) {
      return refused(reasonOfJoseError(err));
    }
    // jose checks `iat` only with maxTokenAge; a token issued in the future is not valid yet.
    if (typeof payload.iat === 'number' && payload.iat > at / 1000 + clockTolerance) return refused('not_yet_valid');
    return outcomeOf(payload, subjectClaim, scopeClaim);
  }

  const stats = (): TokenVerifierStats =>
    Object.freeze({ cacheHits, cacheEntries: cache.size, verifications, fetches: resolver.fetches() });

  async function verifyAndRemember(token: string, key: string): Promise<TokenOutcome> {
    try {
      const outcome = await verifyUncached(token);
      // Cached until exp exactly (no tolerance): a cache answer is never later than jose's.
      // The settled promise itself is stored, so a hit allocates nothing.
      if (outcome.ok && outcome.expiresAt !== null) cache.set(key, Promise.resolve(outcome), outcome.expiresAt);
      return outcome;
    } catch {
      return refused('malformed'); // not reached by design: verifyUncached maps every error
    }
  }

  let closed = false;
  return Object.freeze({
    // Not `async`: a cache hit returns the stored settled promise without wrapping it in a new one.
    verify(token: string): Promise<TokenOutcome> {
      try {
        // Closed: every token is refused, whatever the key source (a file source keeps its keys).
        if (closed) return KEYS_UNAVAILABLE;
        if (typeof token !== 'string' || token.length === 0 || token.length > maxTokenBytes) return MALFORMED;
        if (!useCache) return verifyAndRemember(token, '');
        const key = tokenKey(token);
        const hit = cache.get(key);
        if (hit !== undefined) {
          cacheHits++;
          return hit;
        }
        return verifyAndRemember(token, key);
      } catch {
        return MALFORMED; // e.g. an injected clock that throws: still never a throw, never an allow
      }
    },
    close() {
      closed = true;
      resolver.close();
      cache.clear();
    },
    stats,
  } satisfies TokenVerifier);
}
