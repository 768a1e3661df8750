import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { httpApiKey } from '../../src/schemes/http-api-key.js';
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

type Where = 'header' | 'query' | 'cookie';
const make = (store: Fixture['store'] | ReturnType<typeof failingStore>, where: Where, name: string): Verifier =>
  httpApiKey.createVerifier(context({ type: 'httpApiKey', in: where, name }, store, {}, 'httpKey'));

/** How a client presents `value` for each `in`. */
const present: Record<Where, (value: string) => object> = {
  header: (value) => ({ headers: { 'x-api-key': value } }),
  query: (value) => ({ query: `a=1&api_key=${encodeURIComponent(value)}` }),
  cookie: (value) => ({ headers: { cookie: `theme=dark; session=${value}` } }),
};
const names: Record<Where, string> = { header: 'X-API-Key', query: 'api_key', cookie: 'session' };

describe('httpApiKey verifier', () => {
  let fx: Fixture;
  before(async () => {
    fx = await seed();
  });

  for (const where of ['header', 'query', 'cookie'] as const) {
    it(`httpApiKey (${where}): the right key is ok with the principal and keyId`, async () => {
      const v = make(fx.store, where, names[where]);
      assert.deepEqual(okPrincipal(await verify(v, present[where](fx.aliceKey))), {
        id: 'alice',
        scheme: 'httpKey',
        scopes: ['read', 'write'],
        claims: { keyId: fx.aliceKeyId },
      });
      assert.equal(v.source, where);
      assert.equal(v.challenge, null);
      assert.equal(v.claimedSubject(present[where](fx.aliceKey) as never), fx.aliceKeyId);
    });

    it(`httpApiKey (${where}): wrong secret, revoked key, disabled principal, narrowed scopes`, async () => {
      const v = make(fx.store, where, names[where]);
      assert.deepEqual(await verify(v, present[where](wrongSecret(fx.aliceKey))), {
        kind: 'invalid',
        reason: 'unknown_key',
        subject: fx.aliceKeyId,
      });
      assert.equal(invalidReason(await verify(v, present[where](fx.revokedKey))), 'revoked');
      assert.equal(invalidReason(await verify(v, present[where](fx.bobKey))), 'disabled');
      assert.deepEqual(okPrincipal(await verify(v, present[where](fx.narrowKey))).scopes, ['read']);
    });

    it(`httpApiKey (${where}): absent when the key is not there or empty`, async () => {
      const v = make(fx.store, where, names[where]);
      assert.deepEqual(await verify(v, {}), { kind: 'absent' });
      assert.deepEqual(await verify(v, present[where]('')), { kind: 'absent' });
      assert.deepEqual(await verify(v, { login: { username: fx.aliceKey, password: fx.aliceKey } }), {
        kind: 'absent',
      });
    });

    it(`httpApiKey (${where}): a store that rejects is store_unavailable, never ok`, async () => {
      assert.equal(
        invalidReason(await verify(make(failingStore(), where, names[where]), present[where](fx.aliceKey))),
        'store_unavailable',
      );
    });
  }

  it('httpApiKey: the header name compares case-insensitively, query and cookie names exactly', async () => {
    okPrincipal(await verify(make(fx.store, 'header', 'x-API-key'), { headers: { 'x-api-key': fx.aliceKey } }));
    assert.deepEqual(await verify(make(fx.store, 'query', 'API_KEY'), { query: `api_key=${fx.aliceKey}` }), {
      kind: 'absent',
    });
    assert.deepEqual(
      await verify(make(fx.store, 'cookie', 'Session'), { headers: { cookie: `session=${fx.aliceKey}` } }),
      { kind: 'absent' },
    );
  });

  it('httpApiKey: a percent-encoded key in the query is decoded', async () => {
    const encoded = [...fx.aliceKey].map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join('');
    okPrincipal(await verify(make(fx.store, 'query', 'api_key'), { query: `api_key=${encoded}` }));
  });

  it('httpApiKey: a scheme without a usable in or name fails startup with ERR_SCHEME_UNSUPPORTED', () => {
    const bad = [
      { in: 'user', name: 'k' },
      { name: 'k' },
      { in: 'header' },
      { in: 'header', name: '' },
      { in: 'header', name: 'bad name' },
      { in: 'query', name: 7 },
    ];
    for (const s of bad) {
      assert.throws(
        () => httpApiKey.createVerifier(context({ type: 'httpApiKey', ...s }, fx.store)),
        { name: 'StartupError', code: 'ERR_SCHEME_UNSUPPORTED' },
        JSON.stringify(s),
      );
    }
  });
});

describe('httpApiKey verifier: hostile requests', () => {
  let fx: Fixture;
  before(async () => {
    fx = await seed();
  });

  it('rejects a header sent twice', async () => {
    assert.deepEqual(
      await verify(make(fx.store, 'header', 'X-API-Key'), { headers: { 'x-api-key': [fx.aliceKey, fx.aliceKey] } }),
      { kind: 'invalid', reason: 'malformed' },
    );
  });
  it('rejects a query parameter given twice', async () => {
    assert.equal(
      invalidReason(
        await verify(make(fx.store, 'query', 'api_key'), { query: `api_key=${fx.aliceKey}&api_key=${fx.aliceKey}` }),
      ),
      'malformed',
    );
  });
  it('rejects a cookie given twice', async () => {
    assert.equal(
      invalidReason(
        await verify(make(fx.store, 'cookie', 'session'), { headers: { cookie: `session=${fx.aliceKey}; session=x` } }),
      ),
      'malformed',
    );
  });
  it('rejects an oversized header, query string and Cookie header', async () => {
    const big = 'x'.repeat(9000);
    assert.equal(
      invalidReason(await verify(make(fx.store, 'header', 'X-API-Key'), { headers: { 'x-api-key': big } })),
      'malformed',
    );
    assert.equal(
      invalidReason(await verify(make(fx.store, 'query', 'api_key'), { query: `api_key=${fx.aliceKey}&pad=${big}` })),
      'malformed',
    );
    assert.equal(
      invalidReason(
        await verify(make(fx.store, 'cookie', 'session'), {
          headers: { cookie: `session=${fx.aliceKey}; pad=${big}` },
        }),
      ),
      'malformed',
    );
  });
  it('rejects a value that is not an API key', async () => {
    assert.deepEqual(await verify(make(fx.store, 'header', 'X-API-Key'), { headers: { 'x-api-key': 'Bearer abc' } }), {
      kind: 'invalid',
      reason: 'malformed',
    });
  });
  it('rejects a percent-encoded NUL inside the key', async () => {
    assert.equal(
      invalidReason(
        await verify(make(fx.store, 'query', 'api_key'), { query: `api_key=${fx.aliceKey.slice(0, -1)}%00` }),
      ),
      'malformed',
    );
  });
  it('rejects a header value that is not a string', async () => {
    assert.equal(
      invalidReason(await verify(make(fx.store, 'header', 'X-API-Key'), { headers: { 'x-api-key': 12 } })),
      'malformed',
    );
  });
});
