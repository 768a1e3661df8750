// authenticate: a server's OR-list of alternatives evaluated against what a client presented
// (docs/architecture.md, "Absent vs invalid"), ending in a frozen Session that `authorize` reads without
// I/O, or a Refusal naming the schemes tried (no secret). Also the SASL exchanges run through
// the guard (SCRAM steps relayed, then the rest of the requirement evaluated the same way).
//
// Order per call: lockout check (remote, then every claimed subject: no verification, no store
// access while locked) → alternatives in document order, each scheme verified at most once
// (`absent` tries the next alternative; `invalid` is recorded and the next is still tried,
// e.g. userPassword OR apiKey(in: password) both read the CONNECT password) → on success, the
// operations' other schemes the credentials satisfy, so the session knows every satisfied
// scheme → the verdict of each distinct operation requirement, precomputed for `authorize`.

import type { Logger } from 'pino';
import { invalidArgType } from '../errors.js';
import type {
  CredentialSource,
  InvalidReason,
  Presented,
  Principal,
  SaslExchange,
  SaslStep,
  VerifyOutcome,
} from '../schemes/types.js';
import { auditDecision, auditStoreUnavailable } from './audit.js';
import type { CompiledGuard, RequirementPlan, ServerPlan } from './plans.js';
import type { AuthReason, GuardMetrics } from './metrics.js';
import { safeClaimedSubject, safeSaslStep, safeVerify } from './plugins.js';
import type { Throttle } from './throttle.js';
import type { AuthResult, Refusal, RefusalReason, Session } from './types.js';

/** Verdict of one operation requirement for one session. */
export const VERDICT_ALLOWED = 0;
export const VERDICT_SCOPE_MISSING = 1;
export const VERDICT_CREDENTIALS_MISSING = 2;

/** Where the engine keeps a session's compiled facts: a non-enumerable symbol key on the frozen Session. */
export const SESSION_STATE: unique symbol = Symbol('asyncapi-guard.session');

export interface SessionState {
  /** The guard that made the session (a session from another guard is `wrong_server`). */
  readonly owner: object;
  readonly server: ServerPlan;
  /** Per `server.requirements[i]`: VERDICT_*. */
  readonly verdicts: Uint8Array;
  /** The verdicts as a string, computed on the first wildcard subscription (coverage cache key). */
  signature: string | null;
  /** `session.expiresAt`, or Infinity when no credential of the session expires (one comparison on the hot path). */
  readonly expiresAt: number;
}

export type InternalSession = Session & { readonly [SESSION_STATE]?: SessionState };

export interface EngineContext {
  readonly owner: object;
  readonly compiled: CompiledGuard;
  readonly throttle: Throttle;
  readonly metrics: GuardMetrics;
  readonly logger: Logger;
  readonly sleep: (ms: number) => Promise<void>;
  readonly timeoutMs: number;
  readonly storeDescription: string;
  readonly closed: () => boolean;
  /** The guard's clock (ms since the epoch). */
  readonly now: () => number;
}

export const ANONYMOUS: Principal = Object.freeze({
  id: 'anonymous',
  scheme: '',
  scopes: Object.freeze([]),
  claims: Object.freeze({}),
});
const EMPTY = new Uint8Array(0);
const NO_CHALLENGES: readonly string[] = Object.freeze([]);

/**
 * Invalid outcomes that are our failure, not the client's (the store, a verifier, the identity
 * provider's keys): never counted for throttling, so an outage on our side locks nobody out.
 */
const OUR_FAILURES: ReadonlySet<InvalidReason> = new Set<InvalidReason>([
  'verifier_error',
  'store_unavailable',
  'keys_unavailable',
]);

/** `required ⊆ granted` (docs/architecture.md, "Scopes"). Lists are short; a linear scan beats building a Set. */
export function hasScopes(granted: readonly string[], required: readonly string[]): boolean {
  for (let i = 0; i < required.length; i++) if (!granted.includes(required[i] as string)) return false;
  return true;
}

