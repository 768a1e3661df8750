// Property: whatever the text, loadDocumentFromText returns a LoadedDocument or throws a
// DocumentError, never another exception type (no TypeError from a library, no RangeError
// from a stack, no stack trace for the user). fast-check prints the seed of a failure.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import '../helpers/property.js'; // one seed per file, printed; FC_SEED=<n> replays it
import { DocumentError } from '../../src/errors.js';
import { loadDocumentFromText } from '../../src/document/load.js';
import { findRefs } from '../../src/document/refs.js';
import { officialExamplesDir } from '../helpers/corpus.js';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
// Relative refs in generated text resolve in an empty folder, not in the project.
const dir = mkdtempSync(join(tmpdir(), 'aag-fuzz-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'fuzz.yaml');

const samples = [
  readFileSync(resolve(projectRoot, 'test/fixtures/documents/load/account.yaml'), 'utf8'),
  readFileSync(resolve(projectRoot, 'test/fixtures/documents/load/account.json'), 'utf8').slice(0, 1500),
  readFileSync(join(officialExamplesDir, '2.6.0__streetlights-mqtt-asyncapi.yml'), 'utf8').slice(0, 3000),
];

// Pieces of YAML that matter to a parser, a depth scan, an alias counter or a ref resolver.
const pieces = [
  '[',
  ']',
  '{',
  '}',
  ':',
  ': ',
  '- ',
  '-',
  ',',
  '?',
  '? ',
  '#',
  ' #',
  '&a ',
  '*a',
  '&b ',
  '*b',
  '!!str ',
  '!!binary ',
  '!t ',
  '|',
  '|-',
  '>',
  '>2',
  "'",
  "''",
  '"',
  '\\',
  '\\u',
  '\n',
  '\r\n',
  '  ',
  '    ',
  '\t',
  '%YAML 1.1\n',
  '%TAG ! !foo\n',
  '---\n',
  '...\n',
  'asyncapi: 3.0.0\n',
  'asyncapi: 2.6.0\n',
  '$ref: ',
  "'#/a'",
  "'#'",
  "'./x.yaml#/a'",
  "'http://127.0.0.1:9/x'",
  "'file:///nonexistent'",
  "'%zz'",
  "'#/%zz'",
  "'ftp:x'",
  "'#a'",
  "'http://a b'",
  'x',
  'a',
  '1',
  '0x1f',
  '.inf',
  'null',
  '~',
  'true',
  '<<',
  '__proto__',
  'constructor',
  '\ufeff',
  '\u2028',
  '\u0000',
  '😀',
  'é',
];
const yamlish = fc.array(fc.constantFrom(...pieces), { maxLength: 60 }).map((p) => p.join(''));

/** A sample document with a few random edits: insert a piece, delete a span, cut the end. */
const mutated = fc
  .tuple(
    fc.constantFrom(...samples),
    fc.array(
      fc.tuple(
        fc.nat(),
        fc.constantFrom('insert', 'delete', 'cut'),
        fc.constantFrom(...pieces),
        fc.integer({ min: 1, max: 20 }),
      ),
      { minLength: 1, maxLength: 6 },
    ),
  )
  .map(([text, edits]) => {
    let out = text;
    for (const [at, kind, piece, len] of edits) {
      const i = at % (out.length + 1);
      if (kind === 'insert') out = out.slice(0, i) + piece + out.slice(i);
      else if (kind === 'delete') out = out.slice(0, i) + out.slice(i + len);
      else out = out.slice(0, i);
    }
    return out;
  });

/** An AsyncAPI header, so the text gets past version detection into refs. */
const withRefs = fc
  .tuple(
    fc.constantFrom('asyncapi: 3.0.0\n', 'asyncapi: 2.6.0\n', '{"asyncapi": "3.1.0", '),
    fc.array(fc.oneof(fc.constantFrom(...pieces), fc.string()), { maxLength: 12 }),
  )
  .map(([head, refs]) =>
    head.startsWith('{')
      ? head + refs.map((r, i) => `"r${i}": {"$ref": ${JSON.stringify(r)}}`).join(', ') + '}'
      : head + 'x:\n' + refs.map((r, i) => `  r${i}:\n    $ref: ${JSON.stringify(r)}\n`).join(''),
  );

const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ maxLength: 300 }),
  fc.json(),
  yamlish,
  mutated,
  withRefs,
);

test('fuzz: loadDocumentFromText on any text returns or throws a DocumentError, nothing else', async () => {
  let loaded = 0;
  let rejected = 0;
  await fc.assert(
    fc.asyncProperty(anyText, async (text) => {
      let doc;
      try {
        doc = await loadDocumentFromText(text, { file });
      } catch (err) {
        assert.ok(err instanceof DocumentError, `not a DocumentError: ${(err as Error)?.stack ?? String(err)}`);
        assert.ok(err.message.endsWith(`(${err.code})`));
        assert.doesNotMatch(err.message, /\n\s+at /);
        rejected++;
        return;
      }
      loaded++;
      // What loaded is usable: plain JSON, every ref resolvable without an exception.
      assert.doesNotThrow(() => JSON.stringify(doc.root.value));
      for (const f of doc.files.values()) {
        for (const r of findRefs(f.value)) {
          const res = doc.resolve(r.ref, f);
          assert.equal(typeof res.ok, 'boolean');
        }
      }
      for (const p of doc.problems) assert.equal(typeof p.message, 'string');
    }),
    { numRuns: 1500 },
  );
  // The generators reach both outcomes (else the property says little).
  assert.ok(loaded > 50, `${loaded} loaded`);
  assert.ok(rejected > 50, `${rejected} rejected`);
});
