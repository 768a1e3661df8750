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

/** A session this guard did not make (or no session at all). */
export const WRONG_SERVER = decision(false, 'wrong_server', null);
/** Empty, a wildcard in a concrete channel, or a malformed filter. */
export const INVALID_CHANNEL = decision(false, 'invalid_channel', null);
/** A session whose credential expired is refused everything. */
export const CREDENTIALS_EXPIRED = decision(false, 'credentials_expired', null);
/** Wildcard filters name no operation: they may span several. */
export const WILDCARD_ALLOWED = decision(true, 'allowed', null);
export const WILDCARD_ALLOWED_UNCOVERED = decision(true, 'allowed_uncovered', null);
export const WILDCARD_NOT_COVERED = decision(false, 'wildcard_not_covered', null);
