// `startServe`: document → model → guard → bus → one front per served document server, plus
// credential hot reload and the admin listener (docs/serve.md). Everything that can fail on a
// user file is checked before the first socket opens; whatever fails later (a port in use, a bus
// that does not answer) closes what was opened and rejects with a GuardError, so the CLI exits 2
// with one line.

import { createRequire } from 'node:module';
import { basename, resolve } from 'node:path';
import type { DestinationStream, Logger } from 'pino';
import { loadConfig } from '../config/load.js';
import { rules } from '../check/rules/index.js';
import { findUnreachableOperations, formatUnreachable } from '../check/presentable.js';
import { DEFAULT_STORE_REF, openStore } from '../credentials/open.js';
import type { CredentialStore } from '../credentials/types.js';
import { loadDocument } from '../document/load.js';
import { ConfigError, isGuardError, StartupError } from '../errors.js';
import { createAuditLogger } from '../guard/audit.js';
import { guardOptionsFromConfig } from '../guard/config.js';
import { createGuard, type Guard } from '../guard/create.js';
import { buildModel } from '../model/build.js';
import type { SecurityModel } from '../model/types.js';
import type { Bus } from '../bus/types.js';
import type { Front } from '../transports/types.js';
import { formatAddress } from './address.js';
import { startAdmin, type AdminListener } from './admin.js';
import { loadFrontFactory, openBuiltInBus } from './fronts.js';
import { formatServeMetrics } from './metrics.js';
import { planServe, type ServerPlan } from './plan.js';
import { createRefusalLog } from './refusals.js';
import { createReloader } from './reload.js';
import { createStoreHealth } from './store-health.js';
import { DEFAULT_VERIFIER_TIMEOUT_MS } from '../guard/plugins.js';
import { renderStatusPage } from './status-page.js';
import { loadServerTls, type FrontTls } from './tls.js';
import type { RunningServe, ServedServer, ServeOptions } from './types.js';

/** When a store change is checked again against the live sessions (see reload.ts). */
const RECHECK_AFTER_MS = DEFAULT_VERIFIER_TIMEOUT_MS + 1_000;

type Pino = typeof import('pino');
const loadPino = (): Pino => createRequire(import.meta.url)('pino') as Pino;

export const DEFAULT_GRACE_MS = 5_000;

/**
 * Starts every served server. Rejects with a GuardError (bad document, config, flags, TLS files, guard startup, port,
 * bus).
 */
