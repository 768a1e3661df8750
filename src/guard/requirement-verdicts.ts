// The verdict of one security requirement for one session: computed for every distinct operation
// requirement when the session is made (session-build.ts), so `authorize` reads a byte.

import type { Principal } from '../schemes/types.js';
import type { RequirementPlan } from './plans.js';

/** Verdict of one operation requirement for one session. */
export const VERDICT_ALLOWED = 0;
export const VERDICT_SCOPE_MISSING = 1;
export const VERDICT_CREDENTIALS_MISSING = 2;

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
