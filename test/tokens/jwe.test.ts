import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CompactEncrypt, importJWK } from 'jose';
import { KeyError, PayloadError } from '../../src/errors.js';
import { openPayload, sealPayload } from '../../src/tokens/jwe.js';
import { publicJwkOf } from '../../src/tokens/keys.js';
import { b64, ecKey, handMadeCompact, octKey, rsaKey } from './jwe-fixtures.js';

const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8');
const headerOf = (jwe: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(jwe.split('.')[0]!, 'base64url').toString()) as Record<string, unknown>;

async function refusal(p: Promise<unknown>): Promise<PayloadError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof PayloadError, String(err));
    assert.equal(err.code, 'ERR_JWE_REFUSED');
    return err;
  }
  assert.fail('expected a PayloadError');
}

describe('sealPayload', () => {
  it(
    'seal: the default alg follows the key type (oct A256KW, RSA RSA-OAEP-256, EC ECDH-ES+A256KW), enc ' +
      'A256GCM, kid from the JWK',
    async () => {
      for (const [key, alg] of [
        [octKey('o'), 'A256KW'],
        [publicJwkOf(rsaKey()), 'RSA-OAEP-256'],
        [publicJwkOf(ecKey()), 'ECDH-ES+A256KW'],
      ] as const) {
        const h = headerOf(await sealPayload('x', { key }));
        assert.equal(h['alg'], alg);
        assert.equal(h['enc'], 'A256GCM');
        assert.equal(h['kid'], key.kid);
      }
    },
  );

  it('seal: a given kid overrides the key’s, and a key without kid seals without one', async () => {
    assert.equal(headerOf(await sealPayload('x', { key: octKey('old'), kid: 'new' }))['kid'], 'new');
    assert.equal('kid' in headerOf(await sealPayload('x', { key: octKey() })), false);
  });

  it('seal: a private key seals with its public half only (the JWE opens with the private key)', async () => {
    const key = ecKey();
    const jwe = await sealPayload('secret reading', { key });
    assert.equal(text(await openPayload(jwe, { keys: [key] })), 'secret reading');
  });

  it('seal: a key restricted to one alg (RFC 7517 §4.4) refuses another', async () => {
    const key = octKey('k', 32, 'A256KW');
    await assert.rejects(
      sealPayload('x', { key, alg: 'dir' }),
      (err: unknown) => err instanceof KeyError && err.code === 'ERR_KEY_INVALID',
    );
  });

  it(
    'seal: a key that does not fit the alg is refused (oct for RSA-OAEP-256; 16-byte oct for A256KW; dir with ' +
      'the wrong size)',
    async () => {
      await assert.rejects(sealPayload('x', { key: octKey(), alg: 'RSA-OAEP-256' }), { code: 'ERR_KEY_INVALID' });
      await assert.rejects(sealPayload('x', { key: octKey(undefined, 16), alg: 'A256KW' }), {
        code: 'ERR_KEY_INVALID',
      });
      await assert.rejects(sealPayload('x', { key: octKey(undefined, 16), alg: 'dir', enc: 'A256GCM' }), {
        code: 'ERR_KEY_INVALID',
      });
      assert.ok((await sealPayload('x', { key: octKey(undefined, 16), alg: 'dir', enc: 'A128GCM' })).length > 0);
    },
  );

  it('seal: an alg or enc outside the safe sets is library misuse (TypeError ERR_INVALID_ARG_VALUE)', async () => {
    await assert.rejects(sealPayload('x', { key: publicJwkOf(rsaKey()), alg: 'RSA1_5' }), {
      name: 'TypeError',
      code: 'ERR_INVALID_ARG_VALUE',
    });
    await assert.rejects(sealPayload('x', { key: octKey(), enc: 'A256CTR' }), {
      name: 'TypeError',
      code: 'ERR_INVALID_ARG_VALUE',
    });
    await assert.rejects(sealPayload(42 as never, { key: octKey() }), {
      name: 'TypeError',
      code: 'ERR_INVALID_ARG_TYPE',
    });
  });
});

