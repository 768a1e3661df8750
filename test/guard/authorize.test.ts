// guard.authorize / authorizeSubscription: the operation requirement AND the server's, scope
// subsets, perspective both ways and per server, default deny of uncovered channels and its
// switch, null addresses, wrong server, MQTT wildcard coverage (default and strict), and the
// per-delivery check `mayReceive`.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createGuard, type Guard, type GuardOptions, type Session } from '../../src/guard/index.js';
import { createMemoryStore } from '../../src/credentials/memory.js';
import type { ModelOperation, SecurityModel } from '../../src/model/types.js';
import { captureAudit, fixturesDir, model, modelFromYaml } from './helpers.js';

const users = {
  alice: { password: 'a', scopes: ['read', 'write', 'admin'] },
  reader: { password: 'r', scopes: ['read'] },
};
const keys = { 'key-ops': { id: 'ops', scopes: ['ops'] } };
const login = { verifier: './static-verifier.mjs', options: { read: 'login', users } };
const header = { verifier: './static-verifier.mjs', options: { read: 'header', header: 'x-api-key', keys } };

const op = (
  id: string,
  action: 'send' | 'receive',
  address: string | null,
  security: ModelOperation['security'] = [],
  servers = ['s'],
): ModelOperation => ({
  id,
  action,
  channel: id,
  address,
  servers,
  security,
});

function baseModel(
  operations: ModelOperation[],
  servers = [{ name: 's', host: 'h', protocol: 'mqtt', security: [[{ scheme: 'login', scopes: [] }]] }],
): SecurityModel {
  return model({
    schemes: { login: { type: 'userPassword' }, key: { type: 'httpApiKey', in: 'header', name: 'x-api-key' } },
    servers,
    operations,
  });
}

async function guardFor(m: SecurityModel, extra: Partial<GuardOptions> = {}): Promise<Guard> {
  return createGuard(m, {
    store: createMemoryStore(),
    schemes: { login, key: header },
    baseDir: fixturesDir,
    ...extra,
  });
}

async function sessionOf(guard: Guard, user: keyof typeof users, server = 's', more: object = {}): Promise<Session> {
  const r = await guard.authenticate(server, { login: { username: user, password: users[user].password }, ...more });
  assert.ok(r.ok, JSON.stringify(r));
  return r.session;
}

const reasons = (guard: Guard, s: Session, pairs: [action: 'publish' | 'subscribe', channel: string][]) =>
  pairs.map(([action, channel]) => guard.authorize(s, { action, channel }).reason);

test('authorize: application perspective: send covers publish, receive covers subscribe', async () => {
  const guard = await guardFor(
    baseModel([op('pub', 'send', 'devices/{id}/status'), op('sub', 'receive', 'devices/{id}/commands')]),
  );
  const s = await sessionOf(guard, 'reader');
  assert.deepEqual(guard.authorize(s, { action: 'publish', channel: 'devices/7/status' }), {
    allowed: true,
    reason: 'allowed',
    operation: 'pub',
  });
  assert.deepEqual(
    reasons(guard, s, [
      ['subscribe', 'devices/7/commands'],
      ['subscribe', 'devices/7/status'],
      ['publish', 'devices/7/commands'],
    ]),
    ['allowed', 'uncovered_channel', 'uncovered_channel'],
  );
});

