// Throttling as authentication consults it (docs/guard.md "Throttling"; the counters themselves
// are throttle.ts). Before any verification: a locked-out remote address, or a locked-out subject
// any of the server's verifiers claims when the remote has been failing, is refused as
// `throttled` (no store access, no PBKDF2). After: wrong credentials count against the remote and
// every subject guessed at (API key ids excepted), also beside a credential that succeeded; a
// success resets the count of each subject it proved.

import type { Principal, VerifyOutcome } from '../schemes/types.js';
import type { CredentialAttempt, Preset } from './alternatives.js';
import { placeOf, serverSlotCount } from './alternatives.js';
import { shownSubject } from './claimed-name.js';
import { connectEvent, refusal } from './connect-results.js';
import type { EngineContext } from './engine-context.js';
import type { EntryPlan, ServerPlan } from './plans.js';
import { safeClaimedSubject } from './plugins.js';
import type { AuthResult } from './types.js';

/**
 * API key schemes have no per-subject count: a key id is public (logs, status page) and its
 * secret cannot be guessed, so a count per key id would only let anyone lock a key out. Wrong
 * keys still count against the remote address.
 */
const API_KEY_TYPES: ReadonlySet<string> = new Set(['apiKey', 'httpApiKey']);
const countsPerSubject = (sp: ServerPlan, slot: number): boolean => !API_KEY_TYPES.has(sp.slots[slot]!.verifier.type);

/** The subjects wrong credentials guessed at, as the per-subject count keeps them (API key ids left out). */
function guessedSubjects(attempt: CredentialAttempt, slots: readonly number[]): (string | null)[] {
  return slots.map((s) => (countsPerSubject(attempt.sp, s) ? attempt.subjectOf(s) : null));
}

/** A lockout refusal: counted (`throttled_total`, authentications) and audited. */
export function throttled(
  ctx: EngineContext,
  sp: ServerPlan,
  remote: string | null,
  subject: string | null,
  kind: 'locked_remote' | 'locked_principal',
): AuthResult {
  ctx.metrics.countThrottled(sp.index, kind);
  ctx.metrics.countAuthentication(sp.index, -1, 'throttled');
  // The subject is only claimed, never looked up: shown shortened (claimed-name.ts).
  connectEvent(ctx, sp.name, remote, null, shownSubject(subject, null), 'throttled');
  return refusal('throttled', [], sp.challenges);
}

/**
 * Lockouts first: the remote, then the subject each server verifier claims (recorded in
 * `attempt.claimed`), then the user a SASL exchange authenticated. The refusal, or null.
 */
export function lockoutRefusal(
  ctx: EngineContext,
  attempt: CredentialAttempt,
  remote: string | null,
  preset: Preset | undefined,
): AuthResult | null {
  const { throttle } = ctx;
  const sp = attempt.sp;
  const serverSlots = serverSlotCount(sp);
  if (throttle.remoteLocked(remote)) return throttled(ctx, sp, remote, null, 'locked_remote');
  for (let s = 0; s < serverSlots; s++) {
    const subject = safeClaimedSubject(sp.slots[s]!.verifier, attempt.presented);
    attempt.claimed[s] = subject;
    if (countsPerSubject(sp, s) && throttle.subjectLocked(subject, remote))
      return throttled(ctx, sp, remote, subject, 'locked_principal');
  }
  if (preset?.outcome.kind === 'ok' && throttle.subjectLocked(preset.outcome.principal.id, remote)) {
    return throttled(ctx, sp, remote, preset.outcome.principal.id, 'locked_principal');
  }
  return null;
}

/**
 * A refusal for wrong credentials: every subject guessed at counts, not only the first
 * (userPassword OR apiKey both read the CONNECT password, and a guess at alice must count against
 * alice whichever comes first). The delay the refusal must wait (0: none).
 */
export function countRefusedGuesses(
  ctx: EngineContext,
  attempt: CredentialAttempt,
  remote: string | null,
  guesses: readonly number[],
): number {
  const delay = ctx.throttle.failure(remote, guessedSubjects(attempt, guesses));
  if (delay > 0) ctx.metrics.countThrottled(attempt.sp.index, 'delayed');
  return delay;
}

/**
 * Allowed, yet a credential presented beside the one that satisfied an alternative was wrong.
 * It still counts (no delay: successes are never slowed) and is audited, or anyone holding one
 * valid credential could guess at another user's password unthrottled and learn from which
 * alternative succeeded whether the guess was right. Exempt: a wrong credential read from the
 * same place as one the session was granted with (userPassword OR apiKey both read the MQTT
 * CONNECT password: one of them is always wrong).
 */
export function countStrayGuesses(
  ctx: EngineContext,
  attempt: CredentialAttempt,
  remote: string | null,
  satisfied: number,
  guesses: readonly number[],
): void {
  const { sp, presented, outcomes } = attempt;
  const granted = new Set(sp.security[satisfied]!.map((e) => placeOf(sp.slots[e.slot]!.verifier.source, presented)));
  const stray = guesses.filter((s) => !granted.has(placeOf(sp.slots[s]!.verifier.source, presented)));
  if (stray.length > 0) {
    ctx.throttle.failure(remote, guessedSubjects(attempt, stray));
    for (const s of stray) {
      const o = outcomes[s] as Extract<VerifyOutcome, { kind: 'invalid' }>;
      connectEvent(ctx, sp.name, remote, sp.slots[s]!.name, attempt.shownSubjectOf(s), o.reason);
      ctx.metrics.countAuthentication(sp.index, sp.slots[s]!.metricIndex, o.reason);
    }
  }
}

/**
 * A success resets the failure counter of each subject it proved (not the remote's): what each
 * verifier of the satisfied alternative claimed (a user name, an API key id), and for a SASL
 * exchange the user it authenticated. Not a principal id reached another way: a valid API key of
 * alice's, or a token whose `sub` is alice, must not reset the count of guesses at her password.
 */
export function resetProvenSubjects(
  ctx: EngineContext,
  attempt: CredentialAttempt,
  alternative: readonly EntryPlan[],
  principals: readonly (Principal | null)[],
  preset: Preset | undefined,
): void {
  for (const e of alternative) {
    if (countsPerSubject(attempt.sp, e.slot)) ctx.throttle.success(attempt.claimed[e.slot] ?? null);
    if (preset !== undefined && e.slot === preset.slot) ctx.throttle.success(principals[e.slot]!.id);
  }
}
