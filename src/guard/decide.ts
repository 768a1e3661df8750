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

import type { Logger } from 'pino';
import { invalidArgValue } from '../errors.js';
import { auditDecision } from './audit.js';
import { explainFilterCoverage, filterCanMatch } from '../address/filter-coverage.js';
import type { AddressMatcher } from '../address/template.js';
import { decision } from './decisions.js';
import type { ActionPlan, OperationPlan, SchemeSlot, ServerPlan } from './plans.js';
import { DECISION_REASON_INDEX, type GuardMetrics } from './metrics.js';
import { parseTopicFilter } from '../address/mqtt-topic.js';
import {
  SESSION_STATE,
  VERDICT_ALLOWED,
  VERDICT_SCOPE_MISSING,
  type InternalSession,
  type SessionState,
} from './session.js';
import type { PayloadVerdict } from '../schemes/types.js';
import type { Decision, PayloadRequest, Session, WireAction } from './types.js';

const WRONG_SERVER = decision(false, 'wrong_server', null);
const INVALID_CHANNEL = decision(false, 'invalid_channel', null);
const WILDCARD_ALLOWED = decision(true, 'allowed', null);
const WILDCARD_ALLOWED_UNCOVERED = decision(true, 'allowed_uncovered', null);
const WILDCARD_NOT_COVERED = decision(false, 'wildcard_not_covered', null);
const CREDENTIALS_EXPIRED = decision(false, 'credentials_expired', null);

const I_ALLOWED = DECISION_REASON_INDEX.allowed;
const I_SCOPE = DECISION_REASON_INDEX.scope_missing;
const I_CREDENTIALS = DECISION_REASON_INDEX.credentials_missing;
const I_INVALID = DECISION_REASON_INDEX.invalid_channel;
const I_PAYLOAD_NOT_ENCRYPTED = DECISION_REASON_INDEX.payload_not_encrypted;
const I_PAYLOAD_ALG = DECISION_REASON_INDEX.payload_alg_not_allowed;
const I_EXPIRED = DECISION_REASON_INDEX.credentials_expired;
/** A payload-source verifier without `inspectPayload` (a plug-in) accepts nothing: fail closed. */
const CANNOT_INSPECT: PayloadVerdict = Object.freeze({ ok: false, reason: 'payload_not_encrypted' });
const INSPECT_FAILED: PayloadVerdict = Object.freeze({ ok: false, reason: 'malformed' });

/** Bounds of the wildcard caches: distinct satisfied-sets per server, filters per set. */
const MAX_SIGNATURES = 256;
const MAX_FILTERS = 1024;

export interface AuthorizeRequest {
  readonly action: WireAction;
  /** A concrete channel (topic name, path-derived channel). For `subscribe`, an MQTT filter with `+`/`#` is also accepted. */
  readonly channel: string;
}

interface Coverage {
  readonly allowed: readonly AddressMatcher[];
  /** Subscribe operations this session does not satisfy (used when uncovered channels are allowed). */
  readonly denied: readonly AddressMatcher[];
  readonly results: Map<string, Decision>;
}

export interface Authorizer {
  authorize(session: Session, request: AuthorizeRequest): Decision;
  authorizeSubscription(session: Session, filter: string): Decision;
  checkPayload(session: Session, request: PayloadRequest): Decision;
}

/** One verifier's verdict; a throw (a bug, a plug-in) is a refusal, never an allow. */
function inspect(slot: SchemeSlot, payload: Uint8Array | string): PayloadVerdict {
  const fn = slot.verifier.inspectPayload;
  if (typeof fn !== 'function') return CANNOT_INSPECT;
  try {
    const v = fn.call(slot.verifier, payload);
    return v !== null && typeof v === 'object' && (v.ok === true || v.ok === false) ? v : INSPECT_FAILED;
  } catch {
    return INSPECT_FAILED;
  }
}

export interface AuthorizerContext {
  readonly owner: object;
  readonly metrics: GuardMetrics;
  readonly logger: Logger;
  /** Clock for session expiry (ms since the epoch). */
  readonly now: () => number;
}