test('authorize: perspective server flips send/receive, for the document or per server', async () => {
  const ops = [op('pub', 'send', 'a', [], ['s', 't']), op('sub', 'receive', 'b', [], ['s', 't'])];
  const servers = ['s', 't'].map((name) => ({
    name,
    host: 'h',
    protocol: 'mqtt',
    security: [[{ scheme: 'login', scopes: [] }]],
  }));
  const flipped = await guardFor(baseModel(ops, servers), { perspective: 'server' });
  const fs = await sessionOf(flipped, 'reader');
  assert.deepEqual(
    reasons(flipped, fs, [
      ['subscribe', 'a'],
      ['publish', 'b'],
      ['publish', 'a'],
      ['subscribe', 'b'],
    ]),
    ['allowed', 'allowed', 'uncovered_channel', 'uncovered_channel'],
  );

  const perServer = await guardFor(baseModel(ops, servers), { servers: { t: { perspective: 'server' } } });
  const ss = await sessionOf(perServer, 'reader', 's');
  const ts = await sessionOf(perServer, 'reader', 't');
  assert.deepEqual(
    reasons(perServer, ss, [
      ['publish', 'a'],
      ['subscribe', 'b'],
    ]),
    ['allowed', 'allowed'],
  );
  assert.deepEqual(
    reasons(perServer, ts, [
      ['subscribe', 'a'],
      ['publish', 'b'],
      ['publish', 'a'],
    ]),
    ['allowed', 'allowed', 'uncovered_channel'],
  );
});

test('authorize: the operation requirement is ANDed with the server one; scopes are a subset check', async () => {
  const guard = await guardFor(
    baseModel([
      op('admin', 'send', 'admin/{cmd}', [[{ scheme: 'login', scopes: ['admin'] }]]),
      op('ops', 'send', 'ops', [[{ scheme: 'key', scopes: ['ops'] }]]),
      op('either', 'send', 'either', [[{ scheme: 'login', scopes: ['admin'] }], [{ scheme: 'key', scopes: [] }]]),
    ]),
  );
  const alice = await sessionOf(guard, 'alice');
  const reader = await sessionOf(guard, 'reader');
  const readerWithKey = await sessionOf(guard, 'reader', 's', { headers: { 'x-api-key': 'key-ops' } });
  assert.deepEqual(guard.authorize(alice, { action: 'publish', channel: 'admin/reboot' }), {
    allowed: true,
    reason: 'allowed',
    operation: 'admin',
  });
  assert.deepEqual(guard.authorize(reader, { action: 'publish', channel: 'admin/reboot' }), {
    allowed: false,
    reason: 'scope_missing',
    operation: 'admin',
  });
  assert.deepEqual(guard.authorize(reader, { action: 'publish', channel: 'ops' }), {
    allowed: false,
    reason: 'credentials_missing',
    operation: 'ops',
  });
  // The operation's scheme (an API key header) is verified at connect time, so authorize needs no I/O.
  assert.equal(readerWithKey.principals.key?.id, 'key:ops');
  assert.equal(guard.authorize(readerWithKey, { action: 'publish', channel: 'ops' }).reason, 'allowed');
  assert.deepEqual(reasons(guard, reader, [['publish', 'either']]), ['scope_missing']);
  assert.deepEqual(reasons(guard, readerWithKey, [['publish', 'either']]), ['allowed']);
});

test('authorize: any covering operation that allows it is enough', async () => {
  const guard = await guardFor(
    baseModel([
      op('strict', 'send', 'devices/{id}', [[{ scheme: 'login', scopes: ['admin'] }]]),
      op('loose', 'send', 'devices/{x}'),
    ]),
  );
  const reader = await sessionOf(guard, 'reader');
  assert.deepEqual(guard.authorize(reader, { action: 'publish', channel: 'devices/1' }), {
    allowed: true,
    reason: 'allowed',
    operation: 'loose',
  });
});

test('authorize: decisions are frozen objects shared between calls (no allocation per decision)', async () => {
  const guard = await guardFor(baseModel([op('pub', 'send', 'devices/{id}/status')]));
  const s = await sessionOf(guard, 'reader');
  const a = guard.authorize(s, { action: 'publish', channel: 'devices/1/status' });
  const b = guard.authorize(s, { action: 'publish', channel: 'devices/2/status' });
  assert.ok(Object.isFrozen(a));
  assert.equal(a, b);
});

