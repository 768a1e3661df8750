import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDocument, loadDocumentFromText } from '../../src/document/load.js';
import { isPlainObject, joinPointer } from '../../src/document/pointer.js';
import type { LoadedDocument, NodeRange, SourcePosition } from '../../src/document/types.js';
import { supportedAsyncApiVersions } from '../../src/document/versions.js';
import { assertFixtureFiles, fixtureFiles, officialExampleCount, officialExamplesDir } from '../helpers/corpus.js';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
const fixtures = resolve(projectRoot, 'test/fixtures/documents/load');
const yamlPath = join(fixtures, 'account.yaml');
const jsonPath = join(fixtures, 'account.json');
const yamlText = readFileSync(yamlPath, 'utf8');

/** 1-based line and column of the `nth` occurrence of `needle` in `text`. */
function locate(text: string, needle: string, nth = 1): SourcePosition {
  let at = -1;
  for (let k = 0; k < nth; k++) {
    at = text.indexOf(needle, at + 1);
    assert.notEqual(at, -1, `fixture holds ${JSON.stringify(needle)} ${nth} time(s)`);
  }
  const before = text.slice(0, at);
  const line = before.split('\n').length;
  return { line, column: at - (before.lastIndexOf('\n') + 1) + 1 };
}

/** Every pointer of a JSON value, with whether it is a mapping entry. */
function pointersOf(value: unknown, pointer = '', isEntry = false, out: [string, boolean][] = []): [string, boolean][] {
  out.push([pointer, isEntry]);
  if (Array.isArray(value)) value.forEach((v, i) => pointersOf(v, joinPointer(pointer, i), false, out));
  else if (isPlainObject(value))
    for (const [k, v] of Object.entries(value)) pointersOf(v, joinPointer(pointer, k), true, out);
  return out;
}

function rangeAt(doc: LoadedDocument, pointer: string): NodeRange {
  const r = doc.root.ranges.get(pointer);
  assert.ok(r, `${pointer} has a range`);
  return r;
}

test('load: YAML and JSON forms of one document give equal values', async () => {
  const fromYaml = await loadDocument(yamlPath);
  const fromJson = await loadDocument(jsonPath);
  assert.deepEqual(fromYaml.root.value, fromJson.root.value);
  assert.deepEqual(fromJson.root.value, JSON.parse(readFileSync(jsonPath, 'utf8')));
  assert.equal(fromYaml.asyncapi, '3.0.0');
  assert.equal(fromJson.asyncapi, '3.0.0');
  assert.deepEqual(fromYaml.problems, []);
  assert.deepEqual(fromJson.problems, []);
});

test('load: the loaded value is plain JSON data', async () => {
  const doc = await loadDocument(yamlPath);
  assert.deepEqual(JSON.parse(JSON.stringify(doc.root.value)), doc.root.value);
  assert.equal(Object.getPrototypeOf(doc.root.value), Object.prototype);
});

for (const [name, path] of [
  ['YAML', yamlPath],
  ['JSON', jsonPath],
] as const) {
  test(`load: every node of the ${name} form has a 1-based position, and every entry a key position`, async () => {
    const doc = await loadDocument(path);
    const all = pointersOf(doc.root.value);
    assert.ok(all.length > 50);
    for (const [pointer, isEntry] of all) {
      const r = rangeAt(doc, pointer);
      for (const p of [r.value.start, r.value.end]) {
        assert.ok(Number.isInteger(p.line) && p.line >= 1, `${pointer} line ${p.line}`);
        assert.ok(Number.isInteger(p.column) && p.column >= 1, `${pointer} column ${p.column}`);
      }
      const { start, end } = r.value;
      assert.ok(
        end.line > start.line || (end.line === start.line && end.column >= start.column),
        `${pointer} ends after it starts`,
      );
      if (isEntry) assert.ok(r.key, `${pointer} has a key range`);
      else assert.equal(r.key, undefined, `${pointer} (not a mapping entry) has no key range`);
    }
    assert.equal(doc.root.ranges.size, all.length, 'one range per node, no more');
  });
}

