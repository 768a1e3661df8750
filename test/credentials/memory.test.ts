import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createMemoryStore,
  DEFAULT_PASSWORD_ITERATIONS,
  normalizePrincipalName,
} from '../../src/credentials/memory.js';
import type { StoreChange } from '../../src/credentials/types.js';
import { isStoreError, runStoreContract } from './contract.js';

runStoreContract('memory', async (now) => ({ store: createMemoryStore({ now }), cleanup: async () => undefined }));

describe('memory store', () => {
  it('memory: a password gets the default iteration count when none is given', async () => {
    const store = createMemoryStore();
    const r = await store.addPrincipal({ name: 'alice', password: 'pw' });
    assert.equal(DEFAULT_PASSWORD_ITERATIONS, 10_000);
    assert.equal(r.verifiers['SHA-256']?.iterations, DEFAULT_PASSWORD_ITERATIONS);
    assert.equal(r.verifiers['SHA-512']?.iterations, DEFAULT_PASSWORD_ITERATIONS);
  });

  it('memory: a failing persist leaves the state unchanged', async () => {
    let fail = true;
    const store = createMemoryStore({
      persist: async () => {
        if (fail) throw new Error('disk full');
      },
    });
    await assert.rejects(store.addPrincipal({ name: 'alice' }), /disk full/);
    assert.equal(await store.getPrincipal('alice'), null);
    fail = false;
    await store.addPrincipal({ name: 'alice' });
    assert.ok(await store.getPrincipal('alice'));
  });

  it('memory: replace swaps the whole state and tells watchers reload', async () => {
    const a = createMemoryStore();
    await a.addPrincipal({ name: 'alice' });
    const b = createMemoryStore();
    const seen: StoreChange[] = [];
    b.watch((c) => seen.push(c));
    b.replace(a.snapshot());
    assert.ok(await b.getPrincipal('alice'));
    assert.deepEqual(seen, [{ kind: 'reload' }]);
  });

  it('memory: normalizePrincipalName rejects names over 255 characters', () => {
    assert.equal(normalizePrincipalName('a'.repeat(255), 'x'), 'a'.repeat(255));
    assert.throws(() => normalizePrincipalName('a'.repeat(256), 'x'), isStoreError('ERR_STORE_INVALID'));
  });
});
