// What a connect attempt ends in: a frozen Refusal (reason, the schemes tried, the server's
// challenges; never a secret), and the `guard.decision` audit event of the connect.

import { auditDecision } from './audit.js';
import type { EngineContext } from './engine-context.js';
import type { AuthReason } from './metrics.js';
import type { AuthResult, Refusal, RefusalReason } from './types.js';

export const NO_CHALLENGES: readonly string[] = Object.freeze([]);

export function refusal(reason: RefusalReason, tried: Refusal['tried'], challenges: readonly string[]): AuthResult {
  return Object.freeze({
    ok: false as const,
    refusal: Object.freeze({ reason, tried: Object.freeze(tried), challenges }),
  });
}

export function connectEvent(
  ctx: EngineContext,
  server: string,
  remote: string | null,
  scheme: string | null,
  principal: string | null,
  reason: AuthReason,
): void {
  auditDecision(ctx.logger, {
    server,
    remote,
    scheme,
    principal,
    action: 'connect',
    channel: null,
    result: reason === 'allowed' ? 'allowed' : 'denied',
    reason,
  });
}