/** VERDICT_* of one requirement given the principal each slot verified to (null: not satisfied). */
export function evaluateRequirement(req: RequirementPlan, principals: readonly (Principal | null)[]): number {
  if (req.length === 0) return VERDICT_ALLOWED;
  let scopeMissing = false;
  for (const alt of req) {
    let all = true;
    let scopes = true;
    for (const e of alt) {
      const p = principals[e.slot];
      if (p === null || p === undefined) {
        all = false;
        break;
      }
      if (!hasScopes(p.scopes, e.scopes)) scopes = false;
    }
    if (all && scopes) return VERDICT_ALLOWED;
    if (all) scopeMissing = true;
  }
  return scopeMissing ? VERDICT_SCOPE_MISSING : VERDICT_CREDENTIALS_MISSING;
}

/** A preset outcome for one slot (the SASL exchange already verified it). */
interface Preset {
  readonly slot: number;
  readonly outcome: VerifyOutcome;
}

function refusal(reason: RefusalReason, tried: Refusal['tried'], challenges: readonly string[]): AuthResult {
  return Object.freeze({
    ok: false as const,
    refusal: Object.freeze({ reason, tried: Object.freeze(tried), challenges }),
  });
}

function connectEvent(
  ctx: EngineContext,
  server: string,
  remote: string | null,
  scheme: string | null,
  principal: string | null,
  reason: AuthReason,
): void {
  auditDecision(ctx.logger, {
    server,
    remote,
    scheme,
    principal,
    action: 'connect',
    channel: null,
    result: reason === 'allowed' ? 'allowed' : 'denied',
    reason,
  });
}