export function createAuthorizer(ctx: AuthorizerContext): Authorizer {
  const { owner, logger, now } = ctx;
  const counts = ctx.metrics.decisions;
  // Cached level checks, refreshed when the logger's level changes.
  let auditAllowed = logger.isLevelEnabled('info');
  let auditDenied = logger.isLevelEnabled('warn');
  logger.on('level-change', () => {
    auditAllowed = logger.isLevelEnabled('info');
    auditDenied = logger.isLevelEnabled('warn');
  });
  const coverageCaches = new WeakMap<ServerPlan, Map<string, Coverage>>();

  function audit(session: Session, action: WireAction, channel: string, d: Decision): void {
    const principal = session.principal;
    auditDecision(logger, {
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

  function stateOf(session: Session): SessionState | null {
    const st = (session as InternalSession | null | undefined)?.[SESSION_STATE];
    return st !== undefined && st.owner === owner ? st : null;
  }

  function deniedWrongServer(session: Session, action: WireAction, channel: string): Decision {
    if (auditDenied && session !== null && typeof session === 'object' && session.principal !== undefined)
      audit(session, action, String(channel), WRONG_SERVER);
    return WRONG_SERVER;
  }

  /** A session whose credential expired is refused everything (counted and audited as `credentials_expired`). */
  function expired(session: Session, ap: ActionPlan, action: WireAction, channel: string): Decision {
    counts[ap.metricBase + I_EXPIRED]!++;
    if (auditDenied) audit(session, action, String(channel), CREDENTIALS_EXPIRED);
    return CREDENTIALS_EXPIRED;
  }

  function actionPlan(sp: ServerPlan, action: WireAction): ActionPlan {
    if (action === 'publish') return sp.publish;
    if (action === 'subscribe') return sp.subscribe;
    throw invalidArgValue('request.action', "must be 'publish' or 'subscribe'");
  }

  function authorize(session: Session, request: AuthorizeRequest): Decision {
    const action = request.action;
    const channel = request.channel;
    const st = stateOf(session);
    if (st === null) return deniedWrongServer(session, action, channel);
    const ap = actionPlan(st.server, action);
    if (st.expiresAt !== Infinity && st.expiresAt <= now()) return expired(session, ap, action, channel);
    let d: Decision;
    let slot: number;
    if (typeof channel !== 'string' || channel.length === 0) {
      d = INVALID_CHANNEL;
      slot = I_INVALID;
    } else if (channel.indexOf('+') !== -1 || channel.indexOf('#') !== -1) {
      // A wildcard is never part of a concrete channel (MQTT §4.7.1.1); on subscribe it is a filter.
      if (action === 'subscribe') return authorizeSubscription(session, channel);
      d = INVALID_CHANNEL;
      slot = I_INVALID;
    } else {
      const hits = ap.table.lookup(channel);
      if (hits.length === 0) {
        d = ap.uncovered;
        slot = DECISION_REASON_INDEX[d.reason];
      } else {
        // Allowed if any covering operation is; else the most telling refusal (scope beats credentials).
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
    }
    counts[ap.metricBase + slot]!++;
    if (d.allowed ? auditAllowed : auditDenied) audit(session, action, channel, d);
    return d;
  }

  function coverageFor(st: SessionState): Coverage {
    const sp = st.server;
    let cache = coverageCaches.get(sp);
    if (cache === undefined) coverageCaches.set(sp, (cache = new Map()));
    const signature = (st.signature ??= Array.prototype.join.call(st.verdicts, ''));
    let cov = cache.get(signature);
    if (cov === undefined) {
      const allowed: AddressMatcher[] = [];
      const denied: AddressMatcher[] = [];
      for (const op of sp.subscribe.list) {
        if (op.matcher === null) continue; // a null address matches nothing
        (st.verdicts[op.requirement] === VERDICT_ALLOWED ? allowed : denied).push(op.matcher);
      }
      cov = { allowed, denied, results: new Map() };
      if (cache.size >= MAX_SIGNATURES) cache.clear();
      cache.set(signature, cov);
    }
    return cov;
  }

  function authorizeSubscription(session: Session, filter: string): Decision {
    const st = stateOf(session);
    if (st === null) return deniedWrongServer(session, 'subscribe', filter);
    const sp = st.server;
    if (st.expiresAt !== Infinity && st.expiresAt <= now()) return expired(session, sp.subscribe, 'subscribe', filter);
    const parsed = typeof filter === 'string' ? parseTopicFilter(filter) : null;
    let d: Decision;
    if (parsed === null || !parsed.ok) d = INVALID_CHANNEL;
    else if (!parsed.multiLevel && !parsed.levels.includes('+'))
      return authorize(session, { action: 'subscribe', channel: filter });
    else {
      const cov = coverageFor(st);
      const cached = cov.results.get(filter);
      if (cached !== undefined) d = cached;
      else {
        const options = { ignoreEmptyLevels: sp.wildcardsIgnoreEmptyLevels };
        if (explainFilterCoverage(parsed, cov.allowed, options).covered) d = WILDCARD_ALLOWED;
        else if (sp.allowUncoveredChannels && !cov.denied.some((m) => filterCanMatch(parsed, m))) {
          // Uncovered channels are allowed here: refuse only a filter that can reach a channel
          // of a subscribe operation this session does not satisfy (sound, possibly strict when
          // a channel is covered by both an allowed and a refused operation).
          d = WILDCARD_ALLOWED_UNCOVERED;
        } else d = WILDCARD_NOT_COVERED;
        if (cov.results.size >= MAX_FILTERS) cov.results.clear();
        cov.results.set(filter, d);
      }
    }
    counts[sp.subscribe.metricBase + DECISION_REASON_INDEX[d.reason]]!++;
    if (d.allowed ? auditAllowed : auditDenied) audit(session, 'subscribe', String(filter), d);
    return d;
  }

  // ---------------------------------------------------------------- payload encryption

  function auditPayload(session: Session, channel: string, scheme: string | null, d: Decision): void {
    auditDecision(logger, {
      server: session.server,
      remote: session.remote,
      scheme,
      principal: session.principal.id,
      action: 'payload',
      channel,
      result: d.allowed ? 'allowed' : 'denied',
      reason: d.reason,
      operation: d.operation,
    });
  }

  /**
   * May this payload be published on this channel? The encryption schemes that apply are the
   * server's (any alternative) and those of the publish operations covering the channel
   * (precomputed per operation at startup); when any applies, at least one must accept the
   * payload (`inspectPayload`: a JWE with allowed alg/enc). Synchronous, bounded, no I/O. Checks
   * the payload only: whether the session may publish there at all is `authorize`'s answer.
   */
  function checkPayload(session: Session, request: PayloadRequest): Decision {
    const channel = request?.channel;
    const payload = request?.payload;
    const st = stateOf(session);
    if (st === null) return deniedWrongServer(session, 'publish', String(channel));
    const sp = st.server;
    const ap = sp.publish;
    if (st.expiresAt !== Infinity && st.expiresAt <= now()) return expired(session, ap, 'publish', String(channel));
    if (
      typeof channel !== 'string' ||
      channel.length === 0 ||
      channel.indexOf('+') !== -1 ||
      channel.indexOf('#') !== -1
    ) {
      counts[ap.metricBase + I_INVALID]!++;
      if (auditDenied) audit(session, 'publish', String(channel), INVALID_CHANNEL);
      return INVALID_CHANNEL;
    }
    const hits = ap.table.lookup(channel);
    // Which schemes apply, and which decisions name the operation (the first covering one).
    let first: OperationPlan | null = null;
    let applies = sp.payload.length > 0;
    for (let i = 0; i < hits.length; i++) {
      const op = ap.operations.get(hits[i]!.key)!;
      if (first === null) first = op;
      if (op.payload.length > 0) applies = true;
    }
    if (!applies) return first === null ? sp.payloadAllowed : first.allowed; // nothing to check: not audited again
    // Inspect each applicable scheme once (server schemes head every operation's list), stop at
    // the first that accepts. More than one covering operation is rare: only then is a list of
    // the schemes already tried kept.
    let acceptedBy: SchemeSlot | null = null;
    let algRefused: SchemeSlot | null = null;
    let refusedBy: SchemeSlot | null = null;
    let tried: SchemeSlot[] | null = null;
    const lists = hits.length === 0 ? 1 : hits.length;
    for (let i = 0; i < lists && acceptedBy === null; i++) {
      const list = hits.length === 0 ? sp.payload : ap.operations.get(hits[i]!.key)!.payload;
      for (let j = 0; j < list.length; j++) {
        const slot = list[j]!;
        if (tried !== null) {
          if (tried.includes(slot)) continue;
          tried.push(slot);
        }
        const v = inspect(slot, payload);
        if (v.ok) {
          acceptedBy = slot;
          break;
        }
        if (v.reason === 'alg_not_allowed') algRefused ??= slot;
        else refusedBy ??= slot;
      }
      if (i === 0 && lists > 1) tried = [...list];
    }
    const accepted = acceptedBy !== null;
    let d: Decision;
    let scheme: string | null;
    if (accepted) {
      d = first === null ? sp.payloadAllowed : first.allowed;
      scheme = (acceptedBy as SchemeSlot).name;
      if (auditAllowed) auditPayload(session, channel, scheme, d);
      return d;
    }
    // A JWE whose algorithm no scheme allows says more than "not encrypted".
    const alg = algRefused as SchemeSlot | null;
    if (alg !== null) {
      d = first === null ? sp.payloadAlgNotAllowed : first.payloadAlgNotAllowed;
      scheme = alg.name;
      counts[ap.metricBase + I_PAYLOAD_ALG]!++;
    } else {
      d = first === null ? sp.payloadNotEncrypted : first.payloadNotEncrypted;
      scheme = (refusedBy as SchemeSlot | null)?.name ?? null;
      counts[ap.metricBase + I_PAYLOAD_NOT_ENCRYPTED]!++;
    }
    if (auditDenied) auditPayload(session, channel, scheme, d);
    return d;
  }

  return { authorize, authorizeSubscription, checkPayload };
}
