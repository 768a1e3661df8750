// createGuard: the decision engine's public object. Compiles the model and the config once
// (compile.ts), then answers authenticate (session.ts) and authorize (decide.ts), keeps the
// throttle (throttle.ts) and the counters (metrics.ts), and writes the audit log (audit.ts).
// The lifecycle and every rule are in docs/guard.md.

import type { Logger } from 'pino';
import type { SecurityModel } from '../model/types.js';
import type { Presented } from '../schemes/types.js';
import { auditStartup, createSilentLogger } from './audit.js';
import { compileGuard, type GuardOptions, type GuardWarning } from './compile.js';
import { createAuthorizer, type AuthorizeRequest } from './decide.js';
import { createGuardMetrics } from './metrics.js';
import { DEFAULT_VERIFIER_TIMEOUT_MS } from './plugins.js';
import { authenticate, startSasl, type EngineContext, type GuardSaslExchange } from './session.js';
import { createThrottle } from './throttle.js';
import type { AuthResult, Decision, PayloadRequest, Session } from './types.js';

export interface Guard {
  /** The document's server names, in document order. */
  readonly servers: readonly string[];
  /** Risky switches that are on (also emitted as the `guard.startup` audit event). */
  readonly warnings: readonly GuardWarning[];
  /** Evaluates the server's alternatives against what the client presented. Never rejects on wire input. */
  authenticate(server: string, presented: Presented): Promise<AuthResult>;
  /** SASL mechanisms the server's alternatives accept (`PLAIN`, `SCRAM-SHA-256`, …), in document order. */
  saslMechanisms(server: string): readonly string[];
  /** A SASL exchange through the guard: relays the verifier's steps and ends in a Session or a Refusal. */
  startSasl(server: string, mechanism: string, presented: Presented): GuardSaslExchange;
  /** Publish / subscribe decision. Synchronous, no I/O. A subscribe channel with `+`/`#` is checked as a filter. */
  authorize(session: Session, request: AuthorizeRequest): Decision;
  /** An MQTT subscription filter: allowed only if every topic it can match may be subscribed to. */
  authorizeSubscription(session: Session, filter: string): Decision;
  /**
   * End-to-end encryption: may this payload be published on this channel? When an encryption
   * scheme applies (the server's, or a covering publish operation's), the payload must be a JWE one
   * of them allows; else `payload_not_encrypted` / `payload_alg_not_allowed`. Synchronous, bounded,
   * no I/O; call it after `authorize` allowed the publish (docs/guard.md "Payload encryption").
   */
  checkPayload(session: Session, request: PayloadRequest): Decision;
  /**
   * May a message on this concrete channel be delivered to this session? The fronts ask it for
   * every delivery they cannot prove authorized (a wildcard subscription's), whatever the bus
   * carries. Synchronous, cached per (satisfied requirements, channel) in bounded maps; not
   * audited. False for an expired or foreign session (docs/guard.md "MQTT wildcard subscriptions").
   */
  mayReceive(session: Session, channel: string): boolean;
  /** Counters in the Prometheus text exposition format. */
  metrics(): string;
  /**
   * Stops authenticating (later calls are refused as `store_unavailable`) and closes the verifiers
   * (token key sources, plug-ins' `close()`, waited for up to the verifier timeout); does not close
   * the store or the logger.
   */
  close(): Promise<void>;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/**
 * Compiles the model and config and returns a ready guard. Throws (rejects with) a StartupError or
 * ConfigError when something cannot be enforced (fail closed): see docs/guard.md "Startup errors".
 */
export async function createGuard(model: SecurityModel, options: GuardOptions): Promise<Guard> {
  const compiled = await compileGuard(model, options);
  const now = options.now ?? Date.now;
  const logger: Logger = options.audit?.logger ?? createSilentLogger();
  const metrics = createGuardMetrics(
    compiled.servers.map((s) => s.name),
    compiled.schemeNames,
  );
  const owner = Object.freeze({});
  let closed = false;
  const ctx: EngineContext = {
    owner,
    compiled,
    throttle: createThrottle(options.throttle, now),
    metrics,
    logger,
    sleep: options.sleep ?? defaultSleep,
    timeoutMs: options.verifierTimeoutMs ?? DEFAULT_VERIFIER_TIMEOUT_MS,
    storeDescription: options.store.description,
    closed: () => closed,
    now,
  };
  const authorizer = createAuthorizer({ owner, metrics, logger, now });
  const servers = Object.freeze(model.servers.map((s) => s.name));
  auditStartup(logger, { servers, schemes: compiled.schemeNames, warnings: compiled.warnings });

  return Object.freeze({
    servers,
    warnings: compiled.warnings,
    authenticate: (server: string, presented: Presented) => authenticate(ctx, server, presented),
    saslMechanisms: (server: string) => Object.freeze([...(compiled.byName.get(server)?.sasl.keys() ?? [])]),
    startSasl: (server: string, mechanism: string, presented: Presented) =>
      startSasl(ctx, server, mechanism, presented),
    authorize: authorizer.authorize,
    authorizeSubscription: authorizer.authorizeSubscription,
    checkPayload: authorizer.checkPayload,
    mayReceive: authorizer.mayReceive,
    metrics: () => metrics.render(),
    async close() {
      if (closed) return;
      closed = true;
      // Verifiers that hold resources (token key sources, plug-ins' connections) let them go, once
      // each (a built-in one is shared by every server using its scheme). One failing does not
      // stop the rest, and one that never settles holds close() up to the verifier timeout only.
      const verifiers = new Set(compiled.servers.flatMap((server) => server.slots.map((slot) => slot.verifier)));
      const pending: Promise<unknown>[] = [];
      for (const verifier of verifiers) {
        try {
          const result = verifier.close?.();
          if (result !== undefined && typeof result.then === 'function')
            pending.push(Promise.resolve(result).catch(() => {}));
        } catch {
          // nothing to do: the guard is closing
        }
      }
      if (pending.length === 0) return;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(pending),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, ctx.timeoutMs))),
      ]);
      clearTimeout(timer);
    },
  });
}