export async function startServe(options: ServeOptions): Promise<RunningServe> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const logger: Logger =
    options.logger ?? loadPino()({ level: 'warn', base: null }, loadPino().destination({ dest: 2, sync: true }));

  const model = buildModel(await loadDocument(options.document, { cwd }));
  const config = await loadConfig({
    ...(options.config !== undefined ? { file: options.config } : {}),
    cwd,
    ruleIds: Object.keys(rules),
  });
  const settings = config.settings;
  const plan = planServe({
    model,
    settings,
    listen: options.listen ?? {},
    admin: options.admin,
    configFile: config.file,
    locate: config.locate,
    documentFile: options.document,
  });
  // An operation no client can reach on a served server (rule security-requirement-unpresentable): one warning each.
  const unreachable = findUnreachableOperations(model, new Set(plan.servers.map((p) => p.server.name))).map((u) => ({
    code: 'W_OPERATION_UNREACHABLE',
    message: `security-requirement-unpresentable: ${formatUnreachable(u)}`,
  }));
  const tlsByServer = new Map<string, FrontTls | undefined>();
  for (const p of plan.servers)
    tlsByServer.set(
      p.server.name,
      await loadServerTls(p, { baseDir: config.dir, env, configFile: config.file, locate: config.locate }),
    );
  const factories = new Map<string, Awaited<ReturnType<typeof loadFrontFactory>>>();
  for (const p of plan.servers) {
    if (factories.has(p.kind)) continue;
    factories.set(p.kind, options.fronts?.[p.kind] ?? (await loadFrontFactory(p.kind)));
  }

  // From here on, resources are open: undo them in reverse order on any failure.
  const cleanups: (() => Promise<void>)[] = [];
  const unwind = async (): Promise<void> => {
    for (const c of cleanups.splice(0).reverse())
      await c().catch((err: unknown) => logger.error({ err: errorCode(err) }, 'serve.close_failed'));
  };
  let closing = false;
  let closingGrace = DEFAULT_GRACE_MS;
  let closed: Promise<void> | null = null;
  try {
    // Created before the store, which reports to it from its first reload on.
    let storeDescription = '';
    const storeHealth = createStoreHealth(logger, () => storeDescription, options.now ?? Date.now);
    const store: CredentialStore = await openStore(settings.store ?? DEFAULT_STORE_REF, {
      baseDir: config.dir,
      env,
      onError: (err) => storeHealth.onError(err),
      onReloaded: () => storeHealth.onReloaded(),
      ...(config.file !== null ? { configFile: config.file } : {}),
      ...(options.now !== undefined ? { now: options.now } : {}),
    });
    storeDescription = store.description;
    cleanups.push(() => store.close());

    const refusals = createRefusalLog();
    const auditDestination: DestinationStream =
      options.auditStream ?? defaultAuditStream(settings.audit?.destination, config.dir);
    const audit = createAuditLogger(settings.audit, config.dir, {
      stream: refusals.tee(auditDestination),
      ...(options.now !== undefined ? { now: options.now } : {}),
    });
    const guard: Guard = await createGuard(
      model,
      guardOptionsFromConfig(config, {
        store,
        logger: audit,
        ...(options.now !== undefined ? { now: options.now } : {}),
      }),
    );
    cleanups.push(() => guard.close());

    const busRef = settings.bus ?? 'memory';
    let bus: Bus;
    try {
      bus = await (
        options.openBus ??
        ((ref: string) => openBuiltInBus(ref, { env, ...(config.file !== null ? { configFile: config.file } : {}) }))
      )(busRef);
    } catch (err) {
      if (isGuardError(err)) throw err;
      throw new StartupError('ERR_CONFIG_INVALID', `the bus could not be opened (${errorCode(err)})`, {
        ...(config.file !== null ? { file: config.file } : {}),
        pointer: 'bus',
        expected: 'memory, or a nats:// or redis:// URL of a reachable broker',
      });
    }
    cleanups.push(() => bus.close());

    const fronts: {
      plan: ServerPlan;
      front: Front;
      served: ServedServer;
      listening: boolean;
      closed: Promise<void> | null;
    }[] = [];
    // Once per front, whoever asks first (close(), or the unwinding of a failed start).
    const closeFront = (entry: (typeof fronts)[number]): Promise<void> => {
      entry.listening = false;
      return (entry.closed ??= entry.front.close(closingGrace));
    };
    for (const p of plan.servers) {
      const tls = tlsByServer.get(p.server.name);
      const front = factories.get(p.kind)!({
        server: p.server,
        guard,
        bus,
        ...(tls !== undefined ? { tls } : {}),
        limits: p.limits,
        ...(p.kind === 'mqtt' || p.kind === 'kafka' ? {} : { origins: p.origins }),
        // The Kafka front reads the scheme types (which SASL mechanisms to offer) and its log bounds.
        ...(p.kind === 'kafka' ? kafkaFrontExtras(model, p) : {}),
        logger: logger.child({ server: p.server.name }),
      });
      let bound: { host: string; port: number };
      try {
        bound = await front.listen(p.address.host, p.address.port);
      } catch (err) {
        await front.close(0).catch(() => {});
        throw listenError(p, err, config.file);
      }
      const entry = {
        plan: p,
        front,
        listening: true,
        closed: null as Promise<void> | null,
        served: Object.freeze({
          name: p.server.name,
          protocol: p.server.protocol,
          kind: p.kind,
          host: bound.host,
          port: bound.port,
          tls: p.secure,
          schemes: Object.freeze([...p.schemes]),
          pathname: p.server.pathname ?? null,
        }),
      };
      fronts.push(entry);
      cleanups.push(() => closeFront(entry));
    }

    let sessionsEnded = 0;
    const reloader = createReloader({
      model,
      store,
      fronts: () => fronts.map((f) => f.front),
      concurrency: options.reloadConcurrency ?? 8,
      onEnded: (count, why) => {
        sessionsEnded += count;
        logger.warn({ count, why }, 'serve.sessions_ended');
      },
      onError: (err) => logger.error({ err: errorCode(err) }, 'serve.reload_failed'),
      // Longer than an authentication may take (the verifier timeout), so a connection that was
      // authenticating when the change arrived is live by the re-check.
      recheckAfterMs: RECHECK_AFTER_MS,
    });
    const unwatch = store.watch((change) => void reloader.apply(change));
    cleanups.push(async () => {
      unwatch();
      reloader.close();
      await reloader.idle();
    });

    // A stale credential store (a reload failed: a revocation may not be in force) is not ready (docs/serve.md).
    const ready = (): boolean => !closing && bus.ready && fronts.every((f) => f.listening) && !storeHealth.stale();
    const metrics = (): string =>
      guard.metrics() +
      formatServeMetrics(
        fronts.map((f) => ({
          server: f.served.name,
          protocol: f.served.protocol,
          listening: f.listening,
          stats: f.front.stats(),
        })),
        bus.ready,
        sessionsEnded,
      ) +
      storeHealth.metrics();

    let admin: AdminListener | null = null;
    if (plan.admin !== null) {
      try {
        admin = await startAdmin(plan.admin.host, plan.admin.port, {
          ready,
          notReadyBecause: () => (storeHealth.stale() ? 'the credential store is stale (a reload failed)' : null),
          metrics,
          statusPage: () =>
            renderStatusPage({
              title: basename(options.document),
              bus: bus.description,
              busReady: bus.ready,
              servers: fronts.map((f) => ({
                name: f.served.name,
                protocol: f.served.protocol,
                address: formatAddress(f.served),
                schemes: f.served.schemes,
                connections: f.front.stats().connections,
                listening: f.listening,
              })),
              skipped: plan.skipped,
              refusals: refusals.latest(),
            }),
        });
      } catch (err) {
        throw new StartupError(
          'ERR_CONFIG_INVALID',
          `the admin listener could not listen on ${formatAddress(plan.admin)} (${errorCode(err)})`,
          {
            ...(options.admin === undefined && config.file !== null ? { file: config.file } : {}),
            pointer: options.admin === undefined ? 'admin.listen' : '--admin',
            expected: 'a free HOST:PORT',
          },
        );
      }
      const a = admin;
      cleanups.push(() => a.close());
    }

    for (const w of [...plan.warnings, ...unreachable, ...guard.warnings]) logger.warn({ code: w.code }, w.message);

    return Object.freeze({
      model,
      servers: Object.freeze(fronts.map((f) => f.served)),
      skipped: Object.freeze([...plan.skipped]),
      admin: admin === null ? null : Object.freeze({ host: admin.host, port: admin.port }),
      warnings: Object.freeze([
        ...plan.warnings,
        ...unreachable,
        ...guard.warnings.map((w) => ({ code: w.code, message: w.message })),
      ]),
      bus: bus.description,
      ready,
      metrics,
      close(graceMs = DEFAULT_GRACE_MS) {
        closing = true;
        closingGrace = graceMs;
        // The fronts first and together, so the whole drain takes graceMs however many fronts
        // there are, while the admin listener still answers (/readyz 503: `closing`); then the
        // admin listener, the reloader, the bus, the guard and the store.
        closed ??= Promise.all(
          fronts.map((f) =>
            closeFront(f).catch((err: unknown) => logger.error({ err: errorCode(err) }, 'serve.close_failed')),
          ),
        ).then(unwind);
        return closed;
      },
    });
  } catch (err) {
    await unwind();
    throw err;
  }
}

