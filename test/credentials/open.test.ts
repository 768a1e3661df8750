import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { DEFAULT_STORE_REF, openStore, storeKind } from '../../src/credentials/open.js';
import { parseSecretRef, resolveSecretRef } from '../../src/credentials/secret-ref.js';
import { StoreError } from '../../src/errors.js';
import { isStoreError } from './contract.js';

const dir = await mkdtemp(join(tmpdir(), 'agk-open-'));
after(() => rm(dir, { recursive: true, force: true }));

describe('openStore', () => {
  it('open: the default reference is ./credentials.yaml beside the config', async () => {
    assert.equal(DEFAULT_STORE_REF, 'file:./credentials.yaml');
    const store = await openStore(DEFAULT_STORE_REF, { baseDir: dir, watch: false });
    assert.equal(store.description, `file:${join(dir, 'credentials.yaml')}`);
    await store.addPrincipal({ name: 'alice' });
    assert.match(await readFile(join(dir, 'credentials.yaml'), 'utf8'), /alice/);
    await store.close();
  });

  it('open: file:PATH resolves against baseDir; an absolute path stays', async () => {
    const rel = await openStore('file:sub-less.yaml', { baseDir: dir, watch: false });
    assert.equal(rel.description, `file:${join(dir, 'sub-less.yaml')}`);
    await rel.close();
    const abs = await openStore(`file:${join(dir, 'abs.yaml')}`, { baseDir: '/nowhere', watch: false });
    assert.equal(abs.description, `file:${join(dir, 'abs.yaml')}`);
    await abs.close();
  });

  it('open: rejects file: without a path', async () => {
    await assert.rejects(
      openStore('file:', { baseDir: dir }),
      (err: StoreError) => err.code === 'ERR_STORE_INVALID' && err.pointer === 'store',
    );
  });

  it('open: env:NAME opens the reference the variable holds', async () => {
    const store = await openStore('env:AGK_STORE', {
      baseDir: dir,
      env: { AGK_STORE: 'file:./from-env.yaml' },
      watch: false,
    });
    assert.equal(store.description, `file:${join(dir, 'from-env.yaml')}`);
    await store.close();
  });

  it('open: rejects env:NAME when the variable is unset, naming the variable', async () => {
    await assert.rejects(openStore('env:AGK_MISSING', { baseDir: dir, env: {} }), (err: StoreError) => {
      assert.equal(err.code, 'ERR_STORE_INVALID');
      assert.match(err.message, /AGK_MISSING/);
      return true;
    });
    await assert.rejects(
      openStore('env:AGK_EMPTY', { baseDir: dir, env: { AGK_EMPTY: '' } }),
      isStoreError('ERR_STORE_INVALID'),
    );
    await assert.rejects(openStore('env:not a name', { baseDir: dir, env: {} }), isStoreError('ERR_STORE_INVALID'));
  });

  it('open: rejects a variable holding an unknown reference without quoting its value', async () => {
    await assert.rejects(
      openStore('env:AGK_BAD', { baseDir: dir, env: { AGK_BAD: 'mysql://u:hunter2@h/db' } }),
      (err: StoreError) => {
        assert.equal(err.code, 'ERR_STORE_INVALID');
        assert.ok(!err.message.includes('hunter2'));
        assert.match(err.message, /AGK_BAD/);
        return true;
      },
    );
    await assert.rejects(
      openStore('env:AGK_LOOP', { baseDir: dir, env: { AGK_LOOP: 'env:AGK_LOOP' } }),
      isStoreError('ERR_STORE_INVALID'),
    );
  });

  it('open: rejects anything else, listing the accepted forms and never quoting the reference', async () => {
    for (const ref of ['mysql://u:hunter2@h/db', './credentials.yaml', '', 'FILE:x', 'postgres:/x']) {
      await assert.rejects(openStore(ref, { baseDir: dir }), (err: StoreError) => {
        assert.equal(err.code, 'ERR_STORE_INVALID');
        assert.match(err.message, /file:PATH, postgres:\/\//);
        assert.ok(!err.message.includes('hunter2'));
        return true;
      });
    }
  });

  it('open: a bad store file fails with the file’s own ERR_STORE_INVALID and key path', async () => {
    await writeFile(join(dir, 'bad.yaml'), 'version: 9\n');
    await assert.rejects(
      openStore('file:bad.yaml', { baseDir: dir }),
      (err: StoreError) => err.code === 'ERR_STORE_INVALID' && err.pointer === 'version',
    );
  });

  it('open: postgres:// and postgresql:// open the postgres store (real server)', async () => {
    const schema = `agk_test_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
    await admin.connect();
    try {
      for (const scheme of ['postgres', 'postgresql']) {
        const store = await openStore('env:AGK_PG', {
          baseDir: dir,
          env: { AGK_PG: `${scheme}://postgres@127.0.0.1:5432/postgres?schema=${schema}` },
          watch: false,
        });
        assert.equal(store.description, 'postgres://postgres@127.0.0.1:5432/postgres');
        await store.listPrincipals();
        await store.close();
      }
    } finally {
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.end();
    }
  });

  it('open: storeKind classifies references without opening them', () => {
    assert.equal(storeKind('file:x'), 'file');
    assert.equal(storeKind('file:'), null);
    assert.equal(storeKind('postgresql://h/d'), 'postgres');
    assert.equal(storeKind('env:X'), 'env');
    assert.equal(storeKind('redis://h'), null);
  });
});

describe('secret references', () => {
  it('secret-ref: parses env:NAME and file:PATH, nothing else', () => {
    assert.deepEqual(parseSecretRef('env:DB_URL'), { kind: 'env', name: 'DB_URL' });
    assert.deepEqual(parseSecretRef('file:./key.pem'), { kind: 'file', path: './key.pem' });
    for (const v of ['env:', 'env:1X', 'env:A-B', 'file:', 'literal', 42, null])
      assert.equal(parseSecretRef(v), null, String(v));
  });

  it('secret-ref: resolves a file relative to baseDir, without its trailing newline', async () => {
    await writeFile(join(dir, 'token.txt'), 's3cret\n');
    assert.equal(await resolveSecretRef({ kind: 'file', path: 'token.txt' }, { baseDir: dir }), 's3cret');
    assert.equal(await resolveSecretRef({ kind: 'env', name: 'T' }, { baseDir: dir, env: { T: 'v' } }), 'v');
  });

  it('secret-ref: rejects a missing or oversized file with ERR_STORE_INVALID, never the content', async () => {
    await assert.rejects(
      resolveSecretRef({ kind: 'file', path: 'nope.txt' }, { baseDir: dir }),
      isStoreError('ERR_STORE_INVALID'),
    );
    await writeFile(join(dir, 'big.txt'), 'MARKERx'.repeat(100));
    await assert.rejects(
      resolveSecretRef({ kind: 'file', path: 'big.txt' }, { baseDir: dir, maxBytes: 10 }),
      (err: StoreError) => {
        assert.equal(err.code, 'ERR_STORE_INVALID');
        assert.ok(!err.message.includes('MARKER'));
        return true;
      },
    );
  });
});
