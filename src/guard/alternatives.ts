// What a client presented, evaluated against a server's alternatives (docs/guard.md
// "Authentication"; docs/architecture.md, "Absent vs invalid"). Alternatives are tried in document
// order, any one suffices; each scheme's verifier runs at most once per attempt, whatever the
// number of alternatives naming it. `absent` moves on to the next alternative; `invalid` is
// recorded and the next is still tried (userPassword OR apiKey(in: password) both read the CONNECT
// password: one of them is always invalid). After the attempt, the outcomes of the server's
// schemes are sorted into what a Refusal reports and what throttling counts.

import type { CredentialSource, InvalidReason, Presented, VerifyOutcome } from '../schemes/types.js';
import { auditStoreUnavailable } from './audit.js';
import { shownSubject } from './claimed-name.js';
import type { EngineContext } from './engine-context.js';
import type { ServerPlan } from './plans.js';
import { safeVerify } from './plugins.js';
import { hasScopes } from './requirement-verdicts.js';

/** A preset outcome for one slot (the SASL exchange already verified it). */
export interface Preset {
  readonly slot: number;
  readonly outcome: VerifyOutcome;
}

/**
 * Invalid outcomes that are our failure, not the client's (the store, a verifier, the identity
 * provider's keys): never counted for throttling, so an outage on our side locks nobody out.
 */
const OUR_FAILURES: ReadonlySet<InvalidReason> = new Set<InvalidReason>([
  'verifier_error',
  'store_unavailable',
  'keys_unavailable',
]);

/** One authentication attempt's credentials: what each slot's verifier claimed and answered, each asked once. */
export class CredentialAttempt {
  /** Per slot: the subject its verifier claims without verifying (server slots; null otherwise). */
  readonly claimed: (string | null)[];
  /** Per slot: its verifier's outcome, once asked (or the preset one). */
  readonly outcomes: (VerifyOutcome | undefined)[];

  readonly sp: ServerPlan;
  readonly presented: Presented;
  private readonly timeoutMs: number;

  constructor(sp: ServerPlan, presented: Presented, timeoutMs: number) {
    this.sp = sp;
    this.presented = presented;
    this.timeoutMs = timeoutMs;
    this.claimed = new Array<string | null>(sp.slots.length).fill(null);
    this.outcomes = new Array<VerifyOutcome | undefined>(sp.slots.length);
  }

  /** The slot's outcome, its verifier asked on first use. */
  async verify(slot: number): Promise<VerifyOutcome> {
    let o = this.outcomes[slot];
    if (o === undefined)
      this.outcomes[slot] = o = await safeVerify(this.sp.slots[slot]!.verifier, this.presented, this.timeoutMs);
    return o;
  }

  /** Who the slot's credential was for: the principal it proved, or the subject a wrong one targeted. */
  subjectOf(s: number): string | null {
    const o = this.outcomes[s];
    return o?.kind === 'invalid' ? (o.subject ?? this.claimed[s] ?? null) : o?.kind === 'ok' ? o.principal.id : null;
  }

  /**
   * `subjectOf` as the audit log may show it: a proven principal, or a subject the verifier found
   * in the store (a wrong password for a known user), as it is; any other name shortened.
   */
  shownSubjectOf(s: number): string | null {
    const o = this.outcomes[s];
    return o?.kind === 'invalid' ? shownSubject(this.subjectOf(s), o.reason) : this.subjectOf(s);
  }
}

export interface AlternativesResult {
  /** Index of the first satisfied alternative, or -1. */
  readonly satisfied: number;
  /** Slots that verified but whose scopes fell short of an alternative's entry. */
  readonly scopeShort: ReadonlySet<number>;
}

