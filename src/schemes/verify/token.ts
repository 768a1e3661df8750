// The token binding shared by `http` (scheme: bearer), `oauth2` and `openIdConnect`: the config keys
// (`schemes.<name>.…`), their checks at startup, the choice between JWT verification and RFC 7662
// introspection, and the Verifier around a src/tokens TokenVerifier.
//
// Startup (fail closed): every key is checked again here, so a library caller who skips the
// config schema gets the same errors (StartupError ERR_CONFIG_INVALID at `schemes.<name>.<key>`,
// never quoting a value). `algorithms` may not be empty and never holds `none`; endpoint URLs are
// https, or http to a loopback address; `introspection.clientSecret` must be a secret reference
// (`env:NAME` / `file:PATH`), resolved once with resolveSecretRef; JWT verification needs
// `issuer`, `audience` and `jwks` (no default issuer: a token from any issuer would pass).
//
// Per connection: the token is read per wire/bearer.ts, then verified by src/tokens. Outcomes:
// absent (no token anywhere), invalid (the token layer's reason, never with a subject: before
// verification the token's `sub` is attacker-controlled, and after a failed one it still is), or
// ok with the principal `{ id: sub, scheme, scopes, claims: iss/sub/aud/exp/iat/client_id/scope,
// expiresAt: exp }`. The token itself is never kept in an outcome, a claim or an error.

import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { GuardError, StartupError } from '../../errors.js';
import { parseSecretRef, resolveSecretRef } from '../../credentials/secret-ref.js';
import { createIntrospectionVerifier, createJwtVerifier } from '../../tokens/index.js';
import type {
  IntrospectionOptions,
  JwtVerifierOptions,
  KeySource,
  TokenOutcome,
  TokenVerifier,
} from '../../tokens/types.js';
import type { InvalidReason, Principal, Verifier, VerifierContext, VerifyOutcome } from '../types.js';
import { bearerChallenge, readBearerToken } from '../wire/bearer.js';
import { realmConfigSchema } from './challenge.js';
import { ABSENT_OUTCOME, guarded, invalid } from './outcomes.js';
import { checkEndpointUrl } from '../../tokens/fetch.js';

/** JWS algorithms a binding may list (RFC 7518 §3.1, RFC 8037 §3.1); `none` is not one of them. */
export const jwsAlgorithms = [
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
  'HS256',
  'HS384',
  'HS512',
  'PS256',
  'PS384',
  'PS512',
  'RS256',
  'RS384',
  'RS512',
] as const;

export const DEFAULT_ALGORITHMS: readonly string[] = Object.freeze(['RS256', 'ES256']);
/** Default bound on a token's length (also the token layer's default). */
export const DEFAULT_MAX_TOKEN_BYTES = 8192;

const MAX_LIST = 16;
const MAX_TEXT = 2048;
const MAX_NAME = 256;

// ---------------------------------------------------------------- config schema fragments

const textOrList = (description: string) =>
  Object.freeze({
    description,
    anyOf: [
      { type: 'string', minLength: 1, maxLength: MAX_TEXT },
      { type: 'array', minItems: 1, maxItems: MAX_LIST, items: { type: 'string', minLength: 1, maxLength: MAX_TEXT } },
    ],
  });
const claimPath = (description: string) =>
  Object.freeze({ description, type: 'string', minLength: 1, maxLength: MAX_NAME, pattern: '^[^.]+(\\.[^.]+)*$' });
const endpoint = (description: string) =>
  Object.freeze({ description, type: 'string', minLength: 1, maxLength: MAX_TEXT, pattern: '^https?://' });

