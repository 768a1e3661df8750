// The Decision objects `authorize`, `authorizeSubscription` and `checkPayload` return: every one
// is built and frozen before the guard listens (per operation in operation-plans.ts, guard-wide
// here), so the hot path only picks one. The metric slots of a decision reason are constants too.

import { DECISION_REASON_INDEX } from './metrics.js';
import type { Decision, DecisionReason } from './types.js';

/** A frozen Decision (the hot path returns these; it never builds one). */
export function decision(allowed: boolean, reason: DecisionReason, operation: string | null): Decision {
  return Object.freeze({ allowed, reason, operation });
}

/** Decision reasons per (server, action) in `metrics.decisions`: an action plan's slot base is a multiple of it. */
export const DECISION_REASON_COUNT = Object.keys(DECISION_REASON_INDEX).length;