/** Server alternatives, in document order (AsyncAPI: any one alternative suffices, OR). */
export async function firstSatisfiedAlternative(attempt: CredentialAttempt): Promise<AlternativesResult> {
  const security = attempt.sp.security;
  let satisfied = -1;
  const scopeShort = new Set<number>();
  for (let a = 0; a < security.length && satisfied < 0; a++) {
    let ok = true;
    for (const e of security[a]!) {
      const o = await attempt.verify(e.slot);
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
  return { satisfied, scopeShort };
}

export type TriedScheme = { scheme: string; outcome: 'absent' | 'invalid' | 'scope_missing'; reason?: InvalidReason };

export interface ServerOutcomes {
  /** Every server scheme that answered, in slot order; an ok one only when its scopes fell short. */
  readonly tried: TriedScheme[];
  /**
   * The server schemes whose credential was presented and is wrong (by the client's doing, not
   * ours), each with the subject it targeted: every one of them counts for throttling.
   */
  readonly guesses: number[];
  /** The first server slot that answered invalid (not a misreading of a verified credential), or -1. */
  readonly firstInvalid: number;
  /** A verifier could not reach the store. */
  readonly storeDown: boolean;
}

/** The server schemes' outcomes sorted; each store outage is logged (`store.unavailable`). */
export function sortServerOutcomes(
  ctx: EngineContext,
  attempt: CredentialAttempt,
  scopeShort: ReadonlySet<number>,
): ServerOutcomes {
  const { sp, outcomes, presented } = attempt;
  const serverSlots = serverSlotCount(sp);
  const tried: TriedScheme[] = [];
  const guesses: number[] = [];
  let firstInvalid = -1;
  let storeDown = false;
  // Where the credentials that verified (but fell short of scopes) were read: a wrong answer of
  // another scheme reading the same place is a misreading of that credential (a token in the MQTT
  // password is no user's password), not a guess. It is listed in `tried`, but neither counted
  // nor reported: the refusal names the scope shortfall, the most specific cause.
  const verifiedPlaces = new Set<string>();
  for (const s of scopeShort) verifiedPlaces.add(placeOf(sp.slots[s]!.verifier.source, presented));
  for (let s = 0; s < serverSlots; s++) {
    const o = outcomes[s];
    if (o === undefined) continue;
    const scheme = sp.slots[s]!.name;
    if (o.kind === 'absent') tried.push(Object.freeze({ scheme, outcome: 'absent' as const }));
    else if (o.kind === 'invalid') {
      tried.push(Object.freeze({ scheme, outcome: 'invalid' as const, reason: o.reason }));
      if (o.reason === 'store_unavailable') storeDown = true;
      const ours = OUR_FAILURES.has(o.reason);
      if (!ours && verifiedPlaces.has(placeOf(sp.slots[s]!.verifier.source, presented))) continue;
      if (firstInvalid < 0) firstInvalid = s;
      if (!ours) guesses.push(s);
    } else if (scopeShort.has(s)) tried.push(Object.freeze({ scheme, outcome: 'scope_missing' as const }));
  }
  if (storeDown) {
    for (let s = 0; s < serverSlots; s++) {
      const o = outcomes[s];
      if (o?.kind === 'invalid' && o.reason === 'store_unavailable')
        auditStoreUnavailable(ctx.logger, { server: sp.name, scheme: sp.slots[s]!.name, store: ctx.storeDescription });
    }
  }
  return { tried, guesses, firstInvalid, storeDown };
}

/** Success: the operations' other schemes the presented credentials satisfy, verified once each (concurrently). */
export async function verifyOperationSchemes(attempt: CredentialAttempt): Promise<void> {
  const pending: Promise<VerifyOutcome>[] = [];
  for (const slot of operationSlots(attempt.sp))
    if (attempt.outcomes[slot] === undefined) pending.push(attempt.verify(slot));
  await Promise.all(pending);
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
/** How many slots the server's own alternatives use (they come first). */
export const serverSlotCount = (sp: ServerPlan): number => factsOf(sp).serverSlots;
const operationSlots = (sp: ServerPlan): readonly number[] => factsOf(sp).operationSlots;

/**
 * Where a verifier read its credential, for telling a second credential from a second reading of
 * the same one. A protocol login (MQTT CONNECT) is one place however many schemes read it: a
 * user name and password, an API key, a token and SASL PLAIN can all ride in its password.
 */
export function placeOf(source: CredentialSource, presented: Presented): string {
  if (
    presented.login !== undefined &&
    presented.login !== null &&
    (source === 'login' || source === 'bearer' || source === 'sasl')
  )
    return 'login';
  return source;
}
