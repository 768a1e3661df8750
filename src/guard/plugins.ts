// Plug-in verifiers (config `schemes.<name>.verifier: ./path.mjs`) and the safety net every
// verifier — built-in or plug-in — runs inside.
//
// A plug-in module exports `createVerifier(context)` returning a `PluginVerifier` (or a promise
// of one). It is imported once at startup. Its `verify` keeps the absent / invalid / ok
// contract; whatever else it does — throw, reject, hang past the time limit, answer something
// that is not an outcome — becomes `invalid` with reason `verifier_error`: a refusal, never an
// allow (fail closed). The same wrapper runs around built-in verifiers, so a bug in one of them
// cannot turn into an exception on wire input either.

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { StartupError, isGuardError, type GuardErrorDetails } from '../errors.js';
import { deepFreeze } from '../deep-freeze.js';
import { isInvalidReason } from '../invalid-reasons.js';
import type {
  CredentialSource,
  InvalidReason,
  PluginVerifierFactory,
  Presented,
  Principal,
  SaslExchange,
  SaslStep,
  Verifier,
  VerifierContext,
  VerifyOutcome,
} from '../schemes/types.js';

/** How long a verify (or one SASL step) may take before it is refused as `verifier_error`. */
export const DEFAULT_VERIFIER_TIMEOUT_MS = 5000;

const SOURCES: ReadonlySet<string> = new Set<CredentialSource>([
  'login',
  'authorization',
  'bearer',
  'header',
  'query',
  'cookie',
  'sasl',
  'certificate',
  'payload',
  'custom',
]);

const ABSENT: VerifyOutcome = Object.freeze({ kind: 'absent' });
const VERIFIER_ERROR: VerifyOutcome = Object.freeze({ kind: 'invalid', reason: 'verifier_error' });
const STORE_UNAVAILABLE: VerifyOutcome = Object.freeze({ kind: 'invalid', reason: 'store_unavailable' });
const EMPTY = new Uint8Array(0);

/** A subject or principal id we accept from a verifier: a short string, no control characters. */
function isSafeId(value: unknown): value is string {
  // eslint-disable-next-line no-control-regex
  return typeof value === 'string' && value.length > 0 && value.length <= 1024 && !/[\u0000-\u001f\u007f]/.test(value);
}

/** A fresh, frozen principal from whatever a verifier returned, or null when it is not one. */
export function normalizePrincipal(value: unknown, scheme: string): Principal | null {
  if (value === null || typeof value !== 'object') return null;
  const p = value as { id?: unknown; scopes?: unknown; claims?: unknown };
  if (!isSafeId(p.id)) return null;
  const scopes = p.scopes ?? [];
  if (!Array.isArray(scopes) || scopes.length > 10_000 || !scopes.every((s) => typeof s === 'string')) return null;
  const claims = p.claims ?? {};
  if (claims === null || typeof claims !== 'object' || Array.isArray(claims)) return null;
  // When the credential stops being valid (a token's exp, a certificate's notAfter): the session
  // it makes ends then. Anything but a finite number of milliseconds is no principal at all.
  const expiresAt = (value as { expiresAt?: unknown }).expiresAt;
  if (expiresAt !== undefined && (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt))) return null;
  // A deep copy, frozen all the way down: a verifier keeps no handle on what the session holds.
  // Claims that cannot be copied (functions, symbols) make no principal.
  let copied: Record<string, unknown>;
  try {
    copied = deepFreeze(structuredClone(claims as Record<string, unknown>));
  } catch {
    return null;
  }
  const principal: Principal = {
    id: p.id,
    scheme,
    scopes: Object.freeze([...scopes]),
    claims: copied,
    ...(expiresAt !== undefined ? { expiresAt } : {}),
  };
  return Object.freeze(principal);
}

