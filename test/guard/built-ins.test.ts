// End to end through the real built-in verifiers (src/schemes) and a memory store: the engine
// with userPassword OR apiKey (in: password), an httpApiKey operation scheme, SCRAM-SHA-256
// through guard.startSasl, HTTP Basic challenges, and the config errors docs/config.md shows.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { createGuard, guardOptionsFromConfig } from '../../src/guard/index.js';
import { parseConfig } from '../../src/config/load.js';
import { createMemoryStore } from '../../src/credentials/memory.js';
import { createScramClient } from '../../src/sasl/index.js';
import { GuardError } from '../../src/errors.js';
import { modelFromYaml } from './helpers.js';

const doc = `
asyncapi: 3.0.0
info: { title: t, version: '1' }
servers:
  mqtt:
    host: localhost:1883
    protocol: mqtt
    security:
      - $ref: '#/components/securitySchemes/userPass'
      - $ref: '#/components/securitySchemes/deviceKey'
  kafka:
    host: localhost:9092
    protocol: kafka
    security:
      - $ref: '#/components/securitySchemes/scram'
  http:
    host: localhost:8080
    protocol: http
    security:
      - $ref: '#/components/securitySchemes/userPass'
channels:
  status: { address: 'devices/{id}/status' }
  admin: { address: 'admin/{cmd}' }
operations:
  sendStatus: { action: send, channel: { $ref: '#/channels/status' } }
  sendAdmin:
    action: send
    channel: { $ref: '#/channels/admin' }
    security: [{ $ref: '#/components/securitySchemes/adminKey' }]
components:
  securitySchemes:
    userPass: { type: userPassword }
    deviceKey: { type: apiKey, in: password }
    scram: { type: scramSha256 }
    adminKey: { type: httpApiKey, in: header, name: x-admin-key }
`;

async function setup() {
  const store = createMemoryStore();
  await store.addPrincipal({ name: 'alice', password: 'correct horse', scopes: ['read'], iterations: 4096 });
  await store.addPrincipal({ name: 'device-7', scopes: [] });
  const deviceKey = await store.createApiKey('device-7');
  const adminKey = await store.createApiKey('alice');
  const guard = await createGuard(await modelFromYaml(doc), {
    store,
    schemes: { userPass: {}, deviceKey: {}, scram: {}, adminKey: {} },
  });
  return { store, guard, deviceKey: deviceKey.key, adminKey: adminKey.key };
}

test(
  'built-ins: userPassword OR apiKey(in: password) on one CONNECT password; the wrong one is invalid, the ' +
    'right one wins',
  async () => {
    const { guard, deviceKey } = await setup();
    const user = await guard.authenticate('mqtt', {
      login: { username: 'alice', password: new TextEncoder().encode('correct horse') },
    });
    assert.ok(user.ok, JSON.stringify(user));
    assert.equal(user.session.principal.id, 'alice');
    const device = await guard.authenticate('mqtt', { login: { username: 'device-7', password: deviceKey } });
    assert.ok(device.ok, JSON.stringify(device));
    assert.equal(device.session.alternative, 1);
    assert.equal(device.session.principal.scheme, 'deviceKey');
    const wrong = await guard.authenticate('mqtt', { login: { username: 'alice', password: 'battery staple' } });
    assert.equal(!wrong.ok && wrong.refusal.reason, 'invalid_credentials');
    assert.deepEqual(!wrong.ok && wrong.refusal.tried.map((t) => [t.scheme, t.outcome]), [
      ['userPass', 'invalid'],
      ['deviceKey', 'invalid'],
    ]);
  },
);

test('built-ins: an operation scheme (httpApiKey header) is verified at connect and gates the operation', async () => {
  const { guard, adminKey } = await setup();
  const plain = await guard.authenticate('mqtt', { login: { username: 'alice', password: 'correct horse' } });
  const keyed = await guard.authenticate('mqtt', {
    login: { username: 'alice', password: 'correct horse' },
    headers: { 'x-admin-key': adminKey },
  });
  assert.ok(plain.ok && keyed.ok);
  assert.equal(
    guard.authorize(plain.session, { action: 'publish', channel: 'admin/reboot' }).reason,
    'credentials_missing',
  );
  assert.equal(guard.authorize(keyed.session, { action: 'publish', channel: 'admin/reboot' }).reason, 'allowed');
  assert.equal(guard.authorize(plain.session, { action: 'publish', channel: 'devices/7/status' }).reason, 'allowed');
});

test('built-ins: HTTP Basic through userPassword, with its challenge on a refusal', async () => {
  const { guard } = await setup();
  const basic = (s: string) => ({ headers: { authorization: `Basic ${Buffer.from(s).toString('base64')}` } });
  const ok = await guard.authenticate('http', basic('alice:correct horse'));
  assert.ok(ok.ok);
  const no = await guard.authenticate('http', {});
  assert.equal(!no.ok && no.refusal.reason, 'no_credentials');
  assert.equal(!no.ok && no.refusal.challenges.length, 1);
  assert.match((!no.ok && no.refusal.challenges[0]) || '', /^Basic realm="http"/);
});

test('built-ins: SCRAM-SHA-256 through guard.startSasl ends in a session; a wrong password in a refusal', async () => {
  const { guard } = await setup();
  assert.deepEqual(guard.saslMechanisms('kafka'), ['SCRAM-SHA-256']);
  const run = async (password: string) => {
    const client = createScramClient({ hash: 'SHA-256', username: 'alice', password });
    const ex = guard.startSasl('kafka', 'SCRAM-SHA-256', { remote: '127.0.0.1' });
    const first = client.first();
    assert.ok(first.ok);
    const challenge = await ex.step(new TextEncoder().encode(first.message));
    assert.equal(challenge.kind, 'challenge');
    const final = await client.final((challenge as { message: Uint8Array }).message);
    assert.ok(final.ok);
    return ex.step(new TextEncoder().encode(final.message));
  };
  const good = await run('correct horse');
  assert.equal(good.kind, 'success');
  assert.equal(good.kind === 'success' && good.session.principal.id, 'alice');
  assert.match(new TextDecoder().decode(good.message), /^v=/);
  const bad = await run('wrong');
  assert.equal(bad.kind, 'failure');
  assert.equal(bad.kind === 'failure' && bad.refusal.reason, 'invalid_credentials');
});

test('built-ins: the error messages docs/config.md shows are the ones the guard produces', async () => {
  const docs = readFileSync(new URL('../../docs/config.md', import.meta.url), 'utf8');
  const m = await modelFromYaml(
    doc.replace(
      / {2}mqtt:[\s\S]*? {2}kafka:/,
      '  production:\n    host: h\n    protocol: mqtt\n    security: [{ $ref: ' +
        '"#/components/securitySchemes/userPass" }]\n  kafka:',
    ),
  );
  for (const yaml of [
    'schemes:\n  scram: {}\n  adminKey: {}\n  userPass:\n    audience: x\n',
    'schemes:\n  scram: {}\n  adminKey: {}\n',
  ]) {
    const config = await parseConfig(yaml, { file: 'asyncapi-guard.yaml', dir: '/tmp', ruleIds: [] });
    const err = await createGuard(
      m,
      guardOptionsFromConfig(config, { store: createMemoryStore(), logger: pino({ level: 'silent' }) }),
    ).then(
      () => assert.fail('expected a startup error'),
      (e: unknown) => e as GuardError,
    );
    assert.ok(err instanceof GuardError);
    const first = err.message.split('\n')[0]!;
    assert.ok(docs.includes(`error: ${first}`), first);
  }
});
