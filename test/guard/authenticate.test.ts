// guard.authenticate: OR of alternatives, AND within one, absent vs invalid, scopes, anonymous
// servers, the refusal's `tried` and `challenges`, and the session it returns. Verifiers are
// plug-ins from test/guard/fixtures (the engine does not depend on the built-ins).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createGuard, type GuardOptions } from '../../src/guard/index.js';
import { createMemoryStore } from '../../src/credentials/memory.js';
import type { SecurityModel } from '../../src/model/types.js';
import { fixturesDir, model, modelFromYaml } from './helpers.js';

const users = { alice: { password: 'alice-pw', scopes: ['read', 'write'] }, bob: { password: 'bob-pw', scopes: [] } };
const keys = { 'key-good': { id: 'k1', scopes: ['admin'] }, 'key-plain': { id: 'k2' } };
const login = { verifier: './static-verifier.mjs', options: { read: 'login', users } };
const keyInPassword = { verifier: './static-verifier.mjs', options: { read: 'password', keys } };
const keyInHeader = {
  verifier: './static-verifier.mjs',
  options: { read: 'header', header: 'x-api-key', keys, challenge: 'ApiKey realm="x"' },
};

function options(schemes: GuardOptions['schemes'], extra: Partial<GuardOptions> = {}): GuardOptions {
  return { store: createMemoryStore(), schemes, baseDir: fixturesDir, ...extra };
}

const v3 = `
asyncapi: 3.0.0
info: { title: t, version: '1' }
servers:
  broker:
    host: localhost:1883
    protocol: mqtt
    security:
      - $ref: '#/components/securitySchemes/userPass'
      - $ref: '#/components/securitySchemes/apiKey'
  open:
    host: localhost:1884
    protocol: mqtt
channels:
  status:
    address: devices/{id}/status
operations:
  publishStatus:
    action: send
    channel: { $ref: '#/channels/status' }
components:
  securitySchemes:
    userPass: { type: userPassword }
    apiKey: { type: apiKey, in: password }
`;

const v2and = `
asyncapi: 2.6.0
info: { title: t, version: '1' }
servers:
  both:
    url: localhost:1883
    protocol: mqtt
    security:
      - { userPass: [], headerKey: [] }
      - { apiKey: [] }
channels:
  devices/{id}/status:
    parameters: { id: { schema: { type: string } } }
    subscribe: { operationId: publishStatus, message: { payload: { type: string } } }
components:
  securitySchemes:
    userPass: { type: userPassword }
    apiKey: { type: apiKey, in: password }
    headerKey: { type: httpApiKey, in: header, name: x-api-key }
`;

test(
  'authenticate (3.x): the first alternative that ' + 'verifies wins; its principal is the session principal',
  async () => {
    const guard = await createGuard(await modelFromYaml(v3), options({ userPass: login, apiKey: keyInPassword }));
    const r = await guard.authenticate('broker', {
      remote: '10.0.0.1',
      login: { username: 'alice', password: 'alice-pw' },
    });
    assert.ok(r.ok);
    assert.equal(r.session.server, 'broker');
    assert.equal(r.session.remote, '10.0.0.1');
    assert.equal(r.session.alternative, 0);
    assert.deepEqual(r.session.principal, { id: 'alice', scheme: 'userPass', scopes: ['read', 'write'], claims: {} });
    assert.ok(Object.isFrozen(r.session) && Object.isFrozen(r.session.principal));
  },
);

test(
  'authenticate (3.x): an invalid alternative does not stop ' + 'the next one (userPassword OR apiKey in the password)',
  async () => {
    const guard = await createGuard(await modelFromYaml(v3), options({ userPass: login, apiKey: keyInPassword }));
    // An API key in the password: userPassword sees user "device" (unknown) → invalid; apiKey → ok.
    const r = await guard.authenticate('broker', { login: { username: 'device', password: 'key-good' } });
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.session.alternative, 1);
    assert.equal(r.session.principal.id, 'key:k1');
    assert.deepEqual(Object.keys(r.session.principals).sort(), ['apiKey']);
  },
);

