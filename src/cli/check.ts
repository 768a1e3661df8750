// `asyncapi-guard check DOC...`: flags → config + overrides → engine → reporter → exit code.

import {
  checkDocuments,
  createSourceReader,
  expandDocumentArgs,
  loadConfig,
  parseRuleOverrides,
  reporters,
  resolveCheckSettings,
  ruleMetas,
  type ReportFormat,
  type Severity,
} from '../index.js';
import { exitCodeForResults, oneLine, type ExitCode } from './exit.js';
import { defaultFormat, useColor, type CliIo } from './output.js';

export interface CheckFlags {
  format?: ReportFormat;
  failOn?: Severity;
  rule?: string[];
  config?: string;
  allowRemoteRefs?: boolean;
  color: boolean;
}

export async function runCheck(
  documents: readonly string[],
  flags: CheckFlags,
  io: CliIo,
  version: string,
): Promise<ExitCode> {
  const ruleIds = Object.keys(ruleMetas);
  const config = await loadConfig({ cwd: io.cwd, ruleIds, ...(flags.config !== undefined && { file: flags.config }) });
  const settings = resolveCheckSettings(config, {
    rules: parseRuleOverrides(flags.rule ?? [], ruleIds),
    failOn: flags.failOn,
  });
  const paths = await expandDocumentArgs(documents, io.cwd);
  if (flags.allowRemoteRefs) io.err('warning: --allow-remote-refs is on: $refs to http(s) URLs will be fetched\n');

  const results = await checkDocuments(paths, {
    rules: settings.rules,
    load: { cwd: io.cwd, allowRemoteRefs: flags.allowRemoteRefs === true },
  });

  const format = flags.format ?? defaultFormat<ReportFormat>(io, 'pretty', 'json');
  io.out(
    reporters[format](results, {
      cwd: io.cwd,
      color: format === 'pretty' && useColor(flags.color, io),
      rules: ruleMetas,
      version,
      sourceFor: createSourceReader(io.cwd),
    }),
  );
  for (const r of results) if (r.fatal) io.err(`error: ${oneLine(r.fatal.message)}\n`);
  return exitCodeForResults(results, settings.failOn);
}