export async function authenticate(
  ctx: EngineContext,
  serverName: string,
  presented: Presented,
  preset?: Preset,
): Promise<AuthResult> {
  if (presented === null || typeof presented !== 'object') throw invalidArgType('presented', 'an object (a Presented)');
  const remote = typeof presented.remote === 'string' ? presented.remote : null;
  const sp = ctx.compiled.byName.get(serverName);
  if (sp === undefined) {
    connectEvent(ctx, String(serverName), remote, null, null, 'unknown_server');
    return refusal('unknown_server', [], NO_CHALLENGES);
  }
  if (ctx.closed()) {
    // A closed guard no longer reaches its store: refuse (fail closed).
    connectEvent(ctx, sp.name, remote, null, null, 'store_unavailable');
    ctx.metrics.countAuthentication(sp.index, -1, 'store_unavailable');
    return refusal('store_unavailable', [], sp.challenges);
  }

  const { throttle } = ctx;
  const n = sp.slots.length;
  const serverSlots = serverSlotCount(sp);

  // Lockouts first: refused before any verification (no store access, no PBKDF2).
  if (throttle.remoteLocked(remote)) return throttled(ctx, sp, remote, null, 'locked_remote');
  const claimed: (string | null)[] = new Array<string | null>(n).fill(null);
  for (let s = 0; s < serverSlots; s++) {
    const subject = safeClaimedSubject(sp.slots[s]!.verifier, presented);
    claimed[s] = subject;
    if (throttle.subjectLocked(subject)) return throttled(ctx, sp, remote, subject, 'locked_principal');
  }
  if (preset?.outcome.kind === 'ok' && throttle.subjectLocked(preset.outcome.principal.id)) {
    return throttled(ctx, sp, remote, preset.outcome.principal.id, 'locked_principal');
  }

  const outcomes: (VerifyOutcome | undefined)[] = new Array<VerifyOutcome | undefined>(n);
  if (preset !== undefined) outcomes[preset.slot] = preset.outcome;
  const verify = async (slot: number): Promise<VerifyOutcome> => {
    let o = outcomes[slot];
    if (o === undefined) outcomes[slot] = o = await safeVerify(sp.slots[slot]!.verifier, presented, ctx.timeoutMs);
    return o;
  };

  // Server alternatives, in document order (AsyncAPI: any one alternative suffices, OR).
  let satisfied = -1;
  const scopeShort = new Set<number>();
  for (let a = 0; a < sp.security.length && satisfied < 0; a++) {
    let ok = true;
    for (const e of sp.security[a]!) {
      const o = await verify(e.slot);
      if (o.kind !== 'ok') {
        ok = false;
        break;
      }
      if (!hasScopes(o.principal.scopes, e.scopes)) {
        scopeShort.add(e.slot);
        ok = false;
        break;
      }
    }
    if (ok) satisfied = a;
  }

  // `tried`: every server scheme that answered, in slot order; an ok one only when its scopes fell short.
  // `guesses`: the server schemes whose credential was presented and is wrong (by the client's
  // doing, not ours), each with the subject it targeted: every one of them counts for throttling.
  const tried: { scheme: string; outcome: 'absent' | 'invalid' | 'scope_missing'; reason?: InvalidReason }[] = [];
  const guesses: number[] = [];
  let firstInvalid = -1;
  let storeDown = false;
  for (let s = 0; s < serverSlots; s++) {
    const o = outcomes[s];
    if (o === undefined) continue;
    const scheme = sp.slots[s]!.name;
    if (o.kind === 'absent') tried.push(Object.freeze({ scheme, outcome: 'absent' as const }));
    else if (o.kind === 'invalid') {
      tried.push(Object.freeze({ scheme, outcome: 'invalid' as const, reason: o.reason }));
      if (firstInvalid < 0) firstInvalid = s;
      if (o.reason === 'store_unavailable') storeDown = true;
      if (!OUR_FAILURES.has(o.reason)) guesses.push(s);
    } else if (scopeShort.has(s)) tried.push(Object.freeze({ scheme, outcome: 'scope_missing' as const }));
  }
  if (storeDown) {
    for (let s = 0; s < serverSlots; s++) {
      const o = outcomes[s];
      if (o?.kind === 'invalid' && o.reason === 'store_unavailable')
        auditStoreUnavailable(ctx.logger, { server: sp.name, scheme: sp.slots[s]!.name, store: ctx.storeDescription });
    }
  }
  const subjectOf = (s: number): string | null => {
    const o = outcomes[s];
    return o?.kind === 'invalid' ? (o.subject ?? claimed[s] ?? null) : o?.kind === 'ok' ? o.principal.id : null;
  };

  if (sp.security.length > 0 && satisfied < 0) {
    let reason: RefusalReason;
    let auditReason: AuthReason;
    let slot = -1;
    if (storeDown) {
      reason = auditReason = 'store_unavailable';
      slot = firstInvalid;
    } else if (firstInvalid >= 0) {
      reason = 'invalid_credentials';
      // The audit names the most telling wrong credential: a guess at a known subject (a user
      // name, a key id) before a malformed or subject-less one.
      slot = guesses.find((s) => subjectOf(s) !== null) ?? guesses[0] ?? firstInvalid;
      auditReason = (outcomes[slot] as Extract<VerifyOutcome, { kind: 'invalid' }>).reason;
    } else if (scopeShort.size > 0) {
      reason = auditReason = 'scope_missing';
      slot = Math.min(...scopeShort);
    } else reason = auditReason = 'no_credentials';
    const subject = slot >= 0 ? subjectOf(slot) : null;

    // Throttling counts wrong credentials only (`guesses`): not an absent one, not a scope
    // shortfall, and not a failure of ours (OUR_FAILURES), which must not lock honest users out.
    // Every subject guessed at counts, not only the first: userPassword OR apiKey both read the
    // CONNECT password, and a guess at alice must count against alice whichever comes first.
    let delay = 0;
    if (reason === 'invalid_credentials' && guesses.length > 0) {
      delay = throttle.failure(remote, guesses.map(subjectOf));
      if (delay > 0) ctx.metrics.countThrottled(sp.index, 'delayed');
    }
    connectEvent(ctx, sp.name, remote, slot >= 0 ? sp.slots[slot]!.name : null, subject, auditReason);
    ctx.metrics.countAuthentication(sp.index, slot >= 0 ? sp.slots[slot]!.metricIndex : -1, auditReason);
    if (delay > 0) await ctx.sleep(delay); // delay the refusal, never a success
    return refusal(reason, tried, sp.challenges);
  }

  // Allowed, yet a credential presented beside the one that satisfied an alternative was wrong.
  // It still counts (no delay: successes are never slowed) and is audited, or anyone holding one
  // valid credential could guess at another user's password unthrottled and learn from which
  // alternative succeeded whether the guess was right. Exempt: a wrong credential read from the
  // same place as one the session was granted with (userPassword OR apiKey both read the MQTT
  // CONNECT password: one of them is always wrong).
  if (satisfied >= 0 && guesses.length > 0) {
    const granted = new Set(sp.security[satisfied]!.map((e) => placeOf(sp.slots[e.slot]!.verifier.source, presented)));
    const stray = guesses.filter((s) => !granted.has(placeOf(sp.slots[s]!.verifier.source, presented)));
    if (stray.length > 0) {
      throttle.failure(remote, stray.map(subjectOf));
      for (const s of stray) {
        const o = outcomes[s] as Extract<VerifyOutcome, { kind: 'invalid' }>;
        connectEvent(ctx, sp.name, remote, sp.slots[s]!.name, subjectOf(s), o.reason);
        ctx.metrics.countAuthentication(sp.index, sp.slots[s]!.metricIndex, o.reason);
      }
    }
  }

  // Success. The operations' other schemes the presented credentials satisfy, verified once each.
  const pending: Promise<VerifyOutcome>[] = [];
  for (const slot of operationSlots(sp)) if (outcomes[slot] === undefined) pending.push(verify(slot));
  await Promise.all(pending);
  const principals: (Principal | null)[] = new Array<Principal | null>(n).fill(null);
  const byScheme: Record<string, Principal> = {};
  // The session lasts as long as the earliest-expiring credential it was granted with.
  let expiresAt = Infinity;
  let expiresFirst = -1;
  for (let s = 0; s < n; s++) {
    const o = outcomes[s];
    if (o?.kind === 'ok') {
      principals[s] = o.principal;
      byScheme[sp.slots[s]!.name] = o.principal;
      const e = o.principal.expiresAt;
      if (e !== undefined && e < expiresAt) {
        expiresAt = e;
        expiresFirst = s;
      }
    }
  }
  // A token accepted within the verifier's clock tolerance can already be past its exp: the
  // session would be refused everything (`credentials_expired`), so the connection is refused
  // instead, as an expired credential (not a guess: not counted for throttling).
  if (expiresAt <= ctx.now()) {
    const scheme = sp.slots[expiresFirst]!;
    const principalId = principals[expiresFirst]!.id;
    connectEvent(ctx, sp.name, remote, scheme.name, principalId, 'expired');
    ctx.metrics.countAuthentication(sp.index, scheme.metricIndex, 'expired');
    const expiredTried = [
      ...tried.filter((t) => t.scheme !== scheme.name),
      Object.freeze({ scheme: scheme.name, outcome: 'invalid' as const, reason: 'expired' as const }),
    ];
    return refusal('invalid_credentials', expiredTried, sp.challenges);
  }
  const verdicts = new Uint8Array(sp.requirements.length);
  for (let r = 0; r < sp.requirements.length; r++) verdicts[r] = evaluateRequirement(sp.requirements[r]!, principals);

  let principal = ANONYMOUS;
  let scheme: string | null = null;
  let metricScheme = -1;
  if (satisfied >= 0) {
    const alt = sp.security[satisfied]!;
    const first = alt[0]!;
    principal = principals[first.slot]!;
    scheme = sp.slots[first.slot]!.name;
    metricScheme = sp.slots[first.slot]!.metricIndex;
    // A success resets the failure counter of each subject it proved (not the remote's): what
    // each verifier claimed (a user name, an API key id), and for a SASL exchange the user it
    // authenticated. Not a principal id reached another way: a valid API key of alice's, or a
    // token whose `sub` is alice, must not reset the count of guesses at alice's password.
    for (const e of alt) {
      throttle.success(claimed[e.slot] ?? null);
      if (preset !== undefined && e.slot === preset.slot) throttle.success(principals[e.slot]!.id);
    }
  }
  const session = Object.freeze(
    Object.defineProperty(
      {
        server: sp.name,
        remote,
        principal,
        alternative: satisfied,
        principals: Object.freeze(byScheme),
        ...(expiresAt !== Infinity ? { expiresAt } : {}),
      },
      SESSION_STATE,
      {
        value: { owner: ctx.owner, server: sp, verdicts, signature: null, expiresAt } satisfies SessionState,
        enumerable: false,
      },
    ),
  ) as InternalSession;
  connectEvent(ctx, sp.name, remote, scheme, principal.id, 'allowed');
  ctx.metrics.countAuthentication(sp.index, metricScheme, 'allowed');
  return Object.freeze({ ok: true as const, session });
}

