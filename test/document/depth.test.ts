import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import '../helpers/property.js'; // one seed per file, printed; FC_SEED=<n> replays it
import { stringify } from 'yaml';
import { scanNestingDepth } from '../../src/document/depth.js';
import { loadDocument, loadDocumentFromText } from '../../src/document/load.js';
import { assertFixtureFiles, fixtureFiles, officialExampleCount, officialExamplesDir } from '../helpers/corpus.js';

/** Collections on the deepest path: 0 for a scalar, 1 for `[]` or `{"a": 1}`. */
function trueDepth(value: unknown): number {
  if (Array.isArray(value)) return 1 + Math.max(0, ...value.map(trueDepth));
  if (value !== null && typeof value === 'object') return 1 + Math.max(0, ...Object.values(value).map(trueDepth));
  return 0;
}

const violates = (text: string, maxDepth: number): boolean => scanNestingDepth(text, maxDepth) !== null;

// Nested JSON that goes deeper than fc.jsonValue's defaults: a chain of containers with
// ordinary JSON values (strings full of brackets and quotes included) beside each link.
const { deepValue } = fc.letrec((tie) => ({
  deepValue: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.jsonValue({ maxDepth: 2 }),
    fc.array(tie('deepValue'), { maxLength: 3 }),
    fc.dictionary(fc.string(), tie('deepValue'), { maxKeys: 3 }),
  ),
}));
const chain = fc
  .tuple(fc.array(fc.boolean(), { minLength: 1, maxLength: 60 }), fc.jsonValue({ maxDepth: 2 }), fc.string())
  .map(([links, inner, key]) =>
    links.reduce<unknown>((acc, isArray) => (isArray ? [inner, acc] : { [key]: acc, [key + '\u0000']: inner }), inner),
  );
const nestedJson = fc.oneof(deepValue, chain);
const indent = fc.constantFrom<number | string | undefined>(undefined, 0, 1, 2, '\t');

test('depth: never under-estimates the nesting of generated JSON, and is exact for it', () => {
  fc.assert(
    fc.property(nestedJson, indent, (value, space) => {
      const text = JSON.stringify(value, null, space);
      const depth = trueDepth(value);
      if (depth > 0) {
        const v = scanNestingDepth(text, depth - 1);
        assert.ok(v !== null, `depth ${depth} not seen in ${text}`);
        assert.ok(v.depth >= depth);
      }
      // A scalar at the root counts as one level (the scan cannot tell it from a mapping).
      assert.equal(scanNestingDepth(text, Math.max(depth, 1)), null, `over-estimated depth ${depth} in ${text}`);
    }),
    { numRuns: 600 },
  );
});

test('depth: never under-estimates the nesting of the same values written as block YAML', () => {
  fc.assert(
    fc.property(nestedJson, fc.boolean(), (value, indentSeq) => {
      const text = stringify(value, { indentSeq, aliasDuplicateObjects: false });
      const depth = trueDepth(value);
      if (depth > 0) assert.ok(violates(text, depth - 1), `depth ${depth} not seen in\n${text}`);
    }),
    { numRuns: 400 },
  );
});

test('depth: the loader agrees with the true depth of generated JSON at the limit', async () => {
  await fc.assert(
    fc.asyncProperty(chain, async (value) => {
      const depth = trueDepth(value);
      const text = JSON.stringify({ asyncapi: '3.0.0', x: value });
      // Root object = 1 level, so x's value nests depth + 1.
      await loadDocumentFromText(text, { maxDepth: depth + 1 });
      await assert.rejects(loadDocumentFromText(text, { maxDepth: depth }), { code: 'ERR_DOCUMENT_TOO_DEEP' });
    }),
    { numRuns: 150 },
  );
});

test('depth: brackets inside quoted strings are not structure', () => {
  assert.equal(scanNestingDepth(`x: "${'['.repeat(50)}"\ny: '${'{'.repeat(50)}'\n`, 3), null);
  assert.equal(scanNestingDepth(`x: ["a]]]]", 'b[[[[', "c\\"[[[["]\n`, 3), null);
  assert.equal(scanNestingDepth(`{"a": "${'['.repeat(50)}", "b": "\\\\"}`, 1), null);
  // …including a string that runs over lines.
  assert.equal(scanNestingDepth(`x: "line one [[[[\n  line two [[[["\ny: 1\n`, 2), null);
});

