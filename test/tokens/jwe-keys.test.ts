import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { KeyError } from '../../src/errors.js';
import { checkJwk, loadJwks, publicJwkOf } from '../../src/tokens/keys.js';
import { b64, ecKey, rsaKey } from './jwe-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'guard-jwk-'));
const write = (name: string, value: unknown): string => {
  writeFileSync(join(dir, name), typeof value === 'string' ? value : JSON.stringify(value));
  return `file:${name}`;
};
const oct = (bytes = 32, extra: Record<string, unknown> = {}) => ({ kty: 'oct', k: b64(randomBytes(bytes)), ...extra });

async function keyError(p: Promise<unknown>): Promise<KeyError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof KeyError, String(err));
    assert.equal(err.code, 'ERR_KEY_INVALID');
    return err;
  }
  assert.fail('expected a KeyError');
}

describe('loadJwks', () => {
  it('keys: reads a JWK Set from file: (relative to baseDir) as a frozen list', async () => {
    const ref = write('set.json', { keys: [oct(32, { kid: 'a' }), publicJwkOf(rsaKey()), ecKey()] });
    const keys = await loadJwks(ref, { baseDir: dir });
    assert.deepEqual(
      keys.map((k) => k.kty),
      ['oct', 'RSA', 'EC'],
    );
    assert.ok(Object.isFrozen(keys) && Object.isFrozen(keys[0]));
  });

  it('keys: reads a single JWK from env:', async () => {
    const keys = await loadJwks('env:E2E_KEY', {
      baseDir: dir,
      env: { E2E_KEY: JSON.stringify(oct(16, { kid: 'k', alg: 'A128KW' })) },
    });
    assert.equal(keys.length, 1);
    assert.equal(keys[0]!.kid, 'k');
  });

  it('keys: rejects a literal key without quoting it', async () => {
    const literal = JSON.stringify(oct());
    const err = await keyError(loadJwks(literal, { baseDir: dir }));
    assert.ok(!err.message.includes(literal.slice(20, 40)), err.message);
  });

  it(
    'keys: rejects an unset variable, an unreadable file and text that is not JSON (naming the source, not ' +
      'the content)',
    async () => {
      await keyError(loadJwks('env:NOPE_NOT_SET', { baseDir: dir, env: {} }));
      assert.match(
        (await keyError(loadJwks('file:missing.json', { baseDir: dir }))).message,
        /^missing\.json: the file cannot be read \(ENOENT\)/,
      );
      const err = await keyError(loadJwks(write('bad.json', '{"kty":"oct","k":"SECRETSECRET'), { baseDir: dir }));
      assert.ok(!err.message.includes('SECRETSECRET'), err.message);
    },
  );

  it('keys: names the key by index and kid in a set', async () => {
    const err = await keyError(
      loadJwks(write('wrong.json', { keys: [oct(32), oct(16, { kid: 'short', alg: 'A256KW' })] }), { baseDir: dir }),
    );
    assert.equal(err.file, 'wrong.json');
    assert.equal(err.pointer, 'keys[1] (kid "short")');
    assert.match(err.message, /must be 32 bytes/);
  });

  it('keys: rejects two keys with the same kid', async () => {
    await keyError(
      loadJwks(write('dup.json', { keys: [oct(32, { kid: 'x' }), oct(32, { kid: 'x' })] }), { baseDir: dir }),
    );
  });

  it('keys: rejects an empty set and more than 100 keys', async () => {
    await keyError(loadJwks(write('empty.json', { keys: [] }), { baseDir: dir }));
    await keyError(loadJwks(write('many.json', { keys: Array.from({ length: 101 }, () => oct()) }), { baseDir: dir }));
  });

  it('keys: rejects a file over 256 KiB', async () => {
    await keyError(loadJwks(write('huge.json', ' '.repeat(256 * 1024 + 1)), { baseDir: dir }));
  });

  it('keys: library misuse (ref not a string, no baseDir) is a TypeError', async () => {
    await assert.rejects(loadJwks(42 as never, { baseDir: dir }), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    await assert.rejects(loadJwks('env:X', {} as never), { name: 'TypeError' });
  });
});

describe('checkJwk', () => {
  const rejects = (what: string, jwk: unknown) => {
    it(`keys: rejects ${what}`, () => {
      assert.throws(
        () => checkJwk(jwk),
        (err: unknown) => err instanceof KeyError && err.code === 'ERR_KEY_INVALID',
      );
    });
  };

  rejects('a JWK without kty', { k: b64(randomBytes(32)) });
  rejects('an unknown kty', { kty: 'XYZ' });
  rejects('an oct key of an odd length (20 bytes)', oct(20));
  rejects('an oct key for A256KW that is 16 bytes', oct(16, { alg: 'A256KW' }));
  rejects('an oct key for dir that fits no content encryption (20 bytes)', oct(20, { alg: 'dir' }));
  rejects('an oct key whose k is not base64url', { kty: 'oct', k: 'not+base64/url=' });
  rejects('an alg of RSA1_5', { ...publicJwkOf(rsaKey()), alg: 'RSA1_5' });
  rejects('a signing alg (RS256)', { ...publicJwkOf(rsaKey()), alg: 'RS256' });
  rejects('an RSA alg on an EC key', { ...publicJwkOf(ecKey()), alg: 'RSA-OAEP-256' });
  rejects('use: sig', { ...oct(), use: 'sig' });
  rejects('an RSA key of 1024 bits', publicJwkOf(rsaKey('small', 1024)));
  rejects('a signing curve (Ed25519)', generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }));
  rejects('an EC point that is not on the curve', { ...publicJwkOf(ecKey()), y: b64(randomBytes(32)) });
  rejects('an EC key without y', { kty: 'EC', crv: 'P-256', x: b64(randomBytes(32)) });

  it('keys: accepts X25519 for ECDH-ES and returns a frozen copy', () => {
    const jwk = generateKeyPairSync('x25519').privateKey.export({ format: 'jwk' });
    const checked = checkJwk(jwk);
    assert.ok(Object.isFrozen(checked));
    assert.notEqual(checked, jwk);
  });
});