test('authenticate: every alternative absent is no_credentials, and tried lists each as absent', async () => {
  const guard = await createGuard(await modelFromYaml(v3), options({ userPass: login, apiKey: keyInPassword }));
  const r = await guard.authenticate('broker', { remote: '::1' });
  assert.equal(r.ok, false);
  assert.deepEqual(!r.ok && r.refusal, {
    reason: 'no_credentials',
    tried: [
      { scheme: 'userPass', outcome: 'absent' },
      { scheme: 'apiKey', outcome: 'absent' },
    ],
    challenges: [],
  });
});

test('authenticate: a wrong password is invalid_credentials, naming the scheme and the reason', async () => {
  const guard = await createGuard(await modelFromYaml(v3), options({ userPass: login, apiKey: keyInPassword }));
  const r = await guard.authenticate('broker', { login: { username: 'alice', password: 'nope' } });
  assert.equal(r.ok, false);
  assert.deepEqual(!r.ok && r.refusal.reason, 'invalid_credentials');
  assert.deepEqual(!r.ok && r.refusal.tried, [
    { scheme: 'userPass', outcome: 'invalid', reason: 'bad_password' },
    { scheme: 'apiKey', outcome: 'invalid', reason: 'malformed' },
  ]);
});

test(
  'authenticate (2.x): an AND alternative needs every ' + 'scheme; a missing one falls through to the next alternative',
  async () => {
    const guard = await createGuard(
      await modelFromYaml(v2and),
      options({ userPass: login, apiKey: keyInPassword, headerKey: keyInHeader }),
    );
    // Password login alone: alternative 0 lacks the header key (absent) → alternative 1: the password is no API key.
    const alone = await guard.authenticate('both', { login: { username: 'alice', password: 'alice-pw' } });
    assert.equal(alone.ok, false);
    assert.equal(!alone.ok && alone.refusal.reason, 'invalid_credentials');
    assert.deepEqual(!alone.ok && alone.refusal.challenges, ['ApiKey realm="x"']);
    // Both parts of alternative 0.
    const both = await guard.authenticate('both', {
      login: { username: 'alice', password: 'alice-pw' },
      headers: { 'x-api-key': 'key-plain' },
    });
    assert.ok(both.ok);
    assert.equal(both.session.alternative, 0);
    assert.equal(both.session.principal.id, 'alice');
    assert.deepEqual(Object.keys(both.session.principals).sort(), ['headerKey', 'userPass']);
  },
);

test('authenticate: each scheme is verified at most once per call', async () => {
  const { calls } = (await import('./fixtures/static-verifier.mjs')) as { calls: { verify: number } };
  const m = model({
    schemes: { a: { type: 'userPassword' } },
    servers: [
      {
        name: 's',
        host: 'h',
        protocol: 'mqtt',
        security: [[{ scheme: 'a', scopes: ['admin'] }], [{ scheme: 'a', scopes: [] }]],
      },
    ],
  });
  const guard = await createGuard(m, options({ a: login }));
  const before = calls.verify;
  const r = await guard.authenticate('s', { login: { username: 'bob', password: 'bob-pw' } });
  assert.ok(r.ok);
  assert.equal(r.session.alternative, 1);
  assert.equal(calls.verify - before, 1);
});

test('authenticate: scopes are a subset check (required ⊆ granted); short scopes are scope_missing', async () => {
  const m: SecurityModel = model({
    schemes: { a: { type: 'userPassword' } },
    servers: [{ name: 's', host: 'h', protocol: 'mqtt', security: [[{ scheme: 'a', scopes: ['read', 'write'] }]] }],
  });
  const guard = await createGuard(m, options({ a: login }));
  assert.ok((await guard.authenticate('s', { login: { username: 'alice', password: 'alice-pw' } })).ok);
  const bob = await guard.authenticate('s', { login: { username: 'bob', password: 'bob-pw' } });
  assert.equal(bob.ok, false);
  assert.deepEqual(!bob.ok && bob.refusal, {
    reason: 'scope_missing',
    tried: [{ scheme: 'a', outcome: 'scope_missing' }],
    challenges: [],
  });
});