test('load: positions of YAML keys and values are exact', async () => {
  const doc = await loadDocument(yamlPath);
  // A server's security item: the mapping starts at `$ref`, after the dash.
  assert.deepEqual(
    rangeAt(doc, '/servers/production/security/1').value.start,
    locate(yamlText, "$ref: '#/components/securitySchemes/certs'"),
  );
  // …and its `$ref` value is the quoted string.
  assert.deepEqual(
    rangeAt(doc, '/servers/production/security/1/$ref').value.start,
    locate(yamlText, "'#/components/securitySchemes/certs'"),
  );
  assert.deepEqual(
    rangeAt(doc, '/servers/production/security/1/$ref').key?.start,
    locate(yamlText, "$ref: '#/components/securitySchemes/certs'"),
  );
  // A map key via `.key`, including one whose pointer needs escaping.
  assert.deepEqual(rangeAt(doc, '/servers/production').key?.start, locate(yamlText, 'production:'));
  assert.deepEqual(rangeAt(doc, '/channels/user~1signedup').key?.start, locate(yamlText, 'user/signedup:'));
  assert.deepEqual(rangeAt(doc, '/channels/user~1signedup/address').value.start, locate(yamlText, "'user/{userId}"));
  // Flow collections inside block ones.
  assert.deepEqual(
    rangeAt(doc, '/channels/user~1signedup/messages/signedUp/payload/properties/tags/1').value.start,
    locate(yamlText, "'c[d'"),
  );
  assert.deepEqual(
    rangeAt(doc, '/channels/user~1signedup/messages/signedUp/payload/properties/userId/format').key?.start,
    locate(yamlText, 'format: uuid'),
  );
  // An inline 3.x security scheme and its scopes.
  assert.deepEqual(rangeAt(doc, '/operations/onUserSignedUp/security/0').value.start, locate(yamlText, 'type: oauth2'));
  assert.deepEqual(
    rangeAt(doc, '/operations/onUserSignedUp/security/0/scopes/0').value.start,
    locate(yamlText, "'user:read']"),
  );
  // A block scalar value starts at its header.
  assert.deepEqual(rangeAt(doc, '/info/description').value.start, locate(yamlText, '|'));
  // The root spans from the first character.
  assert.deepEqual(rangeAt(doc, '').value.start, { line: 1, column: 1 });
});

test('load: positions of JSON keys and values are exact', async () => {
  const doc = await loadDocument(jsonPath);
  const text = readFileSync(jsonPath, 'utf8');
  assert.deepEqual(rangeAt(doc, '/servers/production').key?.start, locate(text, '"production"'));
  // The second `{` after "security": is item 1.
  const item1 = locate(text, '"$ref": "#/components/securitySchemes/certs"');
  const r = rangeAt(doc, '/servers/production/security/1');
  assert.equal(r.value.start.line, item1.line - 1);
  assert.deepEqual(rangeAt(doc, '/servers/production/security/1/$ref').key?.start, item1);
  assert.deepEqual(rangeAt(doc, '/components/count').value.start, locate(text, '42'));
});

for (const version of supportedAsyncApiVersions) {
  test(`load: detects AsyncAPI ${version}`, async () => {
    for (const text of [
      `asyncapi: ${version}\ninfo: { title: t, version: '1' }\n`,
      `{ "asyncapi": "${version}", "info": { "title": "t", "version": "1" } }`,
    ]) {
      const doc = await loadDocumentFromText(text);
      assert.equal(doc.asyncapi, version);
      assert.equal(doc.major, version.startsWith('2.') ? 2 : 3);
    }
  });
}

test('load: every version from 2.0.0 to 2.6.0, 3.0.0 and 3.1.0 is supported', () => {
  assert.deepEqual(
    [...supportedAsyncApiVersions],
    ['2.0.0', '2.1.0', '2.2.0', '2.3.0', '2.4.0', '2.5.0', '2.6.0', '3.0.0', '3.1.0'],
  );
});