/** Every token key and its JSON Schema (draft-07). Each type's configSchema picks its keys. */
export const tokenKeySchemas = Object.freeze({
  issuer: textOrList('Accepted `iss` values, exact match. Required for JWT verification.'),
  audience: textOrList('Accepted `aud` values; the token must name one.'),
  jwks: Object.freeze({
    description:
      'The JWT keys: `file:PATH` (a JWKS or one JWK, relative to the config file) or an https URL (http ' +
      'only to a loopback address).',
    type: 'string',
    minLength: 1,
    maxLength: MAX_TEXT,
    pattern: '^(file:.+|https?://.+)$',
  }),
  algorithms: Object.freeze({
    description: 'Allowed JWS algorithms. Default [RS256, ES256]; never `none`.',
    type: 'array',
    minItems: 1,
    maxItems: MAX_LIST,
    uniqueItems: true,
    items: { type: 'string', enum: [...jwsAlgorithms] },
  }),
  clockToleranceSec: Object.freeze({
    description: 'Seconds of tolerance on exp / nbf / iat. Default 30.',
    type: 'integer',
    minimum: 0,
    maximum: 300,
  }),
  requiredClaims: Object.freeze({
    description: 'Claims that must be present (besides iss, aud, exp, sub).',
    type: 'array',
    maxItems: 32,
    uniqueItems: true,
    items: { type: 'string', minLength: 1, maxLength: MAX_NAME },
  }),
  scopeClaim: claimPath('Dotted claim path holding the scopes, when not `scope` / `scp`.'),
  subjectClaim: claimPath('Claim holding the principal id. Default `sub`.'),
  maxTokenBytes: Object.freeze({
    description: 'Longer tokens are refused unparsed (malformed). Default 8192.',
    type: 'integer',
    minimum: 256,
    maximum: 65536,
  }),
  cacheSize: Object.freeze({
    description: 'Verified tokens remembered (by hash), each until its exp. Default 10000; 0 turns the cache off.',
    type: 'integer',
    minimum: 0,
    maximum: 1_000_000,
  }),
  introspection: Object.freeze({
    description: 'Opaque tokens: an RFC 7662 introspection endpoint and the client credentials to call it.',
    type: 'object',
    additionalProperties: false,
    required: ['url', 'clientId', 'clientSecret'],
    properties: {
      url: endpoint('The introspection endpoint: https (http only to a loopback address).'),
      clientId: Object.freeze({ type: 'string', minLength: 1, maxLength: MAX_NAME }),
      clientSecret: Object.freeze({
        description: 'A secret reference: env:NAME or file:PATH, never the secret itself.',
        type: 'string',
        pattern: '^(env:[A-Za-z_][A-Za-z0-9_]*|file:.+)$',
      }),
    },
  }),
  realm: realmConfigSchema,
});

export type TokenKey = keyof typeof tokenKeySchemas;
export type TokenSchemeType = 'http' | 'oauth2' | 'openIdConnect';

/** The keys of a scheme whose tokens come from a configured issuer: a JWKS or an introspection endpoint. */
const ISSUER_TOKEN_KEYS: readonly TokenKey[] = Object.freeze([
  'issuer',
  'audience',
  'jwks',
  'algorithms',
  'clockToleranceSec',
  'requiredClaims',
  'scopeClaim',
  'subjectClaim',
  'maxTokenBytes',
  'cacheSize',
  'introspection',
  'realm',
] as TokenKey[]);

/**
 * The keys each type takes (`http` also has `realm` for basic). openIdConnect finds its keys through discovery, so
 * it takes no `jwks` and no introspection endpoint.
 */
export const tokenKeysOf: Readonly<Record<TokenSchemeType, readonly TokenKey[]>> = Object.freeze({
  http: ISSUER_TOKEN_KEYS,
  oauth2: ISSUER_TOKEN_KEYS,
  openIdConnect: Object.freeze(ISSUER_TOKEN_KEYS.filter((k) => k !== 'jwks' && k !== 'introspection')),
});

/** A closed config schema with `keys`, and `required` ones. */
export function tokenConfigSchema(
  keys: readonly TokenKey[],
  required: readonly TokenKey[] = [],
): Readonly<Record<string, unknown>> {
  const properties: Record<string, unknown> = {};
  for (const k of keys) properties[k] = tokenKeySchemas[k];
  return Object.freeze({
    type: 'object',
    additionalProperties: false,
    properties,
    ...(required.length > 0 ? { required: [...required] } : {}),
  });
}

// ---------------------------------------------------------------- reading a binding (startup)

