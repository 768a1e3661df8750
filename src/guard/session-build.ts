// The Session an accepted attempt ends in (docs/guard.md "Authentication"): every scheme the
// presented credentials satisfy (`principals`), the principal of the satisfied alternative's first
// entry, the verdict of each distinct operation requirement (computed once here, so `authorize`
// needs no I/O), and `expiresAt`, the earliest expiry of its credentials. Frozen, with the
// engine's facts under SESSION_STATE.

import type { Principal } from '../schemes/types.js';
import type { CredentialAttempt, TriedScheme } from './alternatives.js';
import { connectEvent, refusal } from './connect-results.js';
import type { EngineContext } from './engine-context.js';
import { evaluateRequirement } from './requirement-verdicts.js';
import { ANONYMOUS, SESSION_STATE, type InternalSession, type SessionState } from './session-state.js';
import type { AuthResult } from './types.js';

export interface GrantedPrincipals {
  /** Per slot: the principal its verifier answered ok with, or null. */
  readonly principals: (Principal | null)[];
  /** Scheme name → principal (`session.principals`). */
  readonly byScheme: Record<string, Principal>;
  /** The earliest `expiresAt` of the principals, or Infinity. */
  readonly expiresAt: number;
  /** The slot whose credential expires first, or -1. */
  readonly expiresFirst: number;
}

/** Every principal the attempt's credentials proved; the session lasts as long as the earliest-expiring one. */
export function grantedPrincipals(attempt: CredentialAttempt): GrantedPrincipals {
  const { sp, outcomes } = attempt;
  const n = sp.slots.length;
  const principals: (Principal | null)[] = new Array<Principal | null>(n).fill(null);
  const byScheme: Record<string, Principal> = {};
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
  return { principals, byScheme, expiresAt, expiresFirst };
}

/**
 * A token accepted within the verifier's clock tolerance can already be past its exp: the
 * session would be refused everything (`credentials_expired`), so the connection is refused
 * instead, as an expired credential (not a guess: not counted for throttling).
 */
export function refuseExpiredAtConnect(
  ctx: EngineContext,
  attempt: CredentialAttempt,
  remote: string | null,
  granted: GrantedPrincipals,
  tried: readonly TriedScheme[],
): AuthResult {
  const sp = attempt.sp;
  const scheme = sp.slots[granted.expiresFirst]!;
  const principalId = granted.principals[granted.expiresFirst]!.id;
  connectEvent(ctx, sp.name, remote, scheme.name, principalId, 'expired');
  ctx.metrics.countAuthentication(sp.index, scheme.metricIndex, 'expired');
  const expiredTried = [
    ...tried.filter((t) => t.scheme !== scheme.name),
    Object.freeze({ scheme: scheme.name, outcome: 'invalid' as const, reason: 'expired' as const }),
  ];
  return refusal('invalid_credentials', expiredTried, sp.challenges);
}

/** The verdict of each distinct operation requirement of the server, for `authorize`. */
export function requirementVerdicts(attempt: CredentialAttempt, principals: readonly (Principal | null)[]): Uint8Array {
  const sp = attempt.sp;
  const verdicts = new Uint8Array(sp.requirements.length);
  for (let r = 0; r < sp.requirements.length; r++) verdicts[r] = evaluateRequirement(sp.requirements[r]!, principals);
  return verdicts;
}

/** The frozen Session; `satisfied` is the alternative's index (-1: the server has no security). */
export function freezeSession(
  ctx: EngineContext,
  attempt: CredentialAttempt,
  remote: string | null,
  satisfied: number,
  granted: GrantedPrincipals,
  verdicts: Uint8Array,
): InternalSession {
  const sp = attempt.sp;
  const expiresAt = granted.expiresAt;
  const principal = satisfied >= 0 ? granted.principals[sp.security[satisfied]![0]!.slot]! : ANONYMOUS;
  return Object.freeze(
    Object.defineProperty(
      {
        server: sp.name,
        remote,
        principal,
        alternative: satisfied,
        principals: Object.freeze(granted.byScheme),
        ...(expiresAt !== Infinity ? { expiresAt } : {}),
      },
      SESSION_STATE,
      {
        value: {
          owner: ctx.owner,
          server: sp,
          verdicts,
          signature: null,
          coverage: null,
          expiresAt,
        } satisfies SessionState,
        enumerable: false,
      },
    ),
  );
}
