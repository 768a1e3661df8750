// What `authorize`, `authorizeSubscription` and `checkPayload` share, made once per guard by
// createAuthorizer (decide.ts): the owner a session must come from, the decision counters, the
// clock, and the audit level checks, cached and refreshed on the logger's `level-change`, so a
// disabled level costs one boolean read per decision. The helpers here take that context and
// build nothing per call but the audit event, and that only when its level is enabled.

import type { Logger } from 'pino';
import type { AddressMatcher } from '../address/template.js';
import { auditDecision } from './audit.js';
import { CREDENTIALS_EXPIRED, INVALID_CHANNEL, WRONG_SERVER } from './decisions.js';
import { DECISION_REASON_INDEX, type GuardMetrics } from './metrics.js';
import type { ActionPlan, ServerPlan } from './plans.js';
import { SESSION_STATE, type InternalSession, type SessionState } from './session-state.js';
import type { Decision, Session, WireAction } from './types.js';

const I_INVALID = DECISION_REASON_INDEX.invalid_channel;
const I_EXPIRED = DECISION_REASON_INDEX.credentials_expired;

/** Wildcard subscription results for one set of satisfied requirements (subscribe-decision.ts). */
export interface Coverage {
  readonly allowed: readonly AddressMatcher[];
  /** Subscribe operations this session does not satisfy (used when uncovered channels are allowed). */
  readonly denied: readonly AddressMatcher[];
  readonly results: Map<string, Decision>;
  /** Per-delivery answers (`mayReceive`), per concrete channel. */
  readonly receivable: Map<string, boolean>;
}

export interface DecideContext {
  /** The guard that made the sessions it answers (any other is `wrong_server`). */
  readonly owner: object;
  readonly logger: Logger;
  /** Clock for session expiry (ms since the epoch). */
  readonly now: () => number;
  /** `metrics.decisions`: an action plan's `metricBase` plus a reason's index. */
  readonly counts: GuardMetrics['decisions'];
  /** Whether an allowed publish/subscribe/payload decision is audited (`debug` on); refreshed on `level-change`. */
  auditAllowed: boolean;
  /** Whether a denied decision is audited (`warn` enabled); refreshed on `level-change`. */
  auditDenied: boolean;
  /** Per server plan: wildcard coverage by the session's verdicts as a string (bounded). */
  readonly coverageCaches: WeakMap<ServerPlan, Map<string, Coverage>>;
}

export function createDecideContext(
  owner: object,
  metrics: GuardMetrics,
  logger: Logger,
  now: () => number,
): DecideContext {
  const dc: DecideContext = {
    owner,
    logger,
    now,
    counts: metrics.decisions,
    auditAllowed: logger.isLevelEnabled('debug'),
    auditDenied: logger.isLevelEnabled('warn'),
    coverageCaches: new WeakMap(),
  };
  logger.on('level-change', () => {
    dc.auditAllowed = logger.isLevelEnabled('debug');
    dc.auditDenied = logger.isLevelEnabled('warn');
  });
  return dc;
}

/** The compiled facts of a session this guard made, or null. */
export function stateOf(dc: DecideContext, session: Session): SessionState | null {
  const st = (session as InternalSession | null | undefined)?.[SESSION_STATE];
  return st !== undefined && st.owner === dc.owner ? st : null;
}

/** The `guard.decision` event of a publish / subscribe decision, for the session's principal. */
export function auditAuthorization(
  dc: DecideContext,
  session: Session,
  action: WireAction,
  channel: string,
  d: Decision,
): void {
  const principal = session.principal;
  auditDecision(dc.logger, {
    server: session.server,
    remote: session.remote,
    scheme: principal.scheme === '' ? null : principal.scheme,
    principal: principal.id,
    action,
    channel,
    result: d.allowed ? 'allowed' : 'denied',
    reason: d.reason,
    operation: d.operation,
  });
}

/** Not a session of this guard: refused, and audited when it looks like a session; not counted. */
export function deniedWrongServer(dc: DecideContext, session: Session, action: WireAction, channel: string): Decision {
  if (dc.auditDenied && session !== null && typeof session === 'object' && session.principal !== undefined)
    auditAuthorization(dc, session, action, String(channel), WRONG_SERVER);
  return WRONG_SERVER;
}

/** A session whose credential expired is refused everything (counted and audited as `credentials_expired`). */
export function refuseExpired(
  dc: DecideContext,
  session: Session,
  ap: ActionPlan,
  action: WireAction,
  channel: string,
): Decision {
  dc.counts[ap.metricBase + I_EXPIRED]!++;
  if (dc.auditDenied) auditAuthorization(dc, session, action, String(channel), CREDENTIALS_EXPIRED);
  return CREDENTIALS_EXPIRED;
}

/** Empty, or a wildcard where a concrete channel belongs: counted and audited as `invalid_channel`. */
export function refuseInvalidChannel(
  dc: DecideContext,
  session: Session,
  ap: ActionPlan,
  action: WireAction,
  channel: string,
): Decision {
  dc.counts[ap.metricBase + I_INVALID]!++;
  if (dc.auditDenied) auditAuthorization(dc, session, action, channel, INVALID_CHANNEL);
  return INVALID_CHANNEL;
}