/** A binding's token keys, checked. */
export interface TokenBinding {
  readonly issuer?: readonly string[];
  readonly audience?: readonly string[];
  readonly jwks?: KeySource;
  readonly algorithms: readonly string[];
  /** True when the binding listed `algorithms` itself. */
  readonly algorithmsSet: boolean;
  readonly clockToleranceSec?: number;
  readonly requiredClaims?: readonly string[];
  readonly scopeClaim?: string;
  readonly subjectClaim?: string;
  readonly maxTokenBytes: number;
  readonly cacheSize?: number;
  readonly introspection?: { readonly url: string; readonly clientId: string; readonly clientSecretRef: string };
  readonly realm?: string;
}

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

function configError(name: string, path: readonly string[], reason: string, expected: string): StartupError {
  return new StartupError('ERR_CONFIG_INVALID', reason, { pointer: ['schemes', name, ...path].join('.'), expected });
}

/**
 * An https URL, or http to a loopback host; no credentials in it. Null when it is not (the token layer's own rule,
 * `checkEndpointUrl`).
 */
export function checkTokenEndpoint(value: string): URL | null {
  try {
    return checkEndpointUrl(value, 'url');
  } catch {
    return null;
  }
}

const ENDPOINT_EXPECTED = 'an https URL (plain http only to 127.0.0.1, ::1 or localhost), without credentials in it';

/**
 * Checks the token keys of `context.options` for a scheme of `type` (module comment). Throws
 * StartupError ERR_CONFIG_INVALID at the first bad key; never quotes a value.
 */