/**
 * Where a verifier read its credential, for telling a second credential from a second reading of
 * the same one. A protocol login (MQTT CONNECT) is one place however many schemes read it: a
 * user name and password, an API key, a token and SASL PLAIN can all ride in its password.
 */
function placeOf(source: CredentialSource, presented: Presented): string {
  if (
    presented.login !== undefined &&
    presented.login !== null &&
    (source === 'login' || source === 'bearer' || source === 'sasl')
  )
    return 'login';
  return source;
}

function throttled(
  ctx: EngineContext,
  sp: ServerPlan,
  remote: string | null,
  subject: string | null,
  kind: 'locked_remote' | 'locked_principal',
): AuthResult {
  ctx.metrics.countThrottled(sp.index, kind);
  ctx.metrics.countAuthentication(sp.index, -1, 'throttled');
  connectEvent(ctx, sp.name, remote, null, subject, 'throttled');
  return refusal('throttled', [], sp.challenges);
}

// Slot bookkeeping computed once per server plan and cached here (plans are frozen).
const slotFacts = new WeakMap<ServerPlan, { serverSlots: number; operationSlots: readonly number[] }>();
function factsOf(sp: ServerPlan): { serverSlots: number; operationSlots: readonly number[] } {
  let f = slotFacts.get(sp);
  if (f === undefined) {
    let serverSlots = 0;
    for (const alt of sp.security) for (const e of alt) serverSlots = Math.max(serverSlots, e.slot + 1);
    const ops = new Set<number>();
    for (const req of sp.requirements) for (const alt of req) for (const e of alt) ops.add(e.slot);
    f = { serverSlots, operationSlots: Object.freeze([...ops].sort((a, b) => a - b)) };
    slotFacts.set(sp, f);
  }
  return f;
}
const serverSlotCount = (sp: ServerPlan): number => factsOf(sp).serverSlots;
const operationSlots = (sp: ServerPlan): readonly number[] => factsOf(sp).operationSlots;

