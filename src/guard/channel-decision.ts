// The decision for a concrete channel: every publish, and a subscribe without wildcards. The
// channel table of the action finds the operations covering the channel; each one's requirement
// verdict was computed when the session was made; the answer is one of their frozen Decisions
// (docs/guard.md "Authorization"). The hot path: no allocation, closure, regex or string built.

import { auditAuthorization, type DecideContext } from './authorize-context.js';
import { DECISION_REASON_INDEX } from './metrics.js';
import type { ActionPlan, OperationPlan } from './plans.js';
import { VERDICT_ALLOWED, VERDICT_SCOPE_MISSING } from './requirement-verdicts.js';
import type { SessionState } from './session-state.js';
import type { Decision, Session, WireAction } from './types.js';

const I_ALLOWED = DECISION_REASON_INDEX.allowed;
const I_SCOPE = DECISION_REASON_INDEX.scope_missing;
const I_CREDENTIALS = DECISION_REASON_INDEX.credentials_missing;

/**
 * Allowed if any covering operation is; else the most telling refusal (scope beats credentials);
 * with no covering operation, the server's `uncovered` decision. Counted and audited. The channel
 * is a non-empty string without `+` or `#`.
 */
export function decideChannel(
  dc: DecideContext,
  session: Session,
  st: SessionState,
  ap: ActionPlan,
  action: WireAction,
  channel: string,
): Decision {
  let d: Decision;
  let slot: number;
  const hits = ap.table.lookup(channel);
  if (hits.length === 0) {
    d = ap.uncovered;
    slot = DECISION_REASON_INDEX[d.reason];
  } else {
    const verdicts = st.verdicts;
    let refused: OperationPlan | null = null;
    let scope = false;
    let allowedBy: OperationPlan | null = null;
    for (let i = 0; i < hits.length; i++) {
      const op = ap.operations.get(hits[i]!.key)!;
      const v = verdicts[op.requirement];
      if (v === VERDICT_ALLOWED) {
        allowedBy = op;
        break;
      }
      if (v === VERDICT_SCOPE_MISSING) {
        if (!scope) refused = op;
        scope = true;
      } else if (refused === null) refused = op;
    }
    if (allowedBy !== null) {
      d = allowedBy.allowed;
      slot = I_ALLOWED;
    } else if (scope) {
      d = refused!.scopeMissing;
      slot = I_SCOPE;
    } else {
      d = refused!.credentialsMissing;
      slot = I_CREDENTIALS;
    }
  }
  dc.counts[ap.metricBase + slot]!++;
  if (d.allowed ? dc.auditAllowed : dc.auditDenied) auditAuthorization(dc, session, action, channel, d);
  return d;
}