export function readTokenBinding(context: VerifierContext, type: TokenSchemeType): TokenBinding {
  const { name } = context;
  const options = (context.options ?? {}) as Record<string, unknown>;
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    throw configError(name, [], '', 'a mapping');
  const allowed = tokenKeysOf[type];
  for (const key of Object.keys(options)) {
    if (!(allowed as readonly string[]).includes(key))
      throw configError(name, [key], 'unknown key', `one of ${allowed.join(', ')}`);
  }
  const get = (key: TokenKey): unknown => (hasOwn(options, key) ? options[key] : undefined);

  const textList = (key: 'issuer' | 'audience'): readonly string[] | undefined => {
    const v = get(key);
    if (v === undefined) return undefined;
    const list = typeof v === 'string' ? [v] : v;
    const ok =
      Array.isArray(list) &&
      list.length >= 1 &&
      list.length <= MAX_LIST &&
      list.every((s) => typeof s === 'string' && s.length >= 1 && s.length <= MAX_TEXT);
    if (!ok) throw configError(name, [key], '', `a non-empty string, or a list of 1 to ${MAX_LIST} of them`);
    return Object.freeze([...(list as string[])]);
  };
  const integer = (
    key: 'clockToleranceSec' | 'maxTokenBytes' | 'cacheSize',
    min: number,
    max: number,
  ): number | undefined => {
    const v = get(key);
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max)
      throw configError(name, [key], '', `an integer from ${min} to ${max}`);
    return v;
  };
  const path = (key: 'scopeClaim' | 'subjectClaim'): string | undefined => {
    const v = get(key);
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v.length === 0 || v.length > MAX_NAME || !/^[^.]+(\.[^.]+)*$/.test(v))
      throw configError(name, [key], '', 'a claim name, or a dotted path such as realm_access.roles');
    return v;
  };

  const issuer = textList('issuer');
  const audience = textList('audience');

  let jwks: KeySource | undefined;
  const rawJwks = get('jwks');
  if (rawJwks !== undefined) {
    if (typeof rawJwks !== 'string' || rawJwks.length > MAX_TEXT)
      throw configError(name, ['jwks'], '', 'file:PATH or an https URL');
    if (rawJwks.startsWith('file:')) {
      const p = rawJwks.slice(5);
      if (p.length === 0) throw configError(name, ['jwks'], '', 'file:PATH with a path after file:');
      const path = resolve(context.baseDir ?? process.cwd(), p);
      // A key file that is not there would refuse every token: say so at startup instead.
      try {
        accessSync(path, fsConstants.R_OK);
        if (!statSync(path).isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
      } catch (err) {
        throw configError(
          name,
          ['jwks'],
          `the key file cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}): ${p}`,
          'a readable JWKS (or JWK) file, relative to the config file',
        );
      }
      jwks = Object.freeze({ kind: 'file', path });
    } else {
      if (checkTokenEndpoint(rawJwks) === null)
        throw configError(name, ['jwks'], '', `file:PATH or ${ENDPOINT_EXPECTED}`);
      jwks = Object.freeze({ kind: 'url', url: rawJwks });
    }
  }

  const rawAlgs = get('algorithms');
  let algorithms = DEFAULT_ALGORITHMS;
  if (rawAlgs !== undefined) {
    if (!Array.isArray(rawAlgs) || rawAlgs.length === 0)
      throw configError(
        name,
        ['algorithms'],
        'an empty or missing list allows nothing',
        `a list of 1 to ${MAX_LIST} JWS algorithms, e.g. [ES256, RS256]`,
      );
    if (rawAlgs.some((a) => typeof a === 'string' && a.toLowerCase() === 'none')) {
      throw configError(
        name,
        ['algorithms'],
        "'none' is never allowed (an unsigned token proves nothing, RFC 8725 §3.1)",
        `JWS algorithms from ${jwsAlgorithms.join(', ')}`,
      );
    }
    if (
      rawAlgs.length > MAX_LIST ||
      new Set(rawAlgs).size !== rawAlgs.length ||
      !rawAlgs.every((a) => (jwsAlgorithms as readonly unknown[]).includes(a))
    ) {
      throw configError(name, ['algorithms'], '', `distinct JWS algorithms from ${jwsAlgorithms.join(', ')}`);
    }
    algorithms = Object.freeze([...(rawAlgs as string[])]);
  }

  const clockToleranceSec = integer('clockToleranceSec', 0, 300);
  const rawClaims = get('requiredClaims');
  let requiredClaims: readonly string[] | undefined;
  if (rawClaims !== undefined) {
    if (
      !Array.isArray(rawClaims) ||
      rawClaims.length > 32 ||
      new Set(rawClaims).size !== rawClaims.length ||
      !rawClaims.every((c) => typeof c === 'string' && c.length >= 1 && c.length <= MAX_NAME)
    ) {
      throw configError(name, ['requiredClaims'], '', 'a list of up to 32 distinct claim names');
    }
    requiredClaims = Object.freeze([...(rawClaims as string[])]);
  }
  const scopeClaim = path('scopeClaim');
  const subjectClaim = path('subjectClaim');
  const maxTokenBytes = integer('maxTokenBytes', 256, 65536) ?? DEFAULT_MAX_TOKEN_BYTES;
  const cacheSize = integer('cacheSize', 0, 1_000_000);

  let introspection: TokenBinding['introspection'];
  const rawIntro = get('introspection');
  if (rawIntro !== undefined) {
    if (rawIntro === null || typeof rawIntro !== 'object' || Array.isArray(rawIntro))
      throw configError(name, ['introspection'], '', 'a mapping with url, clientId and clientSecret');
    const intro = rawIntro as Record<string, unknown>;
    for (const key of Object.keys(intro)) {
      if (!['url', 'clientId', 'clientSecret'].includes(key))
        throw configError(name, ['introspection', key], 'unknown key', 'one of url, clientId, clientSecret');
    }
    for (const key of ['url', 'clientId', 'clientSecret']) {
      if (!hasOwn(intro, key)) throw configError(name, ['introspection'], `missing key '${key}'`, `a key ${key}`);
    }
    const { url, clientId, clientSecret } = intro;
    if (typeof url !== 'string' || url.length > MAX_TEXT || checkTokenEndpoint(url) === null)
      throw configError(name, ['introspection', 'url'], '', ENDPOINT_EXPECTED);
    if (typeof clientId !== 'string' || clientId.length === 0 || clientId.length > MAX_NAME)
      throw configError(
        name,
        ['introspection', 'clientId'],
        '',
        `a non-empty string of at most ${MAX_NAME} characters`,
      );
    // docs/architecture.md, "Configuration": a secret in the config is a reference, never the value.
    if (parseSecretRef(clientSecret) === null) {
      throw configError(
        name,
        ['introspection', 'clientSecret'],
        'a client secret must not be written into the config',
        'a secret reference: env:NAME or file:PATH',
      );
    }
    introspection = Object.freeze({ url, clientId, clientSecretRef: clientSecret as string });
  }

  const realm = get('realm');
  if (
    realm !== undefined &&
    (typeof realm !== 'string' || realm.length === 0 || realm.length > 200 || !/^[\x20-\x7e]*$/.test(realm))
  ) {
    throw configError(name, ['realm'], '', 'printable ASCII, 1 to 200 characters');
  }

  return Object.freeze({
    ...(issuer === undefined ? {} : { issuer }),
    ...(audience === undefined ? {} : { audience }),
    ...(jwks === undefined ? {} : { jwks }),
    algorithms,
    algorithmsSet: rawAlgs !== undefined,
    ...(clockToleranceSec === undefined ? {} : { clockToleranceSec }),
    ...(requiredClaims === undefined ? {} : { requiredClaims }),
    ...(scopeClaim === undefined ? {} : { scopeClaim }),
    ...(subjectClaim === undefined ? {} : { subjectClaim }),
    maxTokenBytes,
    ...(cacheSize === undefined ? {} : { cacheSize }),
    ...(introspection === undefined ? {} : { introspection }),
    ...(typeof realm === 'string' ? { realm } : {}),
  });
}

