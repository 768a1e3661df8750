// The probe runner: document → servers → one prober per server (at most `concurrency` at a time) → a report whose
// every outcome points at its server or operation in the document. The runner owns what is the same for every
// protocol: choosing the servers and their targets, a reachability check first (an unreachable server is "could
// not probe", exit 2, not a pass), a time budget per server, and masking every test secret in what comes out.

import { UsageError, DocumentError, invalidArgType } from '../errors.js';
import { loadDocument } from '../document/load.js';
import type { LoadedDocument } from '../document/types.js';
import { buildAnalysis } from '../model/index.js';
import type { Analysis, AnalyzedServer } from '../model/types.js';
import { locate } from '../check/run.js';
import { normalizeProtocol } from '../schemes/protocols.js';
import { createProbeContext, DEFAULT_STEP_TIMEOUT_MS } from './context.js';
import { findingRegistry } from './findings.js';
import { resolveTarget } from './target.js';
import { openTcp } from './wire.js';
import type {
  CheckOutcome,
  FindingMeta,
  LocatedOutcome,
  ProbeReport,
  ProbeSummary,
  Prober,
  ServerReport,
  TestPrincipal,
} from './types.js';

export interface RunProbeOptions {
  /** `--server NAME…`: only these (default: every server of the document). */
  readonly servers?: readonly string[];
  /** `--host NAME=HOST:PORT`: server name → where to probe it instead of its document host. */
  readonly hosts?: Readonly<Record<string, string>>;
  /** Test principals by scheme name (`--credentials`, read by `loadProbeCredentials`). */
  readonly principals?: ReadonlyMap<string, readonly TestPrincipal[]>;
  /** `--ca`: PEM trust anchors added to the system's. */
  readonly ca?: string;
  /** `--timeout`: bound on each network step, ms (default 3000). */
  readonly timeoutMs?: number;
  /** Servers probed at once (default 4). */
  readonly concurrency?: number;
  /** The protocol families (default: the built-in ones, src/probe/probers.ts). */
  readonly probers: readonly Prober[];
  /** Base directory of display names. */
  readonly cwd?: string;
  readonly signal?: AbortSignal;
}

/** How many network steps one server's probe may take at most, in step timeouts: its whole budget. */
const SERVER_BUDGET_STEPS = 40;

/** Loads the document and probes it. A document that cannot be loaded gives a report with `fatal`, never a throw. */
export async function probeDocument(path: string, options: RunProbeOptions): Promise<ProbeReport> {
  if (typeof path !== 'string' || path === '') throw invalidArgType('path', 'a non-empty string');
  let document: LoadedDocument;
  try {
    document = await loadDocument(path, { ...(options.cwd === undefined ? {} : { cwd: options.cwd }) });
  } catch (err) {
    if (!(err instanceof DocumentError)) throw err;
    return {
      document: path,
      asyncapi: null,
      servers: [],
      operations: [],
      summary: summarize([]),
      fatal: { code: err.code, message: err.message },
    };
  }
  return probeLoaded(document, options);
}

/** Probes a loaded document's servers. Throws `UsageError` for a `--server` or `--host` naming no server. */
export async function probeLoaded(document: LoadedDocument, options: RunProbeOptions): Promise<ProbeReport> {
  const analysis = buildAnalysis(document);
  const registry = findingRegistry(options.probers);
  const names = analysis.servers.map((s) => s.name);
  for (const name of [...(options.servers ?? []), ...Object.keys(options.hosts ?? {})]) {
    if (!names.includes(name)) {
      throw new UsageError(`the document has no server '${name}' (its servers: ${names.join(', ') || 'none'})`);
    }
  }
  const chosen =
    options.servers === undefined || options.servers.length === 0
      ? analysis.servers
      : analysis.servers.filter((s) => options.servers!.includes(s.name));
  const explicit = new Set(options.servers ?? []);
  const mask = secretMasker(options.principals);

  const reports = await mapBounded(chosen, options.concurrency ?? 4, (server) =>
    probeServer(server, { document, analysis, options, registry, explicit: explicit.has(server.name) }),
  );
  const masked = reports.map((r) => maskReport(r, mask));
  return {
    document: document.root.displayName,
    asyncapi: document.asyncapi,
    servers: masked,
    operations: analysis.operations.map((op) => ({ id: op.id, servers: [...op.servers] })),
    summary: summarize(masked),
  };
}

interface ServerJob {
  readonly document: LoadedDocument;
  readonly analysis: Analysis;
  readonly options: RunProbeOptions;
  readonly registry: ReadonlyMap<string, FindingMeta>;
  /** Named with `--server`: a protocol without a prober is then an error, not a skip. */
  readonly explicit: boolean;
}

