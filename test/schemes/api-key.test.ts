import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { apiKey } from '../../src/schemes/api-key.js';
import type { Verifier } from '../../src/schemes/types.js';
import {
  context,
  failingStore,
  invalidReason,
  okPrincipal,
  seed,
  verify,
  wrongSecret,
  type Fixture,
} from './helpers.js';

const make = (store: Fixture['store'] | ReturnType<typeof failingStore>, where: 'user' | 'password'): Verifier =>
  apiKey.createVerifier(context({ type: 'apiKey', in: where }, store, {}, 'key'));

describe('apiKey verifier', () => {
  let fx: Fixture;
  let asUser: Verifier;
  let asPassword: Verifier;
  before(async () => {
    fx = await seed();
    asUser = make(fx.store, 'user');
    asPassword = make(fx.store, 'password');
  });

  it('apiKey: in: user reads the key from the login user name, ok with the principal and keyId', async () => {
    const p = okPrincipal(await verify(asUser, { login: { username: fx.aliceKey } }));
    assert.deepEqual(p, { id: 'alice', scheme: 'key', scopes: ['read', 'write'], claims: { keyId: fx.aliceKeyId } });
  });

  it('apiKey: in: password reads the key from the login password (bytes too), whatever the user name', async () => {
    okPrincipal(await verify(asPassword, { login: { username: 'anything', password: fx.aliceKey } }));
    okPrincipal(await verify(asPassword, { login: { password: new Uint8Array(Buffer.from(fx.aliceKey)) } }));
  });

  it('apiKey: key scopes are intersected with the principal scopes (a key never grants more)', async () => {
    const p = okPrincipal(await verify(asUser, { login: { username: fx.narrowKey } }));
    assert.deepEqual(p.scopes, ['read']);
    assert.deepEqual(p.claims, { keyId: fx.narrowKeyId });
  });

  it('apiKey: a wrong secret is unknown_key naming the key id, like an unknown id', async () => {
    assert.deepEqual(await verify(asUser, { login: { username: wrongSecret(fx.aliceKey) } }), {
      kind: 'invalid',
      reason: 'unknown_key',
      subject: fx.aliceKeyId,
    });
    const unknown = `agk_${'a'.repeat(12)}_${'B'.repeat(43)}`;
    assert.deepEqual(await verify(asUser, { login: { username: unknown } }), {
      kind: 'invalid',
      reason: 'unknown_key',
      subject: 'a'.repeat(12),
    });
  });

  it('apiKey: a revoked key is revoked', async () => {
    assert.deepEqual(await verify(asUser, { login: { username: fx.revokedKey } }), {
      kind: 'invalid',
      reason: 'revoked',
      subject: fx.revokedKeyId,
    });
  });

  it('apiKey: a disabled principal is disabled', async () => {
    assert.equal(invalidReason(await verify(asUser, { login: { username: fx.bobKey } })), 'disabled');
  });

  it('apiKey: a key whose principal is gone is unknown_principal', async () => {
    const fresh = await seed();
    const v = make(fresh.store, 'user');
    // removePrincipal removes its keys too; a stale key record (another guard's store lagging) is simulated here.
    const snap = fresh.store.snapshot();
    snap.principals.delete('alice');
    fresh.store.replace(snap);
    assert.equal(invalidReason(await verify(v, { login: { username: fresh.aliceKey } })), 'unknown_principal');
  });

  it('apiKey: absent when the field is missing or empty', async () => {
    for (const p of [{}, { login: {} }, { login: { username: '' } }, { login: { password: fx.aliceKey } }]) {
      assert.deepEqual(await verify(asUser, p), { kind: 'absent' }, JSON.stringify(p));
    }
    assert.deepEqual(await verify(asPassword, { login: { username: fx.aliceKey } }), { kind: 'absent' });
  });

  it('apiKey: claimedSubject is the key id, never the key', () => {
    assert.equal(asUser.claimedSubject({ login: { username: fx.aliceKey } }), fx.aliceKeyId);
    assert.equal(asUser.claimedSubject({ login: { username: 'not-a-key' } }), null);
    assert.equal(asUser.challenge, null);
  });

  it('apiKey: a store that rejects is store_unavailable, never ok', async () => {
    for (const mode of ['reject', 'throw'] as const) {
      assert.deepEqual(await verify(make(failingStore(mode), 'user'), { login: { username: fx.aliceKey } }), {
        kind: 'invalid',
        reason: 'store_unavailable',
        subject: fx.aliceKeyId,
      });
    }
  });

  it('apiKey: a scheme without a usable `in` fails startup with ERR_SCHEME_UNSUPPORTED', () => {
    for (const where of [undefined, 'header', 'User']) {
      assert.throws(() => apiKey.createVerifier(context({ type: 'apiKey', in: where }, fx.store)), {
        name: 'StartupError',
        code: 'ERR_SCHEME_UNSUPPORTED',
      });
    }
  });
});

describe('apiKey verifier: hostile keys', () => {
  let v: Verifier;
  let fx: Fixture;
  before(async () => {
    fx = await seed();
    v = make(fx.store, 'password');
  });
  const pw = (password: unknown) => ({ login: { username: 'u', password } });

  it('rejects a value that is not an API key', async () =>
    assert.deepEqual(await verify(v, pw('hunter2')), { kind: 'invalid', reason: 'malformed' }));
  it('rejects a key with a bad id alphabet', async () =>
    assert.equal(invalidReason(await verify(v, pw(`agk_${'A'.repeat(12)}_${'B'.repeat(43)}`))), 'malformed'));
  it('rejects a key one character short', async () =>
    assert.equal(invalidReason(await verify(v, pw(fx.aliceKey.slice(0, -1)))), 'malformed'));
  it('rejects a key with trailing whitespace', async () =>
    assert.equal(invalidReason(await verify(v, pw(`${fx.aliceKey} `))), 'malformed'));
  it('rejects a key with NUL inside', async () =>
    assert.equal(invalidReason(await verify(v, pw(`${fx.aliceKey.slice(0, -1)}\u0000`))), 'malformed'));
  it('rejects a byte key that is not UTF-8', async () =>
    assert.equal(invalidReason(await verify(v, pw(Uint8Array.of(0x61, 0xff)))), 'malformed'));
  it('rejects a huge key without looking it up', async () =>
    assert.equal(invalidReason(await verify(v, pw('agk_'.repeat(100_000)))), 'malformed'));
});