/** Keys only JWT verification reads: present, they choose it, and they do nothing with introspection. */
const JWT_ONLY_KEYS = ['jwks', 'algorithms', 'clockToleranceSec', 'requiredClaims'] as const;

function jwtOnlyKeysOf(binding: TokenBinding): string[] {
  return JWT_ONLY_KEYS.filter((k) => (k === 'algorithms' ? binding.algorithmsSet : binding[k] !== undefined));
}

/** How a bearer / oauth2 binding verifies tokens. */
export type TokenPlan =
  | { readonly kind: 'jwt'; readonly options: JwtVerifierOptions }
  | {
      readonly kind: 'introspection';
      readonly options: Omit<IntrospectionOptions, 'clientSecret'>;
      readonly clientSecretRef: string;
    };

/**
 * JWT or introspection (docs/schemes.md): JWT when `jwtWanted` (http `bearerFormat: JWT`) or a
 * JWT-only key is set (jwks, algorithms, clockToleranceSec, requiredClaims); else introspection
 * when it is configured; else JWT with its keys missing. JWT needs issuer, audience and jwks, and
 * leaves no introspection key unused. Throws StartupError ERR_CONFIG_INVALID naming what is missing.
 */
export function planTokenVerification(context: VerifierContext, binding: TokenBinding, jwtWanted: boolean): TokenPlan {
  const { name } = context;
  const jwtKeys = jwtOnlyKeysOf(binding);
  const common = {
    ...(binding.scopeClaim === undefined ? {} : { scopeClaim: binding.scopeClaim }),
    ...(binding.subjectClaim === undefined ? {} : { subjectClaim: binding.subjectClaim }),
    maxTokenBytes: binding.maxTokenBytes,
    ...(binding.cacheSize === undefined ? {} : { cacheSize: binding.cacheSize }),
    now: context.now,
  };
  if (!jwtWanted && jwtKeys.length === 0 && binding.introspection !== undefined) {
    const { url, clientId, clientSecretRef } = binding.introspection;
    return Object.freeze({
      kind: 'introspection',
      clientSecretRef,
      options: Object.freeze({
        url,
        clientId,
        ...(binding.issuer === undefined ? {} : { issuer: binding.issuer }),
        ...(binding.audience === undefined ? {} : { audience: binding.audience }),
        ...common,
      }),
    });
  }
  const missing = (['issuer', 'audience', 'jwks'] as const).filter((k) => binding[k] === undefined);
  if (missing.length > 0) {
    const first = missing[0] as string;
    const why =
      jwtWanted || jwtKeys.length > 0
        ? 'JWT verification needs issuer, audience and jwks'
        : 'no way to verify tokens is configured (fail closed)';
    throw configError(
      name,
      [first],
      `${why}: missing ${missing.map((k) => `'${k}'`).join(', ')}`,
      jwtWanted || jwtKeys.length > 0
        ? `keys ${missing.join(', ')}`
        : `keys ${missing.join(', ')} (JWT), or introspection (opaque tokens)`,
    );
  }
  if (binding.introspection !== undefined) {
    throw configError(
      name,
      ['introspection'],
      'not used: this binding verifies JWTs (bearerFormat: JWT, or jwks / algorithms / clockToleranceSec / ' +
        'requiredClaims are set)',
      'either the JWT keys or introspection, not both',
    );
  }
  return Object.freeze({
    kind: 'jwt',
    options: Object.freeze({
      keys: binding.jwks as KeySource,
      issuer: binding.issuer as readonly string[],
      audience: binding.audience as readonly string[],
      algorithms: binding.algorithms,
      ...(binding.clockToleranceSec === undefined ? {} : { clockToleranceSec: binding.clockToleranceSec }),
      ...(binding.requiredClaims === undefined ? {} : { requiredClaims: binding.requiredClaims }),
      ...common,
    }),
  });
}

