// Audit events (docs/architecture.md, "Audit events": every decision emits one structured event).
// One builder per event name; each writes only its declared fields, so nothing a caller holds
// (a header bag, a request, an error cause) can reach a line by accident. pino's `redact` is the
// second net, configured once in `createAuditLogger`.
//
// Levels: denials at `warn`, allowed connects at `info`, allowed publish / subscribe / payload
// decisions at `debug` (counted in the metrics either way: at the default `info` a flood of
// allowed messages writes nothing). Builders check `isLevelEnabled` first (the guard
// additionally caches the answer for its hot path), so a disabled level costs no object.
// `guard.decision` and `store.unavailable` lines are rate-bound per kind (audit-rate.ts).

import { resolve } from 'node:path';
import { createRequire } from 'node:module';
import type { DestinationStream, Logger } from 'pino';

// pino is required on first use, not imported: `import { check } from 'asyncapi-guard'` (and the
// `check` command) must not pay for loading the logger when no guard is made.
type Pino = typeof import('pino');
let pinoModule: Pino | undefined;
function loadPino(): Pino {
  pinoModule ??= createRequire(import.meta.url)('pino') as Pino;
  return pinoModule;
}
import type { AuditSettings } from '../config/types.js';
import { AUDIT_MAX_LINES_PER_SECOND, createAuditRate, type AuditRate } from './audit-rate.js';

// Each audit logger's rate bound: set by createAuditLogger (its clock and `maxLinesPerSecond`),
// else made on first use with the defaults (a logger an embedder passes in).
const rates = new WeakMap<Logger, AuditRate>();
function rateOf(logger: Logger): AuditRate {
  let r = rates.get(logger);
  if (r === undefined) rates.set(logger, (r = createAuditRate(logger, AUDIT_MAX_LINES_PER_SECOND, Date.now)));
  return r;
}

/** The level of a `guard.decision`: `warn` denied, `info` an allowed connect, `debug` any other allowed decision. */
export function decisionLevel(action: AuditAction, result: 'allowed' | 'denied'): 'debug' | 'info' | 'warn' {
  return result === 'denied' ? 'warn' : action === 'connect' ? 'info' : 'debug';
}

/**
 * pino `redact` paths: the second net behind the builders (docs/architecture.md, "Secrets": password,
 * token, authorization, cookie, `*.secret`, `*.apiKey`; plus top-level secret and apiKey, which
 * cost nothing). Kept to this set on purpose: each wildcard level makes every line slower
 * (bench/guard.ts: a `*.*.x` set cut audited decisions per second by 2.5x), and the builders
 * emit only flat, declared fields anyway.
 */
export const REDACT_PATHS: readonly string[] = Object.freeze([
  'password',
  'token',
  'authorization',
  'cookie',
  'secret',
  'apiKey',
  '*.secret',
  '*.apiKey',
]);

/** `payload`: guard.checkPayload, the end-to-end encryption check of a published payload. */
export type AuditAction = 'connect' | 'publish' | 'subscribe' | 'payload';

/** The fields of a `guard.decision` event (plus pino's `level`, `time` and `msg: "guard.decision"`). */
export interface DecisionEvent {
  readonly server: string;
  readonly remote: string | null;
  /** The scheme that satisfied the request, or the one an invalid credential targeted; null when none. */
  readonly scheme: string | null;
  /** Principal id (on a refused connect: the identity the credential claimed, if any). */
  readonly principal: string | null;
  readonly action: AuditAction;
  /** The channel (publish/subscribe) or filter; null for connect. */
  readonly channel: string | null;
  readonly result: 'allowed' | 'denied';
  readonly reason: string;
  /** The operation that allowed or refused a publish/subscribe, when there is one. */
  readonly operation?: string | null;
}

export interface StartupEvent {
  readonly servers: readonly string[];
  readonly schemes: readonly string[];
  readonly warnings: readonly { readonly code: string; readonly server: string; readonly message: string }[];
}

