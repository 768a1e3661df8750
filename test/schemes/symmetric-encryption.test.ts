import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMemoryStore } from '../../src/credentials/memory.js';
import { StartupError } from '../../src/errors.js';
import { symmetricEncryption } from '../../src/schemes/symmetric-encryption.js';
import type { Verifier } from '../../src/schemes/types.js';
import { openPayload, sealPayload } from '../../src/tokens/jwe.js';
import { context } from './helpers.js';
import { EPK, ecKey, handMadeCompact, octKey } from '../tokens/jwe-fixtures.js';

const store = createMemoryStore();
const make = (options: Record<string, unknown> = {}, name = 'e2e'): Verifier =>
  symmetricEncryption.createVerifier(context({ type: 'symmetricEncryption' }, store, options, name));

function startupError(fn: () => unknown): StartupError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof StartupError, String(err));
    return err;
  }
  assert.fail('expected a StartupError');
}

describe('symmetricEncryption verifier', () => {
  it('symmetricEncryption: authenticates nobody: verify is ok with the anonymous principal of the scheme', async () => {
    const v = make();
    assert.equal(v.source, 'payload');
    assert.equal(v.challenge, null);
    assert.equal(v.claimedSubject({ login: { username: 'alice', password: 'x' } }), null);
    const o = await v.verify({});
    assert.equal(o.kind, 'ok');
    assert.deepEqual(o.kind === 'ok' && { ...o.principal }, { id: 'anonymous', scheme: 'e2e', scopes: [], claims: {} });
    assert.ok(o.kind === 'ok' && Object.isFrozen(o.principal));
  });

  for (const alg of ['dir', 'A256KW']) {
    it(`symmetricEncryption: ${alg} + A256GCM round-trips (seal, inspectPayload ok, open)`, async () => {
      const key = octKey('s-1');
      const jwe = await sealPayload('{"lux":42}', { key, alg });
      assert.deepEqual(make().inspectPayload!(jwe), { ok: true });
      assert.deepEqual(
        make().inspectPayload!(new TextEncoder().encode(jwe)),
        { ok: true },
        'bytes as well as a string',
      );
      assert.equal(Buffer.from(await openPayload(jwe, { keys: [key] })).toString(), '{"lux":42}');
    });
  }

  it('symmetricEncryption: rejects an asymmetric JWE (ECDH-ES+A256KW) by default', async () => {
    const jwe = await sealPayload('x', { key: ecKey() });
    assert.deepEqual(make().inspectPayload!(jwe), { ok: false, reason: 'alg_not_allowed' });
  });

  it('symmetricEncryption: algorithms narrows the allow-list (dir refused when only A256KW is listed)', async () => {
    const key = octKey();
    const v = make({ algorithms: ['A256KW'] });
    assert.deepEqual(v.inspectPayload!(await sealPayload('x', { key, alg: 'dir' })), {
      ok: false,
      reason: 'alg_not_allowed',
    });
    assert.deepEqual(v.inspectPayload!(await sealPayload('x', { key, alg: 'A256KW' })), { ok: true });
  });

  it(
    'symmetricEncryption: encryptions widens to another ' + 'AEAD of the safe set (A128CBC-HS256) only when listed',
    async () => {
      const key = octKey();
      const jwe = await sealPayload('x', { key, alg: 'A256KW', enc: 'A128CBC-HS256' });
      assert.deepEqual(make().inspectPayload!(jwe), { ok: false, reason: 'alg_not_allowed' });
      assert.deepEqual(make({ encryptions: ['A256GCM', 'A128CBC-HS256'] }).inspectPayload!(jwe), { ok: true });
    },
  );

  it('symmetricEncryption: maxPayloadBytes bounds the payload (a longer JWE is refused as malformed)', async () => {
    const key = octKey();
    const small = await sealPayload('x'.repeat(10), { key, alg: 'dir' });
    const big = await sealPayload('x'.repeat(400), { key, alg: 'dir' });
    const v = make({ maxPayloadBytes: 300 });
    assert.deepEqual(v.inspectPayload!(small), { ok: true });
    assert.deepEqual(v.inspectPayload!(big), { ok: false, reason: 'malformed' });
    assert.deepEqual(make().inspectPayload!(big), { ok: true }, 'the default (1 MiB) accepts it');
  });

  it(
    'symmetricEncryption: maxPayloadBytes counts a string payload in UTF-8 bytes (a JSON JWE may hold ' +
      'non-ASCII members)',
    async () => {
      const [protectedHeader, , iv, ciphertext, tag] = (await sealPayload('x', { key: octKey(), alg: 'dir' })).split(
        '.',
      );
      const json = JSON.stringify({
        protected: protectedHeader,
        iv,
        ciphertext,
        tag,
        unprotected: { note: '€'.repeat(80) },
      });
      const bytes = Buffer.byteLength(json, 'utf8');
      assert.ok(json.length < bytes - 100);
      assert.deepEqual(
        make({ maxPayloadBytes: bytes }).inspectPayload!(json),
        { ok: true },
        'accepted at its byte length',
      );
      assert.deepEqual(
        make({ maxPayloadBytes: bytes - 1 }).inspectPayload!(json),
        { ok: false, reason: 'malformed' },
        'one byte over, although far fewer UTF-16 units',
      );
    },
  );

  it('symmetricEncryption: rejects a dir JWE that carries an encrypted key, and a key-wrap JWE without one', () => {
    const v = make();
    assert.deepEqual(
      v.inspectPayload!(handMadeCompact({ header: { alg: 'dir', enc: 'A256GCM' }, encryptedKey: 'AAAA' })),
      { ok: false, reason: 'malformed' },
    );
    assert.deepEqual(
      v.inspectPayload!(handMadeCompact({ header: { alg: 'A256KW', enc: 'A256GCM' }, encryptedKey: '' })),
      { ok: false, reason: 'malformed' },
    );
  });

  it('symmetricEncryption: rejects an IV or tag of the wrong length for A256GCM', () => {
    const v = make();
    assert.deepEqual(v.inspectPayload!(handMadeCompact({ header: { alg: 'dir', enc: 'A256GCM' }, iv: 'AAAA' })), {
      ok: false,
      reason: 'malformed',
    });
    assert.deepEqual(v.inspectPayload!(handMadeCompact({ header: { alg: 'dir', enc: 'A256GCM' }, tag: 'AAAAAAAA' })), {
      ok: false,
      reason: 'malformed',
    });
  });
});

