// `probe --format json`: the stable contract (docs/probe.md, "JSON output"). Objects are rebuilt key by key so the
// key order is fixed whatever the input's order.

import type { LocatedOutcome, ProbeReport, ServerReport } from '../types.js';
import type { ProbeReporterContext } from './types.js';

export function formatProbeJson(report: ProbeReport, _ctx: ProbeReporterContext): string {
  const out: Record<string, unknown> = {
    document: report.document,
    asyncapi: report.asyncapi,
    servers: report.servers.map(serverToJson),
    summary: { ...report.summary },
  };
  if (report.fatal) out['fatal'] = { code: report.fatal.code, message: report.fatal.message };
  return `${JSON.stringify(out, null, 2)}\n`;
}

function serverToJson(s: ServerReport): Record<string, unknown> {
  return {
    name: s.name,
    protocol: s.protocol,
    target: s.target,
    schemes: [...s.schemes],
    ...(s.error === undefined ? {} : { error: s.error }),
    ...(s.skipped === undefined ? {} : { skipped: s.skipped }),
    checks: s.outcomes.map(outcomeToJson),
  };
}

function outcomeToJson(o: LocatedOutcome): Record<string, unknown> {
  return {
    id: o.id,
    status: o.status,
    server: o.server,
    ...(o.operation === undefined ? {} : { operation: o.operation }),
    severity: o.severity,
    message: o.message,
    evidence: o.evidence === undefined ? null : { sent: o.evidence.sent, received: o.evidence.received },
    file: o.file,
    pointer: o.pointer,
    range: o.range,
  };
}
