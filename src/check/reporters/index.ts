// The reporters, by `--format` name. One line per format, sorted; nothing else lists them.

import { formatJson } from './json.js';
import { formatPretty } from './pretty.js';
import { formatSarif } from './sarif.js';
import type { Reporter } from './types.js';

export const reporters = {
  json: formatJson,
  pretty: formatPretty,
  sarif: formatSarif,
} as const satisfies Record<string, Reporter>;

export type ReportFormat = keyof typeof reporters;

export const reportFormats = Object.keys(reporters) as ReportFormat[];

export function isReportFormat(value: unknown): value is ReportFormat {
  return typeof value === 'string' && Object.hasOwn(reporters, value);
}

export { createSourceReader } from './source.js';
export type { Reporter, ReporterContext } from './types.js';
