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
//
// Each step in a module of its own: the alternatives and the outcomes of the presented
// credentials (alternatives.ts), throttling consulted before and after (auth-throttling.ts), and
// the Session built and frozen (session-build.ts, session-state.ts).

import { invalidArgType } from '../errors.js';
import type { Presented, SaslExchange, SaslStep, VerifyOutcome } from '../schemes/types.js';
import {
  CredentialAttempt,
  firstSatisfiedAlternative,
  sortServerOutcomes,
  verifyOperationSchemes,
  type Preset,
  type ServerOutcomes,
} from './alternatives.js';
import {
  countRefusedGuesses,
  countStrayGuesses,
  lockoutRefusal,
  resetProvenSubjects,
  throttled,
} from './auth-throttling.js';
import { NO_CHALLENGES, connectEvent, refusal } from './connect-results.js';
import type { EngineContext } from './engine-context.js';
import type { AuthReason } from './metrics.js';
import type { ServerPlan } from './plans.js';
import { safeSaslStep } from './plugins.js';
import { freezeSession, grantedPrincipals, refuseExpiredAtConnect, requirementVerdicts } from './session-build.js';
import type { AuthResult, Refusal, RefusalReason, Session } from './types.js';

export type { EngineContext } from './engine-context.js';
export { ANONYMOUS } from './session-state.js';

const EMPTY = new Uint8Array(0);

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

  const attempt = new CredentialAttempt(sp, presented, ctx.timeoutMs);
  // Lockouts first: refused before any verification (no store access, no PBKDF2).
  const locked = lockoutRefusal(ctx, attempt, remote, preset);
  if (locked !== null) return locked;
  if (preset !== undefined) attempt.outcomes[preset.slot] = preset.outcome;

  const { satisfied, scopeShort } = await firstSatisfiedAlternative(attempt);
  const sorted = sortServerOutcomes(ctx, attempt, scopeShort);
  if (sp.security.length > 0 && satisfied < 0) return refuseUnsatisfied(ctx, attempt, remote, scopeShort, sorted);
  if (satisfied >= 0 && sorted.guesses.length > 0) countStrayGuesses(ctx, attempt, remote, satisfied, sorted.guesses);

  // Success. The operations' other schemes the presented credentials satisfy, verified once each.
  await verifyOperationSchemes(attempt);
  const granted = grantedPrincipals(attempt);
  if (granted.expiresAt <= ctx.now()) return refuseExpiredAtConnect(ctx, attempt, remote, granted, sorted.tried);
  const verdicts = requirementVerdicts(attempt, granted.principals);

  let scheme: string | null = null;
  let metricScheme = -1;
  if (satisfied >= 0) {
    const alt = sp.security[satisfied]!;
    const first = alt[0]!;
    scheme = sp.slots[first.slot]!.name;
    metricScheme = sp.slots[first.slot]!.metricIndex;
    resetProvenSubjects(ctx, attempt, alt, granted.principals, preset);
  }
  const session = freezeSession(ctx, attempt, remote, satisfied, granted, verdicts);
  connectEvent(ctx, sp.name, remote, scheme, session.principal.id, 'allowed');
  ctx.metrics.countAuthentication(sp.index, metricScheme, 'allowed');
  return Object.freeze({ ok: true as const, session });
}

/** No alternative satisfied: the most telling refusal, counted, audited and (for wrong credentials) delayed. */
async function refuseUnsatisfied(
  ctx: EngineContext,
  attempt: CredentialAttempt,
  remote: string | null,
  scopeShort: ReadonlySet<number>,
  { tried, guesses, firstInvalid, storeDown }: ServerOutcomes,
): Promise<AuthResult> {
  const sp = attempt.sp;
  let reason: RefusalReason;
  let auditReason: AuthReason;
  let slot = -1;
  if (storeDown) {
    reason = auditReason = 'store_unavailable';
    slot = firstInvalid;
  } else if (firstInvalid >= 0) {
    reason = 'invalid_credentials';
    slot = mostTellingGuess(attempt, guesses) ?? firstInvalid;
    auditReason = (attempt.outcomes[slot] as Extract<VerifyOutcome, { kind: 'invalid' }>).reason;
  } else if (scopeShort.size > 0) {
    reason = auditReason = 'scope_missing';
    slot = Math.min(...scopeShort);
  } else reason = auditReason = 'no_credentials';
  // A claimed name the store does not know (a token or a password typed as the user name) is
  // shown only shortened (claimed-name.ts).
  const subject = slot >= 0 ? attempt.shownSubjectOf(slot) : null;

  // Throttling counts wrong credentials only (`guesses`): not an absent one, not a scope
  // shortfall, and not a failure of ours, which must not lock honest users out.
  let delay = 0;
  if (reason === 'invalid_credentials' && guesses.length > 0)
    delay = countRefusedGuesses(ctx, attempt, remote, guesses);
  connectEvent(ctx, sp.name, remote, slot >= 0 ? sp.slots[slot]!.name : null, subject, auditReason);
  ctx.metrics.countAuthentication(sp.index, slot >= 0 ? sp.slots[slot]!.metricIndex : -1, auditReason);
  if (delay > 0) await ctx.sleep(delay); // delay the refusal, never a success
  return refusal(reason, tried, sp.challenges);
}

/**
 * Reasons that say only that a verifier did not recognise the credential (not of its form, no such
 * user or key id): the scheme was probably not the one the client meant. userPassword answers
 * `unknown_principal` for a token sent in the MQTT password, while the token scheme says what is
 * wrong with it (`expired`, `bad_signature`, …).
 */
const UNRECOGNISED: ReadonlySet<string> = new Set(['malformed', 'unknown_principal', 'unknown_key']);

/**
 * The wrong credential the refusal names (audit line and metric; every guess is counted all the
 * same): one its verifier recognised and refused for a specific reason before one it did not
 * recognise, then a guess at a subject (a user name, a key id) before a subject-less one, then
 * slot order.
 */
function mostTellingGuess(attempt: CredentialAttempt, guesses: readonly number[]): number | undefined {
  let best: number | undefined;
  let bestRank = -1;
  for (const s of guesses) {
    const o = attempt.outcomes[s] as Extract<VerifyOutcome, { kind: 'invalid' }>;
    const rank = (UNRECOGNISED.has(o.reason) ? 0 : 2) + (attempt.subjectOf(s) !== null ? 1 : 0);
    if (rank > bestRank) [best, bestRank] = [s, rank];
  }
  return best;
}

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
  const finish = (result: AuthResult, message: Uint8Array): GuardSaslStep =>
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
