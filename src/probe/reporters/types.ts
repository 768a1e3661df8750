// What every probe reporter receives. Pure functions of their inputs, like check's reporters
// (src/check/reporters/types.ts): no process, environment or filesystem.

import type { FindingMeta, ProbeReport } from '../types.js';

export interface ProbeReporterContext {
  /** Absolute directory relative file names are relative to (SARIF URIs). */
  readonly cwd: string;
  /** ANSI colors (pretty only), decided by the caller. */
  readonly color: boolean;
  /** Every finding id's metadata (SARIF rules, JUnit and HTML descriptions). */
  readonly findings: ReadonlyMap<string, FindingMeta>;
  /** Version of asyncapi-guard, as in package.json. */
  readonly version: string;
}

export type ProbeReporter = (report: ProbeReport, ctx: ProbeReporterContext) => string;
