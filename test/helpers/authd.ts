// What the authd tests read off a running authd.
import type { RunningAuthd } from '../../src/brokers/authd/types.js';

/**
 * authd's count of kept broker sessions a credential change ended (its /metrics). The revocation tests wait for it
 * with a hang catcher: that a reload ended the session is counted, never timed.
 */
export function sessionsEnded(authd: Pick<RunningAuthd, 'metrics'>): number {
  const m = /^asyncapi_guard_authd_sessions_ended_total (\d+)$/m.exec(authd.metrics());
  if (m === null) throw new Error('authd /metrics has no asyncapi_guard_authd_sessions_ended_total');
  return Number(m[1]);
}