test(
  'authorize: uncovered channels are denied by default; ' + 'allowUncoveredChannels allows them and warns at startup',
  async () => {
    const m = baseModel([op('pub', 'send', 'covered', [[{ scheme: 'login', scopes: ['admin'] }]])]);
    const strict = await guardFor(m);
    assert.deepEqual(strict.warnings, []);
    const s1 = await sessionOf(strict, 'reader');
    assert.deepEqual(strict.authorize(s1, { action: 'publish', channel: 'elsewhere' }), {
      allowed: false,
      reason: 'uncovered_channel',
      operation: null,
    });

    const audit = captureAudit();
    const loose = await guardFor(m, {
      servers: { s: { allowUncoveredChannels: true } },
      audit: { logger: audit.logger },
    });
    assert.deepEqual(
      loose.warnings.map((w) => [w.code, w.server]),
      [['W_ALLOW_UNCOVERED_CHANNELS', 's']],
    );
    const startup = audit.events().find((e) => e.msg === 'guard.startup');
    assert.equal(startup?.level, 'warn');
    assert.deepEqual(
      (startup?.warnings as { code: string }[]).map((w) => w.code),
      ['W_ALLOW_UNCOVERED_CHANNELS'],
    );
    const s2 = await sessionOf(loose, 'reader');
    assert.deepEqual(loose.authorize(s2, { action: 'publish', channel: 'elsewhere' }), {
      allowed: true,
      reason: 'allowed_uncovered',
      operation: null,
    });
    // A covered channel still needs its operation's requirement.
    assert.equal(loose.authorize(s2, { action: 'publish', channel: 'covered' }).reason, 'scope_missing');
  },
);

test('authorize: a channel with a null address matches nothing (denied as uncovered)', async () => {
  const guard = await guardFor(
    await modelFromYaml(`
asyncapi: 3.0.0
info: { title: t, version: '1' }
servers:
  s: { host: h, protocol: mqtt, security: [{ $ref: '#/components/securitySchemes/login' }] }
channels:
  unknown: { address: null }
operations:
  pub: { action: send, channel: { $ref: '#/channels/unknown' } }
components:
  securitySchemes:
    login: { type: userPassword }
`),
    { schemes: { login } },
  );
  const s = await sessionOf(guard, 'reader');
  for (const channel of ['unknown', 'null', '', '{address}'])
    assert.equal(guard.authorize(s, { action: 'publish', channel }).allowed, false, channel);
  assert.equal(guard.authorize(s, { action: 'publish', channel: 'unknown' }).reason, 'uncovered_channel');
});

test('authorize: a session from another guard is wrong_server', async () => {
  const m = baseModel([op('pub', 'send', 'a')]);
  const one = await guardFor(m);
  const two = await guardFor(m);
  const s = await sessionOf(one, 'reader');
  assert.deepEqual(two.authorize(s, { action: 'publish', channel: 'a' }), {
    allowed: false,
    reason: 'wrong_server',
    operation: null,
  });
  const forged = { ...s };
  assert.equal(one.authorize(forged, { action: 'publish', channel: 'a' }).reason, 'wrong_server');
});

test('authorize: wildcards are no part of a channel name to publish to; an empty channel is invalid', async () => {
  const guard = await guardFor(baseModel([op('pub', 'send', 'devices/{id}/status')]));
  const s = await sessionOf(guard, 'reader');
  assert.deepEqual(
    reasons(guard, s, [
      ['publish', 'devices/+/status'],
      ['publish', 'devices/#'],
      ['publish', ''],
    ]),
    ['invalid_channel', 'invalid_channel', 'invalid_channel'],
  );
});

test('authorize: an action other than publish/subscribe is library misuse (TypeError)', async () => {
  const guard = await guardFor(baseModel([op('pub', 'send', 'a')]));
  const s = await sessionOf(guard, 'reader');
  assert.throws(() => guard.authorize(s, { action: 'send' as 'publish', channel: 'a' }), {
    code: 'ERR_INVALID_ARG_VALUE',
  });
});

// ---------------------------------------------------------------- MQTT wildcard subscriptions

const wildcardOps = [
  op('status', 'receive', 'devices/{id}/status'),
  op('temp', 'receive', 'devices/{id}/temp', [[{ scheme: 'login', scopes: ['admin'] }]]),
  op('all', 'receive', 'fleet/{region}/{id}'),
];

