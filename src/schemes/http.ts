// http: HTTP authentication (RFC 9110 §11), the `scheme` field names the Authorization scheme.
//
// Verifier for `scheme: basic` (RFC 7617). Reads the `Authorization` header of an HTTP request or
// WebSocket handshake; announces `Basic realm="…", charset="UTF-8"` (RFC 7617 §2.1).
// Checks: per wire/basic.ts (one header, 8 KiB, canonical base64, strict UTF-8, first-colon
// split, no control characters, non-empty user id and password), then the password against the
// stored SCRAM verifier (verify/password.ts: one PBKDF2 also for unknown users), disabled.
// Does not check: throttling (the guard), TLS (`check` reports Basic over cleartext).
// Takes only the `realm` key: a token key next to `scheme: basic` would do nothing, so it fails startup.
//
// Verifier for `scheme: bearer` (RFC 6750). Reads the token per wire/bearer.ts (Authorization:
// Bearer, `presented.token`, the MQTT CONNECT password); announces `Bearer realm="…"` (RFC 6750 §3).
// Checks, per verify/token.ts and src/tokens: JWT verification (signature with the configured
// keys, `alg` allow-list, iss, aud, exp/nbf/iat with tolerance, required claims) when
// `bearerFormat: JWT` or JWT keys are bound; else RFC 7662 introspection when bound; neither is a
// startup error (fail closed). Does not check: `jti` replay, sender constraint (DPoP, mTLS-bound).
//
// Any other `scheme` (digest, negotiate…) has no built-in verifier: creating one fails startup
// with ERR_SCHEME_UNSUPPORTED (fail closed); bind it to a plug-in verifier.
import { StartupError } from '../errors.js';
import type { Scheme } from '../model/types.js';
import type { SchemeDescriptor, Verifier, VerifierContext, VerifyOutcome, WirePlace } from './types.js';
import { httpFamily, mqttFamily, type WireFamily } from './protocols.js';
import { basicChallengeFor } from './verify/challenge.js';
import { checkContext } from './verify/context.js';
import { ABSENT_OUTCOME, guarded, guardedSubject, invalid } from './verify/outcomes.js';
import { nameOrNull, verifyPassword } from './verify/password.js';
import {
  createPlannedTokenVerifier,
  createTokenSchemeVerifier,
  planTokenVerification,
  readTokenBinding,
  tokenConfigSchema,
  tokenKeysOf,
} from './verify/token.js';
import { basicUserIdOf, readBasicAuthorization } from './wire/basic.js';
import { bearerTokenPlaces, loginPairPlaces } from './wire/places.js';

/**
 * The IANA HTTP Authentication Scheme Registry
 * (https://www.iana.org/assignments/http-authschemes), lowercase: scheme names are
 * case-insensitive (RFC 9110 §11.1).
 */
export const ianaHttpAuthSchemes = [
  'basic', // RFC 7617
  'bearer', // RFC 6750
  'concealed', // RFC 9729
  'digest', // RFC 7616
  'dpop', // RFC 9449
  'gnap', // RFC 9635
  'hoba', // RFC 7486
  'mutual', // RFC 8120
  'negotiate', // RFC 4559
  'oauth', // RFC 5849
  'privatetoken', // RFC 9577
  'scram-sha-1', // RFC 7804
  'scram-sha-256', // RFC 7804
  'vapid', // RFC 8292
] as const;

/**
 * Registered schemes whose credential is a reusable secret once read off the wire:
 * - basic: the password itself, base64-encoded (RFC 7617 §4);
 * - bearer: "any party in possession of a bearer token … can use it" (RFC 6750 §1.2);
 * - vapid: a signed JWT replayable until it expires, up to 24 h (RFC 8292 §2).
 * Not secret-bearing: challenge-response or proof-of-possession schemes (digest, scram-*,
 * hoba, mutual, negotiate, dpop and gnap key-bound tokens, oauth 1.0 signatures,
 * concealed, which needs TLS keying material anyway, and single-use privatetoken).
 * An unregistered scheme is not judged here: `security-http-scheme-unknown` reports it.
 */
export const secretHttpAuthSchemes: ReadonlySet<string> = new Set(['basic', 'bearer', 'vapid']);

/** The `scheme` field, lowercase, or null when it is not a string. */
export function httpAuthScheme(scheme: Scheme): string | null {
  return typeof scheme['scheme'] === 'string' ? scheme['scheme'].trim().toLowerCase() : null;
}

export function isRegisteredHttpAuthScheme(name: string): boolean {
  return (ianaHttpAuthSchemes as readonly string[]).includes(name.trim().toLowerCase());
}

