// Every scheme type's config fragment: valid JSON Schema, closed (additionalProperties: false),
// and listing only keys a built-in verifier reads. Which types have a built-in verifier.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { schemes } from '../../src/schemes/index.js';
import { createMemoryStore } from '../../src/credentials/memory.js';
import { context } from './helpers.js';

const ajv = new Ajv({ strict: true, allErrors: true });

describe('scheme config schemas', () => {
  it('every type has a closed object schema that accepts {} and refuses unknown keys', () => {
    for (const d of Object.values(schemes)) {
      assert.equal(d.configSchema['type'], 'object', d.type);
      assert.equal(d.configSchema['additionalProperties'], false, d.type);
      const validate = ajv.compile(d.configSchema);
      assert.equal(validate({}), true, d.type);
      assert.equal(validate({ surprise: 1 }), false, d.type);
    }
  });

  it('the types whose built-in verifier reads options declare them; the others take none', () => {
    const withKeys = Object.values(schemes)
      .filter((d) => Object.keys(d.configSchema['properties'] ?? {}).length > 0)
      .map((d) => d.type);
    assert.deepEqual(withKeys.sort(), [
      'X509',
      'asymmetricEncryption',
      'http',
      'oauth2',
      'openIdConnect',
      'symmetricEncryption',
      'userPassword',
    ]);
  });

  it('userPassword and http take realm: printable ASCII', () => {
    for (const d of [schemes.userPassword, schemes.http]) {
      const validate = ajv.compile(d.configSchema);
      assert.equal(validate({ realm: 'Street lights' }), true);
      assert.equal(validate({ realm: 'a\r\nb' }), false);
      assert.equal(validate({ realm: '' }), false);
      assert.equal(validate({ realm: 7 }), false);
    }
  });

  it('the realm key changes the http basic challenge', async () => {
    const store = createMemoryStore();
    const v = await schemes.http.createVerifier(context({ type: 'http', scheme: 'basic' }, store, { realm: 'east' }));
    assert.equal(v.challenge, 'Basic realm="east", charset="UTF-8"');
    assert.equal(
      (await schemes.http.createVerifier(context({ type: 'http', scheme: 'basic' }, store))).challenge,
      'Basic realm="production", charset="UTF-8"',
    );
  });

  it('every type has a built-in verifier but gssapi, which needs a plug-in', () => {
    const built = Object.values(schemes)
      .filter((d) => 'createVerifier' in d && typeof d.createVerifier === 'function')
      .map((d) => d.type);
    const all = Object.keys(schemes).sort();
    assert.deepEqual(
      built.sort(),
      all.filter((t) => t !== 'gssapi'),
    );
  });

  it('rejects a context that is not one (library misuse: TypeError)', () => {
    assert.throws(() => schemes.userPassword.createVerifier(null as never), {
      name: 'TypeError',
      code: 'ERR_INVALID_ARG_TYPE',
    });
    assert.throws(
      () => schemes.plain.createVerifier({ ...context({ type: 'plain' }, createMemoryStore()), store: {} as never }),
      { code: 'ERR_INVALID_ARG_TYPE' },
    );
  });
});