test('load: a UTF-8 BOM is accepted and does not shift any position', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'aag-bom-'));
  try {
    const bomPath = join(dir, 'account.yaml');
    writeFileSync(bomPath, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), readFileSync(yamlPath)]));
    const plain = await loadDocument(yamlPath);
    const withBom = await loadDocument(bomPath);
    const fromText = await loadDocumentFromText('\ufeff' + yamlText);
    assert.deepEqual(withBom.root.value, plain.root.value);
    assert.deepEqual(fromText.root.value, plain.root.value);
    assert.deepEqual([...withBom.root.ranges.entries()], [...plain.root.ranges.entries()]);
    assert.deepEqual([...fromText.root.ranges.entries()], [...plain.root.ranges.entries()]);
    // The first key is at column 1 (an editor does not count the BOM).
    assert.deepEqual(withBom.root.ranges.get('/asyncapi')?.key?.start, { line: 1, column: 1 });
    assert.equal(Object.keys(withBom.root.value as object)[0], 'asyncapi', 'the BOM is not part of the first key');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('load: a BOM does not shift the line and column of an error', async () => {
  const cases = [
    `${'asyncapi: 3.0.0'}\nx: ${'['.repeat(300)}\n`, // too deep (found by the pre-scan)
    `[${'['.repeat(300)}`, // too deep on line 1
    'asyncapi: 3.0.0\na: 1\na: 2\n', // duplicate key
    'a: 1\na: 2\n', // duplicate key on line… 2
    'asyncapi: 3.0.0\nx: "a\\qb"\n', // syntax
    'x: @y\n', // syntax on line 1
    'asyncapi: 4.0.0\n', // version on line 1
  ];
  for (const text of cases) {
    const plain = await loadDocumentFromText(text).then(
      () => undefined,
      (e: unknown) => e as { code: string; line: number; column: number },
    );
    const bom = await loadDocumentFromText('\ufeff' + text).then(
      () => undefined,
      (e: unknown) => e as { code: string; line: number; column: number },
    );
    assert.ok(plain && bom, `both fail: ${JSON.stringify(text.slice(0, 30))}`);
    assert.deepEqual(
      [bom.code, bom.line, bom.column],
      [plain.code, plain.line, plain.column],
      JSON.stringify(text.slice(0, 30)),
    );
    assert.ok(plain.line >= 1 && plain.column >= 1);
  }
});

test('load: loadDocumentFromText and loadDocument agree', async () => {
  for (const path of [yamlPath, jsonPath, join(projectRoot, 'test/fixtures/documents/refs/root.yaml')]) {
    const fromFile = await loadDocument(path);
    const fromText = await loadDocumentFromText(readFileSync(path, 'utf8'), { file: path });
    assert.equal(fromText.root.uri, fromFile.root.uri);
    assert.equal(fromText.asyncapi, fromFile.asyncapi);
    assert.equal(fromText.major, fromFile.major);
    assert.deepEqual(fromText.root.value, fromFile.root.value);
    assert.deepEqual([...fromText.root.ranges.entries()], [...fromFile.root.ranges.entries()]);
    assert.deepEqual([...fromText.files.keys()], [...fromFile.files.keys()]);
    assert.deepEqual(fromText.problems, fromFile.problems);
  }
  // …on errors too.
  const dir = mkdtempSync(join(tmpdir(), 'aag-agree-'));
  try {
    for (const text of [
      'asyncapi: 3.0.0\nx:\n  a: 1\n  a: 2\n',
      `x: ${'{'.repeat(300)}`,
      'asyncapi: 2.7.0\n',
      'nope: 1\n',
    ]) {
      const path = join(dir, 'doc.yaml');
      writeFileSync(path, text);
      const a = await loadDocument(path).catch((e: unknown) => e as Error);
      const b = await loadDocumentFromText(text, { file: path }).catch((e: unknown) => e as Error);
      assert.ok(a instanceof Error && b instanceof Error);
      assert.equal(a.message, b.message);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('load: a relative path is resolved against options.cwd and shown as given', async () => {
  const doc = await loadDocument('account.yaml', { cwd: fixtures });
  assert.equal(doc.root.uri, yamlPath);
  assert.equal(doc.root.displayName, 'account.yaml');
});

test('load: misuse of the API is a TypeError with a Node-style code', async () => {
  await assert.rejects(loadDocument(''), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  await assert.rejects(loadDocument(42 as unknown as string), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  await assert.rejects(loadDocumentFromText(Buffer.from('x') as unknown as string), {
    name: 'TypeError',
    code: 'ERR_INVALID_ARG_TYPE',
  });
});

const examples = fixtureFiles(officialExamplesDir, '.yml');

test('load: the corpus holds official examples of 2.6.0 and 3.0.0', () => {
  assertFixtureFiles(officialExamplesDir, '.yml', officialExampleCount);
  assert.ok(examples.some((f) => f.startsWith('2.6.0__')));
  assert.ok(examples.some((f) => f.startsWith('3.0.0__')));
});

for (const name of examples) {
  test(`load: official example ${name} loads with no problems`, async () => {
    const doc = await loadDocument(join(officialExamplesDir, name));
    assert.equal(doc.asyncapi, name.split('__')[0]);
    // The only thing allowed: remote refs, which are off by default (and no network here).
    for (const p of doc.problems) {
      assert.equal(p.code, 'ERR_DOCUMENT_REF_REMOTE_REFUSED', p.message);
      assert.equal(p.at.file, doc.root.uri);
    }
    assert.equal(doc.files.size, 1);
    for (const [pointer] of pointersOf(doc.root.value))
      assert.ok(doc.root.ranges.has(pointer), `${name}: ${pointer} has a position`);
  });
}
