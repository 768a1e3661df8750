// Every rule has a registry line, a docs page with the fixed headings, a test file, and
// examples that behave as their headings say (run through the real engine).
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkDocument } from '../../src/check/run.js';
import { rules } from '../../src/check/rules/index.js';

const root = new URL('../../', import.meta.url).pathname;
const headings = [
  'What it checks',
  'Why it matters',
  'Failing example',
  'Passing example',
  'Options',
  'When to turn it off',
];

/** The first fenced yaml block after `## heading`. */
function exampleAfter(page: string, heading: string): string | undefined {
  const at = page.indexOf(`\n## ${heading}\n`);
  if (at === -1) return undefined;
  const m = /```yaml\n([\s\S]*?)```/.exec(page.slice(at));
  return m?.[1];
}

describe('rule registry', () => {
  it('is sorted by id', () => {
    const ids = Object.keys(rules);
    assert.deepEqual(ids, [...ids].sort());
  });

  it('registers every file of src/check/rules/ (index.ts aside), under its basename', async () => {
    const files = (await readdir(join(root, 'src/check/rules'))).filter((f) => f.endsWith('.ts') && f !== 'index.ts');
    assert.deepEqual(files.map((f) => f.slice(0, -3)).sort(), Object.keys(rules).sort());
  });

  it('docs/rules/README.md lists every rule once, with its default severity', async () => {
    const readme = await readFile(join(root, 'docs/rules/README.md'), 'utf8');
    const rows = [...readme.matchAll(/^\| \[([a-z0-9-]+)\]\(([a-z0-9-]+)\.md\) \| (error|warning|info) \|/gm)];
    assert.deepEqual(rows.map((r) => r[1]).sort(), Object.keys(rules).sort());
    for (const [, id, file, severity] of rows) {
      assert.equal(file, id);
      assert.equal(severity, rules[id as keyof typeof rules].meta.severity, `${id} severity in README`);
    }
  });
});

describe('every rule', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'guard-rules-meta-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Run an example as a file through checkDocument (load errors included). */
  const runExample = async (name: string, yaml: string) => {
    const path = join(dir, name);
    await writeFile(path, yaml);
    return checkDocument(path, { load: { cwd: dir } });
  };

  for (const [id, rule] of Object.entries(rules)) {
    describe(id, () => {
      it('has id == key, a one-line description, its docs path and messages', () => {
        assert.equal(rule.meta.id, id);
        assert.match(id, /^[a-z0-9]+(-[a-z0-9]+)*$/);
        assert.equal(rule.meta.docs, `docs/rules/${id}.md`);
        assert.ok(rule.meta.description.length > 0 && !rule.meta.description.includes('\n'));
        assert.ok(Object.keys(rule.meta.messages).length > 0);
      });

      it('has a test file', () => {
        assert.ok(existsSync(join(root, `test/check/rules/${id}.test.ts`)), `test/check/rules/${id}.test.ts`);
      });

      it('has a docs page with exactly the fixed headings, in order, and its default severity', async () => {
        const page = await readFile(join(root, rule.meta.docs), 'utf8');
        assert.ok(page.startsWith(`# ${id}\n`), 'title is the rule id');
        const found = [...page.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
        assert.deepEqual(found, headings);
        assert.match(page, new RegExp(`^Default severity: \\*\\*${rule.meta.severity}\\*\\*`, 'm'));
      });

      it('its failing example produces this rule, its passing example does not', async () => {
        const page = await readFile(join(root, rule.meta.docs), 'utf8');
        const failing = exampleAfter(page, 'Failing example');
        const passing = exampleAfter(page, 'Passing example');
        assert.ok(failing !== undefined && passing !== undefined, 'both examples are yaml blocks');
        const bad = await runExample(`${id}-failing.yaml`, failing);
        assert.ok(
          bad.diagnostics.some((d) => d.rule === id),
          `failing example gives no ${id}:\n${JSON.stringify(bad.diagnostics, null, 2)}`,
        );
        const good = await runExample(`${id}-passing.yaml`, passing);
        assert.deepEqual(
          good.diagnostics.filter((d) => d.rule === id),
          [],
          'passing example',
        );
        assert.equal(good.fatal, undefined);
      });
    });
  }
});
