// Plug-in verifiers: whatever a plug-in does wrong — throw, reject, hang, answer something that is
// not an outcome — is a refusal with reason verifier_error, never an allow.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createGuard } from '../../src/guard/index.js';
import { createMemoryStore } from '../../src/credentials/memory.js';
import { fixturesDir, model } from './helpers.js';

const m = model({
  schemes: { custom: { type: 'gssapi' } },
  servers: [{ name: 's', host: 'h', protocol: 'kafka', security: [[{ scheme: 'custom', scopes: [] }]] }],
});
const guardWith = (mode: string, extra = {}) =>
  createGuard(m, {
    store: createMemoryStore(),
    schemes: { custom: { verifier: './faulty-verifier.mjs', options: { mode } } },
    baseDir: fixturesDir,
    verifierTimeoutMs: 30,
    ...extra,
  });

for (const mode of [
  'throw',
  'reject',
  'hang',
  'not-outcome',
  'ok-without-principal',
  'ok-bad-scopes',
  'unknown-reason',
  'null',
]) {
  test(`plug-in: a verifier that does "${mode}" is refused as verifier_error, never allowed`, async () => {
    const guard = await guardWith(mode);
    const r = await guard.authenticate('s', { login: { username: 'u', password: 'p' } });
    assert.equal(r.ok, false);
    assert.deepEqual(!r.ok && r.refusal, {
      reason: 'invalid_credentials',
      tried: [{ scheme: 'custom', outcome: 'invalid', reason: 'verifier_error' }],
      challenges: [],
    });
    assert.doesNotMatch(JSON.stringify(r), /SECRET-IN-ERROR/);
  });
}

test('plug-in: a claimedSubject that throws is ignored; verify still decides', async () => {
  const guard = await guardWith('throw-subject');
  const r = await guard.authenticate('s', {});
  assert.ok(r.ok);
  assert.equal(r.session.principal.id, 'fine');
  assert.equal(r.session.principal.scheme, 'custom'); // the engine sets the scheme name, whatever the plug-in says
});

test(
  'plug-in: verifier errors do not count towards throttling ' + '(an honest user is not locked out by our fault)',
  async () => {
    const guard = await guardWith('throw', { throttle: { lockoutAfter: 2, freeFailures: 0 } });
    for (let i = 0; i < 5; i++) {
      const r = await guard.authenticate('s', { remote: '10.0.0.9' });
      assert.equal(!r.ok && r.refusal.reason, 'invalid_credentials');
    }
  },
);

test('plug-in: gssapi is verified by a plug-in (the only way)', async () => {
  const guard = await createGuard(m, {
    store: createMemoryStore(),
    schemes: {
      custom: {
        verifier: './static-verifier.mjs',
        options: { read: 'login', users: { k: { password: 'ticket', scopes: ['x'] } } },
      },
    },
    baseDir: fixturesDir,
  });
  const r = await guard.authenticate('s', { login: { username: 'k', password: 'ticket' } });
  assert.ok(r.ok);
  assert.deepEqual(r.session.principal.scopes, ['x']);
});

test('plug-in: the principal it returns is copied and frozen (a plug-in cannot change a session later)', async () => {
  const guard = await createGuard(m, {
    store: createMemoryStore(),
    schemes: {
      custom: {
        verifier: './static-verifier.mjs',
        options: { read: 'login', users: { k: { password: 'p', scopes: ['x'] } } },
      },
    },
    baseDir: fixturesDir,
  });
  const r = await guard.authenticate('s', { login: { username: 'k', password: 'p' } });
  assert.ok(r.ok);
  assert.ok(Object.isFrozen(r.session.principal.scopes));
  assert.throws(() => (r.session.principal.scopes as string[]).push('admin'));
});

test('plug-in: the complete example module in docs/guard.md works as documented', async () => {
  const docs = readFileSync(new URL('../../docs/guard.md', import.meta.url), 'utf8');
  const code = /```js\n(\/\/ verifiers\/team-token\.mjs[\s\S]*?)```/.exec(docs)?.[1];
  assert.ok(code, 'docs/guard.md has the example module');
  const dir = mkdtempSync(join(tmpdir(), 'guard-plugin-'));
  writeFileSync(join(dir, 'team-token.mjs'), code);
  process.env.GUARD_DOC_TOKEN = 'doc-token-value';
  const store = createMemoryStore();
  await store.addPrincipal({ name: 'blue', scopes: ['deploy'] });
  const guard = await createGuard(m, {
    store,
    schemes: { custom: { verifier: './team-token.mjs', options: { tokenEnv: 'GUARD_DOC_TOKEN' } } },
    baseDir: dir,
  });
  const ok = await guard.authenticate('s', { headers: { 'x-team-token': 'doc-token-value', 'x-team': 'blue' } });
  assert.ok(ok.ok);
  assert.deepEqual(ok.session.principal, { id: 'blue', scheme: 'custom', scopes: ['deploy'], claims: {} });
  const bad = await guard.authenticate('s', { headers: { 'x-team-token': 'nope', 'x-team': 'blue' } });
  assert.deepEqual(!bad.ok && bad.refusal.tried, [{ scheme: 'custom', outcome: 'invalid', reason: 'bad_password' }]);
  assert.equal(!(await guard.authenticate('s', {})).ok, true);
});

