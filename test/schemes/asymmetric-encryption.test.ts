import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import '../helpers/property.js'; // one seed per file, printed; FC_SEED=<n> replays it
import { FlattenedEncrypt, GeneralEncrypt, importJWK, SignJWT } from 'jose';
import { createMemoryStore } from '../../src/credentials/memory.js';
import { StartupError } from '../../src/errors.js';
import { asymmetricEncryption } from '../../src/schemes/asymmetric-encryption.js';
import type { Verifier } from '../../src/schemes/types.js';
import { openPayload, sealPayload } from '../../src/tokens/jwe.js';
import { publicJwkOf } from '../../src/tokens/keys.js';
import { context } from './helpers.js';
import { EPK, b64, ecKey, handMadeCompact, handMadeGeneral, octKey, rsaKey } from '../tokens/jwe-fixtures.js';

const store = createMemoryStore();
const make = (options: Record<string, unknown> = {}): Verifier =>
  asymmetricEncryption.createVerifier(context({ type: 'asymmetricEncryption' }, store, options, 'e2e'));
const v = make();
const inspect = (payload: unknown) => v.inspectPayload!(payload as string);
const NOT_ENCRYPTED = { ok: false, reason: 'payload_not_encrypted' };
const NOT_ALLOWED = { ok: false, reason: 'alg_not_allowed' };
const MALFORMED = { ok: false, reason: 'malformed' };

describe('asymmetricEncryption round trips', () => {
  it('asymmetricEncryption: ECDH-ES+A256KW (P-256) + A256GCM round-trips (seal, inspectPayload ok, open)', async () => {
    const key = ecKey();
    const jwe = await sealPayload('reading 17', { key: publicJwkOf(key) });
    assert.deepEqual(inspect(jwe), { ok: true });
    assert.equal(Buffer.from(await openPayload(jwe, { keys: [key] })).toString(), 'reading 17');
  });

  it('asymmetricEncryption: RSA-OAEP-256 (2048) + A256GCM round-trips (seal, inspectPayload ok, open)', async () => {
    const key = rsaKey();
    const jwe = await sealPayload(new Uint8Array([0, 1, 2, 255]), { key: publicJwkOf(key) });
    assert.deepEqual(inspect(jwe), { ok: true });
    assert.deepEqual([...(await openPayload(jwe, { keys: [key] }))], [0, 1, 2, 255]);
  });

  it('asymmetricEncryption: accepts the general JSON serialization with two allowed recipients', async () => {
    const enc = new GeneralEncrypt(new TextEncoder().encode('x')).setProtectedHeader({ enc: 'A256GCM' });
    enc
      .addRecipient(await importJWK(publicJwkOf(ecKey()), 'ECDH-ES+A256KW'))
      .setUnprotectedHeader({ alg: 'ECDH-ES+A256KW', kid: 'ec-1' });
    enc
      .addRecipient(await importJWK(publicJwkOf(rsaKey()), 'RSA-OAEP-256'))
      .setUnprotectedHeader({ alg: 'RSA-OAEP-256', kid: 'rsa-1' });
    assert.deepEqual(inspect(JSON.stringify(await enc.encrypt())), { ok: true });
  });

  it('asymmetricEncryption: accepts the flattened JSON serialization', async () => {
    const jwe = await new FlattenedEncrypt(new TextEncoder().encode('x'))
      .setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM' })
      .encrypt(await importJWK(publicJwkOf(rsaKey()), 'RSA-OAEP-256'));
    assert.deepEqual(inspect(JSON.stringify(jwe)), { ok: true });
  });
});

