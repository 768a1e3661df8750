// components.securitySchemes keys must match ^[a-zA-Z0-9\.\-_]+$ (AsyncAPI 2.x and 3.x, Components Object); the
// official schemas do not refuse a key that does not (patternProperties without additionalProperties: false).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateSchema } from '../../src/document/schema.js';
import { asyncapiSchema } from '../../src/check/rules/asyncapi-schema.js';
import { runRule, v2, v3 } from '../check/rule-tester.js';

const FILE = 'file:///doc.yaml';

const doc3 = (key: string) => ({
  asyncapi: '3.0.0',
  info: { title: 't', version: '1' },
  components: { securitySchemes: { [key]: { type: 'userPassword' } } },
});
const doc2 = (key: string) => ({
  asyncapi: '2.6.0',
  info: { title: 't', version: '1' },
  channels: {},
  components: { securitySchemes: { [key]: { type: 'userPassword' } } },
});

describe('components.securitySchemes key names', () => {
  for (const [version, make] of [
    ['3.0.0', doc3],
    ['3.1.0', (k: string) => ({ ...doc3(k), asyncapi: '3.1.0' })],
    ['2.6.0', doc2],
    ['2.0.0', (k: string) => ({ ...doc2(k), asyncapi: '2.0.0' })],
  ] as const) {
    it(`${version}: 'inval#d' is refused at its key, a valid name passes`, async () => {
      const bad = await validateSchema(version, make('inval#d'), FILE);
      assert.deepEqual(bad, [
        {
          at: { file: FILE, pointer: '/components/securitySchemes/inval#d' },
          message:
            'security scheme name "inval#d" in components.securitySchemes: expected a name matching ' +
            `^[a-zA-Z0-9.\\-_]+$ (AsyncAPI ${version}, Components Object)`,
          keyword: 'propertyNames',
          atKey: true,
        },
      ]);
      for (const good of ['user.Pass-1_x', 'A', '0']) {
        assert.deepEqual(await validateSchema(version, make(good), FILE), [], good);
      }
    });
  }

  it('every character outside the set is refused: space, slash, colon, non-ASCII, empty', async () => {
    for (const key of ['a b', 'a/b', 'a:b', 'clé', '', 'a~b', 'a\nb']) {
      const found = await validateSchema('3.0.0', doc3(key), FILE);
      assert.equal(found.length, 1, JSON.stringify(key));
    }
  });

  it('beside other schema errors, each is reported once; a long key is shortened in the message', async () => {
    const long = '#'.repeat(1000);
    const doc = { ...doc3(long), info: { title: 't' } };
    const found = await validateSchema('3.0.0', doc, FILE);
    const names = found.filter((f) => f.keyword === 'propertyNames');
    assert.equal(names.length, 1);
    assert.ok(names[0]!.message.length < 200, names[0]!.message);
    assert.ok(
      found.some((f) => f.keyword !== 'propertyNames'),
      'the missing info.version is still reported',
    );
  });

  it('check (asyncapi-schema) points at the key, line and column, for 3.x and 2.x', async () => {
    const d3 = await runRule(
      asyncapiSchema,
      v3`
        components:
          securitySchemes:
            inval#d:
              type: userPassword
      `,
    );
    assert.deepEqual(
      d3.map((d) => [d.pointer, d.range?.start.line, d.range?.start.column]),
      [['/components/securitySchemes/inval#d', 5, 5]],
    );
    const d2 = await runRule(
      asyncapiSchema,
      v2`
        channels: {}
        components:
          securitySchemes:
            'bad key':
              type: userPassword
      `,
    );
    assert.deepEqual(
      d2.map((d) => [d.pointer, d.range?.start.line]),
      [['/components/securitySchemes/bad key', 6]],
    );
  });
});