test(
  'plug-in: guard.close() closes each plug-in verifier once per (server, scheme), waits for it, and survives ' +
    'one that throws, rejects or hangs',
  async (t) => {
    const log: string[] = ((globalThis as { __closingVerifierLog?: string[] }).__closingVerifierLog = []);
    const two = model({
      schemes: {
        a: { type: 'gssapi' },
        b: { type: 'gssapi' },
        c: { type: 'gssapi' },
        d: { type: 'gssapi' },
        e: { type: 'gssapi' },
      },
      servers: [
        {
          name: 's1',
          host: 'h1',
          protocol: 'kafka',
          security: [
            [{ scheme: 'a', scopes: [] }],
            [{ scheme: 'b', scopes: [] }],
            [{ scheme: 'c', scopes: [] }],
            [{ scheme: 'd', scopes: [] }],
            [{ scheme: 'e', scopes: [] }],
          ],
        },
        { name: 's2', host: 'h2', protocol: 'kafka', security: [[{ scheme: 'a', scopes: [] }]] },
      ],
    });
    const binding = (close: string) => ({ verifier: './closing-verifier.mjs', options: { close } });
    const guard = await createGuard(two, {
      store: createMemoryStore(),
      schemes: { a: binding('async'), b: binding('throw'), c: binding('reject'), d: binding('hang'), e: binding('ok') },
      baseDir: fixturesDir,
      verifierTimeoutMs: 200,
    });
    // A fake clock from here: guard.close() must settle exactly when the verifier timeout fires.
    t.mock.timers.enable({ apis: ['setTimeout'] });
    let settled = false;
    const closing = guard.close().then(() => void (settled = true));
    const flush = () => new Promise<void>((resolve) => setImmediate(resolve));
    await flush();
    t.mock.timers.tick(5); // the 'async' plug-ins' own 5 ms closes
    await flush();
    assert.equal(settled, false, 'the async closes are done; the hanging one still holds close()');
    t.mock.timers.tick(200 - 5 - 1);
    await flush();
    assert.equal(settled, false, 'not before the verifier timeout');
    t.mock.timers.tick(1);
    await closing;
    t.mock.timers.reset();
    assert.deepEqual(log.filter((l) => !l.endsWith(':closed')).sort(), [
      'a@s1:async',
      'a@s2:async',
      'b@s1:throw',
      'c@s1:reject',
      'd@s1:hang',
      'e@s1:ok',
    ]);
    assert.deepEqual(
      log.filter((l) => l.endsWith(':closed')).sort(),
      ['a@s1:closed', 'a@s2:closed'],
      'async closes are waited for',
    );
    await guard.close(); // a second close does nothing
    assert.equal(log.filter((l) => !l.endsWith(':closed')).length, 6);
  },
);

test(
  'plug-in: nested claims are copied and frozen all the ' + 'way down; claims that cannot be copied make no principal',
  async () => {
    const mh = model({
      schemes: { c: { type: 'httpApiKey', in: 'header', name: 'x-id' } },
      servers: [{ name: 's', host: 'h', protocol: 'http', security: [[{ scheme: 'c', scopes: [] }]] }],
    });
    const make = (withFunction: boolean) =>
      createGuard(mh, {
        store: createMemoryStore(),
        schemes: { c: { verifier: './claims-verifier.mjs', options: { withFunction } } },
        baseDir: fixturesDir,
      });
    const { kept } = (await import('./fixtures/claims-verifier.mjs')) as {
      kept: { claims: { team: { name: string; roles: string[] } } };
    };
    const guard = await make(false);
    const r = await guard.authenticate('s', { headers: { 'x-id': '1' } });
    assert.ok(r.ok);
    kept.claims.team.name = 'red';
    kept.claims.team.roles.push('admin');
    assert.deepEqual(
      r.session.principal.claims,
      { team: { name: 'blue', roles: ['a'] } },
      'the verifier’s later changes do not reach the session',
    );
    assert.ok(Object.isFrozen((r.session.principal.claims as { team: object }).team));
    const bad = await (await make(true)).authenticate('s', { headers: { 'x-id': '1' } });
    assert.ok(!bad.ok);
    assert.equal(bad.refusal.tried[0]?.reason, 'verifier_error');
  },
);
