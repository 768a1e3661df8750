// Opaque OAuth2 tokens: OAuth 2.0 Token Introspection (RFC 7662).
//
// Per token: POST `token=…&token_type_hint=access_token` (§2.1) with HTTP Basic client
// authentication (§2.1 requires the endpoint to authenticate its callers; RFC 6749 §2.3.1: id
// and secret are form-urlencoded before base64), bounded in time and size. The answer must be
// a JSON object with `active: true` (§2.2; anything else is `token_inactive`), then: `exp` not
// past and `nbf` not in the future (with 30 s tolerance), `iss` / `aud` when configured, the
// subject (`sub`, else `username`, else `client_id`, unless `subjectClaim` names one).
// Endpoint down, slow, non-200 or not JSON: `keys_unavailable` (fail closed, never allow).
// Cache: ok answers only, keyed by SHA-256 of the token, until min(exp, now + cacheMaxMs) —
// §4 warns that a cached answer outlives a revocation, so `cacheMaxMs` bounds that window.
// Concurrent verifies of one token share one request.
// The client secret is used for the Authorization header only: no outcome, error or log has it.

import { invalidArgType, invalidArgValue } from '../errors.js';
import { createTokenCache, tokenKey } from './cache.js';
import { checkEndpointUrl, fetchJson } from './fetch.js';
import { outcomeOf, refused } from './jwt.js';
import type { IntrospectionOptions, TokenOutcome, TokenVerifier, TokenVerifierStats } from './types.js';
import { optionalNumber } from './options.js';

export const INTROSPECTION_DEFAULTS = {
  cacheMaxMs: 60_000,
  timeoutMs: 5000,
  maxTokenBytes: 8192,
  cacheSize: 10_000,
  /** The endpoint's answer is small; a bigger one is refused unread. */
  maxResponseBytes: 64 * 1024,
  clockToleranceSec: 30,
  /** At most this many different tokens in flight to the endpoint at once; more are refused `keys_unavailable`. */
  maxInflight: 256,
} as const;

/** Visible ASCII (RFC 6750 §2.1 b64token is a subset): anything else is not a token. */
const VISIBLE_ASCII = /^[\x21-\x7e]+$/;