/**
 * The http verifier: `scheme: basic` (RFC 7617, synchronous) or `scheme: bearer` (RFC 6750, a
 * promise: a client secret reference may need reading); any other scheme value fails startup.
 */
export function createHttpVerifier(context: VerifierContext): Verifier | Promise<Verifier> {
  checkContext(context);
  const authScheme = httpAuthScheme(context.scheme);
  if (authScheme === 'bearer') return createBearerVerifier(context);
  if (authScheme !== 'basic') {
    const shown = authScheme === null ? '(none)' : `'${authScheme.slice(0, 40)}'`;
    throw new StartupError(
      'ERR_SCHEME_UNSUPPORTED',
      `http scheme ${shown} has no built-in verifier; use a plug-in verifier`,
      {
        pointer: `schemes.${context.name}`,
        expected:
          '`scheme: basic` or `scheme: bearer` for the built-in verifiers, or `verifier: ./module.js` (a ' +
          'plug-in) in the config',
      },
    );
  }
  for (const key of Object.keys(context.options ?? {})) {
    if (key !== 'realm') {
      throw new StartupError(
        'ERR_CONFIG_INVALID',
        'not used with `scheme: basic` (token keys go with `scheme: bearer`)',
        {
          pointer: `schemes.${context.name}.${key}`,
          expected: 'only realm for an http basic scheme',
        },
      );
    }
  }
  const { store, name } = context;
  return Object.freeze({
    scheme: name,
    type: 'http',
    source: 'authorization',
    challenge: basicChallengeFor(context),
    challengeFor: (realm: string) => basicChallengeFor(context, realm),
    claimedSubject: guardedSubject((p) => nameOrNull(basicUserIdOf(p.headers))),
    verify: guarded(async (p): Promise<VerifyOutcome> => {
      const basic = readBasicAuthorization(p.headers);
      if (basic.kind === 'absent') return ABSENT_OUTCOME;
      if (basic.kind === 'malformed') return invalid('malformed');
      return verifyPassword(store, name, basic.value.userId, basic.value.password);
    }),
  } satisfies Verifier);
}

/**
 * `bearerFormat: JWT`, in any case (AsyncAPI: "a hint to the client"; we take it as the choice of JWT verification).
 */
function wantsJwt(scheme: Scheme): boolean {
  const format = scheme['bearerFormat'];
  return typeof format === 'string' && format.trim().toLowerCase() === 'jwt';
}

/** The http bearer verifier (module comment: what it checks and what it does not). */
export async function createBearerVerifier(context: VerifierContext): Promise<Verifier> {
  checkContext(context);
  const binding = readTokenBinding(context, 'http');
  const plan = planTokenVerification(context, binding, wantsJwt(context.scheme));
  const tokens = await createPlannedTokenVerifier(context, plan);
  return createTokenSchemeVerifier(context, 'http', binding, tokens);
}

/**
 * `bearer` travels as any bearer token does; `basic` and every other auth scheme take the one `Authorization`
 * header, in HTTP and the WebSocket handshake only (RFC 9110 §11.6.2). Elsewhere not judged.
 */
function httpWirePlaces(scheme: Scheme, family: WireFamily): readonly WirePlace[] | null {
  const name = httpAuthScheme(scheme);
  if (name === null) return null;
  if (name === 'bearer') return bearerTokenPlaces(family);
  if (name === 'basic' && (family === 'http' || family === 'websocket')) return loginPairPlaces(family);
  return family === 'http' || family === 'websocket' ? [{ slot: 'authorization', form: name }] : null;
}

export const http = {
  type: 'http',
  label: 'HTTP authentication',
  // Protocol fit of http (S/R: protocols.ts): http, https (S gitter: https + bearer), ws, wss (handshake),
  // mercure (bearer JWT), googlepubsub and anypointmq REST (R); sns/sqs are HTTPS APIs too.
  // Plus the MQTT family: docs/architecture.md, "Wire conventions", carries a bearer token in the MQTT
  // CONNECT password field. Not AMQP, Kafka, STOMP…: no Authorization header there.
  protocols: [...httpFamily, ...mqttFamily].sort(),
  carriesSecret: (scheme: Scheme) => {
    const name = httpAuthScheme(scheme);
    return name !== null && secretHttpAuthSchemes.has(name);
  },
  wirePlaces: httpWirePlaces,
  // `realm` for basic and bearer; the token keys for bearer only (checked when the verifier is made).
  configSchema: tokenConfigSchema(tokenKeysOf.http),
  createVerifier: createHttpVerifier,
} as const satisfies SchemeDescriptor<'http'>;
