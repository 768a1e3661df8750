// The token layer's public API (issue 4): JWT verification against a JWKS file or URL, OpenID
// Connect discovery, RFC 7662 introspection, scopes from claims, and the verified-token cache.
// docs/tokens.md describes what is checked, each refusal reason, the caches and their bounds.

export { createJwtVerifier, checkAlgorithms, reasonOfJoseError, JWS_ALGORITHMS, JWT_DEFAULTS } from './jwt.js';
export { createIntrospectionVerifier, clientBasicAuthorization, INTROSPECTION_DEFAULTS } from './introspection.js';
export {
  createOpenIdVerifier,
  discoverOpenIdConfiguration,
  issuerOfDiscoveryUrl,
  OIDC_DEFAULTS,
  WELL_KNOWN_SUFFIX,
} from './oidc.js';
export type { OpenIdVerifierOptions } from './oidc.js';
export { extractScopes, readClaimPath } from './scopes.js';
export { createTokenCache, tokenKey } from './cache.js';
export type { TokenCache } from './cache.js';
export { checkEndpointUrl } from './fetch.js';
export type {
  DiscoveryOutcome,
  IntrospectionOptions,
  JwtVerifierOptions,
  KeySource,
  OpenIdConfiguration,
  TokenInvalidReason,
  TokenOutcome,
  TokenVerifier,
  TokenVerifierStats,
} from './types.js';
// Payload encryption (JWE) for clients of symmetricEncryption / asymmetricEncryption schemes.
export {
  sealPayload,
  openPayload,
  JWE_KEY_ALGORITHMS,
  JWE_CONTENT_ENCRYPTIONS,
  DEFAULT_CONTENT_ENCRYPTION,
  DEFAULT_MAX_JWE_BYTES,
} from './jwe.js';
export type { SealOptions, OpenOptions } from './jwe.js';
export { loadJwks, checkJwk, publicJwkOf, MAX_JWKS_BYTES, MAX_JWKS_KEYS } from './keys.js';
export type { JWK, LoadJwksOptions } from './keys.js';
