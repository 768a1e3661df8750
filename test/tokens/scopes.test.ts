import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractScopes, readClaimPath } from '../../src/tokens/index.js';

test('scopes: scope is split on spaces (RFC 6749 §3.3), duplicates and empty parts dropped', () => {
  assert.deepEqual(extractScopes({ scope: 'read  write read' }), ['read', 'write']);
});

test('scopes: scp as an array or a string, only when scope is absent', () => {
  assert.deepEqual(extractScopes({ scp: ['a', 'b', 3, ''] }), ['a', 'b']);
  assert.deepEqual(extractScopes({ scp: 'a b' }), ['a', 'b']);
  assert.deepEqual(extractScopes({ scope: 'x', scp: ['a'] }), ['x']);
});

test('scopes: a configured dotted claim path replaces scope/scp', () => {
  const claims = { scope: 'x', realm_access: { roles: ['admin', 'ops'] } };
  assert.deepEqual(extractScopes(claims, 'realm_access.roles'), ['admin', 'ops']);
  assert.deepEqual(extractScopes(claims, 'missing.path'), []);
});

test('scopes: a claim path never walks the prototype chain', () => {
  assert.equal(readClaimPath({}, '__proto__.toString'), undefined);
  assert.equal(readClaimPath({ a: 'x' }, 'a.length'), undefined);
  assert.deepEqual(extractScopes({}, 'constructor'), []);
});

test('scopes: bounded in count and length', () => {
  assert.equal(extractScopes({ scope: Array.from({ length: 5000 }, (_, i) => `s${i}`).join(' ') }).length, 256);
  assert.deepEqual(extractScopes({ scp: ['x'.repeat(300), 'ok'] }), ['ok']);
});

test('scopes: no scopes when there is no scope claim', () => {
  assert.deepEqual(extractScopes({ sub: 'a' }), []);
});
