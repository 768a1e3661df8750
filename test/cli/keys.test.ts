// `asyncapi-guard keys …` through the real CLI (a child process) against a real `file:` store
// in a temp folder: the key is printed once, alone on the last line of stdout, and nowhere else.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { apiKeySecretMatches, openStore, parseApiKey, type ApiKeyRecord } from '../../src/index.js';
import { assertOneErrorLine, mainPath, makeProject, type Run } from './helpers.js';

const tsxLoader = import.meta.resolve('tsx');

/** The CLI in a child process; `stdin` is piped when given, else /dev/null. */
function cli(args: readonly string[], cwd: string, stdin?: string): Promise<Run> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    NO_COLOR: undefined,
    FORCE_COLOR: undefined,
    ASYNCAPI_GUARD_DEBUG: undefined,
  };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', tsxLoader, mainPath, ...args], {
      cwd,
      env,
      stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.stdin?.on('error', () => {});
    child.stdin?.end(stdin);
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

async function storedKey(cwd: string, id: string): Promise<ApiKeyRecord | null> {
  const store = await openStore('file:./credentials.yaml', { baseDir: cwd });
  try {
    return await store.getApiKey(id);
  } finally {
    await store.close();
  }
}

/** Every printable form of the stored hash a listing or message could leak. */
function hashForms(record: ApiKeyRecord): string[] {
  const b = Buffer.from(record.hash);
  return [b.toString('base64'), b.toString('base64url'), b.toString('hex')];
}