describe('asymmetricEncryption: inspectPayload hostile payloads', () => {
  it('rejects plaintext JSON', () => {
    assert.deepEqual(inspect('{"temperature": 21.5}'), NOT_ENCRYPTED);
    assert.deepEqual(inspect(new TextEncoder().encode('{"temperature": 21.5}')), NOT_ENCRYPTED);
  });

  it('rejects plain text and the empty payload', () => {
    assert.deepEqual(inspect('hello world'), NOT_ENCRYPTED);
    assert.deepEqual(inspect(''), NOT_ENCRYPTED);
    assert.deepEqual(inspect(new Uint8Array(0)), NOT_ENCRYPTED);
  });

  it('rejects a JWS (three parts)', async () => {
    const jws = await new SignJWT({ sub: 'x' }).setProtectedHeader({ alg: 'HS256' }).sign(randomBytes(32));
    assert.deepEqual(inspect(jws), NOT_ENCRYPTED);
  });

  it('rejects five parts whose header has no enc (a JWS header dressed as a JWE)', () => {
    assert.deepEqual(inspect(handMadeCompact({ header: { alg: 'RSA-OAEP-256' } })), NOT_ENCRYPTED);
  });

  it('rejects a JWE with alg RSA1_5', () => {
    assert.deepEqual(inspect(handMadeCompact({ header: { alg: 'RSA1_5', enc: 'A256GCM' } })), NOT_ALLOWED);
  });

  it('rejects a JWE with alg none', () => {
    assert.deepEqual(inspect(handMadeCompact({ header: { alg: 'none', enc: 'A256GCM' } })), NOT_ALLOWED);
  });

  it('rejects enc A128CBC-HS256 when it is not allowed', () => {
    assert.deepEqual(
      inspect(handMadeCompact({ header: { alg: 'RSA-OAEP-256', enc: 'A128CBC-HS256' }, iv: b64(randomBytes(16)) })),
      NOT_ALLOWED,
    );
  });

  it('rejects a symmetric JWE (dir) on an asymmetric scheme', async () => {
    assert.deepEqual(inspect(await sealPayload('x', { key: octKey(), alg: 'dir' })), NOT_ALLOWED);
  });

  it('rejects a compressed JWE (zip: DEF)', () => {
    assert.deepEqual(
      inspect(handMadeCompact({ header: { alg: 'RSA-OAEP-256', enc: 'A256GCM', zip: 'DEF' } })),
      NOT_ALLOWED,
    );
  });

  it('rejects a JWE with a crit header', () => {
    assert.deepEqual(
      inspect(handMadeCompact({ header: { alg: 'RSA-OAEP-256', enc: 'A256GCM', crit: ['exp'], exp: 1 } })),
      MALFORMED,
    );
  });

  it('rejects ECDH-ES+A256KW without an epk', () => {
    assert.deepEqual(inspect(handMadeCompact({ header: { alg: 'ECDH-ES+A256KW', enc: 'A256GCM' } })), MALFORMED);
    assert.deepEqual(inspect(handMadeCompact({ header: { alg: 'ECDH-ES+A256KW', enc: 'A256GCM', epk: EPK } })), {
      ok: true,
    });
  });

  it('rejects a header that is not base64url JSON', () => {
    assert.deepEqual(
      inspect(`${b64('not json')}.AAAA.${b64(randomBytes(12))}.AAAA.${b64(randomBytes(16))}`),
      NOT_ENCRYPTED,
    );
    assert.deepEqual(
      inspect(`${b64('[1,2]')}.AAAA.${b64(randomBytes(12))}.AAAA.${b64(randomBytes(16))}`),
      NOT_ENCRYPTED,
    );
  });

  it('rejects a part with characters outside base64url', () => {
    const good = handMadeCompact({ header: { alg: 'RSA-OAEP-256', enc: 'A256GCM' } });
    const parts = good.split('.');
    parts[3] = `${parts[3]}+/=`;
    assert.deepEqual(inspect(parts.join('.')), NOT_ENCRYPTED);
  });

  it('rejects six parts', () => {
    assert.deepEqual(
      inspect(`${handMadeCompact({ header: { alg: 'RSA-OAEP-256', enc: 'A256GCM' } })}.AAAA`),
      NOT_ENCRYPTED,
    );
  });

  it('rejects a protected header over 8 KiB', () => {
    assert.deepEqual(
      inspect(handMadeCompact({ header: { alg: 'RSA-OAEP-256', enc: 'A256GCM', pad: 'x'.repeat(9000) } })),
      MALFORMED,
    );
  });

  it('rejects an oversized payload (over 1 MiB) without parsing it', () => {
    const big = handMadeCompact({
      header: { alg: 'RSA-OAEP-256', enc: 'A256GCM' },
      ciphertext: 'A'.repeat(1024 * 1024),
    });
    assert.deepEqual(inspect(big), MALFORMED);
    assert.deepEqual(inspect(new Uint8Array(1024 * 1024 + 1)), MALFORMED);
  });

  it('rejects garbage bytes and values that are not payloads', () => {
    assert.deepEqual(inspect(new Uint8Array([0xff, 0xfe, 0x2e, 0x2e, 0x2e, 0x2e, 0x00])), NOT_ENCRYPTED);
    for (const x of [null, undefined, 42, {}, [], new ArrayBuffer(4)]) assert.deepEqual(inspect(x), MALFORMED);
  });

  it('rejects a JSON serialization where one recipient uses a disallowed alg', () => {
    const doc = handMadeGeneral({ enc: 'A256GCM' }, [
      { header: { alg: 'RSA-OAEP-256', kid: 'a' }, encrypted_key: b64(randomBytes(256)) },
      { header: { alg: 'RSA1_5', kid: 'b' }, encrypted_key: b64(randomBytes(256)) },
    ]);
    assert.deepEqual(inspect(doc), NOT_ALLOWED);
  });

  it('rejects a JSON serialization whose headers are not disjoint (RFC 7516 §7.2.1)', () => {
    const doc = handMadeGeneral({ enc: 'A256GCM', alg: 'RSA-OAEP-256' }, [
      { header: { alg: 'RSA-OAEP-256' }, encrypted_key: b64(randomBytes(256)) },
    ]);
    assert.deepEqual(inspect(doc), MALFORMED);
  });

  it('rejects a JSON serialization whose recipients name different enc values', () => {
    const doc = handMadeGeneral({}, [
      { header: { alg: 'RSA-OAEP-256', enc: 'A256GCM' }, encrypted_key: b64(randomBytes(256)) },
      { header: { alg: 'RSA-OAEP-256', enc: 'A128GCM' }, encrypted_key: b64(randomBytes(256)) },
    ]);
    assert.deepEqual(make({ encryptions: ['A256GCM', 'A128GCM'] }).inspectPayload!(doc), MALFORMED);
  });

  it('rejects a JSON serialization with both recipients and a flattened encrypted_key', () => {
    const doc = JSON.parse(
      handMadeGeneral({ enc: 'A256GCM' }, [{ header: { alg: 'RSA-OAEP-256' }, encrypted_key: 'AAAA' }]),
    ) as Record<string, unknown>;
    doc['encrypted_key'] = 'AAAA';
    assert.deepEqual(inspect(JSON.stringify(doc)), MALFORMED);
  });

  it('rejects a JSON serialization with more recipients than the limit', () => {
    const many = Array.from({ length: 65 }, () => ({ header: { alg: 'RSA-OAEP-256' }, encrypted_key: 'AAAA' }));
    assert.deepEqual(inspect(handMadeGeneral({ enc: 'A256GCM' }, many)), MALFORMED);
  });

  it('rejects a JSON object with a ciphertext that is not base64url', () => {
    assert.deepEqual(
      inspect(
        JSON.stringify({
          protected: b64('{"alg":"RSA-OAEP-256","enc":"A256GCM"}'),
          ciphertext: 'hello world',
          iv: 'AAAA',
          tag: 'AAAA',
        }),
      ),
      MALFORMED,
    );
  });
});

