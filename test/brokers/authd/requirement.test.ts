// The one rule RabbitMQ's decisions and NATS's allow-lists read a kept session with: an alternative is satisfied
// when the session authenticated each of its schemes holding that entry's scopes. Scheme names are the document's,
// so one named like an Object.prototype member must not find something the session never authenticated.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { satisfies } from '../../../src/brokers/authd/requirement.js';
import type { Principal } from '../../../src/schemes/types.js';

const principal = (scheme: string, scopes: string[]): Principal =>
  Object.freeze({ id: 'alice', scheme, scopes, claims: {} });

test('an empty requirement asks nothing', () => {
  assert.equal(satisfies([], {}), true);
});

test('one alternative is enough; every entry of it needs its scheme and scopes', () => {
  const principals = { userPass: principal('userPass', ['lights:read']) };
  assert.equal(satisfies([[{ scheme: 'userPass', scopes: ['lights:read'] }]], principals), true);
  assert.equal(satisfies([[{ scheme: 'userPass', scopes: ['lights:admin'] }]], principals), false);
  assert.equal(
    satisfies([[{ scheme: 'userPass', scopes: ['lights:admin'] }], [{ scheme: 'userPass', scopes: [] }]], principals),
    true,
  );
  // AND: both schemes must have been authenticated.
  assert.equal(
    satisfies(
      [
        [
          { scheme: 'userPass', scopes: [] },
          { scheme: 'cert', scopes: [] },
        ],
      ],
      principals,
    ),
    false,
  );
});

test('a scheme named like an Object.prototype member is not found on a session that lacks it', () => {
  const principals = { userPass: principal('userPass', []) };
  for (const scheme of ['constructor', 'toString', '__proto__', 'hasOwnProperty'])
    assert.equal(satisfies([[{ scheme, scopes: ['x'] }]], principals), false, scheme);
});