test('depth: comments are not structure, wherever they stand', () => {
  assert.equal(scanNestingDepth(`# ${'['.repeat(50)}\nx: 1 # ${'{'.repeat(50)}\ny: [1, # [[[[\n  2]\n`, 2), null);
  // `#` inside a plain scalar is not a comment: what follows still counts.
  assert.ok(violates(`x: a#b ${'['.repeat(5)}\n`, 10) === false, 'a[ in a plain scalar is not a flow start');
});

test('depth: brackets inside plain scalars are not structure', () => {
  assert.equal(scanNestingDepth(`x: a${'['.repeat(50)}\ny: see [1] and {2}\nurl: /a/{id}/[b]\n`, 2), null);
  // …and a quote inside a plain scalar does not start a string that would hide what follows.
  assert.ok(violates(`d: it's\nb: ${'['.repeat(20)}\nc: 'x'\n`, 10));
  assert.ok(violates(`d: 5" screen\nb: ${'['.repeat(20)}\nc: "x"\n`, 10));
});

test('depth: block scalar content is not structure', () => {
  const body = `${'['.repeat(50)} it's "quoted ${'{'.repeat(50)}`;
  for (const header of ['|', '>', '|-', '>+', '|2', '>-2', '| # comment']) {
    assert.equal(scanNestingDepth(`a:\n  b: ${header}\n    ${body}\n\n    more ${body}\n  c: 1\n`, 3), null, header);
    assert.equal(scanNestingDepth(`a:\n  - ${header}\n    ${body}\n  - |\n   ${body}\n`, 4), null, `- ${header}`);
    assert.equal(scanNestingDepth(`a:\n  - b: ${header}\n      ${body}\n`, 4), null, `- b: ${header}`);
  }
  assert.equal(scanNestingDepth(`description: |\n  ${body}\n`, 1), null);
  // Where the scalar ends, structure counts again.
  assert.ok(violates(`a: |\n  text\nb: ${'['.repeat(20)}\n`, 10));
  // A line less indented than the scalar's first line ends it, even if it is still indented.
  assert.ok(violates(`a: |\n      text\n  b: ${'['.repeat(20)}\n`, 10));
  // `|` inside a plain scalar or a flow collection is not a header.
  assert.ok(violates(`a: x |\n  b: ${'['.repeat(20)}\n`, 10));
});

test('depth: anchors and tags before a flow collection do not hide it', () => {
  for (const props of ['&a ', '!!seq ', '!t &a ', '&a !t ']) {
    assert.ok(violates(`x: ${props}${'['.repeat(20)}${']'.repeat(20)}\n`, 10), props);
    assert.ok(violates(`- ${props}${'['.repeat(20)}${']'.repeat(20)}\n`, 10), `- ${props}`);
  }
});

test('depth: block nesting counts indentation levels and compact sequences', () => {
  const maps = Array.from({ length: 30 }, (_, i) => `${'  '.repeat(i)}k${i}:`).join('\n');
  const v = scanNestingDepth(maps, 20);
  assert.ok(v !== null);
  assert.equal(v.depth, 21);
  assert.equal(v.offset, maps.indexOf('k20:'));
  assert.ok(violates(`${'- '.repeat(30)}x\n`, 20));
  assert.equal(scanNestingDepth('a:\n  b:\n    c: 1\nd:\n  e: 1\n', 3), null);
});

test('depth: the offset points at the bracket that passes the limit', () => {
  const text = `a: 1\nb: ${'['.repeat(10)}`;
  assert.deepEqual(scanNestingDepth(text, 5), { depth: 6, offset: text.indexOf('[') + 4 });
  const json = `  ${'['.repeat(10)}`;
  assert.deepEqual(scanNestingDepth(json, 5), { depth: 6, offset: 2 + 5 });
});

test('depth: on the official examples, the scan is exact or one level over', async () => {
  const dir = officialExamplesDir;
  assertFixtureFiles(dir, '.yml', officialExampleCount);
  for (const name of fixtureFiles(dir, '.yml')) {
    const text = readFileSync(join(dir, name), 'utf8');
    const depth = trueDepth((await loadDocument(join(dir, name))).root.value);
    assert.ok(violates(text, depth - 1), `${name}: depth ${depth} seen`);
    assert.equal(scanNestingDepth(text, depth + 1), null, `${name}: at most one level over ${depth}`);
  }
});
