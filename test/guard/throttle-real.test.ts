// Throttling with the REAL verifiers (userPassword, apiKey, httpApiKey, http bearer) rather than
// a plug-in: the ways around a lockout an audit found, each closed.
//   - a user name written another way (SASLprep maps it to the same account) shares the lockout;
//   - every subject an attempt guessed at is counted, not only the first scheme's;
//   - a wrong credential presented beside a valid one still counts (and is audited), unless both
//     were read from the same place (the MQTT CONNECT password);
//   - a success on one scheme does not reset another subject's count;
//   - an outage on our side (the identity provider's keys) is no failure of the client's.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createGuard } from '../../src/guard/index.js';
import { createMemoryStore } from '../../src/credentials/memory.js';
import type { SecurityModel } from '../../src/model/types.js';
import type { SchemeBinding } from '../../src/config/types.js';
import { captureAudit, fakeClock, model, recordingSleep } from './helpers.js';

const ITER = 4096;
const LOCK = { freeFailures: 100, lockoutAfter: 3, lockoutMs: 60_000, windowMs: 60_000 };

async function world(m: SecurityModel, schemes: Record<string, SchemeBinding>) {
  const store = createMemoryStore();
  await store.addPrincipal({ name: 'alice', password: 'alice-pw', scopes: [], iterations: ITER });
  await store.addPrincipal({ name: 'mallory', password: 'mallory-pw', scopes: [], iterations: ITER });
  const aliceKey = (await store.createApiKey('alice')).key;
  const malloryKey = (await store.createApiKey('mallory')).key;
  const audit = captureAudit({ level: 'info' });
  const guard = await createGuard(m, {
    store,
    schemes,
    throttle: LOCK,
    now: fakeClock().now,
    sleep: recordingSleep().sleep,
    audit: { logger: audit.logger },
  });
  return { guard, aliceKey, malloryKey, audit };
}

const mqtt = (alternatives: string[][]) =>
  model({
    schemes: {
      userPass: { type: 'userPassword' },
      key: { type: 'apiKey', in: 'password' },
      headerKey: { type: 'httpApiKey', in: 'header', name: 'x-api-key' },
    },
    servers: [
      {
        name: 's',
        host: 'h',
        protocol: 'mqtt',
        security: alternatives.map((alt) => alt.map((scheme) => ({ scheme, scopes: [] }))),
      },
    ],
  });
const http = (alternatives: string[][]) =>
  model({
    schemes: { userPass: { type: 'userPassword' }, headerKey: { type: 'httpApiKey', in: 'header', name: 'x-api-key' } },
    servers: [
      {
        name: 's',
        host: 'h',
        protocol: 'http',
        security: alternatives.map((alt) => alt.map((scheme) => ({ scheme, scopes: [] }))),
      },
    ],
  });
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

test(
  'throttle: a locked-out user name written another way ' + '(a soft hyphen, a zero-width space) is locked out too',
  async () => {
    const { guard } = await world(mqtt([['userPass']]), { userPass: {} });
    for (let i = 0; i < 3; i++)
      assert.equal(
        (await guard.authenticate('s', { remote: `10.0.0.${i}`, login: { username: 'alice', password: 'guess' } })).ok,
        false,
      );
    // Changed with the lockout redesign: a locked subject is refused from an address that has been failing.
    for (const [i, variant] of ['al\u00ADice', 'alice\u200B', 'alice'].entries()) {
      const r = await guard.authenticate('s', {
        remote: `10.0.0.${i}`,
        login: { username: variant, password: 'alice-pw' },
      });
      assert.equal(!r.ok && r.refusal.reason, 'throttled', JSON.stringify(variant));
    }
  },
);

test(
  'throttle: guesses at alice count against alice even ' + 'when an earlier alternative (apiKey) also failed',
  async () => {
    const { guard } = await world(mqtt([['key'], ['userPass']]), { userPass: {}, key: {} });
    for (let i = 0; i < 3; i++)
      assert.equal(
        (await guard.authenticate('s', { remote: `10.0.1.${i}`, login: { username: 'alice', password: `guess-${i}` } }))
          .ok,
        false,
      );
    // Changed with the lockout redesign: a locked subject is refused from an address that has been failing.
    const r = await guard.authenticate('s', {
      remote: '10.0.1.0',
      login: { username: 'alice', password: 'alice-pw' },
    });
    assert.equal(!r.ok && r.refusal.reason, 'throttled');
  },
);

