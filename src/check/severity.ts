// Severities: the one place that knows their order and how a `--fail-on` threshold applies.

import type { CheckResult, CheckSummary, Severity, SeveritySetting } from './types.js';
import { severityRank } from './types.js';

/** Highest first. */
export const severities: readonly Severity[] = ['error', 'warning', 'info'];

/** What a rule can be set to in a config file or with `--rule ID=…`. */
export const severitySettings: readonly SeveritySetting[] = ['off', 'info', 'warning', 'error'];

export function isSeverity(value: unknown): value is Severity {
  return value === 'error' || value === 'warning' || value === 'info';
}

export function isSeveritySetting(value: unknown): value is SeveritySetting {
  return value === 'off' || isSeverity(value);
}

/** True when `severity` is `threshold` or more severe (`error` ≥ `warning` ≥ `info`). */
export function isAtOrAbove(severity: Severity, threshold: Severity): boolean {
  return severityRank[severity] >= severityRank[threshold];
}

/** True when any diagnostic of any result is at or above `threshold` (the exit-code-1 test). */
export function hasFindingsAtOrAbove(results: readonly CheckResult[], threshold: Severity): boolean {
  return results.some((r) => r.diagnostics.some((d) => isAtOrAbove(d.severity, threshold)));
}

/** The summaries of several results added up. */
export function addSummaries(results: readonly CheckResult[]): CheckSummary {
  const total: CheckSummary = { errors: 0, warnings: 0, infos: 0 };
  for (const r of results) {
    total.errors += r.summary.errors;
    total.warnings += r.summary.warnings;
    total.infos += r.summary.infos;
  }
  return total;
}