/** RFC 6749 §2.3.1 / Appendix B: application/x-www-form-urlencoded, space as `+`. */
function formEncode(value: string): string {
  return encodeURIComponent(value)
    .replace(/%20/g, '+')
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `Basic base64(formenc(id) ":" formenc(secret))` (RFC 6749 §2.3.1, RFC 7617). */
export function clientBasicAuthorization(clientId: string, clientSecret: string): string {
  return `Basic ${Buffer.from(`${formEncode(clientId)}:${formEncode(clientSecret)}`, 'utf8').toString('base64')}`;
}

const asList = (v: string | readonly string[] | undefined, name: string): readonly string[] | null => {
  if (v === undefined) return null;
  const list = typeof v === 'string' ? [v] : v;
  // Tested as unknown: JavaScript callers may pass anything, and Array.isArray would retype the argument as any[].
  const given: unknown = list;
  if (!Array.isArray(given) || list.length === 0 || list.some((s) => typeof s !== 'string' || s === '')) {
    throw invalidArgValue(name, 'must be a non-empty string or a non-empty array of non-empty strings');
  }
  return list;
};

/**
 * A verifier for opaque tokens through an RFC 7662 endpoint. Throws TypeError for bad options
 * (the URL not https nor loopback http, an empty client id or secret); `verify` never throws.
 */
export function createIntrospectionVerifier(options: IntrospectionOptions): TokenVerifier {
  if (options === null || typeof options !== 'object') throw invalidArgType('options', 'an object');
  const url = checkEndpointUrl(options.url, 'options.url').href;
  if (typeof options.clientId !== 'string' || options.clientId === '')
    throw invalidArgType('options.clientId', 'a non-empty string');
  // Never quote the secret, not even its length.
  if (typeof options.clientSecret !== 'string' || options.clientSecret === '')
    throw invalidArgType('options.clientSecret', 'a non-empty string');
  const authorization = clientBasicAuthorization(options.clientId, options.clientSecret);
  const issuers = asList(options.issuer, 'options.issuer');
  const audiences = asList(options.audience, 'options.audience');
  const cacheMaxMs = optionalNumber(options.cacheMaxMs, 'options.cacheMaxMs', INTROSPECTION_DEFAULTS.cacheMaxMs);
  const timeoutMs = optionalNumber(options.timeoutMs, 'options.timeoutMs', INTROSPECTION_DEFAULTS.timeoutMs, 1);
  const maxTokenBytes = optionalNumber(
    options.maxTokenBytes,
    'options.maxTokenBytes',
    INTROSPECTION_DEFAULTS.maxTokenBytes,
    16,
  );
  const cacheSize = optionalNumber(options.cacheSize, 'options.cacheSize', INTROSPECTION_DEFAULTS.cacheSize);
  for (const k of ['scopeClaim', 'subjectClaim'] as const) {
    const v = options[k];
    if (v !== undefined && (typeof v !== 'string' || v === ''))
      throw invalidArgValue(`options.${k}`, 'must be a non-empty claim name');
  }
  const now = options.now ?? Date.now;
  if (typeof now !== 'function') throw invalidArgType('options.now', 'a function');
  const tolerance = INTROSPECTION_DEFAULTS.clockToleranceSec;

  const cache = createTokenCache<TokenOutcome>(cacheSize, now);
  const inflight = new Map<string, Promise<TokenOutcome>>();
  const controller = new AbortController();
  let cacheHits = 0;
  let requests = 0;

  function judge(answer: unknown): TokenOutcome {
    if (answer === null || typeof answer !== 'object' || Array.isArray(answer)) return refused('keys_unavailable');
    const claims = answer as Record<string, unknown>;
    // §2.2: `active` is REQUIRED and boolean; only a literal true grants anything.
    if (claims['active'] !== true) return refused('token_inactive');
    const at = now() / 1000;
    const exp = claims['exp'];
    if (exp !== undefined && (typeof exp !== 'number' || !Number.isFinite(exp))) return refused('malformed');
    if (typeof exp === 'number' && exp + tolerance <= at) return refused('expired');
    const nbf = claims['nbf'];
    if (typeof nbf === 'number' && nbf > at + tolerance) return refused('not_yet_valid');
    if (issuers !== null && !(typeof claims['iss'] === 'string' && issuers.includes(claims['iss']))) {
      return refused(claims['iss'] === undefined ? 'missing_claim' : 'wrong_issuer');
    }
    if (audiences !== null) {
      const aud = claims['aud'];
      const list = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
      if (aud === undefined) return refused('missing_claim');
      if (!list.some((a) => typeof a === 'string' && audiences.includes(a))) return refused('wrong_audience');
    }
    return outcomeOf(claims, options.subjectClaim, options.scopeClaim, ['username', 'client_id']);
  }

  async function introspect(token: string): Promise<TokenOutcome> {
    requests++;
    const r = await fetchJson(url, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${formEncode(token)}&token_type_hint=access_token`,
      timeoutMs,
      maxBytes: INTROSPECTION_DEFAULTS.maxResponseBytes,
      signal: controller.signal,
    });
    return r.ok ? judge(r.json) : refused('keys_unavailable');
  }

  const stats = (): TokenVerifierStats =>
    Object.freeze({ cacheHits, cacheEntries: cache.size, verifications: requests, fetches: requests });

  return Object.freeze({
    async verify(token: string): Promise<TokenOutcome> {
      try {
        if (
          typeof token !== 'string' ||
          token.length === 0 ||
          token.length > maxTokenBytes ||
          !VISIBLE_ASCII.test(token)
        )
          return refused('malformed');
        if (controller.signal.aborted) return refused('keys_unavailable');
        const key = tokenKey(token);
        const hit = cache.get(key);
        if (hit !== undefined) {
          cacheHits++;
          return hit;
        }
        let pending = inflight.get(key);
        if (pending === undefined) {
          // Bounded: a flood of distinct tokens cannot open unbounded requests to the endpoint.
          if (inflight.size >= INTROSPECTION_DEFAULTS.maxInflight) return refused('keys_unavailable');
          pending = introspect(token).finally(() => inflight.delete(key));
          inflight.set(key, pending);
          const outcome = await pending;
          if (outcome.ok) {
            const until = Math.min(now() + cacheMaxMs, outcome.expiresAt ?? Number.POSITIVE_INFINITY);
            cache.set(key, outcome, until);
          }
          return outcome;
        }
        return await pending;
      } catch {
        return refused('keys_unavailable');
      }
    },
    close() {
      controller.abort();
      cache.clear();
    },
    stats,
  } satisfies TokenVerifier);
}
