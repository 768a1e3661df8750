// oauth2: an OAuth 2.0 access token obtained through one of the declared flows.
//
// Verifier. Reads the access token per wire/bearer.ts (Authorization: Bearer, `presented.token`,
// the MQTT CONNECT password); announces `Bearer realm="…"` (RFC 6750 §3) for an HTTP 401.
// Checks, per verify/token.ts and src/tokens, either
// - a JWT access token (RFC 9068 style): signature with the bound keys (`jwks`), `alg` in the
//   allow-list (never `none`, no HMAC with a public key, no key from the token's own header),
//   `iss` (required in the binding: no default, or a token from any issuer would pass), `aud`,
//   exp/nbf/iat with tolerance, required claims; or
// - an opaque token through RFC 7662 introspection (`introspection: { url, clientId,
//   clientSecret: env:…|file:… }`): active, exp, and iss/aud when bound.
// Scopes come from the token (`scope`, `scp` or `scopeClaim`); the engine checks each operation's
// `required ⊆ granted`. The flows' `tokenUrl` / `authorizationUrl` / `availableScopes` are for
// clients and `check`: the verifier does not read them.
// Does not check: `jti` replay, sender constraint (DPoP, mTLS-bound tokens), that a scope is one
// the flows declare (`check` reports undeclared scopes).
import type { SchemeDescriptor, Verifier, VerifierContext } from './types.js';
import { checkContext } from './verify/context.js';
import {
  createPlannedTokenVerifier,
  createTokenSchemeVerifier,
  planTokenVerification,
  readTokenBinding,
  tokenConfigSchema,
  tokenKeysOf,
} from './verify/token.js';
import type { Scheme } from '../model/types.js';
import type { WireFamily } from './protocols.js';
import { bearerTokenPlaces } from './wire/places.js';

/**
 * Protocols that can carry an OAuth 2.0 / OpenID Connect access token (S/R: protocols.ts). Fit of
 * oauth2: http, https, ws, wss (S operation-security), kafka, kafka-secure (S
 * streetlights-operation-security; SASL/OAUTHBEARER in the Kafka SASL table), mqtt (S streetlights-mqtt),
 * anypointmq (S binding: REQUIRED clientCredentials), googlepubsub, amqp (token as password,
 * R). Extended by the same "token as password" reasoning to every protocol with a password
 * field (amqps, amqp1, mqtt5, secure-mqtt, stomp(s), nats, redis, ibmmq(-secure), jms,
 * solace, pulsar, which also have native token or OAuth support) and to mercure (bearer JWT).
 * Not: sns, sqs (AWS SigV4 only), ros2 (DDS Security, certificates).
 */
export const tokenProtocols = [
  'amqp',
  'amqp1',
  'amqps',
  'anypointmq',
  'googlepubsub',
  'http',
  'https',
  'ibmmq',
  'ibmmq-secure',
  'jms',
  'kafka',
  'kafka-secure',
  'mercure',
  'mqtt',
  'mqtt5',
  'nats',
  'pulsar',
  'redis',
  'secure-mqtt',
  'solace',
  'stomp',
  'stomps',
  'ws',
  'wss',
] as const;

/** The oauth2 verifier (module comment: what it checks and what it does not). */
export async function createOAuth2Verifier(context: VerifierContext): Promise<Verifier> {
  checkContext(context);
  const binding = readTokenBinding(context, 'oauth2');
  const plan = planTokenVerification(context, binding, false);
  const tokens = await createPlannedTokenVerifier(context, plan);
  return createTokenSchemeVerifier(context, 'oauth2', binding, tokens);
}

export const oauth2 = {
  type: 'oauth2',
  label: 'OAuth 2.0',
  protocols: tokenProtocols,
  // The access token is a bearer token (RFC 6750 §1.2): whoever reads it can use it.
  carriesSecret: () => true,
  wirePlaces: (_scheme: Scheme, family: WireFamily) => bearerTokenPlaces(family),
  configSchema: tokenConfigSchema(tokenKeysOf.oauth2),
  createVerifier: createOAuth2Verifier,
} as const satisfies SchemeDescriptor<'oauth2'>;
