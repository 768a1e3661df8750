// `probe --format sarif`: SARIF 2.1.0, like check's (src/check/reporters/sarif.ts, whose location machinery this
// reuses): each failed check is a result at its server or operation in the document, the finding ids are the
// rules; servers that could not be probed are tool execution notifications.

import { createHash } from 'node:crypto';
import { FINGERPRINT_KEY, INFORMATION_URI, SARIF_SCHEMA, toArtifactLocation } from '../../check/reporters/sarif.js';
import type { Severity } from '../../check/types.js';
import type { FindingMeta, LocatedOutcome, ProbeReport } from '../types.js';
import type { ProbeReporterContext } from './types.js';

const levels: Readonly<Record<Severity, 'error' | 'warning' | 'note'>> = {
  error: 'error',
  warning: 'warning',
  info: 'note',
};
const HELP_URI = `${INFORMATION_URI}/blob/main/docs/probe.md`;

export function formatProbeSarif(report: ProbeReport, ctx: ProbeReporterContext): string {
  const ids = [...ctx.findings.keys()].sort();
  const index = new Map(ids.map((id, i) => [id, i]));
  const results = report.servers
    .flatMap((s) => s.outcomes)
    .filter((o) => o.status === 'fail')
    .map((o) => toResult(o, index.get(o.id)!, ctx.cwd));
  const notifications = [
    ...report.servers.flatMap((s) =>
      s.error === undefined ? [] : [{ level: 'error', message: { text: `server ${s.name}: ${s.error}` } }],
    ),
    ...(report.fatal ? [{ level: 'error', message: { text: report.fatal.message } }] : []),
  ];
  const log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'asyncapi-guard probe',
            version: ctx.version,
            semanticVersion: ctx.version,
            informationUri: INFORMATION_URI,
            rules: ids.map((id) => toRule(ctx.findings.get(id)!)),
          },
        },
        invocations: [{ executionSuccessful: notifications.length === 0, toolExecutionNotifications: notifications }],
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

function toRule(meta: FindingMeta): Record<string, unknown> {
  const helpUri = `${HELP_URI}#${meta.id}`;
  return {
    id: meta.id,
    shortDescription: { text: meta.description },
    helpUri,
    help: {
      text: `${meta.description}\n\nDocumentation: ${helpUri}`,
      markdown: `${meta.description}\n\n[Documentation](${helpUri})`,
    },
    defaultConfiguration: { level: levels[meta.severity] },
    properties: { tags: ['security', meta.category] },
  };
}

function toResult(o: LocatedOutcome, ruleIndex: number, cwd: string): Record<string, unknown> {
  const artifactLocation = toArtifactLocation(o.file, cwd);
  const region =
    o.range === null
      ? { startLine: 1, startColumn: 1 }
      : {
          startLine: o.range.start.line,
          startColumn: o.range.start.column,
          endLine: o.range.end.line,
          endColumn: o.range.end.column,
        };
  const evidence = o.evidence === undefined ? '' : ` Sent: ${o.evidence.sent}. Received: ${o.evidence.received}.`;
  const base = createHash('sha256')
    .update(`${o.id}\u0000${artifactLocation.uri}\u0000${o.pointer}\u0000${o.server}\u0000${o.message}`)
    .digest('hex')
    .slice(0, 32);
  return {
    ruleId: o.id,
    ruleIndex,
    level: levels[o.severity],
    message: { text: `${o.server}: ${o.message}.${evidence}` },
    locations: [{ physicalLocation: { artifactLocation, region } }],
    partialFingerprints: { [FINGERPRINT_KEY]: base },
    properties: {
      server: o.server,
      ...(o.operation === undefined ? {} : { operation: o.operation }),
      pointer: o.pointer,
    },
  };
}