export interface StoreUnavailableEvent {
  readonly server: string;
  readonly scheme: string;
  /** `CredentialStore.description` (never holds a password). */
  readonly store: string;
}

/** Emits `guard.decision` at `decisionLevel`, within the rate bound of its kind (action and result). */
export function auditDecision(logger: Logger, event: DecisionEvent): void {
  const level = decisionLevel(event.action, event.result);
  if (!logger.isLevelEnabled(level)) return;
  if (!rateOf(logger).admit(`guard.decision ${event.action} ${event.result}`)) return;
  const fields: Record<string, unknown> = {
    server: event.server,
    remote: event.remote,
    scheme: event.scheme,
    principal: event.principal,
    action: event.action,
    channel: event.channel,
    result: event.result,
    reason: event.reason,
  };
  if (event.operation !== undefined && event.operation !== null) fields.operation = event.operation;
  logger[level](fields, 'guard.decision');
}

/** Emits `guard.startup`: `warn` when a risky switch is on, else `info`. */
export function auditStartup(logger: Logger, event: StartupEvent): void {
  const level = event.warnings.length > 0 ? 'warn' : 'info';
  if (!logger.isLevelEnabled(level)) return;
  logger[level](
    {
      servers: [...event.servers],
      schemes: [...event.schemes],
      warnings: event.warnings.map((w) => ({ code: w.code, server: w.server, message: w.message })),
    },
    'guard.startup',
  );
}

/**
 * Emits a verifier's operational event (`VerifierContext.report`) as `verifier.<event>` with the
 * scheme and the verifier's fields, which are never secrets (e.g. `verifier.x509.trust.reloaded`).
 */
export function auditVerifierEvent(
  logger: Logger,
  level: 'info' | 'warn',
  event: string,
  fields: Readonly<Record<string, string | number | boolean | null>> = {},
): void {
  if (!logger.isLevelEnabled(level)) return;
  logger[level]({ ...fields }, `verifier.${event}`);
}

/** Emits `store.unavailable` at `error`: the store did not answer and the guard refused (fail closed). */
export function auditStoreUnavailable(logger: Logger, event: StoreUnavailableEvent): void {
  if (!logger.isLevelEnabled('error')) return;
  if (!rateOf(logger).admit('store.unavailable')) return;
  logger.error({ server: event.server, scheme: event.scheme, store: event.store }, 'store.unavailable');
}

export interface AuditLoggerOptions {
  /** Clock for the `time` field (epoch milliseconds); default Date.now. */
  readonly now?: () => number;
  /** Write here instead of `settings.destination` (tests, embedding). */
  readonly stream?: DestinationStream;
}

/**
 * The audit logger the config asks for: `audit.level` (default `info`) and `audit.destination`
 * (`stderr` default, `stdout`, or a file path relative to `baseDir`, appended to). JSON lines
 * with `level` as a label, `time` in epoch ms, no pid/hostname, and the redact paths above.
 */
export function createAuditLogger(
  settings: AuditSettings | undefined,
  baseDir: string,
  options: AuditLoggerOptions = {},
): Logger {
  const now = options.now ?? Date.now;
  const destination = settings?.destination ?? 'stderr';
  const stream =
    options.stream ??
    (destination === 'stderr'
      ? loadPino().destination({ dest: 2, sync: true })
      : destination === 'stdout'
        ? loadPino().destination({ dest: 1, sync: true })
        : loadPino().destination({ dest: resolve(baseDir, destination), append: true, mkdir: true, sync: true }));
  const logger = loadPino()(
    {
      level: settings?.level ?? 'info',
      base: null,
      timestamp: () => `,"time":${now()}`,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
    },
    stream,
  );
  rates.set(logger, createAuditRate(logger, settings?.maxLinesPerSecond ?? AUDIT_MAX_LINES_PER_SECOND, now));
  return logger;
}

/** A logger that writes nothing (the default when no audit logger is given). */
export function createSilentLogger(): Logger {
  return loadPino()({ level: 'silent' });
}
