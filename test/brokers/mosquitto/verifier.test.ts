// The Mosquitto verifier the credential stores keep (docs/credentials.md, "Mosquitto verifiers"):
// the PBKDF2-SHA512 form Mosquitto's plugin checks, kept only when asked, renewed with the
// password, never left behind for an old one; in the memory, file and postgres stores alike.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pbkdf2Sync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileStore } from '../../../src/credentials/file.js';
import { createMemoryStore } from '../../../src/credentials/memory.js';
import pg from 'pg';
import { MIGRATIONS, VERSION_TABLE_SQL } from '../../../src/credentials/migrations.js';
import { createPostgresStore } from '../../../src/credentials/postgres.js';
import {
  deriveMosquittoVerifier,
  MOSQUITTO_HASH_BYTES,
  MOSQUITTO_SALT_BYTES,
} from '../../../src/credentials/mosquitto-verifier.js';
import type { CredentialStore } from '../../../src/credentials/types.js';
import { StoreError } from '../../../src/errors.js';
import { dropSchema, findPostgresUrl, randomSchemaName } from '../../helpers/postgres.js';

const IT = 4096;

it('deriveMosquittoVerifier: PBKDF2-HMAC-SHA512 of the UTF-8 password, 12-byte salt, 64-byte hash', async () => {
  const password = 'pässwörd ﬁ'; // not SASLprep'd: Mosquitto hashes the bytes as sent
  const v = await deriveMosquittoVerifier(password, IT);
  assert.equal(v.salt.length, MOSQUITTO_SALT_BYTES);
  assert.equal(v.hash.length, MOSQUITTO_HASH_BYTES);
  assert.equal(v.iterations, IT);
  const expected = pbkdf2Sync(Buffer.from(password, 'utf8'), v.salt, IT, 64, 'sha512');
  assert.ok(expected.equals(v.hash)); // a test computing the expected value, not a secret comparison in src/
  const again = await deriveMosquittoVerifier(password, IT);
  assert.notDeepEqual(again.salt, v.salt, 'a fresh salt each time');
});

