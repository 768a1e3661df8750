// `--format json`: the stable contract (docs/architecture.md, "CLI conventions"), documented in
// docs/output-json.md. One document → one object; several → an array of those objects.
// Objects are rebuilt key by key so the key order is fixed whatever the input's order.

import type { CheckResult, Diagnostic } from '../types.js';
import type { ReporterContext } from './types.js';

export function formatJson(results: readonly CheckResult[], _ctx: ReporterContext): string {
  const value = results.length === 1 ? toJson(results[0]!) : results.map(toJson);
  return `${JSON.stringify(value, null, 2)}\n`;
}

function toJson(r: CheckResult): Record<string, unknown> {
  const out: Record<string, unknown> = {
    document: r.document,
    asyncapi: r.asyncapi,
    diagnostics: r.diagnostics.map(diagnosticToJson),
    summary: { errors: r.summary.errors, warnings: r.summary.warnings, infos: r.summary.infos },
  };
  if (r.fatal) out.fatal = { code: r.fatal.code, message: r.fatal.message };
  return out;
}

function diagnosticToJson(d: Diagnostic): Record<string, unknown> {
  return {
    rule: d.rule,
    severity: d.severity,
    message: d.message,
    pointer: d.pointer,
    file: d.file,
    range: d.range
      ? {
          start: { line: d.range.start.line, column: d.range.start.column },
          end: { line: d.range.end.line, column: d.range.end.column },
        }
      : null,
  };
}
