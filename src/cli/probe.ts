// `asyncapi-guard probe DOC`: flags → credentials, --host, --ca → probe → reporter → exit code (docs/probe.md).
// Exit codes as `check`: 0 nothing at or above --fail-on, 1 findings, 2 could not probe (one line why on stderr).

import { readFile, stat, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import {
  UsageError,
  findingRegistry,
  isAtOrAbove,
  loadProbeCredentials,
  probeDocument,
  probeFormats,
  probeReporters,
  probers,
  type ProbeFormat,
  type ProbeReport,
  type Severity,
} from '../index.js';
import { EXIT_COULD_NOT_RUN, EXIT_FINDINGS, EXIT_OK, oneLine, type ExitCode } from './exit.js';
import { defaultFormat, useColor, type CliIo } from './output.js';

export interface ProbeFlags {
  server?: string[];
  credentials?: string;
  host?: string[];
  ca?: string;
  format?: ProbeFormat;
  output?: string;
  timeout?: string;
  failOn?: Severity;
  color: boolean;
}

const PROBE_EXAMPLES = `
Examples:
  $ asyncapi-guard probe asyncapi.yaml --credentials probe-credentials.yaml
  $ asyncapi-guard probe asyncapi.yaml --server production --host production=staging.example:8883 --ca ca.pem
  $ asyncapi-guard probe asyncapi.yaml --credentials creds.yaml --format sarif --output probe.sarif
  $ asyncapi-guard probe asyncapi.yaml --credentials creds.yaml --format html --output probe.html

Sends traffic only to the document's hosts (or --host), one wrong credential per scheme (never guesses).
Exit codes:
  0  no finding at or above --fail-on
  1  a finding at or above --fail-on
  2  could not probe: the document, the credentials file, a flag, or a server that could not be reached
`;

/** Bound of --timeout: a step waiting longer than 10 minutes is a hang, not a slow server. */
const MAX_TIMEOUT_MS = 600_000;
/** A CA bundle is a few hundred kilobytes at most (the system's is about 200). */
const MAX_CA_BYTES = 4 * 1024 * 1024;

export function registerProbe(program: Command, io: CliIo, setExit: (code: number) => void, version: string): void {
  program
    .command('probe')
    .description('connect to the servers a document declares and report where they do not enforce its security')
    .argument('<document>', 'AsyncAPI document')
    .option('--server <name>', 'probe only this server (repeatable; default: every server)', collect)
    .option('--credentials <file>', 'test principals per scheme (YAML, secrets as env:NAME or file:PATH)')
    .option(
      '--host <name=host:port>',
      'probe this server at HOST:PORT instead of its document host (repeatable)',
      collect,
    )
    .option('--ca <file>', 'PEM CA certificates trusted besides the system ones')
    .addOption(
      new Option('--format <format>', 'report format (default: pretty on a terminal, else json)').choices(probeFormats),
    )
    .option('--output <file>', 'write the report to this file instead of stdout')
    .option('--timeout <ms>', 'bound on each network step, ms (default 3000)')
    .addOption(
      new Option('--fail-on <severity>', 'exit 1 when a finding has this severity or higher (default: error)').choices([
        'error',
        'warning',
        'info',
      ]),
    )
    .option('--no-color', 'no colors in pretty output')
    .addHelpText('after', PROBE_EXAMPLES)
    .action(async (document: string, flags: ProbeFlags) => {
      setExit(await runProbe(document, flags, io, version));
    });
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export async function runProbe(document: string, flags: ProbeFlags, io: CliIo, version: string): Promise<ExitCode> {
  const timeoutMs = parseTimeout(flags.timeout);
  const hosts = parseHostFlags(flags.host ?? []);
  const ca = flags.ca === undefined ? undefined : await readCa(flags.ca, io.cwd);
  const principals =
    flags.credentials === undefined
      ? undefined
      : await loadProbeCredentials(flags.credentials, { cwd: io.cwd, env: io.env });
  const report = await probeDocument(document, {
    cwd: io.cwd,
    probers,
    hosts,
    ...(flags.server === undefined ? {} : { servers: flags.server }),
    ...(principals === undefined ? {} : { principals }),
    ...(ca === undefined ? {} : { ca }),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  });
  const format =
    flags.format ?? (flags.output === undefined ? defaultFormat<ProbeFormat>(io, 'pretty', 'json') : 'json');
  const text = probeReporters[format](report, {
    cwd: io.cwd,
    color: format === 'pretty' && flags.output === undefined && useColor(flags.color, io),
    findings: findingRegistry(probers),
    version,
  });
  if (flags.output === undefined) io.out(text);
  else {
    try {
      await writeFile(resolve(io.cwd, flags.output), text);
    } catch (err) {
      throw new UsageError(
        `--output ${flags.output}: cannot write (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  }
  if (report.fatal) io.err(`error: ${oneLine(report.fatal.message)}\n`);
  for (const s of report.servers) if (s.error !== undefined) io.err(`error: server ${s.name}: ${oneLine(s.error)}\n`);
  return exitCodeForProbe(report, flags.failOn ?? 'error');
}

/** 2 when the document or a server could not be probed, else 1 when a failed check reaches `failOn`, else 0. */
export function exitCodeForProbe(report: ProbeReport, failOn: Severity): ExitCode {
  if (report.fatal !== undefined || report.servers.some((s) => s.error !== undefined)) return EXIT_COULD_NOT_RUN;
  const failed = report.servers.flatMap((s) => s.outcomes).filter((o) => o.status === 'fail');
  return failed.some((o) => isAtOrAbove(o.severity, failOn)) ? EXIT_FINDINGS : EXIT_OK;
}

function parseTimeout(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > MAX_TIMEOUT_MS) {
    throw new UsageError(`--timeout ${value}: expected a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS}`);
  }
  return n;
}

/** `--host NAME=HOST:PORT` → name → HOST:PORT; each name once. */
export function parseHostFlags(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    const name = v.slice(0, eq);
    const where = v.slice(eq + 1);
    if (eq <= 0 || !/^(\[[0-9A-Fa-f:.]+\]|[^\s:[\]/]+):\d{1,5}$/.test(where)) {
      throw new UsageError(`--host ${v}: expected NAME=HOST:PORT (IPv6 as [ADDRESS]:PORT)`);
    }
    if (Object.hasOwn(out, name)) throw new UsageError(`--host ${name} is given twice`);
    out[name] = where;
  }
  return out;
}

async function readCa(file: string, cwd: string): Promise<string> {
  const path = resolve(cwd, file);
  let text: string;
  try {
    const info = await stat(path);
    if (!info.isFile() || info.size > MAX_CA_BYTES) {
      throw new UsageError(`--ca ${file}: expected a regular file of at most 4 MiB`);
    }
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`--ca ${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    throw new UsageError(`--ca ${file}: expected PEM certificates (-----BEGIN CERTIFICATE-----)`);
  }
  return text;
}