const stores: { name: string; open: () => Promise<{ store: CredentialStore; done: () => Promise<void> }> }[] = [
  { name: 'memory', open: async () => ({ store: createMemoryStore(), done: async () => undefined }) },
  {
    name: 'file',
    open: async () => {
      const dir = await mkdtemp(join(tmpdir(), 'agd-mosq-verifier-'));
      const store = await createFileStore(join(dir, 'credentials.yaml'), { watch: false });
      return { store, done: () => rm(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'postgres',
    open: async () => {
      const url = await findPostgresUrl();
      const schema = randomSchemaName();
      const store = await createPostgresStore(url, { schema, listen: false });
      return { store, done: () => dropSchema(url, schema) };
    },
  },
];

for (const kind of stores) {
  describe(`${kind.name} store: Mosquitto verifiers`, () => {
    let opened: Awaited<ReturnType<(typeof kind)['open']>>;
    after(async () => {
      await opened?.store.close();
      await opened?.done();
    });
    it(`${kind.name}: kept only when asked, renewed with the password, dropped on request`, async () => {
      opened = await kind.open();
      const { store } = opened;
      const plain = await store.addPrincipal({ name: 'plain', password: 'pw-plain', iterations: IT });
      assert.equal(plain.mosquitto, undefined, 'not kept unless asked');
      const alice = await store.addPrincipal({ name: 'alice', password: 'pw-1', iterations: IT, mosquitto: true });
      assert.ok(alice.mosquitto !== undefined);
      const read = await store.getPrincipal('alice');
      assert.deepEqual(read?.mosquitto, alice.mosquitto, 'read back as written');
      const expected = pbkdf2Sync('pw-1', alice.mosquitto.salt, IT, 64, 'sha512');
      assert.ok(expected.equals(alice.mosquitto.hash));

      // A password change without the option renews it (the principal had one): never one of the old password.
      const changed = await store.setPassword('alice', 'pw-2', { iterations: IT });
      assert.ok(changed.mosquitto !== undefined);
      assert.ok(pbkdf2Sync('pw-2', changed.mosquitto.salt, IT, 64, 'sha512').equals(changed.mosquitto.hash));
      assert.deepEqual((await store.getPrincipal('alice'))?.mosquitto, changed.mosquitto);
      const unchanged = await store.setPassword('plain', 'pw-plain-2', { iterations: IT });
      assert.equal(unchanged.mosquitto, undefined, 'not added by a password change unless asked');
      const asked = await store.setPassword('plain', 'pw-plain-3', { iterations: IT, mosquitto: true });
      assert.ok(asked.mosquitto !== undefined);
      const dropped = await store.setPassword('alice', 'pw-3', { iterations: IT, mosquitto: false });
      assert.equal(dropped.mosquitto, undefined);
      assert.equal((await store.getPrincipal('alice'))?.mosquitto, undefined);
      // Other changes keep it.
      await store.setScopes('plain', ['a']);
      await store.setDisabled('plain', true);
      assert.deepEqual((await store.getPrincipal('plain'))?.mosquitto, asked.mosquitto);
    });
  });
}

describe('file store: the mosquitto key', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  const T = '2026-11-29T07:00:00.000Z';
  const fileWith = async (mosquitto: string) => {
    const dir = await mkdtemp(join(tmpdir(), 'agd-mosq-file-'));
    dirs.push(dir);
    const path = join(dir, 'credentials.yaml');
    await writeFile(
      path,
      `version: 1\nprincipals:\n  alice:\n    scopes: []\n    created: ${T}\n    updated: ${T}\n` +
        `    mosquitto: ${mosquitto}\napiKeys: {}\n`,
    );
    return path;
  };
  const salt = Buffer.alloc(12, 1).toString('base64');
  const hash = Buffer.alloc(64, 2).toString('base64');

  it('reads a valid one and writes it back unchanged', async () => {
    const path = await fileWith(`{ salt: "${salt}", iterations: 4096, hash: "${hash}" }`);
    const store = await createFileStore(path, { watch: false });
    const alice = await store.getPrincipal('alice');
    assert.equal(Buffer.from(alice!.mosquitto!.salt).toString('base64'), salt);
    await store.setScopes('alice', ['x']);
    await store.close();
    assert.match(await readFile(path, 'utf8'), new RegExp(`mosquitto: \\{ salt: "${salt}", iterations: 4096`));
  });

  for (const [name, value, pointer] of [
    ['a 16-byte salt', `{ salt: "${Buffer.alloc(16).toString('base64')}", iterations: 4096, hash: "${hash}" }`, 'salt'],
    ['a short hash', `{ salt: "${salt}", iterations: 4096, hash: "${Buffer.alloc(32).toString('base64')}" }`, 'hash'],
    ['too few iterations', `{ salt: "${salt}", iterations: 101, hash: "${hash}" }`, 'iterations'],
    ['a missing field', `{ salt: "${salt}", iterations: 4096 }`, 'hash'],
    ['an unknown field', `{ salt: "${salt}", iterations: 4096, hash: "${hash}", password: "x" }`, 'password'],
  ] as const) {
    it(`refuses ${name}, naming the key`, async () => {
      const path = await fileWith(value);
      await assert.rejects(createFileStore(path, { watch: false }), (err: unknown) => {
        assert.ok(err instanceof StoreError);
        assert.equal(err.code, 'ERR_STORE_INVALID');
        assert.equal(err.pointer, `principals.alice.mosquitto.${pointer}`);
        return true;
      });
    });
  }
});

describe('postgres store: a database of the release before (schema version 1)', () => {
  it('is migrated to version 2 on open; its principals read as before, without a Mosquitto verifier', async () => {
    const url = await findPostgresUrl();
    const schema = randomSchemaName();
    const S = `"${schema}"`;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      // What release 1 left: its tables, version 1 recorded, a principal with a verifier.
      await client.query(`CREATE SCHEMA ${S}`);
      await client.query(VERSION_TABLE_SQL.replaceAll('{{schema}}', S));
      await client.query(MIGRATIONS[0]!.sql.replaceAll('{{schema}}', S));
      await client.query(`INSERT INTO ${S}.schema_version (version, description) VALUES (1, 'v1')`);
      await client.query(
        `INSERT INTO ${S}.principals (name, scopes, disabled, created_at, updated_at) ` +
          `VALUES ('old', '{a}', false, now(), now())`,
      );
      const store = await createPostgresStore(url, { schema, listen: false });
      try {
        const old = await store.getPrincipal('old');
        assert.deepEqual(old?.scopes, ['a']);
        assert.equal(old?.mosquitto, undefined);
        const version = await client.query(`SELECT max(version) AS v FROM ${S}.schema_version`);
        assert.equal(Number((version.rows[0] as { v: number }).v), 2);
        const renewed = await store.setPassword('old', 'pw', { iterations: IT, mosquitto: true });
        assert.ok(renewed.mosquitto !== undefined);
      } finally {
        await store.close();
      }
    } finally {
      await client.end();
      await dropSchema(url, schema);
    }
  });
});