/**
 * Resolves `introspection.clientSecret` (env:/file:) once; a failure is a startup error at that key naming the variable
 * or file.
 */
export async function resolveClientSecret(context: VerifierContext, ref: string): Promise<string> {
  const pointer = `schemes.${context.name}.introspection.clientSecret`;
  const parsed = parseSecretRef(ref);
  if (parsed === null)
    throw new StartupError('ERR_CONFIG_INVALID', 'not a secret reference', {
      pointer,
      expected: 'env:NAME or file:PATH',
    });
  try {
    const secret = await resolveSecretRef(parsed, { baseDir: context.baseDir ?? process.cwd(), pointer });
    if (secret === '')
      throw new StartupError('ERR_CONFIG_INVALID', 'the referenced secret is empty', {
        pointer,
        expected: 'a non-empty client secret',
      });
    return secret;
  } catch (err) {
    if (err instanceof StartupError) throw err;
    const where = parsed.kind === 'file' ? ` (file ${parsed.path})` : '';
    const reason =
      err instanceof GuardError ? `${err.reason}${where}` : `the secret reference could not be read${where}`;
    throw new StartupError('ERR_CONFIG_INVALID', reason, {
      pointer,
      expected: err instanceof GuardError && err.expected !== undefined ? err.expected : 'a readable secret reference',
    });
  }
}

/**
 * Calls a src/tokens factory; a TypeError it throws on an option (library misuse there means a
 * value we passed through) becomes a startup error at the binding, with its message (which never
 * repeats a value).
 */
export function buildTokenVerifier(context: VerifierContext, make: () => TokenVerifier): TokenVerifier {
  try {
    return make();
  } catch (err) {
    if (err instanceof GuardError) throw err;
    const message = err instanceof Error ? err.message : 'the token verifier could not be created';
    throw new StartupError('ERR_CONFIG_INVALID', message, {
      pointer: `schemes.${context.name}`,
      expected: 'options the token verifier accepts (docs/config.md)',
    });
  }
}

/** The TokenVerifier a plan describes (the client secret read first, for introspection). */
export async function createPlannedTokenVerifier(context: VerifierContext, plan: TokenPlan): Promise<TokenVerifier> {
  if (plan.kind === 'jwt') {
    const key = `schemes.${context.name}.jwks`;
    // A JWKS file read again (docs/tokens.md): reported like the X509 trust reloads, never a key or the file's content.
    const onKeysReload: JwtVerifierOptions['onKeysReload'] = (result) =>
      result.ok
        ? context.report?.('info', 'jwks.file.reloaded', { scheme: context.name, key, keys: result.keys })
        : context.report?.('warn', 'jwks.file.reload_failed', {
            scheme: context.name,
            key,
            reason: result.error.reason,
            expected: result.error.expected ?? null,
          });
    return buildTokenVerifier(context, () => createJwtVerifier({ ...plan.options, onKeysReload }));
  }
  const clientSecret = await resolveClientSecret(context, plan.clientSecretRef);
  return buildTokenVerifier(context, () => createIntrospectionVerifier({ ...plan.options, clientSecret }));
}

