// Against the REAL PostgreSQL on 127.0.0.1:5432 (trust auth; CI starts it: .ci/run). If it is
// not reachable these tests FAIL, they do not skip. Every schema created here has a random name
// and is dropped at the end.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { checkPassword, passwordVerifierOf } from '../../src/credentials/password.js';
import { createPostgresStore, parseNotification, parsePostgresUrl } from '../../src/credentials/postgres.js';
import { LATEST_SCHEMA_VERSION } from '../../src/credentials/migrations.js';
import type { CredentialStore, StoreChange } from '../../src/credentials/types.js';
import { StoreError } from '../../src/errors.js';
import { eventually, isStoreError, runStoreContract } from './contract.js';
import { findPostgresUrl } from '../helpers/postgres.js';
import { parseApiKey } from '../../src/credentials/api-keys.js';

const BASE = await findPostgresUrl();
const admin = new pg.Pool({ connectionString: BASE, max: 2 });
const schemas = new Set<string>();
const newSchema = () => {
  const s = `agk_test_${randomBytes(6).toString('hex')}`;
  schemas.add(s);
  return s;
};
const dropSchema = async (s: string) => {
  await admin.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  schemas.delete(s);
};

after(async () => {
  for (const s of [...schemas]) await dropSchema(s);
  await admin.end();
});

runStoreContract('postgres', async (now) => {
  const schema = newSchema();
  const store = await createPostgresStore(BASE, { schema, now });
  return { store, cleanup: () => dropSchema(schema) };
});

