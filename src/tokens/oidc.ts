// OpenID Connect: the issuer and its keys from the provider's discovery document
// (OpenID Connect Discovery 1.0). The document is fetched lazily (first verify), bounded in time
// and size; its `issuer` must be identical to the URL the document was fetched from minus
// `/.well-known/openid-configuration` (§4.3: "MUST be identical"; one trailing `/` is tolerated,
// as providers such as Auth0 publish `https://tenant/` for `https://tenant/.well-known/…`), and
// equal to the configured issuer when one is given. Its `jwks_uri` then feeds a JWT verifier
// (jwt.ts) whose `iss` check uses the discovered issuer.
// While discovery has never succeeded, every token is refused `keys_unavailable` (fail closed);
// a failed discovery is retried on a later verify with exponential backoff
// (discoveryRetryMs, ×2 per failure, capped at 5 minutes). Once it succeeded, it is kept.

import { createSingleFlight } from './single-flight.js';
import { invalidArgType, invalidArgValue } from '../errors.js';
import { checkEndpointUrl, fetchJson } from './fetch.js';
import { createJwtVerifier, JWT_DEFAULTS, refused } from './jwt.js';
import type {
  DiscoveryOutcome,
  JwtVerifierOptions,
  OpenIdConfiguration,
  TokenOutcome,
  TokenVerifier,
  TokenVerifierStats,
} from './types.js';

export const WELL_KNOWN_SUFFIX = '/.well-known/openid-configuration';

export const OIDC_DEFAULTS = {
  discoveryTimeoutMs: 5000,
  discoveryMaxBytes: 256 * 1024,
  discoveryRetryMs: 1000,
  discoveryMaxRetryMs: 5 * 60 * 1000,
} as const;

export type OpenIdVerifierOptions = Omit<JwtVerifierOptions, 'keys' | 'issuer'> & {
  readonly issuer?: string | readonly string[];
  readonly discoveryTimeoutMs?: number;
  readonly discoveryRetryMs?: number;
};

/**
 * The issuer a discovery URL stands for (§4: the URL is the issuer + `/.well-known/openid-configuration`). Throws
 * TypeError.
 */
export function issuerOfDiscoveryUrl(
  value: unknown,
  name = 'openIdConnectUrl',
): { readonly url: string; readonly issuer: string } {
  const url = checkEndpointUrl(value, name);
  if (url.search !== '' || url.hash !== '') throw invalidArgValue(name, 'must not have a query or a fragment');
  if (!url.pathname.endsWith(WELL_KNOWN_SUFFIX))
    throw invalidArgValue(name, `must end with ${WELL_KNOWN_SUFFIX} (OpenID Connect Discovery 1.0 §4)`);
  const href = url.href;
  return { url: href, issuer: href.slice(0, href.length - WELL_KNOWN_SUFFIX.length) };
}

/**
 * Fetches and checks an OpenID Provider configuration document. Throws TypeError only for a bad
 * `url` (not https nor loopback http, not a `…/.well-known/openid-configuration` URL); network
 * and document problems are answered as `{ ok: false, problem }`.
 */