describe('openPayload', () => {
  it('open: key rotation by kid — two keys, each payload opened by the key its kid names', async () => {
    const k1 = octKey('2024-01');
    const k2 = octKey('2024-02');
    const a = await sealPayload('sealed with one', { key: k1 });
    const b = await sealPayload('sealed with two', { key: k2, alg: 'dir' });
    assert.equal(text(await openPayload(a, { keys: [k1, k2] })), 'sealed with one');
    assert.equal(text(await openPayload(b, { keys: [k2, k1] })), 'sealed with two');
  });

  it('open: rotation across key types (an EC and an RSA key in one set)', async () => {
    const ec = ecKey('ec-r');
    const rsa = rsaKey();
    assert.equal(text(await openPayload(await sealPayload('e', { key: publicJwkOf(ec) }), { keys: [rsa, ec] })), 'e');
    assert.equal(text(await openPayload(await sealPayload('r', { key: publicJwkOf(rsa) }), { keys: [ec, rsa] })), 'r');
  });

  it('open: rejects an unknown kid rather than trying every key', async () => {
    const k1 = octKey('current');
    const jwe = await sealPayload('x', { key: k1, kid: 'retired' });
    const err = await refusal(openPayload(jwe, { keys: [k1, octKey('other')] }));
    assert.equal(err.refusal, 'unknown_key');
  });

  it('open: rejects a JWE without kid when several keys are given; one key opens it', async () => {
    const k = octKey();
    const jwe = await sealPayload('x', { key: k });
    assert.equal((await refusal(openPayload(jwe, { keys: [k, octKey()] }))).refusal, 'unknown_key');
    assert.equal(text(await openPayload(jwe, { keys: [k] })), 'x');
  });

  it('open: rejects when the key with that kid is a public key', async () => {
    const key = rsaKey();
    const jwe = await sealPayload('x', { key: publicJwkOf(key) });
    assert.equal((await refusal(openPayload(jwe, { keys: [publicJwkOf(key)] }))).refusal, 'unknown_key');
  });

  it(
    'open: rejects a JWE whose alg does not fit the key its ' + 'kid names (alg confusion: dir against a key-wrap key)',
    async () => {
      const wrapKey = octKey('w', 32, 'A256KW');
      const forged = await new CompactEncrypt(new TextEncoder().encode('x'))
        .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: 'w' })
        .encrypt(await importJWK({ kty: 'oct', k: wrapKey.k! }, 'dir'));
      assert.equal((await refusal(openPayload(forged, { keys: [wrapKey] }))).refusal, 'unknown_key');
    },
  );

  it('open: rejects a tampered ciphertext as decryption_failed', async () => {
    const k = octKey('t');
    const parts = (await sealPayload('important', { key: k })).split('.');
    const ct = Buffer.from(parts[3]!, 'base64url');
    ct[0] = ct[0]! ^ 1;
    parts[3] = b64(ct);
    assert.equal((await refusal(openPayload(parts.join('.'), { keys: [k] }))).refusal, 'decryption_failed');
  });

  it('open: rejects a JWE sealed for another key with the same kid as decryption_failed', async () => {
    const jwe = await sealPayload('x', { key: octKey('same') });
    assert.equal((await refusal(openPayload(jwe, { keys: [octKey('same')] }))).refusal, 'decryption_failed');
  });

  it('open: rejects an alg outside the allow-list given', async () => {
    const k = octKey('a');
    const jwe = await sealPayload('x', { key: k, alg: 'dir' });
    assert.equal((await refusal(openPayload(jwe, { keys: [k], algorithms: ['A256KW'] }))).refusal, 'alg_not_allowed');
  });

  it('open: rejects a compressed JWE (zip) before decrypting', async () => {
    const k = octKey('z');
    const jwe = handMadeCompact({ header: { alg: 'A256KW', enc: 'A256GCM', zip: 'DEF', kid: 'z' } });
    assert.equal((await refusal(openPayload(jwe, { keys: [k] }))).refusal, 'alg_not_allowed');
  });

  it('open: rejects plaintext, a JWS and the JSON serialization as malformed', async () => {
    const keys = [octKey()];
    for (const input of ['hello', 'a.b.c', '{"ciphertext":"AAAA"}'])
      assert.equal((await refusal(openPayload(input, { keys }))).refusal, 'malformed');
  });

  it('open: rejects a JWE over maxBytes as too_large', async () => {
    const k = octKey();
    const jwe = await sealPayload('x'.repeat(500), { key: k });
    assert.equal((await refusal(openPayload(jwe, { keys: [k], maxBytes: 200 }))).refusal, 'too_large');
  });

  it('open: no message holds the plaintext, the payload or key material', async () => {
    const k = octKey('m');
    const jwe = await sealPayload('PLAINTEXT-MARKER', { key: k });
    const errors: Error[] = [];
    for (const attempt of [
      () => openPayload(jwe, { keys: [octKey('m')] }),
      () => openPayload(jwe.slice(0, -2) + 'AA', { keys: [k] }),
      () => openPayload(jwe, { keys: [octKey('n')] }),
    ]) {
      try {
        await attempt();
      } catch (err) {
        errors.push(err as Error);
      }
    }
    assert.equal(errors.length, 3);
    for (const e of errors) {
      for (const secret of ['PLAINTEXT-MARKER', k.k!, jwe, jwe.split('.')[3]!])
        assert.ok(!e.message.includes(secret), e.message);
    }
  });

  it('open: library misuse is a TypeError (no keys, keys not an array, a non-string JWE)', async () => {
    await assert.rejects(openPayload('x', { keys: [] }), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    await assert.rejects(openPayload('x', { keys: 'k' as never }), { name: 'TypeError' });
    await assert.rejects(openPayload(new Uint8Array(3) as never, { keys: [octKey()] }), { name: 'TypeError' });
    await assert.rejects(openPayload('x', { keys: [octKey()], algorithms: ['RSA1_5'] }), {
      name: 'TypeError',
      code: 'ERR_INVALID_ARG_VALUE',
    });
  });
});