describe('symmetricEncryption config', () => {
  it('symmetricEncryption: the config schema takes algorithms, encryptions and maxPayloadBytes only', () => {
    assert.deepEqual(Object.keys((symmetricEncryption.configSchema as { properties: object }).properties).sort(), [
      'algorithms',
      'encryptions',
      'maxPayloadBytes',
    ]);
    assert.equal((symmetricEncryption.configSchema as { additionalProperties: boolean }).additionalProperties, false);
  });

  for (const [what, options, pointer] of [
    ['RSA1_5', { algorithms: ['A256KW', 'RSA1_5'] }, 'schemes.e2e.algorithms.1'],
    ['none', { algorithms: ['none'] }, 'schemes.e2e.algorithms.0'],
    ['PBES2-HS256+A128KW', { algorithms: ['PBES2-HS256+A128KW'] }, 'schemes.e2e.algorithms.0'],
    ['an asymmetric algorithm (RSA-OAEP-256)', { algorithms: ['RSA-OAEP-256'] }, 'schemes.e2e.algorithms.0'],
    ['an unknown enc', { encryptions: ['A256GCM', 'none'] }, 'schemes.e2e.encryptions.1'],
    ['an empty list', { algorithms: [] }, 'schemes.e2e.algorithms'],
    ['a tiny maxPayloadBytes', { maxPayloadBytes: 10 }, 'schemes.e2e.maxPayloadBytes'],
  ] as const) {
    it(`symmetricEncryption: rejects ${what} in the binding with ERR_CONFIG_INVALID at its key path`, () => {
      const err = startupError(() => make(options));
      assert.equal(err.code, 'ERR_CONFIG_INVALID');
      assert.equal(err.pointer, pointer);
      assert.ok(err.message.startsWith(`${pointer}: `), err.message);
    });
  }

  it('symmetricEncryption: a key-agreement JWE header with epk is still refused by alg', () => {
    assert.deepEqual(
      make().inspectPayload!(handMadeCompact({ header: { alg: 'ECDH-ES', enc: 'A256GCM', epk: EPK } })),
      { ok: false, reason: 'alg_not_allowed' },
    );
  });
});