/** Checks and copies a verify result; anything that is not an outcome is `verifier_error`. */
export function normalizeOutcome(value: unknown, scheme: string): VerifyOutcome {
  if (value === null || typeof value !== 'object') return VERIFIER_ERROR;
  const o = value as { kind?: unknown; reason?: unknown; subject?: unknown; principal?: unknown };
  if (o.kind === 'absent') return ABSENT;
  if (o.kind === 'invalid') {
    if (!isInvalidReason(o.reason)) return VERIFIER_ERROR;
    const reason = o.reason;
    return Object.freeze(
      isSafeId(o.subject)
        ? { kind: 'invalid' as const, reason, subject: o.subject }
        : { kind: 'invalid' as const, reason },
    );
  }
  if (o.kind === 'ok') {
    const principal = normalizePrincipal(o.principal, scheme);
    return principal === null ? VERIFIER_ERROR : Object.freeze({ kind: 'ok' as const, principal });
  }
  return VERIFIER_ERROR;
}

function isStoreUnavailable(err: unknown): boolean {
  return isGuardError(err) && err.code === 'ERR_STORE_UNAVAILABLE';
}

/**
 * Resolves to `fallback` after `ms` unless `work` settles first. The timer is not unref'd: a
 * pending authentication is work in progress, and the timer is cleared as soon as it settles.
 */