async function probeServer(server: AnalyzedServer, job: ServerJob): Promise<ServerReport> {
  const protocol = normalizeProtocol(server.protocol);
  const schemes = [...new Set(server.security.alternatives.flatMap((alt) => alt.entries.map((e) => e.scheme)))];
  const base = { name: server.name, protocol: server.protocol, schemes };
  const prober = job.options.probers.find((p) => p.protocols.includes(protocol));
  if (prober === undefined) {
    const reason = `probe has no checks for the protocol ${server.protocol}`;
    return job.explicit
      ? { ...base, target: null, outcomes: [], error: reason }
      : { ...base, target: null, outcomes: [], skipped: reason };
  }
  const resolved = resolveTarget(server, job.options.hosts?.[server.name], prober.defaultPorts[protocol]);
  if (!resolved.ok) return { ...base, target: null, outcomes: [], error: resolved.reason };
  const target = resolved.target;
  const where = `${target.host}:${target.port}`;
  const timeoutMs = job.options.timeoutMs ?? DEFAULT_STEP_TIMEOUT_MS;

  const reachable = await openTcp(target, timeoutMs, job.options.signal);
  if (!reachable.ok)
    return { ...base, target: where, outcomes: [], error: `cannot connect to ${where}: ${reachable.reason}` };
  reachable.socket.destroy();

  const budget = AbortSignal.timeout(timeoutMs * SERVER_BUDGET_STEPS);
  const signal = job.options.signal === undefined ? budget : AbortSignal.any([budget, job.options.signal]);
  const { ctx, outcomes } = createProbeContext({
    document: job.document,
    analysis: job.analysis,
    server,
    target,
    ...(job.options.principals === undefined ? {} : { principals: job.options.principals }),
    ...(job.options.ca === undefined ? {} : { ca: job.options.ca }),
    timeoutMs,
    signal,
  });
  let error: string | undefined;
  try {
    await prober.probe(ctx);
  } catch (err) {
    // A prober throws only on a bug: this server could not be probed; the others still are.
    error = `the ${server.protocol} checks stopped: ${err instanceof Error ? err.message : String(err)}`;
  }
  if (error === undefined && budget.aborted)
    error = `the checks did not finish within ${timeoutMs * SERVER_BUDGET_STEPS} ms`;
  const located = outcomes.map((o) => locateOutcome(o, server, job));
  return { ...base, target: where, outcomes: located, ...(error === undefined ? {} : { error }) };
}

function locateOutcome(outcome: CheckOutcome, server: AnalyzedServer, job: ServerJob): LocatedOutcome {
  const meta = job.registry.get(outcome.id);
  if (meta === undefined) throw new Error(`a prober recorded the unregistered finding id ${outcome.id}`);
  const operation =
    outcome.operation === undefined ? undefined : job.analysis.operations.find((op) => op.id === outcome.operation);
  const at = operation?.at ?? server.at;
  const place = locate(job.document, at, true);
  return {
    ...outcome,
    server: server.name,
    severity: meta.severity,
    file: place.file,
    pointer: at.pointer,
    range: place.range,
  };
}

/** Runs `fn` over `items`, at most `limit` at a time, results in input order. */
async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/**
 * Every secret of the test principals replaced by `***` in a text: probers never put one in an outcome, and this
 * pass makes sure (an echo from a server, a library's error message quoting what it sent).
 */
export function secretMasker(
  principals: ReadonlyMap<string, readonly TestPrincipal[]> | undefined,
): (s: string) => string {
  const secrets = [...(principals?.values() ?? [])]
    .flat()
    .flatMap((p) => [p.password, p.apiKey, p.token, p.key])
    .filter((s): s is string => s !== undefined && s.length >= 4)
    // Longest first, so a secret that contains another is masked whole.
    .sort((a, b) => b.length - a.length);
  if (secrets.length === 0) return (s) => s;
  return (s) => secrets.reduce((text, secret) => text.split(secret).join('***'), s);
}

function maskReport(report: ServerReport, mask: (s: string) => string): ServerReport {
  return {
    ...report,
    ...(report.error === undefined ? {} : { error: mask(report.error) }),
    outcomes: report.outcomes.map((o) => ({
      ...o,
      message: mask(o.message),
      ...(o.evidence === undefined
        ? {}
        : { evidence: { sent: mask(o.evidence.sent), received: mask(o.evidence.received) } }),
    })),
  };
}

export function summarize(servers: readonly ServerReport[]): ProbeSummary {
  const all = servers.flatMap((s) => s.outcomes);
  const failed = all.filter((o) => o.status === 'fail');
  return {
    passed: all.filter((o) => o.status === 'pass').length,
    failed: failed.length,
    skipped: all.filter((o) => o.status === 'skipped').length,
    errors: failed.filter((o) => o.severity === 'error').length,
    warnings: failed.filter((o) => o.severity === 'warning').length,
    infos: failed.filter((o) => o.severity === 'info').length,
  };
}