test('throttle: a refusal is audited against the subject guessed at, not a malformed sibling', async () => {
  const { guard, audit } = await world(mqtt([['key'], ['userPass']]), { userPass: {}, key: {} });
  await guard.authenticate('s', { remote: '10.0.2.1', login: { username: 'alice', password: 'guess' } });
  const connect = audit.events().find((e) => e['action'] === 'connect')!;
  assert.deepEqual([connect['scheme'], connect['principal'], connect['reason']], ['userPass', 'alice', 'bad_password']);
});

test(
  'throttle: a wrong password sent beside a valid API key in another header still counts against that user ' +
    '(and is audited); the right guess does not give her session away',
  async () => {
    const { guard, malloryKey, audit } = await world(http([['userPass'], ['headerKey']]), {
      userPass: {},
      headerKey: {},
    });
    const tries: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await guard.authenticate('s', {
        remote: `10.0.3.${i}`,
        headers: { 'x-api-key': malloryKey, authorization: basic('alice', `guess-${i}`) },
      });
      assert.ok(r.ok);
      tries.push(r.session.principal.id);
    }
    assert.deepEqual(tries, ['mallory', 'mallory', 'mallory']);
    // alice is now locked: from the addresses that guessed, the right password beside mallory's key, or alone,
    // gets nothing of hers (changed with the lockout redesign: the lock holds against failing addresses).
    const oracle = await guard.authenticate('s', {
      remote: '10.0.3.0',
      headers: { 'x-api-key': malloryKey, authorization: basic('alice', 'alice-pw') },
    });
    assert.equal(!oracle.ok && oracle.refusal.reason, 'throttled');
    const alone = await guard.authenticate('s', {
      remote: '10.0.3.1',
      headers: { authorization: basic('alice', 'alice-pw') },
    });
    assert.equal(!alone.ok && alone.refusal.reason, 'throttled');
    const denied = audit
      .events()
      .filter((e) => e['action'] === 'connect' && e['result'] === 'denied' && e['principal'] === 'alice');
    assert.ok(
      denied.length >= 3 &&
        denied.slice(0, 3).every((e) => e['reason'] === 'bad_password' && e['scheme'] === 'userPass'),
      JSON.stringify(denied),
    );
  },
);

test(
  'throttle: an API key in the MQTT CONNECT password is ' + 'not a failed password guess for the user name beside it',
  async () => {
    const { guard, aliceKey } = await world(mqtt([['userPass'], ['key']]), { userPass: {}, key: {} });
    for (let i = 0; i < 10; i++) {
      const r = await guard.authenticate('s', { remote: '10.0.4.1', login: { username: 'alice', password: aliceKey } });
      assert.ok(r.ok, `login ${i}`);
    }
    assert.ok(
      (await guard.authenticate('s', { remote: '10.0.4.1', login: { username: 'alice', password: 'alice-pw' } })).ok,
    );
  },
);

test('throttle: a success with alice’s API key does not reset the count of guesses at alice’s password', async () => {
  const { guard, aliceKey } = await world(mqtt([['userPass'], ['key']]), { userPass: {}, key: {} });
  for (let i = 0; i < 2; i++)
    await guard.authenticate('s', { remote: `10.0.5.${i}`, login: { username: 'alice', password: 'guess' } });
  assert.ok(
    (await guard.authenticate('s', { remote: '10.0.5.50', login: { username: 'device', password: aliceKey } })).ok,
  );
  await guard.authenticate('s', { remote: '10.0.5.9', login: { username: 'alice', password: 'guess' } });
  // Changed with the lockout redesign: asked from an address that has been failing.
  const r = await guard.authenticate('s', { remote: '10.0.5.0', login: { username: 'alice', password: 'alice-pw' } });
  assert.equal(!r.ok && r.refusal.reason, 'throttled');
});

