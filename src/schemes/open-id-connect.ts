// openIdConnect: an OpenID Connect token, the provider found through Discovery.
//
// Verifier. Reads the token per wire/bearer.ts (Authorization: Bearer, `presented.token`, the MQTT
// CONNECT password); announces `Bearer realm="…"` (RFC 6750 §3) for an HTTP 401.
// The provider comes from the document: the scheme's `openIdConnectUrl` (OpenID Connect Discovery
// 1.0 §4), which must be https (plain http only to a loopback address), else startup fails.
// Discovery runs lazily in src/tokens: until it has succeeded, tokens are refused with
// `keys_unavailable` (fail closed), never allowed.
// Checks, per src/tokens: the discovery document's `issuer` is the one the URL was derived from
// (§4.3) and, when the binding sets `issuer`, one of those too; the JWT's signature with the keys
// of its `jwks_uri`, `alg` in `algorithms` (default RS256, ES256; never `none`), `iss`, `aud`
// (`audience` is required: an ID token or access token for another client must not pass),
// exp/nbf/iat with tolerance, required claims.
// Does not check: `nonce`, `at_hash`, `azp` (those matter to the client that ran the login, not to
// a resource server), `jti` replay.
import { StartupError } from '../errors.js';
import { createOpenIdVerifier, issuerOfDiscoveryUrl } from '../tokens/index.js';
import type { SchemeDescriptor, Verifier, VerifierContext } from './types.js';
import { tokenProtocols } from './oauth2.js';
import { checkContext } from './verify/context.js';
import {
  buildTokenVerifier,
  checkTokenEndpoint,
  createTokenSchemeVerifier,
  readTokenBinding,
  tokenConfigSchema,
  tokenKeysOf,
} from './verify/token.js';
import type { Scheme } from '../model/types.js';
import type { WireFamily } from './protocols.js';
import { bearerTokenPlaces } from './wire/places.js';

/** The openIdConnect verifier (module comment: what it checks and what it does not). */
export function createOpenIdConnectVerifier(context: VerifierContext): Verifier {
  checkContext(context);
  const url = context.scheme['openIdConnectUrl'];
  const unusable = (why: string) =>
    new StartupError(
      'ERR_SCHEME_UNSUPPORTED',
      `openIdConnect scheme '${context.name}' has no usable openIdConnectUrl: ${why}`,
      {
        pointer: `schemes.${context.name}`,
        expected:
          "an https …/.well-known/openid-configuration URL as the document scheme's openIdConnectUrl (plain " +
          'http only to 127.0.0.1, ::1 or localhost), without credentials, query or fragment',
      },
    );
  if (typeof url !== 'string' || url.length > 2048 || checkTokenEndpoint(url) === null)
    throw unusable('not an https (or loopback http) URL');
  try {
    issuerOfDiscoveryUrl(url);
  } catch {
    // The token layer's message names what is wrong; ours says it without repeating the URL.
    throw unusable(`not a discovery URL (OpenID Connect Discovery 1.0 §4)`);
  }
  const binding = readTokenBinding(context, 'openIdConnect');
  if (binding.audience === undefined) {
    throw new StartupError('ERR_CONFIG_INVALID', "missing key 'audience'", {
      pointer: `schemes.${context.name}.audience`,
      expected: 'the audience this server accepts tokens for (the client id or API identifier at the provider)',
    });
  }
  const tokens = buildTokenVerifier(context, () =>
    createOpenIdVerifier(url, {
      audience: binding.audience as readonly string[],
      algorithms: binding.algorithms,
      ...(binding.issuer === undefined ? {} : { issuer: binding.issuer }),
      ...(binding.clockToleranceSec === undefined ? {} : { clockToleranceSec: binding.clockToleranceSec }),
      ...(binding.requiredClaims === undefined ? {} : { requiredClaims: binding.requiredClaims }),
      ...(binding.scopeClaim === undefined ? {} : { scopeClaim: binding.scopeClaim }),
      ...(binding.subjectClaim === undefined ? {} : { subjectClaim: binding.subjectClaim }),
      maxTokenBytes: binding.maxTokenBytes,
      ...(binding.cacheSize === undefined ? {} : { cacheSize: binding.cacheSize }),
      now: context.now,
    }),
  );
  return createTokenSchemeVerifier(context, 'openIdConnect', binding, tokens);
}

export const openIdConnect = {
  type: 'openIdConnect',
  label: 'OpenID Connect',
  // Protocol fit of openIdConnect: that of oauth2 (S/R: protocols.ts; S: mqtt in streetlights-mqtt).
  protocols: tokenProtocols,
  // Presented as a bearer token, like oauth2.
  carriesSecret: () => true,
  wirePlaces: (_scheme: Scheme, family: WireFamily) => bearerTokenPlaces(family),
  // `audience` is required: checked when the verifier is made, so `{}` still passes the schema
  // check for a binding the guard does not use.
  configSchema: tokenConfigSchema(tokenKeysOf.openIdConnect),
  createVerifier: createOpenIdConnectVerifier,
} as const satisfies SchemeDescriptor<'openIdConnect'>;