describe('asymmetricEncryption config', () => {
  it('asymmetricEncryption: rejects RSA1_5 in the binding with ERR_CONFIG_INVALID at its key path', () => {
    assert.throws(
      () => make({ algorithms: ['RSA-OAEP-256', 'RSA1_5'] }),
      (err: unknown) =>
        err instanceof StartupError && err.code === 'ERR_CONFIG_INVALID' && err.pointer === 'schemes.e2e.algorithms.1',
    );
  });

  it('asymmetricEncryption: rejects a symmetric algorithm (dir) in the binding', () => {
    assert.throws(() => make({ algorithms: ['dir'] }), { code: 'ERR_CONFIG_INVALID' });
  });

  it('asymmetricEncryption: algorithms can allow RSA-OAEP-256 only (ECDH refused)', async () => {
    const only = make({ algorithms: ['RSA-OAEP-256'] });
    assert.deepEqual(only.inspectPayload!(await sealPayload('x', { key: publicJwkOf(ecKey()) })), NOT_ALLOWED);
    assert.deepEqual(only.inspectPayload!(await sealPayload('x', { key: publicJwkOf(rsaKey()) })), { ok: true });
  });
});

describe('asymmetricEncryption: properties', () => {
  const both = [
    v,
    make({ algorithms: ['ECDH-ES', 'ECDH-ES+A128KW', 'RSA-OAEP'], encryptions: ['A128GCM', 'A256CBC-HS512'] }),
  ];

  it('inspectPayload never throws and never accepts arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        for (const x of both) assert.equal(x.inspectPayload!(bytes).ok, false);
      }),
      { numRuns: 500 },
    );
  });

  it('inspectPayload never throws and never accepts a string that is not JWE-shaped', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300, unit: 'binary' }), (s) => {
        for (const x of both) assert.equal(x.inspectPayload!(s).ok, false, `accepted ${JSON.stringify(s)}`);
      }),
      { numRuns: 500 },
    );
  });

  it('inspectPayload never throws on arbitrary JSON values and accepts none without a valid JWE structure', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        const text = JSON.stringify(value);
        for (const x of both) assert.equal(x.inspectPayload!(text).ok, false);
      }),
      { numRuns: 300 },
    );
  });

  it(
    'inspectPayload never accepts a mutated header of a ' + 'valid JWE unless the mutation keeps alg/enc allowed',
    async () => {
      const jwe = await sealPayload('x', { key: publicJwkOf(rsaKey()) });
      const [, ...rest] = jwe.split('.');
      fc.assert(
        fc.property(
          fc.dictionary(
            fc.constantFrom('alg', 'enc', 'zip', 'crit', 'kid', 'epk'),
            fc.oneof(fc.string({ maxLength: 20 }), fc.constant('RSA-OAEP-256'), fc.constant('A256GCM'), fc.integer()),
          ),
          (header) => {
            const r = v.inspectPayload!([b64(JSON.stringify(header)), ...rest].join('.'));
            const fine =
              header['alg'] === 'RSA-OAEP-256' &&
              header['enc'] === 'A256GCM' &&
              !('zip' in header) &&
              !('crit' in header);
            assert.equal(r.ok, fine, JSON.stringify(header));
          },
        ),
        { numRuns: 300 },
      );
    },
  );
});
