// authd's own Prometheus families (text exposition format 0.0.4), appended to the guard's
// (`guard.metrics()`, which already counts authentications and publish/subscribe decisions):
// every answer by part, endpoint and result, and how long answers took. Labels are the part and
// endpoint names from a fixed list (unknown paths count as `other`): never a user, a resource
// name or a remote address (docs/guard.md "Metrics").

import { escapeLabelValue } from '../../guard/metrics.js';

/** Latency buckets in seconds: a decision from memory takes microseconds, one through the store milliseconds. */
export const LATENCY_BUCKETS: readonly number[] = Object.freeze([
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
]);

export type AuthdResult = 'allow' | 'deny' | 'bad_request';

export interface AuthdMetrics {
  /** One answer of `endpoint` (a route path, or `other`) of `part`, and how long it took (seconds). */
  record(part: string, endpoint: string, result: AuthdResult, seconds: number): void;
  /** Sessions a store change ended. */
  countEnded(count: number): void;
  render(): string;
}

interface Series {
  readonly labels: string;
  readonly counts: Record<AuthdResult, number>;
  readonly buckets: Float64Array;
  sum: number;
  count: number;
}

/** Series beyond this many (part, endpoint) pairs count as `other` (the label set stays bounded). */
const MAX_SERIES = 64;

export function createAuthdMetrics(): AuthdMetrics {
  const series = new Map<string, Series>();
  let ended = 0;
  const seriesOf = (part: string, endpoint: string): Series => {
    const key = `${part}\u0000${endpoint}`;
    let s = series.get(key);
    if (s !== undefined) return s;
    if (series.size >= MAX_SERIES) return seriesOf('other', 'other');
    s = {
      labels: `part="${escapeLabelValue(part)}",endpoint="${escapeLabelValue(endpoint)}"`,
      counts: { allow: 0, deny: 0, bad_request: 0 },
      buckets: new Float64Array(LATENCY_BUCKETS.length),
      sum: 0,
      count: 0,
    };
    series.set(key, s);
    return s;
  };
  return {
    record(part, endpoint, result, seconds) {
      const s = seriesOf(part, endpoint);
      s.counts[result]++;
      s.sum += seconds;
      s.count++;
      for (let i = 0; i < LATENCY_BUCKETS.length; i++) if (seconds <= LATENCY_BUCKETS[i]!) s.buckets[i]!++;
    },
    countEnded(count) {
      ended += count;
    },
    render() {
      const out: string[] = [
        '# HELP asyncapi_guard_authd_decisions_total Answers to brokers by part, endpoint and result ' +
          '(bad_request: malformed or oversized input, answered deny).',
        '# TYPE asyncapi_guard_authd_decisions_total counter',
      ];
      for (const s of series.values())
        for (const result of ['allow', 'deny', 'bad_request'] as const)
          if (s.counts[result] > 0)
            out.push(`asyncapi_guard_authd_decisions_total{${s.labels},result="${result}"} ${s.counts[result]}`);
      out.push(
        '# HELP asyncapi_guard_authd_decision_seconds Time from a request read to its answer, by part and endpoint.',
        '# TYPE asyncapi_guard_authd_decision_seconds histogram',
      );
      for (const s of series.values()) {
        for (let i = 0; i < LATENCY_BUCKETS.length; i++)
          out.push(
            `asyncapi_guard_authd_decision_seconds_bucket{${s.labels},le="${LATENCY_BUCKETS[i]}"} ${s.buckets[i]}`,
          );
        out.push(`asyncapi_guard_authd_decision_seconds_bucket{${s.labels},le="+Inf"} ${s.count}`);
        out.push(`asyncapi_guard_authd_decision_seconds_sum{${s.labels}} ${s.sum}`);
        out.push(`asyncapi_guard_authd_decision_seconds_count{${s.labels}} ${s.count}`);
      }
      out.push(
        '# HELP asyncapi_guard_authd_sessions_ended_total Kept broker sessions ended by a credential change ' +
          '(revoked key, disabled user).',
        '# TYPE asyncapi_guard_authd_sessions_ended_total counter',
        `asyncapi_guard_authd_sessions_ended_total ${ended}`,
      );
      return out.join('\n') + '\n';
    },
  };
}
