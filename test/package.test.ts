// The published package: `npm pack` gives a tarball that installs into a clean directory and
// runs there (bin and library), and every import path the docs show resolves to real exports.
// Runs after `npm run build` (the test script builds first).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** `import { a, b } from 'asyncapi-guard/x'` lines in README.md and docs/. */
function documentedImports(): { names: string[]; specifier: string; where: string }[] {
  const files = [join(root, 'README.md')];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.name.endsWith('.md')) files.push(join(dir, e.name));
    }
  };
  walk(join(root, 'docs'));
  const out: { names: string[]; specifier: string; where: string }[] = [];
  const re = /import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+'(asyncapi-guard(?:\/[\w-]+)?)'/g;
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(re)) {
      const isType = /import\s+type/.test(m[0]);
      const names = (m[1] as string)
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s && !s.startsWith('type '));
      if (!isType) out.push({ names, specifier: m[2] as string, where: f.slice(root.length + 1) });
    }
  }
  return out;
}

describe('package', { timeout: 240_000 }, () => {
  let work: string;
  let installDir: string;

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'asyncapi-guard-pack-'));
    const packed = execFileSync(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', work], {
      cwd: root,
      encoding: 'utf8',
    });
    const [info] = JSON.parse(packed) as [{ filename: string; files: { path: string }[] }];
    const paths = info.files.map((f) => f.path);
    assert.ok(paths.includes('dist/cli/asyncapi-guard.mjs'), 'the CLI bundle is packed');
    assert.ok(paths.includes('validators/asyncapi-3.0.0.js'), 'the precompiled validators are packed');
    assert.ok(!paths.some((p) => p.startsWith('test/') || p.startsWith('src/')), 'tests and sources stay out');
    installDir = join(work, 'consumer');
    cpSync(join(root, 'examples'), join(installDir, 'examples'), { recursive: true });
    writeFileSync(
      join(installDir, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
    );
    execFileSync(
      npm,
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', join(work, info.filename)],
      { cwd: installDir, stdio: 'pipe' },
    );
  });

  after(() => rmSync(work, { recursive: true, force: true }));

  it('the installed bin checks a document from a clean directory', () => {
    const r = spawnSync(
      join(installDir, 'node_modules/.bin/asyncapi-guard'),
      ['check', 'examples/streetlights/asyncapi.yaml', '--format', 'json'],
      { cwd: installDir, encoding: 'utf8' },
    );
    assert.equal(r.status, 1, r.stderr);
    const result = JSON.parse(r.stdout) as { asyncapi: string; summary: { errors: number } };
    assert.equal(result.asyncapi, '3.0.0');
    assert.ok(result.summary.errors > 0);
  });

  it('the installed library exports the documented API', () => {
    const script = [
      "import * as main from 'asyncapi-guard';",
      "import * as check from 'asyncapi-guard/check';",
      "import * as model from 'asyncapi-guard/model';",
      "const doc = await main.loadDocument('examples/streetlights/asyncapi.yaml');",
      'const m = main.buildModel(doc);',
      "const r = await main.checkDocument('examples/streetlights/asyncapi.yaml');",
      'console.log(JSON.stringify({ servers: m.servers.length, errors: r.summary.errors, check: typeof ' +
        'check.checkDocument, model: typeof model.buildModel, rules: Object.keys(main.rules).length }));',
    ].join('\n');
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: installDir,
      encoding: 'utf8',
    });
    const got = JSON.parse(out) as Record<string, unknown>;
    assert.equal(got.servers, 5);
    assert.ok((got.errors as number) > 0);
    assert.equal(got.check, 'function');
    assert.equal(got.model, 'function');
    assert.ok((got.rules as number) >= 15);
  });

  it('every import shown in README.md and docs/ resolves to real exports', () => {
    const imports = documentedImports();
    assert.ok(imports.length > 0, 'the docs show at least one import');
    for (const { names, specifier, where } of imports) {
      const script =
        `const m = await import(${JSON.stringify(specifier)}); const missing = ` +
        `${JSON.stringify(names)}.filter((n) => !(n.split(/\\s+as\\s+/)[0] ` +
        `in m)); console.log(JSON.stringify(missing));`;
      const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
        cwd: installDir,
        encoding: 'utf8',
      });
      assert.deepEqual(JSON.parse(out), [], `${where}: import { … } from '${specifier}'`);
    }
  });
});
