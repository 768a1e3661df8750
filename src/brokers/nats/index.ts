// authd's NATS part (docs/brokers/nats.md): the auth callout for one document server, plus
// credential hot reload. New connections see store changes by themselves (the guard reads the
// store on every authentication); live connections a change takes away are ended through the
// callout (KICK, when a system user is configured), by the same rules `serve` follows
// (src/serve/reload.ts).

import type { Perspective } from '../../config/types.js';
import type { CredentialStore } from '../../credentials/types.js';
import type { LoadedDocument } from '../../document/types.js';
import type { SecurityModel } from '../../model/types.js';
import { DEFAULT_VERIFIER_TIMEOUT_MS } from '../../guard/plugins.js';
import { createReloader } from '../../serve/reload.js';
import { startNatsCallout, type NatsCallout, type NatsCalloutOptions } from './callout.js';
import { buildGrantPlan } from './grants.js';
import { operationsWithReply } from './replies.js';

export { addressToSubject } from './subjects.js';
export { buildGrantPlan, permissionsOf } from './grants.js';
export { satisfies } from '../authd/requirement.js';
export type { GrantPlan, NatsPermissions } from './grants.js';
export { AUTH_CALLOUT_SUBJECT, DEFAULT_MAX_LIFETIME_SECONDS, supportsAuthCallout } from './callout.js';
export type { NatsCallout, NatsCalloutStats, NatsLogin } from './callout.js';

/** A store change is checked again this long after (a connection then authenticating is live by then). */
const RECHECK_AFTER_MS = DEFAULT_VERIFIER_TIMEOUT_MS + 1_000;

export interface NatsAuthdOptions extends Omit<NatsCalloutOptions, 'plan'> {
  readonly model: SecurityModel;
  /** The loaded document (replies are read from it: replies.ts). */
  readonly document: LoadedDocument;
  readonly store: CredentialStore;
  /** The document server NATS stands for. */
  readonly server: string;
  readonly perspective: Perspective;
}

export interface NatsAuthd extends NatsCallout {
  /** Sessions ended by store changes so far. */
  readonly sessionsEnded: () => number;
}

/** Starts the callout for `options.server` and follows the store. Rejects with a GuardError. */
export async function startNatsAuthd(options: NatsAuthdOptions): Promise<NatsAuthd> {
  const plan = buildGrantPlan(
    options.model,
    options.server,
    options.perspective,
    operationsWithReply(options.document),
  );
  const callout = await startNatsCallout({ ...options, plan });
  let ended = 0;
  const reloader = createReloader({
    model: options.model,
    store: options.store,
    fronts: () => [callout],
    concurrency: 8,
    onEnded: (count, why) => {
      ended += count;
      options.logger.warn({ count, why }, 'authd.nats.sessions_ended');
    },
    onError: (err) =>
      options.logger.error({ err: (err as { code?: unknown } | null)?.code ?? 'error' }, 'authd.nats.reload_failed'),
    recheckAfterMs: RECHECK_AFTER_MS,
  });
  const unwatch = options.store.watch((change) => void reloader.apply(change));
  let closing: Promise<void> | null = null;
  return Object.freeze({
    serverVersion: callout.serverVersion,
    canEndLiveConnections: callout.canEndLiveConnections,
    ready: () => callout.ready(),
    stats: () => callout.stats(),
    endSessions: (shouldEnd: Parameters<NatsCallout['endSessions']>[0]) => callout.endSessions(shouldEnd),
    sessionsEnded: () => ended,
    close() {
      closing ??= (async () => {
        unwatch();
        reloader.close();
        await reloader.idle();
        await callout.close();
      })();
      return closing;
    },
  });
}