// ---------------------------------------------------------------- SASL through the guard

export type GuardSaslStep =
  | { readonly kind: 'challenge'; readonly message: Uint8Array }
  /** Authenticated: send `message` (SCRAM server-final `v=…`, may be empty), then use `session`. */
  | { readonly kind: 'success'; readonly message: Uint8Array; readonly session: Session }
  /** Refused: send `message` (SCRAM `e=…`, may be empty) and the transport's failure. */
  | { readonly kind: 'failure'; readonly message: Uint8Array; readonly refusal: Refusal };

export interface GuardSaslExchange {
  readonly mechanism: string;
  /** Feeds one client message (the first is the initial response). Never throws. */
  step(message: Uint8Array): Promise<GuardSaslStep>;
}

function failureOf(result: AuthResult, message: Uint8Array = EMPTY): GuardSaslStep {
  if (result.ok) throw new Error('internal: failureOf(ok)');
  return Object.freeze({ kind: 'failure' as const, message, refusal: result.refusal });
}

export function startSasl(
  ctx: EngineContext,
  serverName: string,
  mechanism: string,
  presented: Presented,
): GuardSaslExchange {
  if (presented === null || typeof presented !== 'object') throw invalidArgType('presented', 'an object (a Presented)');
  let phase: 'start' | 'running' | 'done' = 'start';
  let exchange: SaslExchange | null = null;
  let slot = -1;
  let sp: ServerPlan | undefined;
  const remote = typeof presented.remote === 'string' ? presented.remote : null;

  const done = (step: GuardSaslStep): GuardSaslStep => {
    phase = 'done';
    return step;
  };
  const finish = async (result: AuthResult, message: Uint8Array): Promise<GuardSaslStep> =>
    done(result.ok ? Object.freeze({ kind: 'success' as const, message, session: result.session }) : failureOf(result));

  async function step(message: Uint8Array): Promise<GuardSaslStep> {
    if (phase === 'done' || !(message instanceof Uint8Array)) {
      phase = 'done';
      return failureOf(refusal('invalid_credentials', [], sp?.challenges ?? NO_CHALLENGES));
    }
    if (phase === 'start') {
      phase = 'running';
      sp = ctx.compiled.byName.get(serverName);
      const s = sp?.sasl.get(mechanism);
      if (sp === undefined || s === undefined) {
        // Unknown server, or a mechanism no alternative of this server accepts.
        return done(failureOf(await authenticate(ctx, serverName, { ...(remote !== null ? { remote } : {}) })));
      }
      slot = s;
      if (ctx.throttle.remoteLocked(remote)) return done(failureOf(throttled(ctx, sp, remote, null, 'locked_remote')));
      const verifier = sp.slots[slot]!.verifier;
      if (verifier.startSasl === undefined) {
        // One-step mechanism (PLAIN, RFC 4616): the initial response is the whole exchange.
        return finish(
          await authenticate(ctx, serverName, { ...presented, sasl: { mechanism, response: message } }),
          EMPTY,
        );
      }
      try {
        exchange = verifier.startSasl(presented);
      } catch {
        exchange = null;
      }
      if (exchange === null || typeof exchange !== 'object' || typeof exchange.step !== 'function') {
        return finish(
          await authenticate(ctx, serverName, presented, {
            slot,
            outcome: { kind: 'invalid', reason: 'verifier_error' },
          }),
          EMPTY,
        );
      }
    }
    const server = sp as ServerPlan;
    const out: SaslStep = await safeSaslStep(
      exchange as SaslExchange,
      message,
      server.slots[slot]!.name,
      ctx.timeoutMs,
    );
    if (out.kind === 'challenge') return Object.freeze({ kind: 'challenge' as const, message: out.message });
    if (out.kind === 'failure') {
      const outcome: VerifyOutcome =
        out.subject !== undefined
          ? { kind: 'invalid', reason: out.reason, subject: out.subject }
          : { kind: 'invalid', reason: out.reason };
      const result = await authenticate(ctx, serverName, presented, { slot, outcome });
      // Another alternative may still accept the connection (e.g. a client certificate).
      return result.ok ? finish(result, EMPTY) : done(failureOf(result, out.message));
    }
    const result = await authenticate(ctx, serverName, presented, {
      slot,
      outcome: { kind: 'ok', principal: out.principal },
    });
    // The server-final message (`v=…`) proves the server to the client; send it only on success.
    return finish(result, result.ok ? out.message : EMPTY);
  }

  return Object.freeze({ mechanism, step });
}