function withTimeout<T>(work: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((done) => {
    timer = setTimeout(() => done(fallback), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Calls `verifier.verify` so that it can only ever resolve to a normalized outcome: a throw or
 * rejection becomes `verifier_error` (`store_unavailable` when it is a StoreError of that code),
 * and so does a timeout or a non-outcome. Never rejects.
 */
export async function safeVerify(verifier: Verifier, presented: Presented, timeoutMs: number): Promise<VerifyOutcome> {
  let pending: Promise<VerifyOutcome>;
  try {
    pending = Promise.resolve(verifier.verify(presented));
  } catch (err) {
    return isStoreUnavailable(err) ? STORE_UNAVAILABLE : VERIFIER_ERROR;
  }
  const guarded = pending.then(
    (value) => normalizeOutcome(value, verifier.scheme),
    (err: unknown) => (isStoreUnavailable(err) ? STORE_UNAVAILABLE : VERIFIER_ERROR),
  );
  return withTimeout(guarded, timeoutMs, VERIFIER_ERROR);
}

/** `claimedSubject`, guarded: a throw or a non-id answer is null. */
export function safeClaimedSubject(verifier: Verifier, presented: Presented): string | null {
  try {
    const s = verifier.claimedSubject(presented);
    return isSafeId(s) ? s : null;
  } catch {
    return null;
  }
}

/**
 * One SASL step, guarded like `safeVerify`: a throw, rejection, timeout or non-step is a failure (`verifier_error`).
 */
export async function safeSaslStep(
  exchange: SaslExchange,
  message: Uint8Array,
  scheme: string,
  timeoutMs: number,
): Promise<SaslStep> {
  const failure: SaslStep = Object.freeze({ kind: 'failure', message: EMPTY, reason: 'verifier_error' });
  let pending: Promise<SaslStep>;
  try {
    pending = Promise.resolve(exchange.step(message));
  } catch {
    return failure;
  }
  const guarded = pending.then(
    (step): SaslStep => normalizeSaslStep(step, scheme) ?? failure,
    (err: unknown): SaslStep =>
      isStoreUnavailable(err) ? { kind: 'failure', message: EMPTY, reason: 'store_unavailable' } : failure,
  );
  return withTimeout(guarded, timeoutMs, failure);
}

function normalizeSaslStep(value: unknown, scheme: string): SaslStep | null {
  if (value === null || typeof value !== 'object') return null;
  const s = value as { kind?: unknown; message?: unknown; principal?: unknown; reason?: unknown; subject?: unknown };
  const message = s.message instanceof Uint8Array ? s.message : null;
  if (message === null) return null;
  if (s.kind === 'challenge') return { kind: 'challenge', message };
  if (s.kind === 'success') {
    const principal = normalizePrincipal(s.principal, scheme);
    return principal === null ? null : { kind: 'success', message, principal };
  }
  if (s.kind === 'failure') {
    const reason: InvalidReason = isInvalidReason(s.reason) ? s.reason : 'verifier_error';
    return isSafeId(s.subject)
      ? { kind: 'failure', message, reason, subject: s.subject }
      : { kind: 'failure', message, reason };
  }
  return null;
}

// ---------------------------------------------------------------- loading plug-in modules

export interface LoadedPlugin {
  /** Absolute path of the module. */
  readonly path: string;
  readonly createVerifier: PluginVerifierFactory;
}

/**
 * Imports a plug-in module once. Throws StartupError `ERR_VERIFIER_PLUGIN` (at `place`) when it
 * cannot be imported or does not export a `createVerifier` function. Like every config error, the
 * message names the key's place, never its value (the path), and never the import error's text
 * (it could quote the module's source); only its code.
 */
export async function loadPlugin(modulePath: string, baseDir: string, place: GuardErrorDetails): Promise<LoadedPlugin> {
  const path = resolve(baseDir, modulePath);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    throw new StartupError(
      'ERR_VERIFIER_PLUGIN',
      `the plug-in verifier module could not be imported${typeof code === 'string' ? ` (${code})` : ''}`,
      {
        ...place,
        expected: 'a path, relative to the config file, to an ES module exporting createVerifier(context)',
      },
    );
  }
  const factory = mod.createVerifier ?? (mod.default as Record<string, unknown> | undefined)?.createVerifier;
  if (typeof factory !== 'function') {
    throw new StartupError('ERR_VERIFIER_PLUGIN', 'the plug-in verifier module does not export createVerifier', {
      ...place,
      expected: 'a named export createVerifier(context) returning { verify(presented) }',
    });
  }
  return Object.freeze({ path, createVerifier: factory as PluginVerifierFactory });
}

/**
 * Calls the plug-in's factory and turns what it returns into a `Verifier`. Throws StartupError
 * `ERR_VERIFIER_PLUGIN` when the factory throws (a GuardError it throws is passed on as is) or
 * returns something without a `verify` function.
 */
export async function createPluginVerifier(
  plugin: LoadedPlugin,
  context: VerifierContext,
  type: string,
  place: GuardErrorDetails,
): Promise<Verifier> {
  let made: unknown;
  try {
    made = await plugin.createVerifier(context);
  } catch (err) {
    if (isGuardError(err)) throw err;
    throw new StartupError(
      'ERR_VERIFIER_PLUGIN',
      `the plug-in verifier for scheme '${context.name}' failed in createVerifier`,
      {
        ...place,
        expected: 'createVerifier(context) to return a verifier, or to throw a GuardError naming what is wrong',
      },
    );
  }
  const p = made as Record<string, unknown> | null;
  if (p === null || typeof p !== 'object' || typeof p.verify !== 'function') {
    throw new StartupError(
      'ERR_VERIFIER_PLUGIN',
      `the plug-in verifier for scheme '${context.name}' is not a verifier`,
      {
        ...place,
        expected: 'createVerifier(context) to return an object with a verify(presented) function',
      },
    );
  }
  const verify = p.verify as (presented: Presented) => Promise<VerifyOutcome> | VerifyOutcome;
  const claimed =
    typeof p.claimedSubject === 'function' ? (p.claimedSubject as (presented: Presented) => string | null) : null;
  const source = typeof p.source === 'string' && SOURCES.has(p.source) ? (p.source as CredentialSource) : 'custom';
  const startSasl = typeof p.startSasl === 'function' ? (p.startSasl as (presented: Presented) => SaslExchange) : null;
  const close = typeof p.close === 'function' ? (p.close as () => void | PromiseLike<void>) : null;
  const verifier: Verifier = {
    scheme: context.name,
    type,
    source,
    claimedSubject: (presented) => (claimed === null ? null : claimed.call(p, presented)),
    verify: (presented) => Promise.resolve(verify.call(p, presented)),
    challenge: typeof p.challenge === 'string' ? p.challenge : null,
    ...(typeof p.saslMechanism === 'string' ? { saslMechanism: p.saslMechanism } : {}),
    ...(startSasl !== null ? { startSasl: (presented: Presented) => startSasl.call(p, presented) } : {}),
    ...(close !== null ? { close: () => close.call(p) } : {}),
  };
  return Object.freeze(verifier);
}

/** Is `value` shaped like a built-in Verifier (what `descriptor.createVerifier` must return)? */
export function isVerifier(value: unknown): value is Verifier {
  const v = value as Record<string, unknown> | null;
  return (
    v !== null && typeof v === 'object' && typeof v.verify === 'function' && typeof v.claimedSubject === 'function'
  );
}