test('throttle: identity-provider keys that cannot be fetched (keys_unavailable) lock nobody out', async () => {
  const m = model({
    schemes: { jwt: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    servers: [{ name: 's', host: 'h', protocol: 'http', security: [[{ scheme: 'jwt', scopes: [] }]] }],
  });
  const guard = await createGuard(m, {
    store: createMemoryStore(),
    // Port 9 (discard) on loopback: nothing listens, every fetch fails at once.
    schemes: {
      jwt: { issuer: 'http://127.0.0.1:9', audience: 'a', jwks: 'http://127.0.0.1:9/jwks', algorithms: ['ES256'] },
    },
    throttle: { ...LOCK, lockoutAfter: 2 },
    sleep: recordingSleep().sleep,
  });
  const token =
    `${Buffer.from('{"alg":"ES256","kid":"k"}').toString('base64url')}.` +
    `${Buffer.from('{"sub":"x","exp":9999999999}').toString('base64url')}.c2ln`;
  for (let i = 0; i < 5; i++) {
    const r = await guard.authenticate('s', { remote: '10.0.6.1', headers: { authorization: `Bearer ${token}` } });
    assert.ok(!r.ok);
    assert.equal(r.refusal.reason, 'invalid_credentials', `attempt ${i}`);
    assert.equal(r.refusal.tried[0]?.reason, 'keys_unavailable');
  }
  await guard.close();
});

test(
  'throttle: no per-key lockout for API keys: 22 wrong secrets for a public key id from 22 addresses do not lock ' +
    'the key (from any address), while one address guessing is still locked out',
  async () => {
    const { guard, aliceKey } = await world(http([['headerKey']]), { headerKey: {} });
    // Same key id (public: logs, status page), wrong secret.
    const wrong = aliceKey.slice(0, -1) + (aliceKey.endsWith('A') ? 'B' : 'A');
    for (let i = 0; i < 22; i++) {
      const r = await guard.authenticate('s', { remote: `10.0.6.${i}`, headers: { 'x-api-key': wrong } });
      assert.equal(!r.ok && r.refusal.reason, 'invalid_credentials', `guess ${i}`);
    }
    // Even from an address that guessed once, the right key gets in: the key itself is not locked.
    const r = await guard.authenticate('s', { remote: '10.0.6.0', headers: { 'x-api-key': aliceKey } });
    assert.ok(r.ok, JSON.stringify(r));
    // Per-address throttling still holds: one address with lockoutAfter wrong keys is locked out.
    for (let i = 0; i < LOCK.lockoutAfter; i++)
      await guard.authenticate('s', { remote: '10.0.7.1', headers: { 'x-api-key': wrong } });
    const locked = await guard.authenticate('s', { remote: '10.0.7.1', headers: { 'x-api-key': aliceKey } });
    assert.equal(!locked.ok && locked.refusal.reason, 'throttled');
    assert.match(guard.metrics(), /^asyncapi_guard_throttled_total\{server="s",kind="locked_remote"\} 1$/m);
    assert.doesNotMatch(guard.metrics(), /kind="locked_principal"/);
  },
);

test(
  'throttle: 20 wrong passwords for alice from 25 addresses do not keep alice out from her own address; every ' +
    'address that guessed is still refused, unverified',
  async () => {
    const { guard } = await world(mqtt([['userPass']]), { userPass: {} });
    for (let i = 0; i < 25; i++)
      await guard.authenticate('s', { remote: `10.0.8.${i}`, login: { username: 'alice', password: `guess-${i}` } });
    const own = await guard.authenticate('s', {
      remote: '192.0.2.7',
      login: { username: 'alice', password: 'alice-pw' },
    });
    assert.ok(own.ok, JSON.stringify(own));
    for (const i of [0, 12, 24]) {
      const r = await guard.authenticate('s', {
        remote: `10.0.8.${i}`,
        login: { username: 'alice', password: 'alice-pw' },
      });
      assert.equal(!r.ok && r.refusal.reason, 'throttled', `10.0.8.${i}`);
    }
  },
);
