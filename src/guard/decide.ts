// authorize: may this session publish to / subscribe to this channel? (docs/architecture.md, "Enforcement
// semantics": server requirement — already satisfied by the session — AND the operation's.)
//
// Hot path (docs/architecture.md, "The hot path"): synchronous, no I/O; no closure, regex or string built per call. A
// channel-table lookup finds the operations covering the channel for this action; each one's
// requirement verdict was computed when the session was made; the answer is one of the frozen
// Decision objects built at startup; the metrics slot is a precomputed base plus a constant; the
// audit event is built only when its level is enabled (cached, refreshed on `level-change`).
//
// Wildcard subscriptions (MQTT `+`/`#`) are allowed only if every topic the filter can match is
// a channel this session may subscribe to (explainFilterCoverage over the allowed subscribe
// channels). Subscriptions are rarer than publishes, so that work is cached per distinct set of
// satisfied requirements and filter, in bounded maps.
//
// Where each decision lives: a concrete channel (every publish, a subscribe without wildcards) in
// channel-decision.ts, a subscribe filter in subscribe-decision.ts, the payload check in
// payload-check.ts; what they share (session lookup, audit, expiry) in authorize-context.ts.

import type { Logger } from 'pino';
import { invalidArgValue } from '../errors.js';
import {
  createDecideContext,
  deniedWrongServer,
  refuseExpired,
  refuseInvalidChannel,
  stateOf,
  type DecideContext,
} from './authorize-context.js';
import { decideChannel } from './channel-decision.js';
import type { GuardMetrics } from './metrics.js';
import { checkPayload } from './payload-check.js';
import type { ActionPlan, ServerPlan } from './plans.js';
import { authorizeSubscription, decideFilter, mayReceive } from './subscribe-decision.js';
import type { Decision, PayloadRequest, Session, WireAction } from './types.js';

export interface AuthorizeRequest {
  readonly action: WireAction;
  /**
   * A concrete channel (topic name, path-derived channel). For `subscribe`, an MQTT filter with
   * `+`/`#` is also accepted.
   */
  readonly channel: string;
}

// Function properties, not methods: the guard hands them out unbound (no `this` in them).
export interface Authorizer {
  readonly authorize: (session: Session, request: AuthorizeRequest) => Decision;
  readonly authorizeSubscription: (session: Session, filter: string) => Decision;
  readonly checkPayload: (session: Session, request: PayloadRequest) => Decision;
  readonly mayReceive: (session: Session, channel: string) => boolean;
}

export interface AuthorizerContext {
  readonly owner: object;
  readonly metrics: GuardMetrics;
  readonly logger: Logger;
  /** Clock for session expiry (ms since the epoch). */
  readonly now: () => number;
}

/** The guard's three decisions, bound once to one context (nothing is made per call). */
export function createAuthorizer(ctx: AuthorizerContext): Authorizer {
  const dc = createDecideContext(ctx.owner, ctx.metrics, ctx.logger, ctx.now);
  return {
    authorize: (session, request) => authorize(dc, session, request),
    authorizeSubscription: (session, filter) => authorizeSubscription(dc, session, filter),
    checkPayload: (session, request) => checkPayload(dc, session, request),
    mayReceive: (session, channel) => mayReceive(dc, session, channel),
  };
}

function actionPlan(sp: ServerPlan, action: WireAction): ActionPlan {
  if (action === 'publish') return sp.publish;
  if (action === 'subscribe') return sp.subscribe;
  throw invalidArgValue('request.action', "must be 'publish' or 'subscribe'");
}

/** `guard.authorize(session, { action, channel })`. */
function authorize(dc: DecideContext, session: Session, request: AuthorizeRequest): Decision {
  const action = request.action;
  const channel = request.channel;
  const st = stateOf(dc, session);
  if (st === null) return deniedWrongServer(dc, session, action, channel);
  const ap = actionPlan(st.server, action);
  if (st.expiresAt !== Infinity && st.expiresAt <= dc.now()) return refuseExpired(dc, session, ap, action, channel);
  if (typeof channel !== 'string' || channel.length === 0)
    return refuseInvalidChannel(dc, session, ap, action, channel);
  if (channel.indexOf('+') !== -1 || channel.indexOf('#') !== -1) {
    // A wildcard is never part of a concrete channel (MQTT §4.7.1.1); on subscribe it is a filter.
    if (action === 'subscribe') return decideFilter(dc, session, st, channel);
    return refuseInvalidChannel(dc, session, ap, action, channel);
  }
  return decideChannel(dc, session, st, ap, action, channel);
}
