// `check`'s settings: the rule severities and the `--fail-on` threshold from the config file
// (loaded by src/config/load.ts), overridden by the command line (`--rule ID=SEVERITY`,
// `--fail-on`).

import { UsageError } from '../errors.js';
import { ruleIdSuggestion, type GuardConfig } from '../config/load.js';
import { isSeveritySetting, severitySettings } from './severity.js';
import type { Severity, SeveritySetting } from './types.js';

/**
 * Parses `--rule ID=SEVERITY` values (later ones win). Throws `UsageError` naming the flag
 * value, with the closest known id for an unknown one.
 */
export function parseRuleOverrides(
  values: readonly string[],
  ruleIds: readonly string[],
): Record<string, SeveritySetting> {
  const known = new Set(ruleIds);
  const out: Record<string, SeveritySetting> = {};
  for (const raw of values) {
    const eq = raw.indexOf('=');
    const id = eq === -1 ? raw : raw.slice(0, eq).trim();
    const setting = eq === -1 ? '' : raw.slice(eq + 1).trim();
    if (eq === -1 || id === '') {
      throw new UsageError(`--rule ${JSON.stringify(raw)}: expected ID=${severitySettings.join('|')}`);
    }
    if (!known.has(id)) throw new UsageError(`--rule ${id}: unknown rule id; ${ruleIdSuggestion(id, ruleIds)}`);
    if (!isSeveritySetting(setting)) {
      throw new UsageError(`--rule ${id}=${setting}: expected one of ${severitySettings.join(', ')}`);
    }
    out[id] = setting;
  }
  return out;
}

export interface CheckSettings {
  rules: Record<string, SeveritySetting>;
  failOn: Severity;
}

/** Command-line values override the config file, which overrides the defaults (`failOn: error`). */
export function resolveCheckSettings(
  config: GuardConfig,
  flags: { rules?: Record<string, SeveritySetting>; failOn?: Severity | undefined },
): CheckSettings {
  return {
    rules: { ...config.check.rules, ...flags.rules },
    failOn: flags.failOn ?? config.check.failOn ?? 'error',
  };
}
