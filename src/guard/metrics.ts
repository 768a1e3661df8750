// Prometheus-style counters kept inside the guard, rendered in the text exposition format
// (https://prometheus.io/docs/instrumenting/exposition_formats/, "Text-based format").
//
// Labels are only server names, scheme names and closed reason codes: never a principal, a
// channel, a remote address or a secret, so the series count is bounded by the document and
// nothing a client sends can appear here. Counting is an increment of a preallocated
// Float64Array slot addressed by small integers computed at startup (no string work per call).

import type { DecisionReason, RefusalReason } from './types.js';
import { invalidReasons, type InvalidReason } from '../invalid-reasons.js';

/** Every `reason` label of `asyncapi_guard_decisions_total`, in slot order. */
export const DECISION_REASONS = [
  'allowed',
  'allowed_uncovered',
  'uncovered_channel',
  'credentials_missing',
  'scope_missing',
  'invalid_channel',
  'wildcard_not_covered',
  'wrong_server',
  'payload_not_encrypted',
  'payload_alg_not_allowed',
  'credentials_expired',
] as const satisfies readonly DecisionReason[];

/** Slot of each decision reason (a constant the hot path adds to a precomputed base). */
export const DECISION_REASON_INDEX = Object.freeze(Object.fromEntries(DECISION_REASONS.map((r, i) => [r, i]))) as {
  readonly [K in DecisionReason]: number;
};
// Every DecisionReason has a slot: adding a reason to the type without listing it above fails here.
type UnlistedDecisionReason = Exclude<DecisionReason, (typeof DECISION_REASONS)[number]>;
const everyReasonListed: [UnlistedDecisionReason] extends [never] ? true : never = true;
void everyReasonListed;

/**
 * Every `reason` of an authentication (audit and `asyncapi_guard_authentications_total`):
 * `allowed`, a refusal reason, or — for `invalid_credentials` — the verifier's own reason, which
 * says more (bad_password, revoked …) and is still a closed code.
 */
export type AuthReason =
  'allowed' | Exclude<RefusalReason, 'invalid_credentials'> | InvalidReason | 'invalid_credentials';

export const AUTH_REASONS = [
  'allowed',
  'no_credentials',
  'invalid_credentials',
  'scope_missing',
  'unknown_server',
  ...invalidReasons, // includes the refusal reasons `throttled` and `store_unavailable`
] as const satisfies readonly AuthReason[];

const AUTH_REASON_INDEX = new Map<string, number>(AUTH_REASONS.map((r, i) => [r, i]));

/** `kind` label of `asyncapi_guard_throttled_total`. */
export const THROTTLE_KINDS = ['delayed', 'locked_remote', 'locked_principal'] as const;
export type ThrottleKind = (typeof THROTTLE_KINDS)[number];

const ACTIONS = ['publish', 'subscribe'] as const;

export interface GuardMetrics {
  /** Decision counters; slot = `decisionBase(server, action) + DECISION_REASON_INDEX[reason]`. */
  readonly decisions: Float64Array;
  decisionBase(server: number, action: 0 | 1): number;
  /** `scheme` is an index into the scheme list given at creation, or -1 for none. */
  countAuthentication(server: number, scheme: number, reason: AuthReason): void;
  countThrottled(server: number, kind: ThrottleKind): void;
  /** The text exposition format: HELP and TYPE per family, one line per non-zero series. */
  render(): string;
}

/** Escapes a label value: backslash, double quote and line feed (exposition format). */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export function createGuardMetrics(servers: readonly string[], schemes: readonly string[]): GuardMetrics {
  const nServers = servers.length;
  const nReasons = DECISION_REASONS.length;
  const decisions = new Float64Array(nServers * 2 * nReasons);
  // Authentications: server × (scheme + 1 for "none") × reason.
  const nSchemes = schemes.length + 1;
  const authentications = new Float64Array(nServers * nSchemes * AUTH_REASONS.length);
  const throttled = new Float64Array(nServers * THROTTLE_KINDS.length);
  const serverLabels = servers.map(escapeLabelValue);
  const schemeLabels = [...schemes.map(escapeLabelValue), ''];

  return {
    decisions,
    decisionBase: (server, action) => (server * 2 + action) * nReasons,
    countAuthentication(server, scheme, reason) {
      const r = AUTH_REASON_INDEX.get(reason);
      if (r === undefined || server < 0) return;
      const s = scheme < 0 ? nSchemes - 1 : scheme;
      authentications[(server * nSchemes + s) * AUTH_REASONS.length + r]!++;
    },
    countThrottled(server, kind) {
      if (server < 0) return;
      throttled[server * THROTTLE_KINDS.length + THROTTLE_KINDS.indexOf(kind)]!++;
    },
    render() {
      const out: string[] = [];
      out.push(
        '# HELP asyncapi_guard_authentications_total Authentications by server, scheme (empty when none was ' +
          'satisfied or targeted), result and reason.',
        '# TYPE asyncapi_guard_authentications_total counter',
      );
      for (let sv = 0; sv < nServers; sv++) {
        for (let sc = 0; sc < nSchemes; sc++) {
          for (let r = 0; r < AUTH_REASONS.length; r++) {
            const v = authentications[(sv * nSchemes + sc) * AUTH_REASONS.length + r]!;
            if (v === 0) continue;
            const reason = AUTH_REASONS[r]!;
            out.push(
              `asyncapi_guard_authentications_total{server="${serverLabels[sv]}",scheme="` +
                `${schemeLabels[sc]}",result="${reason === 'allowed' ? 'allowed' : 'denied'}",reason="` +
                `${reason}"} ` +
                `${v}`,
            );
          }
        }
      }
      out.push(
        '# HELP asyncapi_guard_decisions_total Publish and subscribe decisions by server, action, result and reason.',
        '# TYPE asyncapi_guard_decisions_total counter',
      );
      for (let sv = 0; sv < nServers; sv++) {
        for (let a = 0; a < 2; a++) {
          for (let r = 0; r < nReasons; r++) {
            const v = decisions[(sv * 2 + a) * nReasons + r]!;
            if (v === 0) continue;
            const reason = DECISION_REASONS[r]!;
            const result = reason === 'allowed' || reason === 'allowed_uncovered' ? 'allowed' : 'denied';
            out.push(
              `asyncapi_guard_decisions_total{server="${serverLabels[sv]}",action="${ACTIONS[a]}",result="` +
                `${result}",reason="${reason}"} ` +
                `${v}`,
            );
          }
        }
      }
      out.push(
        '# HELP asyncapi_guard_throttled_total Failure responses delayed and attempts refused by a lockout, ' +
          'by server and kind.',
        '# TYPE asyncapi_guard_throttled_total counter',
      );
      for (let sv = 0; sv < nServers; sv++) {
        for (let k = 0; k < THROTTLE_KINDS.length; k++) {
          const v = throttled[sv * THROTTLE_KINDS.length + k]!;
          if (v !== 0)
            out.push(`asyncapi_guard_throttled_total{server="${serverLabels[sv]}",kind="${THROTTLE_KINDS[k]}"} ${v}`);
        }
      }
      return out.join('\n') + '\n';
    },
  };
}
