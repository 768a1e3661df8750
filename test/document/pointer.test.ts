import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import '../helpers/property.js'; // one seed per file, printed; FC_SEED=<n> replays it
import {
  escapeToken,
  getAtPointer,
  joinPointer,
  parsePointer,
  pointerToPath,
  unescapeToken,
} from '../../src/document/pointer.js';

test('pointer: any list of keys survives joinPointer then parsePointer (RFC 6901)', () => {
  fc.assert(
    fc.property(fc.array(fc.string({ unit: 'binary' }), { maxLength: 6 }), (tokens) => {
      assert.deepEqual(parsePointer(joinPointer('', ...tokens)), tokens);
      for (const t of tokens) assert.equal(unescapeToken(escapeToken(t)), t);
    }),
    { numRuns: 500 },
  );
});

test('pointer: ~0 and ~1 are unescaped in the right order', () => {
  assert.equal(escapeToken('a/b~c'), 'a~1b~0c');
  assert.equal(unescapeToken('~01'), '~1', '~01 is "~1", not "/"');
  assert.deepEqual(parsePointer('/a~1b/c~0d/~01'), ['a/b', 'c~d', '~1']);
  assert.deepEqual(parsePointer(''), []);
  assert.deepEqual(parsePointer('/'), ['']);
  assert.equal(parsePointer('a/b'), null);
});

test('pointer: getAtPointer follows own keys and array indexes only', () => {
  const value = { a: [{ b: 1 }, 2], 'x/y': { '': 'empty' }, n: null };
  assert.equal(getAtPointer(value, '/a/0/b'), 1);
  assert.equal(getAtPointer(value, '/x~1y/'), 'empty');
  assert.equal(getAtPointer(value, '/n'), null);
  assert.equal(getAtPointer(value, ''), value);
  for (const p of [
    '/a/01',
    '/a/-',
    '/a/2',
    '/a/length',
    '/__proto__',
    '/constructor',
    '/a/0/b/c',
    '/n/x',
    'a',
    '/toString',
  ]) {
    assert.equal(getAtPointer(value, p), undefined, p);
  }
  // An own __proto__ key (as the loader makes it) is data.
  const own = Object.defineProperty({}, '__proto__', { value: { polluted: true }, enumerable: true });
  assert.deepEqual(getAtPointer(own, '/__proto__/polluted'), true);
});

test('pointer: pointerToPath shows a pointer in dotted form', () => {
  assert.equal(pointerToPath('/servers/prod/security/0'), 'servers.prod.security[0]');
  assert.equal(pointerToPath('/channels/user~1signedup'), 'channels["user/signedup"]');
  assert.equal(pointerToPath(''), '(root)');
});
