// document-load has no `check`: the engine emits it when loading fails. So this test runs
// the engine on files that cannot be loaded, instead of the rule tester's loaded documents.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkDocument } from '../../../src/check/run.js';
import { documentLoad } from '../../../src/check/rules/document-load.js';
import { ruleTester, v2, v3 } from '../rule-tester.js';

// Its check function reports nothing on any loaded document.
ruleTester(documentLoad, {
  valid: [
    { name: '3.x: a loaded document', doc: v3`channels: {}` },
    { name: '2.x: a loaded document', doc: v2`channels: {}` },
  ],
  invalid: [],
});

describe('document-load (emitted by the engine)', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'guard-document-load-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const write = async (name: string, text: string): Promise<string> => {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  };

  it('a malformed YAML file gives a fatal result with one document-load error at its position', async () => {
    const path = await write('broken.yaml', 'asyncapi: 3.0.0\ninfo: {title: t, version: "1"\nchannels: {}\n');
    const result = await checkDocument(path);
    assert.equal(result.fatal?.code, 'ERR_DOCUMENT_SYNTAX');
    assert.equal(result.asyncapi, null);
    assert.equal(result.diagnostics.length, 1);
    const d = result.diagnostics[0]!;
    assert.equal(d.rule, 'document-load');
    assert.equal(d.severity, 'error');
    assert.ok(d.range !== null && d.range.start.line >= 2, 'the position of the syntax error');
    assert.match(d.message, /\(ERR_DOCUMENT_SYNTAX\)$/);
    assert.deepEqual(result.summary, { errors: 1, warnings: 0, infos: 0 });
  });

  it('an unsupported version points at the asyncapi field', async () => {
    const path = await write('version.yaml', "asyncapi: 9.9.9\ninfo: {title: t, version: '1'}\n");
    const result = await checkDocument(path);
    assert.equal(result.fatal?.code, 'ERR_DOCUMENT_VERSION_UNSUPPORTED');
    const d = result.diagnostics[0]!;
    assert.equal(d.pointer, '/asyncapi');
    assert.deepEqual(d.range?.start, { line: 1, column: 11 });
  });

  it('a missing file is fatal, and the file is named as given', async () => {
    const path = join(dir, 'missing.yaml');
    const result = await checkDocument(path);
    assert.equal(result.fatal?.code, 'ERR_DOCUMENT_READ');
    assert.equal(result.document, path);
    assert.equal(result.diagnostics[0]?.rule, 'document-load');
  });

  it('its severity can be overridden; off drops the diagnostic but the result stays fatal', async () => {
    const path = await write('not-asyncapi.yaml', 'openapi: 3.1.0\n');
    const warned = await checkDocument(path, { rules: { 'document-load': 'warning' } });
    assert.equal(warned.diagnostics[0]?.severity, 'warning');
    assert.deepEqual(warned.summary, { errors: 0, warnings: 1, infos: 0 });
    const off = await checkDocument(path, { rules: { 'document-load': 'off' } });
    assert.equal(off.diagnostics.length, 0);
    assert.equal(off.fatal?.code, 'ERR_DOCUMENT_NOT_ASYNCAPI');
  });
});