test('authorizeSubscription, strict (wildcardsIgnoreEmptyLevels: false): the empty level too', async () => {
  const guard = await guardFor(baseModel(wildcardOps), { servers: { s: { wildcardsIgnoreEmptyLevels: false } } });
  const reader = await sessionOf(guard, 'reader');
  const alice = await sessionOf(guard, 'alice');
  // `+` also matches the empty level (`devices//status`), which no {id} channel covers: strict reading refuses.
  assert.equal(guard.authorizeSubscription(reader, 'devices/+/status').reason, 'wildcard_not_covered');
  assert.equal(guard.authorizeSubscription(reader, 'devices/7/status').reason, 'allowed');
  assert.equal(guard.authorizeSubscription(reader, 'devices/7/+').reason, 'wildcard_not_covered');
  // devices/7/other is no channel
  assert.equal(guard.authorizeSubscription(alice, 'devices/7/+').reason, 'wildcard_not_covered');
  assert.equal(guard.authorizeSubscription(reader, 'devices/#').reason, 'wildcard_not_covered');
  assert.equal(guard.authorizeSubscription(reader, 'sport+').reason, 'invalid_channel');
  assert.equal(guard.authorizeSubscription(reader, 'a/#/b').reason, 'invalid_channel');
  // authorize with a filter on subscribe is the same question.
  assert.equal(
    guard.authorize(reader, { action: 'subscribe', channel: 'devices/+/status' }).reason,
    'wildcard_not_covered',
  );
});

test(
  'authorizeSubscription, by default: + is covered by {param} levels (no warning); publishing to ' +
    'the empty level stays denied',
  async () => {
    const audit = captureAudit();
    const guard = await guardFor(baseModel(wildcardOps), { audit: { logger: audit.logger } });
    assert.deepEqual(guard.warnings, []);
    // The old opt-in spelling is the default now: accepted, same answers, no warning.
    const explicit = await guardFor(baseModel(wildcardOps), { servers: { s: { wildcardsIgnoreEmptyLevels: true } } });
    assert.deepEqual(explicit.warnings, []);
    assert.equal(explicit.authorizeSubscription(await sessionOf(explicit, 'reader'), 'devices/+/status').allowed, true);
    const reader = await sessionOf(guard, 'reader');
    const alice = await sessionOf(guard, 'alice');
    assert.deepEqual(guard.authorizeSubscription(reader, 'devices/+/status'), {
      allowed: true,
      reason: 'allowed',
      operation: null,
    });
    assert.equal(guard.authorizeSubscription(reader, 'fleet/+/+').reason, 'allowed');
    // Still refused: a channel whose operation the session does not satisfy.
    assert.equal(guard.authorizeSubscription(reader, 'devices/+/temp').reason, 'wildcard_not_covered');
    assert.equal(guard.authorizeSubscription(alice, 'devices/+/temp').reason, 'allowed');
    assert.equal(guard.authorizeSubscription(reader, 'devices/#').reason, 'wildcard_not_covered');
    // Subscribing to or publishing on the empty level itself is no covered channel.
    assert.equal(
      guard.authorize(reader, { action: 'subscribe', channel: 'devices//status' }).reason,
      'uncovered_channel',
    );
    assert.equal(
      guard.authorize(reader, { action: 'publish', channel: 'devices//status' }).reason,
      'uncovered_channel',
    );
  },
);

test(
  'authorizeSubscription: with allowUncoveredChannels, a ' +
    'filter is refused only when it can reach a refused operation',
  async () => {
    const guard = await guardFor(baseModel(wildcardOps), { servers: { s: { allowUncoveredChannels: true } } });
    const reader = await sessionOf(guard, 'reader');
    assert.equal(guard.authorizeSubscription(reader, 'devices/+/status').reason, 'allowed');
    const strict = await guardFor(baseModel(wildcardOps), {
      servers: { s: { allowUncoveredChannels: true, wildcardsIgnoreEmptyLevels: false } },
    });
    const strictReader = await sessionOf(strict, 'reader');
    assert.equal(strict.authorizeSubscription(strictReader, 'devices/+/status').reason, 'allowed_uncovered');
    assert.equal(guard.authorizeSubscription(reader, 'devices/+/temp').reason, 'wildcard_not_covered');
    assert.equal(guard.authorizeSubscription(reader, 'devices/#').reason, 'wildcard_not_covered');
    assert.equal(guard.authorizeSubscription(reader, 'other/#').reason, 'allowed_uncovered');
  },
);