describe('cli keys: create, list, revoke against a file: store', () => {
  const cwd = makeProject({});
  const keys: { key: string; id: string; secret: string }[] = [];
  const transcript: string[] = []; // every stderr, and every stdout but create's

  it('setup: a principal with scopes', async () => {
    const r = await cli(
      ['users', 'add', 'alice', '--password-stdin', '--iterations', '4096', '--scopes', 'read,write'],
      cwd,
      'pw-for-alice\n',
    );
    assert.equal(r.code, 0, r.stderr);
  });

  it('keys create prints the key alone on the last line of stdout; the notes go to stderr', async () => {
    const r = await cli(['keys', 'create', 'alice'], cwd);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.endsWith('\n'));
    const lines = r.stdout.slice(0, -1).split('\n');
    const key = lines[lines.length - 1]!;
    const parsed = parseApiKey(key);
    assert.ok(parsed, `the last line is an API key: ${lines.length} line(s)`);
    assert.equal(r.stdout, `${key}\n`, 'nothing else on stdout');
    assert.match(r.stderr, /store the key now, it cannot be shown again/);
    assert.ok(r.stderr.includes(parsed.id), 'stderr names the key id');
    assert.ok(!r.stderr.includes(parsed.secret) && !r.stderr.includes(key), 'stderr never shows the key');
    keys.push({ key, ...parsed });
    transcript.push(r.stderr);
  });

  it("the new key's secret matches the stored hash, and its scopes default to the principal's", async () => {
    const { id, secret } = keys[0]!;
    const record = await storedKey(cwd, id);
    assert.ok(record);
    assert.equal(record.principal, 'alice');
    assert.equal(record.scopes, null);
    assert.equal(record.revokedAt, null);
    assert.equal(apiKeySecretMatches(secret, record.hash), true);
    const wrong = secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A');
    assert.equal(apiKeySecretMatches(wrong, record.hash), false);
  });

  it('keys create --scopes gives the key its own scopes', async () => {
    const r = await cli(['keys', 'create', 'alice', '--scopes', 'read'], cwd);
    assert.equal(r.code, 0, r.stderr);
    const parsed = parseApiKey(r.stdout.trimEnd());
    assert.ok(parsed);
    keys.push({ key: r.stdout.trimEnd(), ...parsed });
    transcript.push(r.stderr);
    assert.deepEqual((await storedKey(cwd, parsed.id))?.scopes, ['read']);
  });

  it('each key is different', () => {
    assert.notEqual(keys[0]!.id, keys[1]!.id);
    assert.notEqual(keys[0]!.secret, keys[1]!.secret);
  });

  it('keys list --format json shows id, principal, scopes, created, revoked and never a key or hash', async () => {
    const r = await cli(['keys', 'list', '--format', 'json'], cwd);
    assert.equal(r.code, 0, r.stderr);
    transcript.push(r.stdout, r.stderr);
    const list = JSON.parse(r.stdout) as Record<string, unknown>[];
    assert.equal(list.length, 2);
    for (const item of list)
      assert.deepEqual(Object.keys(item).sort(), ['createdAt', 'id', 'principal', 'revokedAt', 'scopes']);
    assert.deepEqual(list.map((k) => k.id).sort(), keys.map((k) => k.id).sort());
    const own = list.find((k) => k.id === keys[1]!.id);
    assert.deepEqual([own?.principal, own?.scopes, own?.revokedAt], ['alice', ['read'], null]);
  });

  it('keys list PRINCIPAL --format pretty prints a table', async () => {
    const r = await cli(['keys', 'list', 'alice', '--format', 'pretty'], cwd);
    assert.equal(r.code, 0, r.stderr);
    transcript.push(r.stdout, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^ID\s+PRINCIPAL\s+SCOPES\s+CREATED\s+REVOKED$/);
    assert.equal(lines.length, 3);
    assert.ok(lines.some((l) => l.startsWith(keys[0]!.id) && /\(principal\)/.test(l)));
  });

  it('keys list of an unknown principal exits 2 with ERR_STORE_NOT_FOUND', async () => {
    assertOneErrorLine(await cli(['keys', 'list', 'nobody'], cwd), 'ERR_STORE_NOT_FOUND');
  });

  it('keys revoke ID marks the key revoked; it stays listed', async () => {
    const r = await cli(['keys', 'revoke', keys[0]!.id], cwd);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    transcript.push(r.stderr);
    const record = await storedKey(cwd, keys[0]!.id);
    assert.match(record?.revokedAt ?? '', /^\d{4}-\d\d-\d\dT/);
    const list = JSON.parse((await cli(['keys', 'list', 'alice', '--format', 'json'], cwd)).stdout) as {
      id: string;
      revokedAt: string | null;
    }[];
    assert.equal(list.find((k) => k.id === keys[0]!.id)?.revokedAt, record?.revokedAt);
    assert.equal(list.find((k) => k.id === keys[1]!.id)?.revokedAt, null);
  });

  it('keys revoke of a revoked key says so and exits 0', async () => {
    const r = await cli(['keys', 'revoke', keys[0]!.id], cwd);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /already revoked/);
  });

  it('keys revoke accepts a whole key pasted by mistake, and never prints its secret', async () => {
    const r = await cli(['keys', 'revoke', keys[1]!.key], cwd);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stderr.includes(keys[1]!.id));
    assert.ok(!r.stderr.includes(keys[1]!.secret));
    assert.notEqual((await storedKey(cwd, keys[1]!.id))?.revokedAt, null);
  });

  it('keys revoke of an unknown id exits 2 with ERR_STORE_NOT_FOUND', async () => {
    assertOneErrorLine(await cli(['keys', 'revoke', 'aaaaaaaaaaaa'], cwd), 'ERR_STORE_NOT_FOUND');
  });

  it('rejects a keys revoke argument that is not a key id, without echoing it', async () => {
    const r = await cli(['keys', 'revoke', 'agk_not-a-key-Secret-9'], cwd);
    assertOneErrorLine(r, 'ERR_USAGE');
    assert.ok(!r.stderr.includes('Secret-9'));
  });

  it('keys create for an unknown principal exits 2 with ERR_STORE_NOT_FOUND and prints no key', async () => {
    assertOneErrorLine(await cli(['keys', 'create', 'nobody'], cwd), 'ERR_STORE_NOT_FOUND');
  });

  it('rejects keys create --scopes with an empty item', async () => {
    assertOneErrorLine(await cli(['keys', 'create', 'alice', '--scopes', 'a,,b'], cwd), 'ERR_USAGE');
  });

  it('no key, secret or hash appears in any stderr or listing, nor a key or secret in the store file', async () => {
    const file = readFileSync(join(cwd, 'credentials.yaml'), 'utf8');
    for (const k of keys) {
      assert.ok(!file.includes(k.key) && !file.includes(k.secret), 'store file');
      const record = await storedKey(cwd, k.id);
      for (const text of transcript) {
        assert.ok(!text.includes(k.key) && !text.includes(k.secret), 'transcript: key');
        for (const form of hashForms(record!)) assert.ok(!text.includes(form), 'transcript: hash');
      }
    }
  });

  it('users remove deletes the principal and its keys', async () => {
    const created = await cli(['keys', 'create', 'alice'], cwd);
    const id = parseApiKey(created.stdout.trimEnd())!.id;
    const r = await cli(['users', 'remove', 'alice'], cwd);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /and its 3 API keys/);
    assert.equal(await storedKey(cwd, id), null);
    assert.deepEqual(JSON.parse((await cli(['keys', 'list', '--format', 'json'], cwd)).stdout), []);
  });
});

describe('cli keys: help and docs', () => {
  const docs = readFileSync(new URL('../../docs/cli.md', import.meta.url), 'utf8');
  for (const sub of ['create', 'revoke', 'list']) {
    it(`docs/cli.md documents keys ${sub} and each of its flags`, async () => {
      const r = await cli(['keys', sub, '--help'], process.cwd());
      assert.equal(r.code, 0);
      assert.ok(docs.includes(`keys ${sub}`), `keys ${sub}`);
      const flags = [...r.stdout.matchAll(/^\s+(--[a-z-]+)/gm)].map((m) => m[1]!).filter((f) => f !== '--help');
      for (const flag of flags) assert.ok(docs.includes(`\`${flag}`), `docs/cli.md documents keys ${sub} ${flag}`);
    });
  }

  it('keys --help shows the examples', async () => {
    const r = await cli(['keys', '--help'], process.cwd());
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Examples:\n {2}\$ asyncapi-guard keys create/);
  });
});
