// What a `postgres://` store says when it cannot be used, against the REAL PostgreSQL on
// 127.0.0.1:5432 (trust auth; CI starts it: .ci/run): unreachable, role missing, database
// missing, a role without the privilege, a store not initialised; and that read-only opening
// (`users list`, `keys list`) creates nothing. Roles and schemas made here have random names and
// are dropped at the end. Never a password of the URL in any message.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { openStore } from '../../src/credentials/open.js';
import { unavailable } from '../../src/credentials/postgres-connection.js';
import { createPostgresStore } from '../../src/credentials/postgres.js';
import { StoreError } from '../../src/errors.js';
import { assertOneErrorLine, mainPath, makeProject, type Run } from '../cli/helpers.js';
import { findPostgresUrl } from '../helpers/postgres.js';

const BASE = await findPostgresUrl();
const admin = new pg.Pool({ connectionString: BASE, max: 2 });
const SECRET = `not-a-real-Secret-${randomBytes(4).toString('hex')}`;
const rand = () => randomBytes(6).toString('hex');
const roles = new Set<string>();
const schemas = new Set<string>();

after(async () => {
  for (const s of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  for (const r of roles) await admin.query(`DROP ROLE IF EXISTS "${r}"`);
  await admin.end();
});

/** The URL of the test server with another user / database / password. */
function urlWith(parts: { user?: string; db?: string; password?: string; schema?: string }): string {
  const u = new URL(BASE);
  if (parts.user !== undefined) u.username = parts.user;
  if (parts.password !== undefined) u.password = parts.password;
  if (parts.db !== undefined) u.pathname = `/${parts.db}`;
  if (parts.schema !== undefined) u.searchParams.set('schema', parts.schema);
  return u.toString();
}

async function refusal(url: string, options: { migrate?: boolean } = {}): Promise<StoreError> {
  try {
    const store = await createPostgresStore(url, { listen: false, queryTimeoutMs: 5000, ...options });
    await store.close();
  } catch (err) {
    assert.ok(err instanceof StoreError, String(err));
    assert.ok(!err.message.includes(SECRET), err.message);
    return err;
  }
  assert.fail('the store opened');
}

async function schemaExists(name: string): Promise<boolean> {
  const r = await admin.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [name]);
  return r.rowCount === 1;
}

const tsxLoader = import.meta.resolve('tsx');
function cli(args: readonly string[], cwd: string): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', tsxLoader, mainPath, ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

