// The token layer's contract (issue 4): JWT verification with jose against local or remote JWKS,
// OpenID Connect discovery, RFC 7662 introspection for opaque tokens, scopes from claims, and a
// verified-token cache. The scheme modules (http bearer, oauth2, openIdConnect) build one
// TokenVerifier per scheme at startup and call `verify(token)` per connection.
// Outcomes are values: `verify` never throws and never rejects.

import type { InvalidReason } from '../invalid-reasons.js';
import type { ConfigError } from '../errors.js';

/** The refusal reasons a token can earn: a subset of the guard's closed list. */
export type TokenInvalidReason = Extract<
  InvalidReason,
  // malformed: not a JWS compact token (or too large: over `maxTokenBytes`), bad base64url/JSON, unknown `crit`,
  // a key in the header (jwk/jku/x5u/x5c)
  | 'malformed'
  | 'alg_not_allowed'
  | 'bad_signature'
  | 'unknown_key' // no key with that kid (after one bounded refresh)
  | 'expired'
  | 'not_yet_valid'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'missing_claim'
  | 'token_inactive'
  | 'keys_unavailable' // key source down and nothing valid cached; introspection endpoint down (fail closed)
>;

export type TokenOutcome =
  | {
      readonly ok: true;
      /** The principal id: `sub` (or the configured subject claim). */
      readonly subject: string;
      /** Granted scopes: `scope` (space-separated), else `scp` (array or string), else the configured claim path. */
      readonly scopes: readonly string[];
      /** The verified claims (JWT payload or introspection answer), frozen. Never the token itself. */
      readonly claims: Readonly<Record<string, unknown>>;
      /** `exp` in ms since the epoch, or null when the token has none. */
      readonly expiresAt: number | null;
    }
  | { readonly ok: false; readonly reason: TokenInvalidReason };

export interface TokenVerifier {
  verify(token: string): Promise<TokenOutcome>;
  /** Stops timers and aborts fetches (JWKS refresh). */
  close(): void;
  /** Counters for metrics and tests (added for issue 4's token library). Never a secret. */
  stats?(): TokenVerifierStats;
}

/** What a token verifier has done so far. */
export interface TokenVerifierStats {
  /** Answers served from the verified-token cache. */
  readonly cacheHits: number;
  /** Entries in the verified-token cache now. */
  readonly cacheEntries: number;
  /** Full verifications: jose signature checks (JWT) or introspection requests (opaque tokens). */
  readonly verifications: number;
  /** Key-set, discovery or introspection fetches started. */
  readonly fetches: number;
}

/** Where JWT keys come from. */
export type KeySource =
  | { readonly kind: 'file'; readonly path: string } // a local JWKS (or single JWK) file, absolute path
  | { readonly kind: 'url'; readonly url: string }; // https (or http to a loopback address only)

export interface JwtVerifierOptions {
  readonly keys: KeySource;
  /** Accepted `iss` values (exact string match). */
  readonly issuer: string | readonly string[];
  /** Accepted `aud` values; the token's `aud` (string or array) must contain one. */
  readonly audience: string | readonly string[];
  /** Allow-list of JWS algorithms; `none` is refused even if listed; HMAC (HS*) is refused with asymmetric keys. */
  readonly algorithms: readonly string[];
  /** Seconds of tolerance on exp/nbf/iat. Default 30. */
  readonly clockToleranceSec?: number;
  /** Claims that must be present (besides iss/aud/exp/sub). */
  readonly requiredClaims?: readonly string[];
  /** Dotted claim path holding scopes, when not `scope`/`scp` (e.g. `realm_access.roles`). */
  readonly scopeClaim?: string;
  /** Claim holding the principal id. Default `sub`. */
  readonly subjectClaim?: string;
  /** Tokens longer than this are refused without parsing. Default 8192. */
  readonly maxTokenBytes?: number;
  /** Verified tokens remembered (by SHA-256 of the token), at most this many, each until its exp. Default 10,000. */
  readonly cacheSize?: number;
  /**
   * Remote JWKS: bounded fetch time (default 5000 ms), min time between refreshes for an unknown kid (default 30 s),
   * max size (default 1 MiB), how long fetched keys stay usable when refreshes fail (default 24 h).
   */
  readonly jwksTimeoutMs?: number;
  readonly jwksCooldownMs?: number;
  readonly jwksMaxBytes?: number;
  readonly jwksMaxStaleMs?: number;
  /** Remote JWKS: keys older than this are refreshed in the background while still in use. Default 10 min. */
  readonly jwksRefreshMs?: number;
  /**
   * JWKS file: how often it is looked at (one stat) for a change, in ms (default 5000; 0: read once). A changed file
   * is read again: good keys replace the old ones (and the verified-token cache is emptied), a bad file keeps the
   * last good keys.
   */
  readonly jwksFileCheckMs?: number;
  /** A JWKS file was read again: how many keys it holds now, or why the last good keys stay. Never key material. */
  readonly onKeysReload?: (result: { ok: true; keys: number } | { ok: false; error: ConfigError }) => void;
  /** ms since the epoch; injected so tests never sleep. */
  readonly now?: () => number;
}

export interface IntrospectionOptions {
  /** RFC 7662 endpoint (https, or http to loopback only). */
  readonly url: string;
  /** Client authentication to the endpoint (RFC 7662 §2.1): HTTP Basic with these. */
  readonly clientId: string;
  readonly clientSecret: string;
  /** An answer is cached no longer than the token lives (`exp`) and at most this long. Default 60 s. */
  readonly cacheMaxMs?: number;
  readonly timeoutMs?: number;
  readonly issuer?: string | readonly string[];
  readonly audience?: string | readonly string[];
  readonly scopeClaim?: string;
  readonly subjectClaim?: string;
  readonly maxTokenBytes?: number;
  readonly cacheSize?: number;
  readonly now?: () => number;
}

/** What `discoverOpenIdConfiguration` answers: the document, or why it is not usable. Never throws for the network. */
export type DiscoveryOutcome =
  | { readonly ok: true; readonly configuration: OpenIdConfiguration }
  | {
      readonly ok: false;
      /**
       * timeout / network / status (not 200) / too_large / not_json: the fetch; invalid_document: no string issuer or
       * jwks_uri, or a jwks_uri not https (nor loopback http); issuer_mismatch: OpenID Connect Discovery 1.0 §4.3.
       */
      readonly problem:
        'timeout' | 'network' | 'status' | 'too_large' | 'not_json' | 'invalid_document' | 'issuer_mismatch';
    };

/** The parts of an OpenID Provider's discovery document the guard uses (OpenID Connect Discovery 1.0 §3). */
export interface OpenIdConfiguration {
  readonly issuer: string;
  readonly jwksUri: string;
  readonly introspectionEndpoint: string | null;
}
