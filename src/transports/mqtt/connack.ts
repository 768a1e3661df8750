// CONNACK return codes (MQTT 3.1.1 §3.2.2.3, Table 3.1) and how a guard refusal maps onto them
// (docs/architecture.md, "Wire conventions": bad credentials → 4, not authorized → 5).

import type { RefusalReason } from '../../guard/types.js';

export const CONNACK = Object.freeze({
  accepted: 0,
  unacceptableProtocolVersion: 1,
  identifierRejected: 2,
  serverUnavailable: 3,
  badUserNameOrPassword: 4,
  notAuthorized: 5,
} as const);

export type RefusalReturnCode = 3 | 4 | 5;

/**
 * The CONNACK return code for a refused CONNECT:
 * - `no_credentials`, `invalid_credentials`, `throttled` → 4 "bad user name or password": the
 *   client should fix (or wait before retrying) what it presented. A throttled client is told
 *   no more than a wrong password would tell it.
 * - `store_unavailable` → 3 "server unavailable": the credentials were not judged (fail closed),
 *   a retry later may succeed.
 * - `scope_missing`, `unknown_server` and anything else → 5 "not authorized".
 */
export function connackCodeFor(reason: RefusalReason): RefusalReturnCode {
  switch (reason) {
    case 'no_credentials':
    case 'invalid_credentials':
    case 'throttled':
      return CONNACK.badUserNameOrPassword;
    case 'store_unavailable':
      return CONNACK.serverUnavailable;
    default:
      return CONNACK.notAuthorized;
  }
}
