// The sessions authd keeps for a broker's later questions: bounded (the least recently
// authenticated dropped first), dropped at the credential's expiry, one per server and user name
// (the latest wins), and ended by the reloader's predicate with each one named.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createBrokerSessions } from '../../../src/brokers/authd/sessions.js';
import type { Session } from '../../../src/guard/types.js';

const session = (id: string, expiresAt?: number): Session =>
  Object.freeze({
    server: 's',
    remote: null,
    principal: { id, scheme: 'userPass', scopes: [], claims: {} },
    alternative: 0,
    principals: {},
    ...(expiresAt !== undefined ? { expiresAt } : {}),
  });

test('bounded: past max, the least recently authenticated is dropped', () => {
  const sessions = createBrokerSessions({ max: 3 });
  for (const u of ['a', 'b', 'c']) sessions.set('s', u, session(u));
  sessions.set('s', 'a', session('a')); // a is the most recent again
  sessions.set('s', 'd', session('d'));
  assert.equal(sessions.size, 3);
  assert.equal(sessions.get('s', 'b'), undefined);
  for (const u of ['a', 'c', 'd']) assert.equal(sessions.get('s', u)?.principal.id, u);
  for (let i = 0; i < 10_000; i++) sessions.set('s', `flood-${i}`, session('x'));
  assert.equal(sessions.size, 3);
});

test('a session is dropped at its expiry; the latest login of a name wins; servers are apart', () => {
  let now = 1_000;
  const sessions = createBrokerSessions({ now: () => now });
  sessions.set('s', 'alice', session('alice', 2_000));
  sessions.set('t', 'alice', session('alice-on-t'));
  assert.equal(sessions.get('s', 'alice')?.principal.id, 'alice');
  now = 2_000;
  assert.equal(sessions.get('s', 'alice'), undefined);
  assert.equal(sessions.size, 1);
  assert.equal(sessions.get('t', 'alice')?.principal.id, 'alice-on-t');
  sessions.set('t', 'alice', session('newer'));
  assert.equal(sessions.get('t', 'alice')?.principal.id, 'newer');
});

test('endSessions drops what the predicate holds for and names each one', () => {
  const sessions = createBrokerSessions();
  sessions.set('s', 'alice', session('alice'));
  sessions.set('s', 'bob', session('bob'));
  sessions.set('t', 'alice', session('alice'));
  const ended: string[] = [];
  const n = sessions.endSessions(
    (s) => s.principal.id === 'alice',
    (server, user) => ended.push(`${server}/${user}`),
  );
  assert.equal(n, 2);
  assert.deepEqual(ended.sort(), ['s/alice', 't/alice']);
  assert.equal(sessions.get('s', 'bob')?.principal.id, 'bob');
  assert.equal(
    sessions.endSessions(() => false),
    0,
  );
});
