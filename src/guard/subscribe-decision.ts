// The MQTT subscribe decision for a topic filter (docs/guard.md "MQTT wildcard subscriptions"). A
// filter without wildcards is an ordinary subscribe to that channel (channel-decision.ts). A
// filter with `+` or `#` is allowed only if every topic it can match is a channel this session
// may subscribe to (explainFilterCoverage over the allowed subscribe channels). Subscriptions
// are rarer than publishes, so that work is cached per distinct set of satisfied requirements and
// filter, in bounded maps.

import { explainFilterCoverage, filterCanMatch } from '../address/filter-coverage.js';
import { checkTopicName, parseTopicFilter } from '../address/mqtt-topic.js';
import type { AddressMatcher } from '../address/template.js';
import {
  auditAuthorization,
  deniedWrongServer,
  refuseExpired,
  stateOf,
  type Coverage,
  type DecideContext,
} from './authorize-context.js';
import { decideChannel } from './channel-decision.js';
import { INVALID_CHANNEL, WILDCARD_ALLOWED, WILDCARD_ALLOWED_UNCOVERED, WILDCARD_NOT_COVERED } from './decisions.js';
import { DECISION_REASON_INDEX } from './metrics.js';
import { VERDICT_ALLOWED } from './requirement-verdicts.js';
import type { SessionState } from './session-state.js';
import type { Decision, Session } from './types.js';

/** Bounds of the wildcard caches: distinct satisfied-sets per server, filters per set. */
const MAX_SIGNATURES = 256;
const MAX_FILTERS = 1024;

/** `guard.authorizeSubscription(session, filter)`. */
export function authorizeSubscription(dc: DecideContext, session: Session, filter: string): Decision {
  const st = stateOf(dc, session);
  if (st === null) return deniedWrongServer(dc, session, 'subscribe', filter);
  if (st.expiresAt !== Infinity && st.expiresAt <= dc.now())
    return refuseExpired(dc, session, st.server.subscribe, 'subscribe', filter);
  return decideFilter(dc, session, st, filter);
}

/** The decision for a filter, once the session is known to be this guard's and unexpired. Counted and audited. */
export function decideFilter(dc: DecideContext, session: Session, st: SessionState, filter: string): Decision {
  const sp = st.server;
  const parsed = typeof filter === 'string' ? parseTopicFilter(filter) : null;
  let d: Decision;
  if (parsed === null || !parsed.ok) d = INVALID_CHANNEL;
  else if (!parsed.multiLevel && !parsed.levels.includes('+'))
    return decideChannel(dc, session, st, sp.subscribe, 'subscribe', filter);
  else {
    const cov = coverageFor(dc, st);
    const cached = cov.results.get(filter);
    if (cached !== undefined) d = cached;
    else {
      const options = { ignoreEmptyLevels: sp.wildcardsIgnoreEmptyLevels, forbidden: cov.denied };
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
  dc.counts[sp.subscribe.metricBase + DECISION_REASON_INDEX[d.reason]]!++;
  if (d.allowed ? dc.auditAllowed : dc.auditDenied) auditAuthorization(dc, session, 'subscribe', String(filter), d);
  return d;
}

/** Channels longer than this are decided on every delivery, not cached (the cache stays small in bytes too). */
const MAX_CACHED_CHANNEL_LENGTH = 256;
/** Bound of the per-delivery cache: channels per satisfied-set. */
const MAX_CHANNELS = 4096;

/**
 * `guard.mayReceive(session, channel)`: may a message on this concrete channel be delivered to
 * this session? The per-delivery check the fronts make whatever the bus carries (docs/guard.md
 * "MQTT wildcard subscriptions"): false for a session of another guard, an expired one, a channel
 * that is no valid topic name, or one no subscribe operation the session satisfies covers (an
 * uncovered channel only with `allowUncoveredChannels`). Not counted or audited (the front counts
 * what it drops). Cached per (satisfied-set, channel) in bounded maps: a hit is one map lookup.
 */
export function mayReceive(dc: DecideContext, session: Session, channel: string): boolean {
  const st = stateOf(dc, session);
  if (st === null || typeof channel !== 'string') return false;
  if (st.expiresAt !== Infinity && st.expiresAt <= dc.now()) return false;
  const cache = (st.coverage ??= coverageFor(dc, st)).receivable;
  let ok = cache.get(channel);
  if (ok === undefined) {
    ok = receivable(st, channel);
    if (channel.length <= MAX_CACHED_CHANNEL_LENGTH) {
      if (cache.size >= MAX_CHANNELS) cache.clear();
      cache.set(channel, ok);
    }
  }
  return ok;
}

/** The uncached answer: a valid topic name, and an allowed subscribe operation covers it (or uncovered is allowed). */
function receivable(st: SessionState, channel: string): boolean {
  if (channel.length === 0 || checkTopicName(channel) !== null) return false;
  const ap = st.server.subscribe;
  const hits = ap.table.lookup(channel);
  if (hits.length === 0) return ap.uncovered.allowed;
  for (let i = 0; i < hits.length; i++) {
    const op = ap.operations.get(hits[i]!.key);
    if (op !== undefined && st.verdicts[op.requirement] === VERDICT_ALLOWED) return true;
  }
  return false;
}

/** The subscribe channels this session's verdicts allow and refuse, shared by every session with the same verdicts. */
function coverageFor(dc: DecideContext, st: SessionState): Coverage {
  const sp = st.server;
  let cache = dc.coverageCaches.get(sp);
  if (cache === undefined) dc.coverageCaches.set(sp, (cache = new Map<string, Coverage>()));
  const signature = (st.signature ??= Array.prototype.join.call(st.verdicts, ''));
  let cov = cache.get(signature);
  if (cov === undefined) {
    const allowed: AddressMatcher[] = [];
    const denied: AddressMatcher[] = [];
    for (const op of sp.subscribe.list) {
      if (op.matcher === null) continue; // a null address matches nothing
      (st.verdicts[op.requirement] === VERDICT_ALLOWED ? allowed : denied).push(op.matcher);
    }
    cov = { allowed, denied, results: new Map(), receivable: new Map() };
    if (cache.size >= MAX_SIGNATURES) cache.clear();
    cache.set(signature, cov);
  }
  return cov;
}
