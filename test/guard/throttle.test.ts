// Throttling: failures slow down and then lock out, per remote address and per claimed subject;
// successes are never delayed; a lockout refuses before any verification; bounded memory.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createGuard } from '../../src/guard/index.js';
import { createThrottle, remoteKeyOf, THROTTLE_DEFAULTS } from '../../src/guard/throttle.js';
import { createMemoryStore } from '../../src/credentials/memory.js';
import { fakeClock, fixturesDir, model, recordingSleep } from './helpers.js';

const m = model({
  schemes: { login: { type: 'userPassword' } },
  servers: [{ name: 's', host: 'h', protocol: 'mqtt', security: [[{ scheme: 'login', scopes: [] }]] }],
});
const users = { alice: { password: 'right', scopes: [] }, bob: { password: 'bobs', scopes: [] } };

async function setup(throttle: object) {
  const clock = fakeClock();
  const sleep = recordingSleep();
  const { calls } = (await import('./fixtures/static-verifier.mjs')) as { calls: { verify: number } };
  const guard = await createGuard(m, {
    store: createMemoryStore(),
    schemes: { login: { verifier: './static-verifier.mjs', options: { read: 'login', users } } },
    baseDir: fixturesDir,
    throttle,
    now: clock.now,
    sleep: sleep.sleep,
  });
  const attempt = (username: string, password: string, remote = '10.0.0.1') =>
    guard.authenticate('s', { remote, login: { username, password } });
  return { guard, clock, delays: sleep.delays, calls, attempt };
}

test(
  'throttle: after the free failures each failure is delayed, ' + 'doubling up to the cap; successes are never delayed',
  async () => {
    const { delays, attempt } = await setup({ freeFailures: 2, baseDelayMs: 100, maxDelayMs: 400, lockoutAfter: 100 });
    for (let i = 0; i < 6; i++) assert.equal((await attempt('alice', 'wrong')).ok, false);
    assert.deepEqual(delays, [100, 200, 400, 400]);
    assert.ok((await attempt('alice', 'right')).ok);
    assert.deepEqual(delays, [100, 200, 400, 400], 'the success was not delayed');
  },
);

test('throttle: an absent credential or a scope shortfall is no failure', async () => {
  const { delays, attempt, guard } = await setup({ freeFailures: 0, baseDelayMs: 100, lockoutAfter: 2 });
  for (let i = 0; i < 5; i++) assert.equal((await guard.authenticate('s', { remote: '10.0.0.1' })).ok, false);
  assert.deepEqual(delays, []);
  assert.ok((await attempt('alice', 'right')).ok);
});

// Changed deliberately with the lockout redesign (docs/guard.md "Throttling"): a locked subject
// used to refuse the right password from every address; now it refuses the addresses that have
// been failing, and a correct credential from an address that has not been failing gets in.
test(
  'throttle: a locked-out subject is refused from the addresses that have been failing, without calling the ' +
    'verifier; the right password from an address that has not been failing gets in',
  async () => {
    const { attempt, calls, clock, delays } = await setup({
      freeFailures: 0,
      baseDelayMs: 1,
      maxDelayMs: 8,
      lockoutAfter: 3,
      lockoutMs: 60_000,
    });
    // Failures from three different addresses: per-subject counting catches distributed guessing.
    for (const remote of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) await attempt('alice', 'wrong', remote);
    const before = calls.verify;
    for (const remote of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) {
      const r = await attempt('alice', 'right', remote);
      assert.deepEqual(!r.ok && r.refusal, { reason: 'throttled', tried: [], challenges: [] }, remote);
    }
    assert.equal(calls.verify, before, 'no verification for a failing address while alice is locked');
    // alice's own address, which has not been failing: her password is checked, and she gets in.
    assert.ok((await attempt('alice', 'right', '10.0.0.4')).ok, 'the owner is not locked out');
    assert.equal(calls.verify, before + 1);
    // A fresh address gets one guess at the locked subject (delayed), and is then a failing address.
    delays.length = 0;
    assert.equal((await attempt('alice', 'wrong', '10.0.0.5')).ok, false);
    assert.deepEqual(delays, [8], 'a guess at a locked subject waits the longest delay');
    const r = await attempt('alice', 'right', '10.0.0.5');
    assert.equal(!r.ok && r.refusal.reason, 'throttled', 'its second try at alice is refused unverified');
    assert.equal(calls.verify, before + 2);
    // Other users from a failing address are not affected by alice's lockout.
    assert.ok((await attempt('bob', 'bobs', '10.0.0.1')).ok);
    clock.advance(60_000);
    assert.ok((await attempt('alice', 'right', '10.0.0.1')).ok, 'the lockout ends after lockoutMs');
  },
);

test('throttle: a locked-out remote address is refused for every user', async () => {
  const { attempt, calls } = await setup({ freeFailures: 0, baseDelayMs: 1, lockoutAfter: 3, perPrincipal: false });
  await attempt('alice', 'x');
  await attempt('bob', 'y');
  await attempt('carol', 'z');
  const before = calls.verify;
  assert.equal(((await attempt('bob', 'bobs')) as { refusal: { reason: string } }).refusal.reason, 'throttled');
  assert.equal(calls.verify, before);
  assert.ok((await attempt('bob', 'bobs', '10.9.9.9')).ok, 'other addresses are fine');
});

