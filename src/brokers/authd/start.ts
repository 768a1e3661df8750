// `startAuthd`: document → model → config → store → guard → the broker parts → one listener
// (docs/authd.md). Everything that can fail on a user file is checked before the socket opens;
// whatever fails later closes what was opened and rejects with a GuardError (the CLI exits 2 with
// one line). A store change ends the kept sessions it takes the grounds of, in every part, through
// serve's credential reloader (src/serve/reload.ts): `users disable` / `keys revoke` reach brokers.
//
// A broker joins by one more entry in PART_STARTERS: a starter reads its own `authd.<broker>`
// section and returns null when there is none.

import { createRequire } from 'node:module';
import type { Logger } from 'pino';
import { rules } from '../../check/rules/index.js';
import { loadConfig } from '../../config/load.js';
import { DEFAULT_STORE_REF, openStore } from '../../credentials/open.js';
import type { CredentialStore } from '../../credentials/types.js';
import { loadDocument } from '../../document/load.js';
import { ConfigError, StartupError } from '../../errors.js';
import { createAuditLogger } from '../../guard/audit.js';
import { guardOptionsFromConfig } from '../../guard/config.js';
import { createGuard } from '../../guard/create.js';
import { DEFAULT_VERIFIER_TIMEOUT_MS } from '../../guard/plugins.js';
import { buildModel } from '../../model/build.js';
import { formatAddress } from '../../serve/address.js';
import { createReloader } from '../../serve/reload.js';
import { createStoreHealth } from '../../serve/store-health.js';
import { startNatsPart } from '../nats/part.js';
import { startRabbitmqPart } from '../rabbitmq/part.js';
import { startListener, type ListenerRoute } from './listener.js';
import { createAuthdMetrics } from './metrics.js';
import { loadAuthdTls, planAuthdListen } from './plan.js';
import type { AuthdOptions, AuthdPart, AuthdPartStarter, RunningAuthd } from './types.js';

/** The broker parts, in the order they start. */
export const PART_STARTERS: readonly AuthdPartStarter[] = [startRabbitmqPart, startNatsPart];

/** When a store change is checked again against the kept sessions (as serve does; see reload.ts). */
const RECHECK_AFTER_MS = DEFAULT_VERIFIER_TIMEOUT_MS + 1_000;

type Pino = typeof import('pino');
const loadPino = (): Pino => createRequire(import.meta.url)('pino') as Pino;

export async function startAuthd(options: AuthdOptions): Promise<RunningAuthd> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const now = options.now ?? Date.now;
  const logger: Logger =
    options.logger ?? loadPino()({ level: 'warn', base: null }, loadPino().destination({ dest: 2, sync: true }));

  const document = await loadDocument(options.document, { cwd });
  const model = buildModel(document);
  const config = await loadConfig({
    ...(options.config !== undefined ? { file: options.config } : {}),
    cwd,
    ruleIds: Object.keys(rules),
  });
  const settings = config.settings;
  const place = { configFile: config.file, locate: config.locate };
  const { address, warnings } = planAuthdListen(options.listen, settings.authd, place);
  const tls = await loadAuthdTls(settings.authd, { ...place, baseDir: config.dir, env });

  const cleanups: (() => Promise<void>)[] = [];
  const unwind = async (): Promise<void> => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
  };
  try {
    let storeDescription = '';
    const storeHealth = createStoreHealth(logger, () => storeDescription, now);
    const store: CredentialStore = await openStore(settings.store ?? DEFAULT_STORE_REF, {
      baseDir: config.dir,
      env,
      onError: (err) => storeHealth.onError(err),
      onReloaded: () => storeHealth.onReloaded(),
      ...(config.file !== null ? { configFile: config.file } : {}),
      now,
    });
    storeDescription = store.description;
    cleanups.push(() => store.close());

    const audit = createAuditLogger(settings.audit, config.dir, {
      ...(options.auditStream !== undefined ? { stream: options.auditStream } : {}),
      now,
    });
    const guard = await createGuard(model, guardOptionsFromConfig(config, { store, logger: audit, now }));
    cleanups.push(() => guard.close());

    const metrics = createAuthdMetrics();
    const partContext = {
      document,
      model,
      settings,
      ...place,
      baseDir: config.dir,
      guard,
      audit,
      logger,
      metrics,
      now,
      env,
    };
    const parts: AuthdPart[] = [];
    for (const start of PART_STARTERS) {
      const part = await start(partContext);
      if (part === null) continue;
      parts.push(part);
      cleanups.push(() => part.close());
    }
    if (parts.length === 0)
      throw new ConfigError('ERR_CONFIG_INVALID', 'authd has no broker to answer', {
        ...(config.file !== null ? { file: config.file } : {}),
        pointer: 'authd',
        expected: 'authd.rabbitmq: [{ server: NAME }] or authd.nats: { server: NAME, url, … } (docs/authd.md)',
      });

    const reloader = createReloader({
      model,
      store,
      fronts: () => parts,
      concurrency: 8,
      onEnded: (count, why) => {
        metrics.countEnded(count);
        logger.warn({ count, why }, 'authd.sessions_ended');
      },
      onError: (err) => logger.error({ err: (err as { code?: string }).code ?? 'error' }, 'authd.reload_failed'),
      recheckAfterMs: RECHECK_AFTER_MS,
    });
    const unwatch = store.watch((change) => void reloader.apply(change));
    cleanups.push(async () => {
      unwatch();
      reloader.close();
      await reloader.idle();
    });

    let closing = false;
    const ready = (): boolean => !closing && !storeHealth.stale() && parts.every((p) => p.ready?.() ?? true);
    const renderMetrics = (): string =>
      guard.metrics() + metrics.render() + parts.map((p) => p.metrics?.() ?? '').join('') + storeHealth.metrics();
    const routes = new Map<string, ListenerRoute>();
    for (const part of parts) for (const [path, handle] of part.routes) routes.set(path, { part: part.name, handle });

    const listener = await startListener(
      { host: address.host, port: address.port, ...(tls !== undefined ? { tls } : {}), audit, logger, metrics, now },
      {
        routes,
        ready,
        notReadyBecause: () => (storeHealth.stale() ? 'the credential store is stale (a reload failed)' : null),
        metrics: renderMetrics,
      },
    ).catch((err: unknown) => {
      throw new StartupError(
        'ERR_CONFIG_INVALID',
        `authd could not listen on ${formatAddress(address)} (${(err as { code?: string }).code ?? 'error'})`,
        {
          ...(options.listen === undefined && config.file !== null ? { file: config.file } : {}),
          pointer: options.listen === undefined ? 'authd.listen' : '--listen',
          expected: 'a free HOST:PORT',
        },
      );
    });
    cleanups.push(() => listener.close());

    for (const w of [...warnings, ...guard.warnings]) logger.warn({ code: w.code }, w.message);
    let closed: Promise<void> | null = null;
    return Object.freeze({
      host: listener.host,
      port: listener.port,
      tls: tls !== undefined,
      parts: Object.freeze(parts.map((p) => p.name)),
      warnings: Object.freeze([...warnings, ...guard.warnings.map((w) => ({ code: w.code, message: w.message }))]),
      ready,
      metrics: renderMetrics,
      close() {
        closing = true;
        return (closed ??= unwind());
      },
    });
  } catch (err) {
    await unwind();
    throw err;
  }
}
