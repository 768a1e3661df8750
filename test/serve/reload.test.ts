// The reloader (src/serve/reload.ts) on its own, with a real memory store and a front that holds
// sessions the test adds: a connection still authenticating when a change arrives (so not live
// yet) is ended by the re-check that follows the change.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMemoryStore } from '../../src/credentials/memory.js';
import { createGuard } from '../../src/guard/index.js';
import type { Session } from '../../src/guard/types.js';
import { createReloader } from '../../src/serve/reload.js';
import type { Front } from '../../src/transports/types.js';
import { eventually } from '../helpers/eventually.js';
import { model } from '../guard/helpers.js';

test('reload: a session that became live just after a change is ended by the re-check', async () => {
  const store = createMemoryStore();
  await store.addPrincipal({ name: 'alice', password: 'alice-pw', scopes: [], iterations: 4096 });
  const m = model({
    schemes: { userPass: { type: 'userPassword' } },
    servers: [{ name: 's', host: 'h', protocol: 'mqtt', security: [[{ scheme: 'userPass', scopes: [] }]] }],
  });
  const guard = await createGuard(m, { store, schemes: { userPass: {} } });
  let live: Session[] = [];
  const front = {
    endSessions: (should: (s: Session) => boolean) => live.length - (live = live.filter((s) => !should(s))).length,
  } as unknown as Front;
  const reloader = createReloader({
    model: m,
    store,
    fronts: () => [front],
    concurrency: 2,
    onEnded: () => {},
    onError: (e) => assert.fail(String(e)),
    recheckAfterMs: 200,
  });
  const unwatch = store.watch((change) => void reloader.apply(change));
  try {
    // Authenticated before the change, registered after it (the race).
    const auth = await guard.authenticate('s', { login: { username: 'alice', password: 'alice-pw' } });
    assert.ok(auth.ok);
    await store.setDisabled('alice', true);
    await reloader.idle();
    live.push(auth.session);
    assert.equal(live.length, 1, 'the first check could not see it');
    await eventually(() => live.length === 0, 3_000, 'the re-check to end it');
  } finally {
    unwatch();
    reloader.close();
    await guard.close();
  }
});

test('reload: close() cancels the re-checks not yet due', async () => {
  const store = createMemoryStore();
  await store.addPrincipal({ name: 'bob', password: 'bob-pw', scopes: [], iterations: 4096 });
  const m = model({
    schemes: { userPass: { type: 'userPassword' } },
    servers: [{ name: 's', host: 'h', protocol: 'mqtt', security: [[{ scheme: 'userPass', scopes: [] }]] }],
  });
  let checks = 0;
  const front = {
    endSessions: () => {
      checks++;
      return 0;
    },
  } as unknown as Front;
  const reloader = createReloader({
    model: m,
    store,
    fronts: () => [front],
    concurrency: 1,
    onEnded: () => {},
    onError: () => {},
    recheckAfterMs: 100,
  });
  await reloader.apply({ kind: 'principal', name: 'bob' });
  const afterFirst = checks;
  reloader.close();
  await new Promise((r) => setTimeout(r, 250));
  assert.equal(checks, afterFirst, 'no re-check after close');
});
