// The store contract, run against every implementation (memory, file, postgres) so the three
// behave the same. Each case gets a fresh, empty store from the factory and an injected clock.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { apiKeySecretMatches, parseApiKey } from '../../src/credentials/api-keys.js';
import { checkPassword, passwordVerifierOf } from '../../src/credentials/password.js';
import type { CredentialStore, StoreChange } from '../../src/credentials/types.js';
import { StoreError } from '../../src/errors.js';

export interface StoreFixture {
  readonly store: CredentialStore;
  /** Drops whatever the fixture created (temp files, the schema). */
  readonly cleanup: () => Promise<void>;
}

export type StoreFactory = (now: () => number) => Promise<StoreFixture>;

/** 4096 (the RFC 7677 floor) keeps the suite fast; the default is covered by the memory tests. */
const IT = 4096;
const T0 = Date.parse('2026-11-29T07:00:00.000Z');

export function isStoreError(code: string) {
  return (err: unknown) => {
    assert.ok(err instanceof StoreError, `expected a StoreError, got ${String(err)}`);
    assert.equal(err.code, code);
    return true;
  };
}

export function runStoreContract(kind: string, factory: StoreFactory): void {
  describe(`${kind} store contract`, () => {
    const withStore = (name: string, body: (store: CredentialStore, clock: { t: number }) => Promise<void>) => {
      it(`${kind}: ${name}`, async () => {
        const clock = { t: T0 };
        const { store, cleanup } = await factory(() => clock.t);
        try {
          await body(store, clock);
        } finally {
          await store.close();
          await cleanup();
        }
      });
    };

    withStore('addPrincipal stores both SCRAM verifiers, never the password, with the clock time', async (store) => {
      const record = await store.addPrincipal({
        name: 'alice',
        password: 'correct horse',
        scopes: ['lights:write'],
        iterations: IT,
      });
      assert.equal(record.name, 'alice');
      assert.deepEqual([...record.scopes], ['lights:write']);
      assert.equal(record.disabled, false);
      assert.equal(record.createdAt, '2026-11-29T07:00:00.000Z');
      assert.equal(record.updatedAt, record.createdAt);
      assert.deepEqual(Object.keys(record.verifiers).sort(), ['SHA-256', 'SHA-512']);
      assert.equal(record.verifiers['SHA-256']?.storedKey.length, 32);
      assert.equal(record.verifiers['SHA-512']?.serverKey.length, 64);
      assert.equal(record.verifiers['SHA-256']?.iterations, IT);
      const stored = await store.getPrincipal('alice');
      assert.ok(stored);
      const v = passwordVerifierOf(stored);
      assert.ok(v);
      assert.equal(await checkPassword('correct horse', v), true);
      assert.equal(await checkPassword('correct horsE', v), false);
      assert.equal(await checkPassword('correct horse', stored.verifiers['SHA-512']!), true);
    });

    withStore('getPrincipal finds a name by its SASLprep form and returns null for an unknown one', async (store) => {
      // U+00AD SOFT HYPHEN maps to nothing (RFC 4013 §2.2), so 'I\u00ADX' is 'IX'.
      await store.addPrincipal({ name: 'I\u00ADX', iterations: IT });
      assert.equal((await store.getPrincipal('IX'))?.name, 'IX');
      assert.equal((await store.getPrincipal('I\u00ADX'))?.name, 'IX');
      assert.equal(await store.getPrincipal('nobody'), null);
      assert.equal(await store.getPrincipal('\u0007bell'), null);
    });

    withStore('addPrincipal without a password stores no verifier', async (store) => {
      const r = await store.addPrincipal({ name: 'svc' });
      assert.deepEqual(Object.keys(r.verifiers), []);
      assert.equal(passwordVerifierOf((await store.getPrincipal('svc'))!), null);
    });

    withStore('addPrincipal rejects an existing name with ERR_STORE_CONFLICT', async (store) => {
      await store.addPrincipal({ name: 'alice', password: 'pw', iterations: IT });
      await assert.rejects(
        store.addPrincipal({ name: 'alice', password: 'other', iterations: IT }),
        isStoreError('ERR_STORE_CONFLICT'),
      );
      const v = passwordVerifierOf((await store.getPrincipal('alice'))!)!;
      assert.equal(await checkPassword('pw', v), true, 'the first password stands');
    });

    withStore('addPrincipal rejects a name SASLprep refuses and a bad scope with ERR_STORE_INVALID', async (store) => {
      await assert.rejects(store.addPrincipal({ name: 'bad\u0000name' }), isStoreError('ERR_STORE_INVALID'));
      await assert.rejects(store.addPrincipal({ name: '' }), isStoreError('ERR_STORE_INVALID'));
      await assert.rejects(
        store.addPrincipal({ name: 'x', scopes: ['ok', 'bad\nscope'] }),
        isStoreError('ERR_STORE_INVALID'),
      );
      assert.deepEqual(await store.listPrincipals(), []);
    });

    withStore('setPassword replaces the verifiers; unknown names are ERR_STORE_NOT_FOUND', async (store, clock) => {
      await store.addPrincipal({ name: 'alice', password: 'old', iterations: IT });
      clock.t += 60_000;
      const r = await store.setPassword('alice', 'new', { iterations: 5000 });
      assert.equal(r.verifiers['SHA-256']?.iterations, 5000);
      assert.equal(r.updatedAt, '2026-11-29T07:01:00.000Z');
      assert.equal(r.createdAt, '2026-11-29T07:00:00.000Z');
      const v = passwordVerifierOf((await store.getPrincipal('alice'))!)!;
      assert.equal(await checkPassword('new', v), true);
      assert.equal(await checkPassword('old', v), false);
      await assert.rejects(store.setPassword('bob', 'x'), isStoreError('ERR_STORE_NOT_FOUND'));
    });

    withStore(
      'setScopes and setDisabled update the record; unknown names are ERR_STORE_NOT_FOUND',
      async (store, clock) => {
        await store.addPrincipal({ name: 'alice', scopes: ['a'] });
        clock.t += 1000;
        assert.deepEqual([...(await store.setScopes('alice', ['b', 'c'])).scopes], ['b', 'c']);
        const d = await store.setDisabled('alice', true);
        assert.equal(d.disabled, true);
        assert.equal(d.updatedAt, '2026-11-29T07:00:01.000Z');
        const read = await store.getPrincipal('alice');
        assert.equal(read?.disabled, true);
        assert.deepEqual([...(read?.scopes ?? [])], ['b', 'c']);
        assert.equal((await store.setDisabled('alice', false)).disabled, false);
        await assert.rejects(store.setScopes('bob', []), isStoreError('ERR_STORE_NOT_FOUND'));
        await assert.rejects(store.setDisabled('bob', true), isStoreError('ERR_STORE_NOT_FOUND'));
      },
    );

    withStore('createApiKey returns the key once; the store keeps its id and a hash that matches it', async (store) => {
      await store.addPrincipal({ name: 'alice', scopes: ['a', 'b'] });
      const created = await store.createApiKey('alice', { scopes: ['a'] });
      const parsed = parseApiKey(created.key);
      assert.ok(parsed);
      assert.equal(parsed.id, created.record.id);
      const stored = await store.getApiKey(parsed.id);
      assert.ok(stored);
      assert.equal(stored.principal, 'alice');
      assert.deepEqual([...(stored.scopes ?? [])], ['a']);
      assert.equal(stored.revokedAt, null);
      assert.equal(stored.createdAt, '2026-11-29T07:00:00.000Z');
      assert.equal(apiKeySecretMatches(parsed.secret, stored.hash), true);
      assert.equal(apiKeySecretMatches(parsed.secret.slice(1) + 'A', stored.hash), false);
      const plain = await store.createApiKey('alice');
      assert.equal((await store.getApiKey(plain.record.id))?.scopes, null, 'no scopes given: the principal’s');
      assert.equal(await store.getApiKey('aaaaaaaaaaaa'), null);
      assert.equal(await store.getApiKey('not an id'), null);
      await assert.rejects(store.createApiKey('bob'), isStoreError('ERR_STORE_NOT_FOUND'));
    });

    withStore(
      'listPrincipals is sorted by name; listApiKeys by creation time then id, optionally per principal',
      async (store, clock) => {
        for (const n of ['carol', 'alice', 'bob']) await store.addPrincipal({ name: n });
        assert.deepEqual(
          (await store.listPrincipals()).map((p) => p.name),
          ['alice', 'bob', 'carol'],
        );
        const k1 = await store.createApiKey('bob');
        clock.t += 1000;
        const k2 = await store.createApiKey('alice');
        clock.t += 1000;
        const k3 = await store.createApiKey('bob');
        assert.deepEqual(
          (await store.listApiKeys()).map((k) => k.id),
          [k1.record.id, k2.record.id, k3.record.id],
        );
        assert.deepEqual(
          (await store.listApiKeys('bob')).map((k) => k.id),
          [k1.record.id, k3.record.id],
        );
        assert.deepEqual(await store.listApiKeys('nobody'), []);
      },
    );

    withStore('revokeApiKey marks the key revoked once; unknown ids are ERR_STORE_NOT_FOUND', async (store, clock) => {
      await store.addPrincipal({ name: 'alice' });
      const { record } = await store.createApiKey('alice');
      clock.t += 5000;
      const revoked = await store.revokeApiKey(record.id);
      assert.equal(revoked.revokedAt, '2026-11-29T07:00:05.000Z');
      clock.t += 5000;
      assert.equal(
        (await store.revokeApiKey(record.id)).revokedAt,
        '2026-11-29T07:00:05.000Z',
        'revoking again changes nothing',
      );
      assert.equal((await store.getApiKey(record.id))?.revokedAt, '2026-11-29T07:00:05.000Z');
      assert.equal((await store.listApiKeys()).length, 1, 'kept for listing');
      await assert.rejects(store.revokeApiKey('aaaaaaaaaaaa'), isStoreError('ERR_STORE_NOT_FOUND'));
    });

    withStore(
      'removePrincipal removes the principal and its API keys; unknown names are ERR_STORE_NOT_FOUND',
      async (store) => {
        await store.addPrincipal({ name: 'alice', password: 'pw', iterations: IT });
        await store.addPrincipal({ name: 'bob' });
        const a = await store.createApiKey('alice');
        const b = await store.createApiKey('bob');
        await store.removePrincipal('alice');
        assert.equal(await store.getPrincipal('alice'), null);
        assert.equal(await store.getApiKey(a.record.id), null);
        assert.ok(await store.getApiKey(b.record.id));
        assert.deepEqual(
          (await store.listApiKeys()).map((k) => k.id),
          [b.record.id],
        );
        await assert.rejects(store.removePrincipal('alice'), isStoreError('ERR_STORE_NOT_FOUND'));
        await store.addPrincipal({ name: 'alice' }); // the name is free again
      },
    );

    withStore('watch reports each change made through the store, until unsubscribed', async (store) => {
      const seen: StoreChange[] = [];
      const stop = store.watch((c) => seen.push(c));
      await store.addPrincipal({ name: 'alice' });
      const { record } = await store.createApiKey('alice');
      await store.revokeApiKey(record.id);
      await store.setDisabled('alice', true);
      stop();
      await store.setDisabled('alice', false);
      assert.deepEqual(seen, [
        { kind: 'principal', name: 'alice' },
        { kind: 'apiKey', id: record.id, principal: 'alice' },
        { kind: 'apiKey', id: record.id, principal: 'alice' },
        { kind: 'principal', name: 'alice' },
      ]);
    });

    withStore('a failed change changes nothing and tells no watcher', async (store) => {
      await store.addPrincipal({ name: 'alice', scopes: ['a'] });
      const seen: StoreChange[] = [];
      store.watch((c) => seen.push(c));
      await assert.rejects(store.setScopes('alice', ['']), isStoreError('ERR_STORE_INVALID'));
      assert.deepEqual([...(await store.getPrincipal('alice'))!.scopes], ['a']);
      assert.deepEqual(seen, []);
    });

    it(`${kind}: a closed store refuses calls with ERR_STORE_UNAVAILABLE`, async () => {
      const { store, cleanup } = await factory(() => T0);
      try {
        await store.close();
        await assert.rejects(store.getPrincipal('alice'), isStoreError('ERR_STORE_UNAVAILABLE'));
        await assert.rejects(store.addPrincipal({ name: 'alice' }), isStoreError('ERR_STORE_UNAVAILABLE'));
        await store.close(); // twice is fine
      } finally {
        await cleanup();
      }
    });
  });
}

export { eventually } from '../helpers/eventually.js';
