// Bundles the CLI into one ES module, dist/cli/asyncapi-guard.mjs, which bin/asyncapi-guard.js
// loads. Why: start-up time matters in CI and editors (issue 2: a whole `check` within 3x a bare
// `node -e ''`), and Node 20 spends more time resolving and compiling ~100 small modules
// (ours, `yaml`, `commander`) than running a check on a typical document. One file halves that.
// Left out of the bundle: the per-version schema validators (loaded on demand from
// validators/, one per run) and Ajv (used only when a config file is read).
import { build } from 'esbuild';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outfile = `${root}dist/cli/asyncapi-guard.mjs`;
await build({
  entryPoints: [`${root}src/cli/main.ts`],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // pg and pino are loaded only by the commands that need them (a postgres:// store, the guard).
  external: ['ajv', 'ajv-formats', 'pg', 'pino'],
  // CommonJS dependencies bundled into ESM (commander) still call require() for built-ins.
  banner: {
    js:
      'import { createRequire as __agCreateRequire } from ' +
      "'node:module'; const require = __agCreateRequire(import.meta.url);",
  },
  legalComments: 'none',
  logLevel: 'warning',
});
console.log(`cli bundle: ${(statSync(outfile).size / 1024).toFixed(0)} KiB → dist/cli/asyncapi-guard.mjs`);
