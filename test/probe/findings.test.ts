// Every finding id any prober can record is documented in docs/probe.md: a row of the findings table and a section
// of its own (the SARIF rules link to it by id), and nothing is documented that no prober records.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { findingRegistry } from '../../src/probe/findings.js';
import { probers } from '../../src/probe/probers.js';

const page = readFileSync(new URL('../../docs/probe.md', import.meta.url), 'utf8');
const registry = findingRegistry(probers);

test('findings: ids are kebab-case, each with a table row and a section in docs/probe.md', () => {
  for (const [id, meta] of registry) {
    assert.match(id, /^[a-z0-9]+(-[a-z0-9]+)*$/);
    assert.ok(page.includes(`| [\`${id}\`](#${id}) | ${meta.severity} |`), `table row of ${id} with its severity`);
    assert.ok(page.includes(`\n### ${id}\n`), `section of ${id}`);
  }
});

test('findings: docs/probe.md documents no id that nothing records', () => {
  const sections = [...page.matchAll(/^### ([a-z0-9-]+)$/gm)].map((m) => m[1]!);
  const documentedIds = sections.filter((s) => s.includes('-'));
  assert.deepEqual(
    documentedIds.filter((id) => !registry.has(id)),
    [],
  );
});
