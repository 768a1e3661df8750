// A security requirement (an OR of AND lists of scheme + scopes) compiled against one server's
// slots. Operation requirements are interned per server: `authenticate` computes the verdict of
// each distinct one once per session, and an operation plan holds only the index of its verdict.

import type { Requirement } from '../model/types.js';
import type { RequirementPlan } from './plans.js';

/** The requirement with each scheme replaced by its slot on the server; frozen. */
export function requirementPlan(req: Requirement, slotOf: ReadonlyMap<string, number>): RequirementPlan {
  return Object.freeze(
    req.map((alt) =>
      Object.freeze(
        alt.map((e) => Object.freeze({ slot: slotOf.get(e.scheme)!, scopes: Object.freeze([...e.scopes]) })),
      ),
    ),
  );
}

/** The distinct operation requirements of one server, in the order they were first asked for. */
export interface RequirementTable {
  /** Grows while the server's operations are planned; frozen by the server plan. */
  readonly plans: RequirementPlan[];
  /** The index of the requirement's plan, added when new (scopes listed in another order: the same plan). */
  indexOf(req: Requirement): number;
}

export function createRequirementTable(slotOf: ReadonlyMap<string, number>): RequirementTable {
  const requirementKeys = new Map<string, number>();
  const plans: RequirementPlan[] = [];
  return {
    plans,
    indexOf(req: Requirement): number {
      const key = JSON.stringify(req.map((alt) => alt.map((e) => [slotOf.get(e.scheme), [...e.scopes].sort()])));
      let i = requirementKeys.get(key);
      if (i === undefined) {
        i = plans.length;
        requirementKeys.set(key, i);
        plans.push(requirementPlan(req, slotOf));
      }
      return i;
    },
  };
}