test('throttle: perPrincipal false does not lock a user out from other addresses', async () => {
  const { attempt } = await setup({ freeFailures: 0, baseDelayMs: 1, lockoutAfter: 2, perPrincipal: false });
  for (const remote of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) await attempt('alice', 'wrong', remote);
  assert.ok((await attempt('alice', 'right', '10.0.0.4')).ok);
});

test("throttle: a success resets the subject's counter, not the remote's", async () => {
  const { attempt, delays } = await setup({ freeFailures: 2, baseDelayMs: 10, lockoutAfter: 100 });
  await attempt('alice', 'w');
  await attempt('alice', 'w');
  assert.ok((await attempt('alice', 'right')).ok);
  // alice from another address: her counter restarted, so no delay yet.
  await attempt('alice', 'w', '10.0.0.2');
  assert.deepEqual(delays, []);
  // The first address still counts its two failures: the third failure from there is delayed.
  await attempt('bob', 'w', '10.0.0.1');
  assert.deepEqual(delays, [10]);
});

test('throttle: failures older than windowMs are forgotten', () => {
  const clock = fakeClock();
  const t = createThrottle({ freeFailures: 1, baseDelayMs: 10, windowMs: 1000 }, clock.now);
  assert.equal(t.failure('r', null), 0);
  assert.equal(t.failure('r', null), 10);
  clock.advance(1000);
  assert.equal(t.failure('r', null), 0);
});

test('throttle: memory is bounded by maxTracked; the least recently failing key is forgotten first', () => {
  const clock = fakeClock();
  const t = createThrottle({ maxTracked: 100, lockoutAfter: 1, perPrincipal: true }, clock.now);
  for (let i = 0; i < 1000; i++) t.failure(`10.0.${i >> 8}.${i & 255}`, null);
  assert.equal(t.size, 100);
  assert.equal(t.remoteLocked('10.0.0.0'), false, 'the oldest was evicted');
  assert.equal(t.remoteLocked('10.0.3.231'), true, 'the newest is kept (and locked)');
});

test('throttle: the defaults are those of the published schema', async () => {
  const { readFileSync } = await import('node:fs');
  const schema = JSON.parse(readFileSync(new URL('../../schemas/config.schema.json', import.meta.url), 'utf8')) as {
    properties: { throttle: { properties: Record<string, { description: string }> } };
  };
  for (const [key, value] of Object.entries(THROTTLE_DEFAULTS)) {
    const d = schema.properties.throttle.properties[key]!.description;
    const expected = typeof value === 'boolean' ? `(default ${value})` : `Default ${value}`;
    assert.ok(d.includes(expected), `${key}: ${d}`);
  }
});

test('throttle: throttled attempts and delays are counted in metrics', async () => {
  const { attempt, guard } = await setup({ freeFailures: 1, baseDelayMs: 1, lockoutAfter: 3 });
  for (let i = 0; i < 4; i++) await attempt('alice', 'wrong');
  const text = guard.metrics();
  assert.match(text, /^asyncapi_guard_throttled_total\{server="s",kind="delayed"\} 2$/m);
  assert.match(text, /^asyncapi_guard_throttled_total\{server="s",kind="locked_remote"\} 1$/m);
});

test('throttle: the key of a remote address: IPv4 as is, IPv6 by its /64, IPv4-mapped IPv6 as IPv4', () => {
  const cases: [string, string][] = [
    ['10.1.2.3', '10.1.2.3'],
    ['2001:db8:1:2:aaaa:bbbb:cccc:dddd', '2001:db8:1:2::/64'],
    ['2001:DB8:1:2::7', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['::ffff:192.0.2.9', '192.0.2.9'],
    ['64:ff9b::192.0.2.9', '64:ff9b:0:0::/64'],
    ['not an address', 'not an address'],
  ];
  for (const [remote, key] of cases) assert.equal(remoteKeyOf(remote), key, remote);
});

test('throttle: every address of one IPv6 /64 shares one count and one lockout', () => {
  const t = createThrottle({ lockoutAfter: 3, perPrincipal: false }, fakeClock().now);
  for (let i = 1; i <= 3; i++) t.failure(`2001:db8:7:7::${i.toString(16)}`, null);
  assert.equal(t.remoteLocked('2001:db8:7:7:ffff::1'), true, 'same /64');
  assert.equal(t.remoteLocked('2001:db8:7:8::1'), false, 'the next /64');
});

test(
  'throttle: junk failures cannot flush a lockout (locked ' + 'keys are evicted last), nor subjects push out addresses',
  () => {
    const t = createThrottle({ maxTracked: 50, lockoutAfter: 3, freeFailures: 100 }, fakeClock().now);
    for (let i = 0; i < 3; i++) t.failure(`10.0.0.${i}`, 'alice');
    assert.equal(t.subjectLocked('alice', null), true);
    t.failure('10.9.9.9', null);
    // Thousands of one-off junk user names (each a single failure) from a few addresses.
    for (let i = 0; i < 5000; i++) t.failure(`10.1.${(i >> 8) & 3}.${i & 255}`, `junk-${i}`);
    assert.equal(t.subjectLocked('alice', null), true, 'the lockout survives');
    assert.ok(t.size <= 100, `bounded: ${t.size}`);
  },
);
