// cli/ holds no logic: it reaches the library only through the public entry point.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const cliDir = fileURLToPath(new URL('../../src/cli/', import.meta.url));

function importSpecifiers(source: string): string[] {
  const specs: string[] = [];
  const re = new RegExp(
    String.raw`(?:^|\n)\s*(?:import|export)\s[^;]*?\sfrom\s+['"]([^'"]+)['"]|` +
      String.raw`(?:^|\n)\s*import\s+['"]([^'"]+)['"]|` +
      String.raw`import\(\s*['"]([^'"]+)['"]\s*\)`,
    'g',
  );
  for (const m of source.matchAll(re)) specs.push((m[1] ?? m[2] ?? m[3])!);
  return specs;
}

describe('cli imports', () => {
  const files = readdirSync(cliDir).filter((f) => f.endsWith('.ts'));

  it('finds the CLI files', () => {
    assert.ok(files.includes('main.ts') && files.includes('check.ts') && files.includes('model.ts'));
  });

  for (const file of files) {
    it(`${file} imports only ../index.js, other cli files, node: built-ins and commander`, () => {
      const specs = importSpecifiers(readFileSync(join(cliDir, file), 'utf8'));
      for (const spec of specs) {
        const ok =
          spec === '../index.js' ||
          /^\.\/[a-z0-9-]+\.js$/.test(spec) ||
          spec.startsWith('node:') ||
          spec === 'commander';
        assert.ok(ok, `${file} imports '${spec}'`);
      }
    });
  }

  it('check.ts and model.ts reach the library through ../index.js', () => {
    for (const file of ['check.ts', 'model.ts'])
      assert.ok(importSpecifiers(readFileSync(join(cliDir, file), 'utf8')).includes('../index.js'), file);
  });

  it('the import scanner sees every kind of import', () => {
    const specs = importSpecifiers(
      "import a from 'x';\nimport type { B } from '../y.js';\nexport { c } from './z.js';\nimport " +
        "'side';\nconst m = await import('dyn');\nimport {\n  d,\n  e,\n} from '../w.js';\n",
    );
    assert.deepEqual(specs, ['x', '../y.js', './z.js', 'side', 'dyn', '../w.js']);
  });
});
