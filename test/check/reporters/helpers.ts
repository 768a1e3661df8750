// Shared by the reporter tests: the fixed fixture, a fixed context, and golden-file comparison.
// UPDATE_GOLDEN=1 rewrites the golden files instead of comparing (review the diff after).

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReporterContext } from '../../../src/check/reporters/types.js';
import type { CheckResult, RuleMeta } from '../../../src/check/types.js';

export const fixturesDir = fileURLToPath(new URL('../../fixtures/', import.meta.url));
export const goldenDir = join(fixturesDir, 'golden');
const sourcesDir = join(goldenDir, 'sources');

export function loadResults(): CheckResult[] {
  return JSON.parse(readFileSync(join(fixturesDir, 'check-result.json'), 'utf8')) as CheckResult[];
}

export function loadRules(): Record<string, RuleMeta> {
  return JSON.parse(readFileSync(join(goldenDir, 'rules.json'), 'utf8')) as Record<string, RuleMeta>;
}

/** A context that depends on nothing of this machine: a fixed cwd and version, fixture sources. */
export function fixedContext(overrides: Partial<ReporterContext> = {}): ReporterContext {
  return {
    cwd: '/project',
    color: false,
    rules: loadRules(),
    version: '0.1.0',
    sourceFor: (file) => {
      const path = join(sourcesDir, file);
      return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
    },
    ...overrides,
  };
}

export function assertGolden(name: string, actual: string): void {
  const path = join(goldenDir, name);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  assert.ok(existsSync(path), `golden file ${name} is missing: run with UPDATE_GOLDEN=1 to create it`);
  assert.equal(actual, readFileSync(path, 'utf8'), `output differs from ${name} (UPDATE_GOLDEN=1 rewrites it)`);
}
