// Output that cannot be written (stdout on a full disk, /dev/full): one line on stderr and exit 2
// (ERR_OUTPUT), never a stack trace and never 1 (findings); `keys create` revokes the key nobody
// could see.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { createFileStore } from '../../src/credentials/file.js';
import { mainPath, makeProject } from './helpers.js';

const tsxLoader = import.meta.resolve('tsx');

/** Runs the CLI with stdout on /dev/full. */
function runToFullDisk(args: readonly string[], cwd: string): Promise<{ code: number | null; stderr: string }> {
  const full = openSync('/dev/full', 'w');
  const child = spawn(process.execPath, ['--import', tsxLoader, mainPath, ...args], {
    cwd,
    stdio: ['ignore', full, 'pipe'],
  });
  closeSync(full);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => void (stderr += s));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

describe('cli: stdout that cannot be written', () => {
  // Linux always has /dev/full (a device whose writes fail with ENOSPC); these tests need it.
  before(() => assert.ok(existsSync('/dev/full'), '/dev/full not found: these tests need Linux'));
  it('check: exit 2 with one ERR_OUTPUT line, no stack', async () => {
    const dir = makeProject({});
    const r = await runToFullDisk(
      ['check', join(process.cwd(), 'examples/streetlights/asyncapi.yaml'), '--format', 'json'],
      dir,
    );
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr, 'error: the output could not be written to stdout (ENOSPC) (ERR_OUTPUT)\n');
  });

  it('keys create: the key nobody could see is revoked; exit 2', async () => {
    const dir = makeProject({});
    const store = await createFileStore(join(dir, 'credentials.yaml'), { watch: false });
    await store.addPrincipal({ name: 'alice', password: 'alice-password', iterations: 4096 });
    await store.close();
    const r = await runToFullDisk(['keys', 'create', 'alice', '--store', 'file:./credentials.yaml'], dir);
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(
        String.raw`error: the new key could not be written to stdout \(ENOSPC\); API key [a-z2-7]{12} was ` +
          String.raw`revoked \(ERR_OUTPUT\)\n$`,
      ),
    );
    assert.doesNotMatch(r.stderr, /agk_/, 'the key itself is never on stderr');
    const check = await createFileStore(join(dir, 'credentials.yaml'), { watch: false });
    const keys = await check.listApiKeys('alice');
    await check.close();
    assert.equal(keys.length, 1);
    assert.notEqual(keys[0]!.revokedAt, null, 'revoked');
  });
});