/** The Kafka front's options beyond FrontOptions (src/transports/kafka/front.ts, KafkaFrontOptions). */
function kafkaFrontExtras(model: SecurityModel, p: ServerPlan): Record<string, unknown> {
  // Concrete channel addresses (no `{param}`) of this server's operations: the topics Metadata lists.
  const declared = model.operations
    .filter((o) => o.servers.includes(p.server.name) && o.address !== null && !o.address.includes('{'))
    .map((o) => o.address as string);
  return { schemes: model.schemes, declaredTopics: [...new Set(declared)], log: p.kafka };
}

function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : err instanceof Error ? err.name : 'error';
}

/** A port in use, a port below 1024 without the right, an address not on this machine: the key (or flag) to change. */
function listenError(p: ServerPlan, err: unknown, configFile: string | null): ConfigError {
  const code = errorCode(err);
  const why =
    code === 'EADDRINUSE'
      ? 'the address is in use'
      : code === 'EACCES'
        ? 'no permission to listen there (ports below 1024 need privileges)'
        : code === 'EADDRNOTAVAIL'
          ? 'the address is not on this machine'
          : `it failed (${code})`;
  const fromFlag = p.addressSource.startsWith('--');
  return new ConfigError(
    'ERR_CONFIG_INVALID',
    `server '${p.server.name}' could not listen on ${formatAddress(p.address)}: ${why}`,
    {
      ...(!fromFlag && configFile !== null ? { file: configFile } : {}),
      pointer: p.addressSource,
      expected: `another HOST:PORT (servers.${p.server.name}.listen, or --listen ${p.server.name}=HOST:PORT)`,
    },
  );
}

function defaultAuditStream(destination: string | undefined, baseDir: string): DestinationStream {
  const pino = loadPino();
  const d = destination ?? 'stderr';
  if (d === 'stderr') return pino.destination({ dest: 2, sync: true });
  if (d === 'stdout') return pino.destination({ dest: 1, sync: true });
  return pino.destination({ dest: resolve(baseDir, d), append: true, mkdir: true, sync: true });
}