export async function discoverOpenIdConfiguration(
  url: string,
  options: { readonly timeoutMs?: number; readonly maxBytes?: number; readonly signal?: AbortSignal } = {},
): Promise<DiscoveryOutcome> {
  const { url: href, issuer: expected } = issuerOfDiscoveryUrl(url, 'url');
  const r = await fetchJson(href, {
    timeoutMs: options.timeoutMs ?? OIDC_DEFAULTS.discoveryTimeoutMs,
    maxBytes: options.maxBytes ?? OIDC_DEFAULTS.discoveryMaxBytes,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  if (!r.ok) return { ok: false, problem: r.failure };
  const doc = r.json;
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return { ok: false, problem: 'invalid_document' };
  const { issuer, jwks_uri: jwksUri, introspection_endpoint: introspection } = doc as Record<string, unknown>;
  if (typeof issuer !== 'string' || typeof jwksUri !== 'string') return { ok: false, problem: 'invalid_document' };
  if (issuer !== expected && issuer !== `${expected}/`) return { ok: false, problem: 'issuer_mismatch' };
  const endpoint = (v: unknown): string | null => {
    try {
      return checkEndpointUrl(v, 'jwks_uri').href;
    } catch {
      return null;
    }
  };
  const jwks = endpoint(jwksUri);
  if (jwks === null) return { ok: false, problem: 'invalid_document' };
  const configuration: OpenIdConfiguration = Object.freeze({
    issuer,
    jwksUri: jwks,
    introspectionEndpoint: typeof introspection === 'string' ? endpoint(introspection) : null,
  });
  return { ok: true, configuration };
}

/**
 * A JWT verifier whose issuer and keys come from OpenID Connect discovery. Throws TypeError for
 * bad options (the same checks as createJwtVerifier, plus the discovery URL); `verify` never throws.
 */
export function createOpenIdVerifier(openIdConnectUrl: string, options: OpenIdVerifierOptions): TokenVerifier {
  if (options === null || typeof options !== 'object') throw invalidArgType('options', 'an object');
  const { url } = issuerOfDiscoveryUrl(openIdConnectUrl);
  const { issuer: wantedIssuer, discoveryTimeoutMs, discoveryRetryMs, ...jwtOptions } = options;
  const wanted = wantedIssuer === undefined ? null : typeof wantedIssuer === 'string' ? [wantedIssuer] : wantedIssuer;
  if (
    wanted !== null &&
    (!Array.isArray(wanted) || wanted.length === 0 || wanted.some((s) => typeof s !== 'string' || s === ''))
  ) {
    throw invalidArgValue('options.issuer', 'must be a non-empty string or a non-empty array of non-empty strings');
  }
  for (const [name, v] of [
    ['discoveryTimeoutMs', discoveryTimeoutMs],
    ['discoveryRetryMs', discoveryRetryMs],
  ] as const) {
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < 1))
      throw invalidArgValue(`options.${name}`, 'must be a finite number ≥ 1');
  }
  // Check every JWT option now, at startup, with the same code that will use them: a verifier
  // over a placeholder URL fetches nothing until its first verify, and is closed at once.
  createJwtVerifier({
    ...jwtOptions,
    keys: { kind: 'url', url: 'https://discovery.invalid/jwks' },
    issuer: 'https://discovery.invalid',
  }).close();
  // Checked above (createJwtVerifier): the size limit applies before discovery too.
  const maxTokenBytes = jwtOptions.maxTokenBytes ?? JWT_DEFAULTS.maxTokenBytes;
  const now = options.now ?? Date.now;
  const retryMs = discoveryRetryMs ?? OIDC_DEFAULTS.discoveryRetryMs;
  const controller = new AbortController();
  let inner: TokenVerifier | null = null;
  let closed = false;

  const mayRetry = (): boolean =>
    !closed &&
    (flight.failures === 0 ||
      now() - flight.lastAttempt >= flight.backoffMs(retryMs, OIDC_DEFAULTS.discoveryMaxRetryMs));

  const flight = createSingleFlight(async () => {
    const r = await discoverOpenIdConfiguration(url, {
      timeoutMs: discoveryTimeoutMs ?? OIDC_DEFAULTS.discoveryTimeoutMs,
      signal: controller.signal,
    });
    // The configured issuer, when given, must be the one the provider names (a document
    // served from the right host but naming another issuer is refused, never trusted).
    if (!r.ok || (wanted !== null && !wanted.includes(r.configuration.issuer)) || closed) return false;
    inner = createJwtVerifier({
      ...jwtOptions,
      keys: { kind: 'url', url: r.configuration.jwksUri },
      issuer: r.configuration.issuer,
    });
    return true;
  }, now);
  const discover = (): Promise<void> => flight.run();

  const stats = (): TokenVerifierStats => {
    const s = inner?.stats?.();
    return Object.freeze({
      cacheHits: s?.cacheHits ?? 0,
      cacheEntries: s?.cacheEntries ?? 0,
      verifications: s?.verifications ?? 0,
      fetches: flight.attempts + (s?.fetches ?? 0),
    });
  };

  return Object.freeze({
    async verify(token: string): Promise<TokenOutcome> {
      try {
        if (typeof token !== 'string' || token.length === 0 || token.length > maxTokenBytes)
          return refused('malformed');
        if (inner === null) {
          if (flight.running || mayRetry()) await discover();
          if (inner === null) return refused('keys_unavailable');
        }
        return await inner.verify(token);
      } catch {
        return refused('keys_unavailable');
      }
    },
    close() {
      closed = true;
      controller.abort();
      inner?.close();
    },
    stats,
  } satisfies TokenVerifier);
}
