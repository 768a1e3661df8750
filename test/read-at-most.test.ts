// Files a user names are read without trusting them (src/read-at-most.ts): a regular file up to
// the bound, no further; /dev/zero, a FIFO and a directory refused at once (ENOTREG), never a hang
// or an unbounded read. And the places that read such files use it: the config, the file store,
// a secret reference, a JWKS for seal/open, a JWKS file for tokens, the X509 CA bundle.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readAtMost, readAtMostSync } from '../src/read-at-most.js';
import { loadConfig } from '../src/config/load.js';
import { resolveSecretRef } from '../src/credentials/secret-ref.js';
import { loadJwks } from '../src/tokens/keys.js';
import { createFileKeyResolver } from '../src/tokens/jwks.js';
import { createX509Verifier } from '../src/schemes/x509.js';
import { createMemoryStore } from '../src/credentials/memory.js';
import { createFileStore } from '../src/credentials/file.js';

const dir = mkdtempSync(join(tmpdir(), 'agd-read-'));
const fifo = join(dir, 'fifo');
execFileSync('mkfifo', [fifo]);
const small = join(dir, 'small.txt');
writeFileSync(small, 'x'.repeat(100));
const hostile = [fifo, ...(existsSync('/dev/zero') ? ['/dev/zero'] : []), dir];

describe('readAtMost', () => {
  it('reads a regular file whole up to the bound, and one byte past it when longer', async () => {
    assert.equal((await readAtMost(small, 100)).length, 100);
    assert.equal((await readAtMost(small, 99)).length, 100, 'maxBytes + 1: the caller sees "too large"');
    assert.equal((await readAtMost(small, 10)).length, 11);
    assert.equal(readAtMostSync(small, 10).length, 11);
  });

  it('refuses a FIFO, a character device and a directory at once (ENOTREG), async and sync', async () => {
    for (const path of hostile) {
      await assert.rejects(
        readAtMost(path, 1024),
        (err: NodeJS.ErrnoException) => err.code === 'ENOTREG' || err.code === 'EISDIR',
        path,
      );
      assert.throws(
        () => readAtMostSync(path, 1024),
        (err: NodeJS.ErrnoException) => err.code === 'ENOTREG' || err.code === 'EISDIR',
        path,
      );
    }
  });
});

describe('files a user names: refused, never read without bound', () => {
  it('the config file', async () => {
    for (const path of hostile) {
      await assert.rejects(
        loadConfig({ cwd: dir, file: path, ruleIds: [] }),
        (err: Error & { code?: string }) => err.code === 'ERR_CONFIG_INVALID',
        path,
      );
    }
  });

  it('the file store (a FIFO would block its open)', { timeout: 10_000 }, async () => {
    await assert.rejects(
      createFileStore(fifo, { watch: false }),
      (err: Error & { code?: string }) =>
        err.code === 'ERR_STORE_UNAVAILABLE' && /not a regular file/.test(err.message),
    );
  });

  it('a secret reference (file:)', async () => {
    for (const path of hostile)
      await assert.rejects(resolveSecretRef({ kind: 'file', path }, { baseDir: dir }), { code: 'ERR_STORE_INVALID' });
  });

  it('a JWKS for seal/open, a JWKS file for tokens, an X509 CA bundle', async () => {
    for (const path of hostile) {
      await assert.rejects(loadJwks(`file:${path}`, { baseDir: dir }), { code: 'ERR_KEY_INVALID' });
      assert.throws(() => createFileKeyResolver(path), { code: 'ERR_CONFIG_INVALID' });
      await assert.rejects(
        createX509Verifier({
          name: 'mtls',
          scheme: { type: 'X509' },
          options: { ca: `file:${path}` },
          store: createMemoryStore(),
          now: Date.now,
          realm: 'r',
          baseDir: dir,
        }),
        { code: 'ERR_CONFIG_INVALID' },
      );
    }
  });
});
