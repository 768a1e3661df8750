import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { expandDocumentArgs, expandGlob } from '../../src/check/glob.js';
import { UsageError } from '../../src/errors.js';

describe('document arguments: glob expansion', () => {
  const root = mkdtempSync(join(tmpdir(), 'guard-glob-'));
  before(() => {
    for (const f of [
      'a.yaml',
      'b.yml',
      'c.json',
      '.hidden.yaml',
      'docs/x.yaml',
      'docs/deep/y.yaml',
      'docs/deep/z.txt',
      'node_modules/p/n.yaml',
      '.git/g.yaml',
      'a1.yaml',
      'a22.yaml',
    ]) {
      mkdirSync(join(root, f, '..'), { recursive: true });
      writeFileSync(join(root, f), '');
    }
    symlinkSync(join(root, 'docs'), join(root, 'docs', 'deep', 'loop'));
  });

  it('* matches within a segment and skips hidden files', async () => {
    assert.deepEqual(await expandGlob('*.yaml', root), ['a.yaml', 'a1.yaml', 'a22.yaml']);
    assert.deepEqual(await expandGlob('.*.yaml', root), ['.hidden.yaml']);
  });

  it('? matches one character', async () => {
    assert.deepEqual(await expandGlob('a?.yaml', root), ['a1.yaml']);
  });

  it('** matches zero or more directories, not through symlinks, not into node_modules or hidden folders', async () => {
    assert.deepEqual(await expandGlob('**/*.yaml', root), [
      'a.yaml',
      'a1.yaml',
      'a22.yaml',
      'docs/deep/y.yaml',
      'docs/x.yaml',
    ]);
    assert.deepEqual(await expandGlob('docs/**/*.yaml', root), ['docs/deep/y.yaml', 'docs/x.yaml']);
  });

  it('keeps the spelling of the pattern: ./ prefix and absolute paths', async () => {
    assert.deepEqual(await expandGlob('./docs/*.yaml', root), ['./docs/x.yaml']);
    assert.deepEqual(await expandGlob(`${root}/docs/*.yaml`, '/'), [`${root}/docs/x.yaml`]);
  });

  it('matches only files', async () => {
    assert.deepEqual(await expandGlob('*', join(root, 'docs')), ['x.yaml']);
  });

  it('sorts and de-duplicates across arguments; plain paths pass through even if missing', async () => {
    assert.deepEqual(await expandDocumentArgs(['docs/*.yaml', 'missing.yaml', 'a.yaml', '*.yaml', './a.yaml'], root), [
      './a.yaml',
      'a1.yaml',
      'a22.yaml',
      'docs/x.yaml',
      'missing.yaml',
    ]);
  });

  it('a glob that matches nothing is a usage error naming it', async () => {
    await assert.rejects(expandDocumentArgs(['*.yaml', 'nothing/*.yml'], root), (err: unknown) => {
      assert.ok(err instanceof UsageError);
      assert.equal(err.message, 'no file matches "nothing/*.yml" (ERR_USAGE)');
      return true;
    });
  });

  it('treats regex characters in names literally', async () => {
    writeFileSync(join(root, 'x+(1).yaml'), '');
    assert.deepEqual(await expandGlob('x+(?).yaml', root), ['x+(1).yaml']);
  });
});