describe('postgres store', () => {
  let schema: string;
  const open: CredentialStore[] = [];
  const make = async (extra: Parameters<typeof createPostgresStore>[1] = {}) => {
    const s = await createPostgresStore(BASE, { schema, ...extra });
    open.push(s);
    return s;
  };
  before(() => {
    schema = newSchema();
  });
  after(async () => {
    for (const s of open) await s.close();
    await dropSchema(schema);
  });

  it('postgres: migrating twice at once is safe and leaves one version row per migration', async () => {
    const [a, b, c] = await Promise.all([make(), make(), make()]);
    assert.ok(a && b && c);
    const rows = await admin.query<{ version: number }>(
      `SELECT version FROM "${schema}".schema_version ORDER BY version`,
    );
    assert.deepEqual(
      rows.rows.map((r) => r.version),
      Array.from({ length: LATEST_SCHEMA_VERSION }, (_, i) => i + 1),
    );
    await make(); // and once more, later: nothing to do
    assert.equal(
      (await admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}".schema_version`)).rows[0]?.n,
      LATEST_SCHEMA_VERSION,
    );
  });

  it('postgres: two stores on the same schema see each other’s changes at once', async () => {
    const [a, b] = [await make(), await make()];
    await a.addPrincipal({ name: 'shared-alice', password: 'pw', scopes: ['x'], iterations: 4096 });
    const seen = await b.getPrincipal('shared-alice');
    assert.ok(seen);
    assert.equal(await checkPassword('pw', passwordVerifierOf(seen)!), true);
    const { record } = await b.createApiKey('shared-alice');
    assert.equal((await a.getApiKey(record.id))?.principal, 'shared-alice');
    await a.revokeApiKey(record.id);
    assert.notEqual((await b.getApiKey(record.id))?.revokedAt, null);
  });

  it('postgres: NOTIFY tells the other store’s watchers about a revocation, without secrets', async () => {
    const [a, b] = [await make(), await make()];
    const heard: StoreChange[] = [];
    b.watch((c) => heard.push(c));
    await a.addPrincipal({ name: 'notify-bob' });
    const created = await a.createApiKey('notify-bob');
    await a.revokeApiKey(created.record.id);
    const revocation = { kind: 'apiKey', id: created.record.id, principal: 'notify-bob' };
    await eventually(() => heard.filter((c) => c.kind === 'apiKey').length === 2, 5000, 'two apiKey notifications');
    assert.deepEqual(heard, [{ kind: 'principal', name: 'notify-bob' }, revocation, revocation]);
    const secret = parseApiKey(created.key)!.secret;
    assert.ok(!JSON.stringify(heard).includes(secret));
  });

  it('postgres: a store does not hear its own changes twice', async () => {
    const a = await make();
    const heard: StoreChange[] = [];
    a.watch((c) => heard.push(c));
    await a.addPrincipal({ name: 'once-carol' });
    await new Promise((r) => setTimeout(r, 200)); // room for a NOTIFY echo, if there were one
    assert.deepEqual(heard, [{ kind: 'principal', name: 'once-carol' }]);
  });

  it('postgres: a database migrated by a newer version is refused with ERR_STORE_INVALID', async () => {
    const s = newSchema();
    const first = await createPostgresStore(BASE, { schema: s, listen: false });
    await first.close();
    await admin.query(`INSERT INTO "${s}".schema_version (version, description) VALUES ($1, 'from the future')`, [
      LATEST_SCHEMA_VERSION + 1,
    ]);
    await assert.rejects(createPostgresStore(BASE, { schema: s }), (err: StoreError) => {
      assert.equal(err.code, 'ERR_STORE_INVALID');
      assert.match(err.message, new RegExp(`version ${LATEST_SCHEMA_VERSION + 1}`));
      return true;
    });
    await dropSchema(s);
  });

  it('postgres: ?schema= in the URL selects the schema and is not passed to the server', async () => {
    const s = newSchema();
    const store = await createPostgresStore(`${BASE}?schema=${s}`, { listen: false });
    await store.addPrincipal({ name: 'url-dave' });
    const rows = await admin.query(`SELECT name FROM "${s}".principals`);
    assert.deepEqual(rows.rows, [{ name: 'url-dave' }]);
    assert.equal(store.description, parsePostgresUrl(BASE).description);
    await store.close();
    await dropSchema(s);
  });

  it('postgres: rejects a schema name that is not a plain identifier', async () => {
    for (const bad of ['Upper', 'a-b', 'x"; DROP TABLE y; --', '1abc', 'a'.repeat(49)]) {
      await assert.rejects(createPostgresStore(BASE, { schema: bad }), isStoreError('ERR_STORE_INVALID'));
    }
  });

  it('postgres: names and scopes travel as parameters (quotes and SQL in them are just text)', async () => {
    const a = await make();
    const name = 'o\'neil"; DROP TABLE principals; --';
    await a.addPrincipal({ name, scopes: ["it's", '{a,b}', 'NULL'] });
    const r = await a.getPrincipal(name);
    assert.deepEqual([...(r?.scopes ?? [])], ["it's", '{a,b}', 'NULL']);
    assert.ok((await a.listPrincipals()).some((p) => p.name === name));
  });

  it('postgres: no password, API key or key secret is stored in any table', async () => {
    const a = await make();
    const marker = `Pw${randomBytes(8).toString('hex')}MARK`;
    await a.addPrincipal({ name: 'secret-erin', password: marker, iterations: 4096 });
    await a.setPassword('secret-erin', `${marker}2`, { iterations: 4096 });
    const keys = [await a.createApiKey('secret-erin'), await a.createApiKey('secret-erin', { scopes: ['s'] })];
    await a.revokeApiKey(keys[0]!.record.id);
    let dump = '';
    for (const table of ['principals', 'scram_verifiers', 'api_keys', 'schema_version']) {
      const rows = await admin.query<{ j: string }>(`SELECT row_to_json(t)::text AS j FROM "${schema}".${table} t`);
      dump += rows.rows.map((r) => r.j).join('\n');
    }
    assert.ok(dump.includes('secret-erin'), 'the dump has the rows');
    const hex = (s: string) => Buffer.from(s, 'utf8').toString('hex');
    assert.ok(!dump.includes(marker) && !dump.includes(hex(marker)), 'password');
    for (const k of keys) {
      const secret = parseApiKey(k.key)!.secret;
      assert.ok(!dump.includes(k.key), 'whole key');
      assert.ok(!dump.includes(secret) && !dump.includes(hex(secret)), 'key secret');
      assert.ok(!dump.includes(Buffer.from(secret, 'base64url').toString('hex')), 'key secret bytes');
    }
  });

  // The timeout only catches a hang (a store that retries forever); no bound on elapsed time.
  it(
    'postgres: an unreachable server gives ERR_STORE_UNAVAILABLE quickly, never the password',
    { timeout: 60_000 },
    async () => {
      // A port that was free a moment ago: nothing listens there.
      const port = await new Promise<number>((resolve) => {
        const srv = createServer().listen(0, '127.0.0.1', () => {
          const p = (srv.address() as { port: number }).port;
          srv.close(() => resolve(p));
        });
      });
      const password = `S3cret${randomBytes(6).toString('hex')}`;
      await assert.rejects(
        createPostgresStore(`postgres://guard:${password}@127.0.0.1:${port}/creds`, { queryTimeoutMs: 2000 }),
        (err: StoreError) => {
          assert.equal(err.code, 'ERR_STORE_UNAVAILABLE');
          assert.ok(!err.message.includes(password), err.message);
          assert.ok(!JSON.stringify(err).includes(password));
          assert.ok(err.message.includes(`postgres://guard@127.0.0.1:${port}/creds`), err.message);
          return true;
        },
      );
    },
  );

  it('postgres: a server that accepts but never answers times out with ERR_STORE_UNAVAILABLE', async () => {
    const sockets: import('node:net').Socket[] = [];
    const silent = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    try {
      await assert.rejects(
        createPostgresStore(`postgres://guard:pw@127.0.0.1:${port}/creds`, { queryTimeoutMs: 300 }),
        (err: StoreError) => {
          assert.equal(err.code, 'ERR_STORE_UNAVAILABLE');
          assert.match(err.message, /timeout/);
          return true;
        },
      );
      // It reached the server, which never answered: only the query timeout can have ended it.
      assert.ok(sockets.length >= 1, 'connected to the silent server');
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });

  it('postgres: an invalid URL is ERR_STORE_INVALID and not quoted', async () => {
    await assert.rejects(createPostgresStore('postgres://u:hunter2@[bad/x'), (err: StoreError) => {
      assert.equal(err.code, 'ERR_STORE_INVALID');
      assert.ok(!err.message.includes('hunter2'));
      return true;
    });
  });

  it('postgres: parsePostgresUrl describes the URL without its password and strips ?schema=', () => {
    const p = parsePostgresUrl('postgresql://alice:pw%40x@db.example:6543/creds?schema=guard&sslmode=require');
    assert.equal(p.description, 'postgres://alice@db.example:6543/creds');
    assert.equal(p.schema, 'guard');
    assert.ok(!p.connectionString.includes('schema='));
    assert.ok(p.connectionString.includes('sslmode=require'));
    assert.equal(parsePostgresUrl('postgres://h/d').description, 'postgres://h:5432/d');
  });

  it('postgres: parseNotification ignores our own, malformed and foreign payloads', () => {
    assert.deepEqual(parseNotification('{"kind":"apiKey","id":"abcdefghijkl","principal":"a","origin":"x"}', 'y'), {
      kind: 'apiKey',
      id: 'abcdefghijkl',
      principal: 'a',
    });
    assert.equal(parseNotification('{"kind":"principal","name":"a","origin":"me"}', 'me'), null);
    for (const junk of [
      '',
      'not json',
      'null',
      '[]',
      '{"kind":"principal"}',
      '{"kind":"other"}',
      '{"kind":"apiKey","id":1}',
    ]) {
      assert.equal(parseNotification(junk, 'me'), null, junk);
    }
  });
});