describe('postgres store: failures say what happened', () => {
  it('a role that does not exist is named as such (SQLSTATE 28000), without the password', async () => {
    const role = `agk_norole_${rand()}`;
    const err = await refusal(urlWith({ user: role, password: SECRET }));
    assert.equal(err.code, 'ERR_STORE_UNAVAILABLE');
    assert.equal(err.reason, `role ${role} does not exist on the server (SQLSTATE 28000)`);
    assert.match(err.expected ?? '', new RegExp(`CREATE ROLE ${role} LOGIN`));
  });

  it('a database that does not exist is named as such (SQLSTATE 3D000)', async () => {
    const db = `agk_nodb_${rand()}`;
    const err = await refusal(urlWith({ db, password: SECRET }));
    assert.equal(err.code, 'ERR_STORE_UNAVAILABLE');
    assert.equal(err.reason, `database ${db} does not exist (SQLSTATE 3D000)`);
  });

  it('nothing listening: connection refused, naming host and port', async () => {
    const port = await new Promise<number>((resolvePort) => {
      const srv = createServer();
      srv.listen(0, '127.0.0.1', () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => resolvePort(p));
      });
    });
    const err = await refusal(`postgres://u:${SECRET}@127.0.0.1:${port}/db`);
    assert.equal(err.reason, `the database is unreachable: connection refused at 127.0.0.1:${port} (ECONNREFUSED)`);
  });

  it('a role without the privilege to create the schema is told so (SQLSTATE 42501)', async () => {
    const role = `agk_role_${rand()}`;
    roles.add(role);
    await admin.query(`CREATE ROLE "${role}" LOGIN`);
    const schema = `agk_test_${rand()}`;
    schemas.add(schema);
    const err = await refusal(urlWith({ user: role, password: SECRET, schema }));
    assert.equal(err.reason, `role ${role} lacks a privilege the store needs (SQLSTATE 42501)`);
    assert.equal(await schemaExists(schema), false);
  });

  it('authentication failures and other codes map to their own sentences, never pg’s text', () => {
    const d = 'postgres://guard@db.example:5432/guard';
    const say = (e: unknown) => unavailable(d, e).reason;
    assert.equal(
      say({ code: '28P01', message: `password authentication failed for user "guard" ${SECRET}` }),
      'authentication failed for role guard (SQLSTATE 28P01)',
    );
    assert.equal(
      say({ code: '28000', message: 'no pg_hba.conf entry for host "1.2.3.4"' }),
      'the server refused the connection of role guard (authentication rules) (SQLSTATE 28000)',
    );
    assert.equal(say({ code: 'ENOTFOUND' }), 'the database is unreachable: the host name does not resolve (ENOTFOUND)');
    assert.equal(say({ code: 'ETIMEDOUT' }), 'the database is unreachable at db.example:5432 (ETIMEDOUT)');
    assert.equal(
      say(new Error('Connection terminated due to connection timeout')),
      'the database did not answer in time (timeout)',
    );
    assert.equal(
      say(new Error('SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string')),
      'the server asks role guard for a password and none was given',
    );
    assert.equal(say({ code: '22P02', message: SECRET }), 'the database did not answer (SQLSTATE 22P02)');
    for (const e of [{ code: '28P01', message: SECRET }, { code: 'X; DROP', message: SECRET }, new Error(SECRET)])
      assert.ok(!unavailable(d, e).message.includes(SECRET));
  });
});

describe('postgres store: read-only opening creates nothing', () => {
  it('migrate: false on a schema without tables is refused as not initialised, and creates no schema', async () => {
    const schema = `agk_test_${rand()}`;
    schemas.add(schema);
    const err = await refusal(urlWith({ schema }), { migrate: false });
    assert.equal(err.code, 'ERR_STORE_UNAVAILABLE');
    assert.equal(err.reason, `the store is not initialised (no tables in schema ${schema})`);
    assert.match(err.expected ?? '', /users add/);
    assert.equal(await schemaExists(schema), false);
  });

  it('migrate: false on an initialised store opens it and reads', async () => {
    const schema = `agk_test_${rand()}`;
    schemas.add(schema);
    const writer = await createPostgresStore(urlWith({ schema }), { listen: false });
    await writer.addPrincipal({ name: 'reader-test' });
    await writer.close();
    const reader = await openStore(urlWith({ schema }), { baseDir: '/', watch: false, readOnly: true });
    try {
      assert.deepEqual(
        (await reader.listPrincipals()).map((p) => p.name),
        ['reader-test'],
      );
    } finally {
      await reader.close();
    }
  });

  it('`users list` and `keys list` on a fresh database exit 2 "not initialised" and create no table', async () => {
    const schema = `agk_test_${rand()}`;
    schemas.add(schema);
    const url = urlWith({ password: SECRET, schema });
    for (const args of [
      ['users', 'list', '--store', url],
      ['keys', 'list', '--store', url],
    ]) {
      const r = await cli(args, makeProject({}));
      assertOneErrorLine(r, 'ERR_STORE_UNAVAILABLE');
      assert.match(r.stderr, /the store is not initialised/);
      assert.ok(!r.stderr.includes(SECRET), r.stderr);
    }
    assert.equal(await schemaExists(schema), false);
  });

  it('`users list` for a missing role says so, not "did not answer"', async () => {
    const role = `agk_norole_${rand()}`;
    const r = await cli(['users', 'list', '--store', urlWith({ user: role, password: SECRET })], makeProject({}));
    assertOneErrorLine(r, 'ERR_STORE_UNAVAILABLE');
    assert.match(r.stderr, new RegExp(`role ${role} does not exist on the server`));
    assert.ok(!r.stderr.includes(SECRET), r.stderr);
  });
});
