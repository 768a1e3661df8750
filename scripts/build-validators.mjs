// Precompiles the official AsyncAPI JSON schemas (@asyncapi/specs) into one self-contained
// validator module per version: validators/asyncapi-<version>.js, plus validators/index.json.
//
// Why at build time: compiling the 3.x bundle with Ajv takes about a second and pulls Ajv in
// at start-up; a precompiled module loads in a few milliseconds and needs no Ajv at run time.
// Steps per version: read the bundle → apply the parser-js adjustments → drop annotations →
// Ajv standalone code (ESM) → esbuild bundles the runtime helpers it `require`s (ajv-formats,
// ajv/dist/runtime/*) so the result imports nothing. Output is deterministic for a given
// node_modules. Versions compile in parallel worker threads (one per core, at most 4).
//
// Usage: node scripts/build-validators.mjs        (run by `npm run build`)

import { createRequire } from 'node:module';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort } from 'node:worker_threads';
import { gzipSync } from 'node:zlib';

/** Keep in step with src/document/versions.ts (a test checks index.json against it). */
const versions = ['2.0.0', '2.1.0', '2.2.0', '2.3.0', '2.4.0', '2.5.0', '2.6.0', '3.0.0', '3.1.0'];

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const outDir = join(root, 'validators');

if (isMainThread) {
  await main();
} else {
  parentPort.on('message', (version) => {
    try {
      parentPort.postMessage({ version, ...generate(version) });
    } catch (err) {
      parentPort.postMessage({ version, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    }
  });
}

async function main() {
  const started = performance.now();
  const specsDir = dirname(require.resolve('@asyncapi/specs/package.json'));
  for (const v of versions) statSync(join(specsDir, 'schemas', `${v}.json`)); // fail early, with the path

  const sources = await compileAll(versions);
  const compiled = performance.now();

  // esbuild inlines what the standalone code `require`s; one call builds every version.
  const esbuild = await import('esbuild');
  const tmp = mkdtempSync(join(tmpdir(), 'asyncapi-guard-validators-'));
  try {
    for (const v of versions) writeFileSync(join(tmp, `asyncapi-${v}.mjs`), sources.get(v));
    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(outDir, { recursive: true });
    await esbuild.build({
      entryPoints: versions.map((v) => join(tmp, `asyncapi-${v}.mjs`)),
      outdir: outDir,
      outExtension: { '.js': '.js' },
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      minify: true, // halves the size; the module is parsed at every `check` start
      legalComments: 'none',
      absWorkingDir: root,
      nodePaths: [join(root, 'node_modules')],
      logLevel: 'warning',
    });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }

  const pkg = (name) => JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')).version;
  const index = {
    generatedBy: 'scripts/build-validators.mjs',
    specs: `@asyncapi/specs@${pkg('@asyncapi/specs')}`,
    ajv: `ajv@${pkg('ajv')}`,
    ajvFormats: `ajv-formats@${pkg('ajv-formats')}`,
    versions,
    files: Object.fromEntries(versions.map((v) => [v, `asyncapi-${v}.js`])),
  };
  writeFileSync(join(outDir, 'index.json'), JSON.stringify(index, null, 2) + '\n');

  let total = 0;
  for (const v of versions) {
    const bytes = readFileSync(join(outDir, `asyncapi-${v}.js`));
    total += bytes.length;
    console.log(
      `  validators/asyncapi-${v}.js  ${kib(bytes.length).padStart(9)}  (gzip ${kib(gzipSync(bytes).length)})`,
    );
  }
  const ms = (x) => `${Math.round(x)} ms`;
  console.log(
    `built ${versions.length} validators, ${kib(total)} in all: compile ` +
      `${ms(compiled - started)}, bundle ${ms(performance.now() - compiled)}`,
  );
}

function kib(n) {
  return `${(n / 1024).toFixed(1)} KiB`;
}

/** Runs `generate` for every version in a small pool of worker threads. */
function compileAll(list) {
  const poolSize = Math.max(1, Math.min(4, availableParallelism(), list.length));
  const queue = [...list];
  const results = new Map();
  return new Promise((resolve, reject) => {
    let running = 0;
    let failed = false;
    const next = (worker) => {
      const v = queue.shift();
      if (v === undefined) {
        void worker.terminate();
        if (--running === 0 && !failed) resolve(results);
        return;
      }
      worker.postMessage(v);
    };
    for (let i = 0; i < poolSize; i++) {
      const worker = new Worker(fileURLToPath(import.meta.url));
      running++;
      worker.on('message', (msg) => {
        if (msg.error) {
          failed = true;
          void worker.terminate();
          reject(new Error(`AsyncAPI ${msg.version}: ${msg.error}`));
          return;
        }
        results.set(msg.version, msg.code);
        next(worker);
      });
      worker.on('error', (err) => {
        failed = true;
        reject(err);
      });
      next(worker);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// One version: schema → standalone ESM source (runs inside a worker).

function generate(version) {
  const Ajv = require('ajv').default;
  const addFormats = require('ajv-formats').default;
  const standaloneCode = require('ajv/dist/standalone').default;

  const specsDir = dirname(require.resolve('@asyncapi/specs/package.json'));
  const bundle = JSON.parse(readFileSync(join(specsDir, 'schemas', `${version}.json`), 'utf8'));

  // Ajv already has the draft-07 meta-schema and throws "resolves to more than one schema"
  // when the bundle brings its own copy (parser-js documentStructure.ts deletes them too).
  delete bundle.definitions['http://json-schema.org/draft-07/schema'];
  delete bundle.definitions['http://json-schema.org/draft-04/schema'];

  // parser-js (ruleset/functions/documentStructure.ts) deletes `format: uri-reference` from the
  // Reference object's `$ref` (ReferenceObject.json), so that pointers with characters RFC 3986
  // does not allow, such as `[` and `]` (valid JSON pointer segments), pass. We do the same, for
  // every ReferenceObject definition in the bundle (3.1.0 also carries the 3.0.0 one).
  for (const [id, def] of Object.entries(bundle.definitions)) {
    if (id.endsWith('/ReferenceObject.json') && def.format === 'uri-reference') delete def.format;
  }

  const schema = stripAnnotations(bundle);
  const meta = securityMeta(schema, version);

  const ajv = new Ajv({
    strict: false, // the bundles use keywords Ajv does not know (x-…, discriminator, …)
    allErrors: true, // one run reports every problem; the explainer groups them
    messages: false, // src/document/schema.ts phrases every finding itself
    code: { source: true, esm: true },
  });
  addFormats(ajv); // uri, uri-reference, email, …; also sets the `require` the code uses for them
  ajv.addSchema(schema);

  // Besides the whole-document validator, export the Reference definition and every leaf of the
  // Security Scheme `oneOf`: the explainer re-runs the one branch whose `type` matches the data,
  // so a broken scheme yields that branch's errors instead of all thirteen branches' errors.
  const refs = { validate: schema.$id, reference: meta.reference };
  meta.reference = 'reference';
  meta.branches.forEach((b, i) => {
    refs[`scheme${i}`] = b.export;
    b.export = `scheme${i}`;
  });

  const code = standaloneCode(ajv, refs);
  return { code: `${code}\nexport const meta = ${JSON.stringify(meta)};\n` };
}

// Annotation keywords do not change what validates, but Ajv's standalone code embeds the
// schema objects it reads enum lists from, so dropping them shrinks the output by ~20 %.
const annotations = new Set([
  'description',
  'title',
  'examples',
  'example',
  '$comment',
  'default',
  'readOnly',
  'writeOnly',
]);
const schemaMaps = new Set(['properties', 'patternProperties', 'definitions', 'dependencies']);
const schemaValues = new Set([
  'additionalItems',
  'additionalProperties',
  'contains',
  'propertyNames',
  'not',
  'if',
  'then',
  'else',
  'items',
]);
const schemaLists = new Set(['allOf', 'anyOf', 'oneOf', 'items']);

function stripAnnotations(schema) {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return schema;
  const out = {};
  for (const [k, v] of Object.entries(schema)) {
    if (annotations.has(k)) continue;
    if (schemaMaps.has(k) && v !== null && typeof v === 'object' && !Array.isArray(v)) {
      out[k] = Object.fromEntries(
        Object.entries(v).map(([name, s]) => [name, Array.isArray(s) ? s : stripAnnotations(s)]),
      );
    } else if (schemaLists.has(k) && Array.isArray(v)) {
      out[k] = v.map(stripAnnotations);
    } else if (schemaValues.has(k)) {
      out[k] = stripAnnotations(v);
    } else {
      out[k] = v;
    }
  }
  return out;
}

/**
 * What the explainer needs to know about this version's Security Scheme definitions, read from
 * the schema itself rather than written by hand: the leaf branches of the Security Scheme
 * `oneOf` (through the nested HTTP and SASL `oneOf`s), each with its `type` values, the `scheme`
 * condition that splits `http` into bearer / non-bearer, its fields and their enums, and the
 * fields its `not` clauses forbid (oauth2 flows), keyed by Ajv's schemaPath inside that definition.
 */
function securityMeta(schema, version) {
  const defs = schema.definitions;
  const def = (id) => {
    const d = defs[id];
    if (!d) throw new Error(`definition ${id} not found`);
    return d;
  };
  const base = `http://asyncapi.com/definitions/${version}/`;
  const slot = def(`${base}components.json`).properties.securitySchemes;
  const slotSchema = slot.patternProperties ? Object.values(slot.patternProperties)[0] : slot.additionalProperties;
  const alternatives = slotSchema.oneOf.map((s) => s.$ref);
  const reference = alternatives.find((id) => id.endsWith('/Reference.json'));
  const securityScheme = alternatives.find((id) => id !== reference);
  if (!reference || !securityScheme)
    throw new Error('components.securitySchemes is not oneOf [Reference, SecurityScheme]');

  const branches = [];
  const visit = (id) => {
    const d = def(id);
    if (Array.isArray(d.oneOf) && !d.properties) {
      for (const s of d.oneOf) visit(s.$ref);
      return;
    }
    const types = d.properties?.type?.enum;
    if (!Array.isArray(types)) throw new Error(`${id}: no type enum`);
    const branch = {
      export: id,
      definition: id.slice(id.lastIndexOf('/') + 1).replace(/\.json$/, ''),
      types,
      properties: Object.keys(d.properties),
      required: d.required ?? [],
      closed: d.additionalProperties === false,
      enums: Object.fromEntries(
        Object.entries(d.properties)
          .filter(([name, s]) => name !== 'type' && Array.isArray(s?.enum))
          .map(([name, s]) => [name, s.enum]),
      ),
      forbidden: {},
    };
    const is = d.properties?.scheme?.enum;
    const not = d.not?.properties?.scheme?.enum;
    if (Array.isArray(is)) branch.scheme = { is };
    else if (Array.isArray(not)) branch.scheme = { not };
    const flows = d.properties?.flows?.properties;
    if (flows) branch.flows = Object.keys(flows);
    collectForbidden(d, '#', branch.forbidden);
    branches.push(branch);
  };
  visit(securityScheme);

  const types = [...new Set(branches.flatMap((b) => b.types))];
  const ext = def(`${base}userPassword.json`).patternProperties;
  return {
    version,
    major: Number(version.split('.')[0]),
    reference,
    types,
    extensionPattern: ext ? Object.keys(ext)[0] : '^x-',
    branches,
  };
}

function collectForbidden(node, path, out) {
  if (node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    node.forEach((n, i) => collectForbidden(n, `${path}/${i}`, out));
    return;
  }
  for (const [k, v] of Object.entries(node)) {
    const p = `${path}/${encodeURIComponent(k.replace(/~/g, '~0').replace(/\//g, '~1'))}`;
    if (k === 'not' && v && Array.isArray(v.required) && Object.keys(v).length === 1) out[p] = v.required;
    else collectForbidden(v, p, out);
  }
}