// ---------------------------------------------------------------- per connection

/** Claims copied into the principal: facts about the token, never the token. */
const PRINCIPAL_CLAIMS = ['iss', 'sub', 'aud', 'exp', 'iat', 'client_id', 'scope'] as const;
const MAX_CLAIM_TEXT = 1024;

function safeClaim(value: unknown): unknown {
  if (typeof value === 'string') return value.length <= MAX_CLAIM_TEXT ? value : undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (!Array.isArray(value)) return undefined;
  const list: readonly unknown[] = value;
  const isClaimText = (v: unknown): v is string => typeof v === 'string' && v.length <= MAX_CLAIM_TEXT;
  return list.length <= MAX_LIST && list.every(isClaimText) ? Object.freeze([...list]) : undefined;
}

/** The principal for a verified token (module comment). */
export function tokenPrincipal(scheme: string, outcome: Extract<TokenOutcome, { ok: true }>): Principal {
  const claims: Record<string, unknown> = {};
  const source = outcome.claims ?? {};
  for (const k of PRINCIPAL_CLAIMS) {
    if (!hasOwn(source, k)) continue;
    const v = safeClaim(source[k]);
    if (v !== undefined) claims[k] = v;
  }
  const scopes = Object.freeze([...new Set((outcome.scopes ?? []).filter((s): s is string => typeof s === 'string'))]);
  const principal: Principal = {
    id: outcome.subject,
    scheme,
    scopes,
    claims: Object.freeze(claims),
    ...(typeof outcome.expiresAt === 'number' && Number.isFinite(outcome.expiresAt)
      ? { expiresAt: outcome.expiresAt }
      : {}),
  };
  return Object.freeze(principal);
}

/** TokenOutcome → VerifyOutcome. A reason outside the token list (a token-layer bug) is `verifier_error`. */
export function outcomeOfToken(scheme: string, outcome: TokenOutcome): VerifyOutcome {
  if (outcome === null || typeof outcome !== 'object') return invalid('verifier_error');
  if (outcome.ok === true) {
    if (typeof outcome.subject !== 'string' || outcome.subject === '') return invalid('missing_claim');
    return Object.freeze({ kind: 'ok', principal: tokenPrincipal(scheme, outcome) });
  }
  return invalid(TOKEN_REASONS.has(outcome.reason) ? outcome.reason : 'verifier_error');
}

const TOKEN_REASONS: ReadonlySet<InvalidReason> = new Set<InvalidReason>([
  'malformed',
  'alg_not_allowed',
  'bad_signature',
  'unknown_key',
  'expired',
  'not_yet_valid',
  'wrong_issuer',
  'wrong_audience',
  'missing_claim',
  'token_inactive',
  'keys_unavailable',
]);

/**
 * The Verifier of a token scheme: reads the bearer token (wire/bearer.ts), verifies it with
 * `tokens`, answers the outcome. `claimedSubject` is always null: an unverified token's `sub` is
 * attacker-controlled, so throttling by it would let anyone lock a victim out.
 */
export function createTokenSchemeVerifier(
  context: VerifierContext,
  type: TokenSchemeType,
  binding: TokenBinding,
  tokens: TokenVerifier,
): Verifier {
  const { name } = context;
  const maxBytes = binding.maxTokenBytes;
  return Object.freeze({
    scheme: name,
    type,
    source: 'bearer',
    // RFC 6750 §3: a token that rides an HTTP Authorization header is asked for with a Bearer challenge.
    challenge: bearerChallenge(binding.realm ?? context.realm),
    challengeFor: (realm: string) => bearerChallenge(binding.realm ?? realm),
    claimedSubject: () => null,
    verify: guarded(async (p): Promise<VerifyOutcome> => {
      const read = readBearerToken(p, maxBytes);
      if (read.kind === 'absent') return ABSENT_OUTCOME;
      if (read.kind === 'malformed') return invalid('malformed');
      return outcomeOfToken(name, await tokens.verify(read.value));
    }),
    // Stops the key source's timers and in-flight fetches (guard.close()).
    close: () => tokens.close(),
  } satisfies Verifier);
}
