import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTokenCache, createJwtVerifier, tokenKey } from '../../src/tokens/index.js';
import { clock, startIdp } from './helpers.js';
import type { Idp } from './helpers.js';

describe('cache: the token cache itself', () => {
  test('cache: keys are the SHA-256 of the token, never the token', () => {
    const token = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln';
    const key = tokenKey(token);
    assert.equal(key.length, 44);
    assert.equal(key.includes(token.slice(0, 10)), false);
    assert.equal(key, tokenKey(token));
    assert.notEqual(key, tokenKey(`${token}x`));
  });

  test('cache: never serves an entry at or past its deadline', () => {
    const c = clock(1_000_000);
    const cache = createTokenCache<string>(10, c.now);
    cache.set('k', 'v', 1_000_500);
    assert.equal(cache.get('k'), 'v');
    c.set(1_000_499);
    assert.equal(cache.get('k'), 'v');
    c.set(1_000_500);
    assert.equal(cache.get('k'), undefined);
    assert.equal(cache.size, 0, 'the dead entry is dropped');
    cache.set('late', 'v', 1_000_000); // already past: not stored
    assert.equal(cache.size, 0);
  });

  test('cache: bounded, evicting entries not used since the last sweep first (CLOCK)', () => {
    const c = clock(0);
    const cache = createTokenCache<number>(3, c.now);
    cache.set('a', 1, 1e9);
    cache.set('b', 2, 1e9);
    cache.set('c', 3, 1e9);
    assert.equal(cache.get('a'), 1); // a gets a second chance
    cache.set('d', 4, 1e9);
    assert.equal(cache.size, 3);
    assert.equal(cache.get('a'), 1);
    assert.equal(cache.get('b'), undefined, 'b, unused, went first');
    for (let i = 0; i < 1000; i++) cache.set(`x${i}`, i, 1e9);
    assert.equal(cache.size, 3);
  });

  test('cache: size 0 disables it', () => {
    const cache = createTokenCache<number>(0, () => 0);
    cache.set('a', 1, 1e9);
    assert.equal(cache.get('a'), undefined);
  });
});

describe('cache: through the JWT verifier', () => {
  let idp: Idp;
  before(async () => {
    idp = await startIdp(['ES256']);
  });
  after(() => idp.stop());
  const options = (now: () => number, over = {}) => ({
    keys: { kind: 'url' as const, url: idp.jwksUrl },
    issuer: idp.issuer,
    audience: 'api',
    algorithms: ['ES256'],
    now,
    ...over,
  });

  test('cache: a hit does not call jose and returns the same frozen outcome', async () => {
    const c = clock();
    const v = createJwtVerifier(options(c.now));
    const token = await idp.buildToken();
    const first = await v.verify(token);
    assert.ok(first.ok);
    assert.deepEqual(v.stats?.(), { cacheHits: 0, cacheEntries: 1, verifications: 1, fetches: 1 });
    for (let i = 0; i < 100; i++) assert.equal(await v.verify(token), first);
    assert.deepEqual(v.stats?.(), { cacheHits: 100, cacheEntries: 1, verifications: 1, fetches: 1 });
    v.close();
  });

  test('cache: the entry expires at the token exp (checked against now() on every hit)', async () => {
    const c = clock();
    const v = createJwtVerifier(options(c.now, { clockToleranceSec: 0 }));
    const token = await idp.buildToken({}, { expiresIn: 60 });
    const first = await v.verify(token);
    assert.ok(first.ok && first.expiresAt !== null);
    c.set(first.expiresAt - 1);
    assert.equal(await v.verify(token), first);
    assert.equal(v.stats?.().verifications, 1);
    c.set(first.expiresAt);
    const late = await v.verify(token);
    assert.deepEqual(late, { ok: false, reason: 'expired' });
    assert.equal(v.stats?.().verifications, 2, 'went back to jose');
    v.close();
  });

  test('cache: refusals are not cached', async () => {
    const v = createJwtVerifier(options(Date.now));
    const token = await idp.buildToken({ aud: 'elsewhere' });
    assert.equal((await v.verify(token)).ok, false);
    assert.equal((await v.verify(token)).ok, false);
    assert.deepEqual(v.stats?.(), { cacheHits: 0, cacheEntries: 0, verifications: 2, fetches: 1 });
    v.close();
  });

  test('cache: bounded by cacheSize', async () => {
    const v = createJwtVerifier(options(Date.now, { cacheSize: 2 }));
    for (const sub of ['a', 'b', 'c', 'd']) assert.ok((await v.verify(await idp.buildToken({ sub }))).ok);
    assert.equal(v.stats?.().cacheEntries, 2);
    v.close();
  });

  test('cache: cacheSize 0 verifies every time', async () => {
    const v = createJwtVerifier(options(Date.now, { cacheSize: 0 }));
    const token = await idp.buildToken();
    for (let i = 0; i < 3; i++) assert.ok((await v.verify(token)).ok);
    assert.equal(v.stats?.().verifications, 3);
    v.close();
  });
});
