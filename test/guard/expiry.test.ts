// A session lasts no longer than the earliest-expiring credential it was granted with
// (`session.expiresAt`): after it, authorize, authorizeSubscription and checkPayload answer
// `credentials_expired` (counted and audited); a principal's expiresAt that is not a finite
// number makes no principal at all (verifier_error). Fronts disconnect such sessions (their tests).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createGuard } from '../../src/guard/index.js';
import { createMemoryStore } from '../../src/credentials/memory.js';
import { captureAudit, fakeClock, fixturesDir, model } from './helpers.js';

const T0 = 1_700_000_000_000;
const m = model({
  schemes: {
    a: { type: 'httpApiKey', in: 'header', name: 'x-a' },
    b: { type: 'httpApiKey', in: 'header', name: 'x-b' },
    plain: { type: 'httpApiKey', in: 'header', name: 'x-plain' },
  },
  servers: [
    {
      name: 's',
      host: 'h',
      protocol: 'http',
      security: [
        [
          { scheme: 'a', scopes: [] },
          { scheme: 'b', scopes: [] },
        ],
        [{ scheme: 'plain', scopes: [] }],
      ],
    },
  ],
  operations: [
    { id: 'pub', action: 'send', channel: 'c', address: 'lights/{id}', servers: ['s'], security: [] },
    { id: 'sub', action: 'receive', channel: 'c', address: 'lights/{id}', servers: ['s'], security: [] },
  ],
});

async function guardWith(expiresA: unknown, expiresB: unknown) {
  const clock = fakeClock(T0);
  const audit = captureAudit({ level: 'info' });
  const binding = (header: string, expiresAt: unknown) => ({
    verifier: './expiring-verifier.mjs',
    options: { header, ...(expiresAt !== undefined ? { expiresAt } : {}) },
  });
  const guard = await createGuard(m, {
    store: createMemoryStore(),
    schemes: { a: binding('x-a', expiresA), b: binding('x-b', expiresB), plain: binding('x-plain', undefined) },
    baseDir: fixturesDir,
    now: clock.now,
    audit: { logger: audit.logger },
  });
  return { guard, clock, audit };
}

test(
  'expiry: the session expires with the earliest of its ' + 'credentials, and is refused everything from then on',
  async () => {
    const { guard, clock, audit } = await guardWith(T0 + 60_000, T0 + 30_000);
    const r = await guard.authenticate('s', { headers: { 'x-a': 'dev-1', 'x-b': 'dev-1' } });
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.session.expiresAt, T0 + 30_000);
    assert.equal(r.session.principals['a']?.expiresAt, T0 + 60_000);
    assert.equal(guard.authorize(r.session, { action: 'publish', channel: 'lights/1' }).reason, 'allowed');
    assert.equal(guard.mayReceive(r.session, 'lights/1'), true);

    clock.advance(30_000 - 1);
    assert.equal(
      guard.authorize(r.session, { action: 'subscribe', channel: 'lights/1' }).reason,
      'allowed',
      'one ms before: still valid',
    );
    clock.advance(1);
    assert.deepEqual(guard.authorize(r.session, { action: 'publish', channel: 'lights/1' }), {
      allowed: false,
      reason: 'credentials_expired',
      operation: null,
    });
    assert.equal(
      guard.authorize(r.session, { action: 'subscribe', channel: 'lights/1' }).reason,
      'credentials_expired',
    );
    assert.equal(guard.authorizeSubscription(r.session, 'lights/+').reason, 'credentials_expired');
    // The per-delivery check: an expired session receives nothing, even from its cached answer.
    assert.equal(guard.mayReceive(r.session, 'lights/1'), false);
    assert.equal(
      guard.checkPayload(r.session, { channel: 'lights/1', payload: new Uint8Array([1]) }).reason,
      'credentials_expired',
    );
    assert.match(
      guard.metrics(),
      /asyncapi_guard_decisions_total\{[^}]*action="publish"[^}]*reason="credentials_expired"[^}]*\} 2/,
    );
    const denied = audit.events().filter((e) => e['reason'] === 'credentials_expired');
    assert.equal(denied.length, 4);
    assert.ok(denied.every((e) => e['result'] === 'denied' && e['principal'] === 'dev-1'));
    await guard.close();
  },
);

test('expiry: a session whose credentials do not expire has no expiresAt and is never refused for it', async () => {
  const { guard, clock } = await guardWith(undefined, undefined);
  const r = await guard.authenticate('s', { headers: { 'x-plain': 'svc' } });
  assert.ok(r.ok);
  assert.equal('expiresAt' in r.session, false);
  clock.advance(10 * 365 * 86_400_000);
  assert.equal(guard.authorize(r.session, { action: 'publish', channel: 'lights/1' }).reason, 'allowed');
  await guard.close();
});

test(
  'expiry: a principal whose expiresAt is not a finite ' + 'number is refused as verifier_error (fail closed)',
  async () => {
    for (const bad of ['soon', Number.NaN, Number.POSITIVE_INFINITY, null]) {
      const { guard } = await guardWith(bad, T0 + 1000);
      const r = await guard.authenticate('s', { headers: { 'x-a': 'dev-1', 'x-b': 'dev-1' } });
      assert.ok(!r.ok, String(bad));
      assert.ok(
        r.refusal.tried.some((t) => t.scheme === 'a' && t.reason === 'verifier_error'),
        JSON.stringify(r.refusal.tried),
      );
      await guard.close();
    }
  },
);

test(
  'expiry: a credential already past its expiresAt when the session would start (a token within the clock ' +
    'tolerance) is refused at connect, and not counted as a guess',
  async () => {
    const { guard, audit } = await guardWith(T0 - 1, T0 + 60_000);
    for (let i = 0; i < 30; i++) {
      const r = await guard.authenticate('s', { remote: '10.0.0.1', headers: { 'x-a': 'dev-1', 'x-b': 'dev-1' } });
      assert.ok(!r.ok);
      assert.equal(r.refusal.reason, 'invalid_credentials', `attempt ${i}: never throttled`);
      assert.deepEqual(
        r.refusal.tried.find((t) => t.scheme === 'a'),
        { scheme: 'a', outcome: 'invalid', reason: 'expired' },
      );
    }
    const e = audit.events().find((x) => x['action'] === 'connect')!;
    assert.deepEqual([e['result'], e['reason'], e['scheme'], e['principal']], ['denied', 'expired', 'a', 'dev-1']);
    await guard.close();
  },
);