test(
  'authenticate: a server without security gives an ' + 'anonymous session, and still records operation schemes',
  async () => {
    const m = model({
      schemes: { key: { type: 'apiKey', in: 'password' } },
      servers: [{ name: 'open', host: 'h', protocol: 'mqtt', security: [] }],
      operations: [
        {
          id: 'op',
          action: 'send',
          channel: 'c',
          address: 'c',
          servers: ['open'],
          security: [[{ scheme: 'key', scopes: [] }]],
        },
      ],
    });
    const guard = await createGuard(m, options({ key: keyInPassword }));
    const anon = await guard.authenticate('open', {});
    assert.ok(anon.ok);
    assert.deepEqual(anon.session.principal, { id: 'anonymous', scheme: '', scopes: [], claims: {} });
    assert.equal(anon.session.alternative, -1);
    assert.deepEqual(anon.session.principals, {});
    const keyed = await guard.authenticate('open', { login: { password: 'key-good' } });
    assert.ok(keyed.ok);
    assert.equal(keyed.session.principal.id, 'anonymous');
    assert.equal(keyed.session.principals.key?.id, 'key:k1');
  },
);

test('authenticate: an unknown server is refused as unknown_server', async () => {
  const guard = await createGuard(await modelFromYaml(v3), options({ userPass: login, apiKey: keyInPassword }));
  const r = await guard.authenticate('nope', { login: { username: 'alice', password: 'alice-pw' } });
  assert.deepEqual(!r.ok && r.refusal, { reason: 'unknown_server', tried: [], challenges: [] });
});

test('authenticate: after close, authentication is refused (fail closed)', async () => {
  const guard = await createGuard(await modelFromYaml(v3), options({ userPass: login, apiKey: keyInPassword }));
  await guard.close();
  const r = await guard.authenticate('broker', { login: { username: 'alice', password: 'alice-pw' } });
  assert.equal(!r.ok && r.refusal.reason, 'store_unavailable');
});

test(
  'authenticate: a store that does not answer is ' + 'store_unavailable (fail closed), with a store.unavailable event',
  async () => {
    const { StoreError } = await import('../../src/errors.js');
    const store = createMemoryStore();
    store.getPrincipal = async () => {
      throw new StoreError('ERR_STORE_UNAVAILABLE', 'connection refused');
    };
    const m = model({
      schemes: { a: { type: 'userPassword' } },
      servers: [{ name: 's', host: 'h', protocol: 'mqtt', security: [[{ scheme: 'a', scopes: [] }]] }],
    });
    const { captureAudit } = await import('./helpers.js');
    const audit = captureAudit();
    // A plug-in that asks the store, as built-in verifiers do.
    const guard = await createGuard(m, {
      store,
      schemes: { a: { verifier: './store-verifier.mjs' } },
      baseDir: fixturesDir,
      audit: { logger: audit.logger },
    });
    const r = await guard.authenticate('s', { login: { username: 'alice', password: 'x' } });
    assert.equal(!r.ok && r.refusal.reason, 'store_unavailable');
    const ev = audit.events().find((e) => e.msg === 'store.unavailable');
    assert.deepEqual(ev && { server: ev.server, scheme: ev.scheme, store: ev.store }, {
      server: 's',
      scheme: 'a',
      store: 'memory:',
    });
  },
);

test('saslMechanisms lists the mechanisms of the server alternatives', async () => {
  const m = model({
    schemes: { p: { type: 'plain' }, u: { type: 'userPassword' } },
    servers: [
      {
        name: 's',
        host: 'h',
        protocol: 'kafka',
        security: [[{ scheme: 'u', scopes: [] }], [{ scheme: 'p', scopes: [] }]],
      },
    ],
  });
  const guard = await createGuard(
    m,
    options({ u: login, p: { verifier: './static-verifier.mjs', options: { read: 'login', users, sasl: 'PLAIN' } } }),
  );
  assert.deepEqual(guard.saslMechanisms('s'), ['PLAIN']);
  assert.deepEqual(guard.saslMechanisms('nope'), []);
  // A one-step mechanism through startSasl: the initial response is the whole exchange.
  const ex = guard.startSasl('s', 'PLAIN', { remote: '::1' });
  const step = await ex.step(new TextEncoder().encode('\0alice\0alice-pw'));
  assert.equal(step.kind, 'success');
  assert.equal(step.kind === 'success' && step.session.principal.id, 'alice');
  const bad = await guard.startSasl('s', 'PLAIN', {}).step(new TextEncoder().encode('\0alice\0wrong'));
  assert.equal(bad.kind === 'failure' && bad.refusal.reason, 'invalid_credentials');
  const unknown = await guard.startSasl('s', 'SCRAM-SHA-256', {}).step(new Uint8Array(1));
  assert.equal(unknown.kind === 'failure' && unknown.refusal.reason, 'no_credentials');
});
