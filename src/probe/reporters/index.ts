// The probe reporters, by `--format` name. One line per format; nothing else lists them.

import { formatProbeHtml } from './html.js';
import { formatProbeJson } from './json.js';
import { formatProbeJunit } from './junit.js';
import { formatProbePretty } from './pretty.js';
import { formatProbeSarif } from './sarif.js';
import type { ProbeReporter } from './types.js';

export const probeReporters = {
  html: formatProbeHtml,
  json: formatProbeJson,
  junit: formatProbeJunit,
  pretty: formatProbePretty,
  sarif: formatProbeSarif,
} as const satisfies Record<string, ProbeReporter>;

export type ProbeFormat = keyof typeof probeReporters;

export const probeFormats = Object.keys(probeReporters) as ProbeFormat[];

export type { ProbeReporter, ProbeReporterContext } from './types.js';