test('authorizeSubscription: a declared empty level is a channel, refused through + if refused', async () => {
  const ops = [
    op('status', 'receive', 'devices/{id}/status'),
    op('fleet', 'receive', 'devices//status', [[{ scheme: 'login', scopes: ['admin'] }]]),
  ];
  const guard = await guardFor(baseModel(ops));
  const reader = await sessionOf(guard, 'reader');
  const alice = await sessionOf(guard, 'alice');
  assert.equal(guard.authorizeSubscription(reader, 'devices/+/status').reason, 'wildcard_not_covered');
  assert.equal(guard.authorizeSubscription(reader, 'devices/+/+').reason, 'wildcard_not_covered');
  assert.equal(guard.authorizeSubscription(alice, 'devices/+/status').reason, 'allowed');
  assert.equal(guard.mayReceive(reader, 'devices//status'), false);
  assert.equal(guard.mayReceive(alice, 'devices//status'), true);
});

test('mayReceive: the per-delivery check answers what a concrete subscribe would, cached and bounded', async () => {
  const guard = await guardFor(baseModel(wildcardOps));
  const reader = await sessionOf(guard, 'reader');
  const alice = await sessionOf(guard, 'alice');
  const ask = (s: Session, channels: string[]) => channels.map((c) => guard.mayReceive(s, c));
  const channels = ['devices/7/status', 'devices//status', 'devices/7/temp', 'fleet/eu/1', 'other', 'a/+/b', 'a/#', ''];
  for (let round = 0; round < 2; round++) {
    // twice: the second round is answered from the cache
    assert.deepEqual(ask(reader, channels), [true, false, false, true, false, false, false, false]);
    assert.deepEqual(ask(alice, channels), [true, false, true, true, false, false, false, false]);
  }
  // Past the cache bound (cleared, not grown) and past the cached channel length: still right.
  for (let i = 0; i < 5000; i++) assert.equal(guard.mayReceive(reader, `devices/${i}/temp`), false);
  assert.equal(guard.mayReceive(reader, `devices/${'x'.repeat(300)}/status`), true);
  assert.equal(guard.mayReceive(reader, `devices/${'x'.repeat(300)}/temp`), false);
  assert.deepEqual(ask(reader, channels), [true, false, false, true, false, false, false, false]);
  // A session of another guard, or no session, receives nothing.
  const other = await guardFor(baseModel(wildcardOps));
  assert.equal(other.mayReceive(reader, 'devices/7/status'), false);
  assert.equal(guard.mayReceive({ ...reader }, 'devices/7/status'), false);
  // With allowUncoveredChannels an uncovered channel may be received, a refused operation's still not.
  const open = await guardFor(baseModel(wildcardOps), { servers: { s: { allowUncoveredChannels: true } } });
  const openReader = await sessionOf(open, 'reader');
  assert.equal(open.mayReceive(openReader, 'other'), true);
  assert.equal(open.mayReceive(openReader, 'devices/7/temp'), false);
});

test('authorizeSubscription: answers are cached per satisfied set and stay right across sessions', async () => {
  const guard = await guardFor(baseModel(wildcardOps));
  const reader = await sessionOf(guard, 'reader');
  const alice = await sessionOf(guard, 'alice');
  for (let i = 0; i < 3; i++) {
    assert.equal(guard.authorizeSubscription(reader, 'devices/+/temp').allowed, false);
    assert.equal(guard.authorizeSubscription(alice, 'devices/+/temp').allowed, true);
  }
});
