// guard.checkPayload: end-to-end encryption enforced on published payloads, through createGuard
// with a real document. The encryption schemes that apply are the server's (any alternative) and
// those of the publish operations covering the channel; when any applies, one must accept the
// payload (a JWE with allowed alg/enc), else payload_not_encrypted / payload_alg_not_allowed.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createGuard, type Guard, type Session } from '../../src/guard/index.js';
import { createMemoryStore } from '../../src/credentials/memory.js';
import { ConfigError, StartupError } from '../../src/errors.js';
import { sealPayload } from '../../src/tokens/jwe.js';
import { publicJwkOf } from '../../src/tokens/keys.js';
import { captureAudit, modelFromYaml } from './helpers.js';
import { ecKey, handMadeCompact, octKey, rsaKey } from '../tokens/jwe-fixtures.js';

// `secure`: userPassword OR symmetric encryption (so anyone may connect, and every payload must be
// sealed). `mixed`: userPassword; the readings operation needs asymmetric encryption.
// `plain`: userPassword only; the readings channel does not exist there.
const DOC = `asyncapi: 3.0.0
info: { title: Lights, version: 1.0.0 }
servers:
  secure:
    host: 127.0.0.1:1883
    protocol: mqtt
    security: [ { $ref: '#/components/securitySchemes/userPass' }, { $ref: '#/components/securitySchemes/e2eSym' } ]
  mixed: { host: 127.0.0.1:1884, protocol: mqtt, security: [ { $ref: '#/components/securitySchemes/userPass' } ] }
  plain: { host: 127.0.0.1:1885, protocol: mqtt, security: [ { $ref: '#/components/securitySchemes/userPass' } ] }
channels:
  readings:
    address: 'readings/{id}'
    parameters: { id: {} }
    servers: [ { $ref: '#/servers/secure' }, { $ref: '#/servers/mixed' } ]
  status: { address: status }
  dual: { address: dual }
operations:
  sendDualSym:
    action: send
    channel: { $ref: '#/channels/dual' }
    security: [ { $ref: '#/components/securitySchemes/e2eSym' } ]
  sendDualAsym:
    action: send
    channel: { $ref: '#/channels/dual' }
    security: [ { $ref: '#/components/securitySchemes/e2eAsym' } ]
  sendReading:
    action: send
    channel: { $ref: '#/channels/readings' }
    security: [ { $ref: '#/components/securitySchemes/e2eAsym' } ]
  sendStatus:
    action: send
    channel: { $ref: '#/channels/status' }
components:
  securitySchemes:
    userPass: { type: userPassword }
    e2eSym: { type: symmetricEncryption }
    e2eAsym: { type: asymmetricEncryption }
`;

const bindings = { userPass: {}, e2eSym: {}, e2eAsym: { algorithms: ['RSA-OAEP-256', 'ECDH-ES+A256KW'] } };

async function setup(audit = captureAudit()) {
  const store = createMemoryStore();
  await store.addPrincipal({ name: 'alice', password: 'pw-alice', scopes: [], iterations: 4096 });
  const guard = await createGuard(await modelFromYaml(DOC), {
    store,
    schemes: bindings,
    audit: { logger: audit.logger },
  });
  return { guard, audit };
}

async function login(guard: Guard, server: string): Promise<Session> {
  const r = await guard.authenticate(server, {
    remote: '127.0.0.1',
    login: { username: 'alice', password: 'pw-alice' },
  });
  assert.ok(r.ok, JSON.stringify(r));
  return r.session;
}

const sym = octKey('sym-1');
const rsa = rsaKey();
const ec = ecKey();

test('payload: an encryption-only alternative lets anyone connect (anonymous, the scheme named)', async () => {
  const { guard } = await setup();
  const r = await guard.authenticate('secure', { remote: '127.0.0.1' });
  assert.ok(r.ok);
  assert.equal(r.session.principal.id, 'anonymous');
  assert.equal(r.session.principal.scheme, 'e2eSym');
  // On a server without an encryption alternative, nothing presented is still no credentials.
  const plain = await guard.authenticate('plain', { remote: '127.0.0.1' });
  assert.equal(plain.ok, false);
});

test('payload: server-level encryption: an encrypted publish is allowed, plaintext is refused', async () => {
  const { guard } = await setup();
  const s = await login(guard, 'secure');
  assert.deepEqual(guard.authorize(s, { action: 'publish', channel: 'status' }), {
    allowed: true,
    reason: 'allowed',
    operation: 'sendStatus',
  });
  assert.deepEqual(guard.checkPayload(s, { channel: 'status', payload: await sealPayload('on', { key: sym }) }), {
    allowed: true,
    reason: 'allowed',
    operation: 'sendStatus',
  });
  assert.deepEqual(
    guard.checkPayload(s, {
      channel: 'status',
      payload: new TextEncoder().encode(await sealPayload('on', { key: sym, alg: 'dir' })),
    }).allowed,
    true,
  );
  assert.deepEqual(guard.checkPayload(s, { channel: 'status', payload: '{"on":true}' }), {
    allowed: false,
    reason: 'payload_not_encrypted',
    operation: 'sendStatus',
  });
});

test('payload: the server’s scheme applies to a channel no operation covers too', async () => {
  const { guard } = await setup();
  const s = await login(guard, 'secure');
  assert.deepEqual(guard.checkPayload(s, { channel: 'elsewhere', payload: 'plain' }), {
    allowed: false,
    reason: 'payload_not_encrypted',
    operation: null,
  });
  assert.deepEqual(guard.checkPayload(s, { channel: 'elsewhere', payload: await sealPayload('x', { key: sym }) }), {
    allowed: true,
    reason: 'allowed',
    operation: null,
  });
});

test('payload: a JWE with an algorithm no applicable scheme allows is payload_alg_not_allowed', async () => {
  const { guard } = await setup();
  const s = await login(guard, 'secure');
  // status: only the server's symmetric scheme applies; an RSA-sealed payload is a JWE of the wrong kind.
  const rsaJwe = await sealPayload('x', { key: publicJwkOf(rsa) });
  assert.deepEqual(guard.checkPayload(s, { channel: 'status', payload: rsaJwe }), {
    allowed: false,
    reason: 'payload_alg_not_allowed',
    operation: 'sendStatus',
  });
  assert.equal(
    guard.checkPayload(s, {
      channel: 'status',
      payload: handMadeCompact({ header: { alg: 'RSA1_5', enc: 'A256GCM' } }),
    }).reason,
    'payload_alg_not_allowed',
  );
});

test('payload: server and operation schemes together: either may accept the payload', async () => {
  const { guard } = await setup();
  const s = await login(guard, 'secure');
  for (const payload of [
    await sealPayload('x', { key: sym }),
    await sealPayload('x', { key: publicJwkOf(rsa) }),
    await sealPayload('x', { key: publicJwkOf(ec) }),
  ]) {
    assert.deepEqual(guard.checkPayload(s, { channel: 'readings/7', payload }), {
      allowed: true,
      reason: 'allowed',
      operation: 'sendReading',
    });
  }
  assert.equal(guard.checkPayload(s, { channel: 'readings/7', payload: 'plaintext' }).reason, 'payload_not_encrypted');
});

test('payload: operation-level encryption: applies to its channels only', async () => {
  const { guard } = await setup();
  const s = await login(guard, 'mixed');
  assert.equal(guard.authorize(s, { action: 'publish', channel: 'readings/7' }).allowed, true);
  assert.deepEqual(guard.checkPayload(s, { channel: 'readings/7', payload: '{"lux":3}' }), {
    allowed: false,
    reason: 'payload_not_encrypted',
    operation: 'sendReading',
  });
  assert.equal(
    guard.checkPayload(s, { channel: 'readings/7', payload: await sealPayload('x', { key: publicJwkOf(rsa) }) })
      .allowed,
    true,
  );
  // A symmetric JWE is not what this operation's asymmetric scheme allows.
  assert.equal(
    guard.checkPayload(s, { channel: 'readings/7', payload: await sealPayload('x', { key: sym }) }).reason,
    'payload_alg_not_allowed',
  );
  // status has no encryption on this server: plaintext is fine.
  assert.deepEqual(guard.checkPayload(s, { channel: 'status', payload: '{"on":true}' }), {
    allowed: true,
    reason: 'allowed',
    operation: 'sendStatus',
  });
});

test('payload: two operations cover a channel: a payload either one’s scheme accepts passes', async () => {
  const { guard } = await setup();
  const s = await login(guard, 'plain');
  assert.deepEqual(guard.checkPayload(s, { channel: 'dual', payload: await sealPayload('x', { key: sym }) }), {
    allowed: true,
    reason: 'allowed',
    operation: 'sendDualSym',
  });
  assert.equal(
    guard.checkPayload(s, { channel: 'dual', payload: await sealPayload('x', { key: publicJwkOf(rsa) }) }).allowed,
    true,
  );
  assert.deepEqual(guard.checkPayload(s, { channel: 'dual', payload: 'plain' }), {
    allowed: false,
    reason: 'payload_not_encrypted',
    operation: 'sendDualSym',
  });
});

test('payload: a server without encryption is unaffected', async () => {
  const { guard } = await setup();
  const s = await login(guard, 'plain');
  assert.deepEqual(guard.checkPayload(s, { channel: 'status', payload: 'plain text' }), {
    allowed: true,
    reason: 'allowed',
    operation: 'sendStatus',
  });
  assert.deepEqual(guard.checkPayload(s, { channel: 'readings/7', payload: 'plain text' }), {
    allowed: true,
    reason: 'allowed',
    operation: null,
  });
});

test(
  'payload: a session of another guard is wrong_server; ' + 'a wildcard or empty channel is invalid_channel',
  async () => {
    const { guard } = await setup();
    const { guard: other } = await setup();
    const s = await login(other, 'secure');
    assert.equal(guard.checkPayload(s, { channel: 'status', payload: 'x' }).reason, 'wrong_server');
    const mine = await login(guard, 'secure');
    assert.equal(guard.checkPayload(mine, { channel: 'readings/+', payload: 'x' }).reason, 'invalid_channel');
    assert.equal(guard.checkPayload(mine, { channel: '', payload: 'x' }).reason, 'invalid_channel');
  },
);

test('payload: refusals are counted under the publish action and audited as action payload', async () => {
  // At debug: an allowed payload decision is `debug` (not written at the default `info`, issue 11).
  const { guard, audit } = await setup(captureAudit({ level: 'debug' }));
  const s = await login(guard, 'secure');
  guard.checkPayload(s, { channel: 'status', payload: 'PLAINTEXT-MARKER' });
  guard.checkPayload(s, { channel: 'status', payload: await sealPayload('x', { key: sym }) });
  const metrics = guard.metrics();
  assert.match(
    metrics,
    new RegExp(
      String.raw`asyncapi_guard_decisions_total\{server="secure",action="publish",result="denied",` +
        String.raw`reason="payload_not_encrypted"\} 1`,
    ),
  );
  const events = audit.events().filter((e) => e['action'] === 'payload');
  assert.deepEqual(
    events.map((e) => [e['level'], e['result'], e['reason'], e['scheme'], e['channel'], e['operation']]),
    [
      ['warn', 'denied', 'payload_not_encrypted', 'e2eSym', 'status', 'sendStatus'],
      ['debug', 'allowed', 'allowed', 'e2eSym', 'status', 'sendStatus'],
    ],
  );
  assert.ok(!audit.lines.join('').includes('PLAINTEXT-MARKER'), 'the payload never reaches the audit log');
});

test('payload: no event when no encryption scheme applies (authorize already audited the publish)', async () => {
  const { guard, audit } = await setup();
  const s = await login(guard, 'plain');
  guard.checkPayload(s, { channel: 'status', payload: 'x' });
  assert.equal(audit.events().filter((e) => e['action'] === 'payload').length, 0);
});

test('payload: checkPayload never throws on hostile requests', async () => {
  const { guard } = await setup();
  const s = await login(guard, 'secure');
  for (const request of [
    { channel: 'status', payload: null },
    { channel: 'status', payload: 42 },
    { channel: 7, payload: 'x' },
    null,
  ]) {
    const d = guard.checkPayload(s, request as never);
    assert.equal(d.allowed, false);
  }
});

test('payload: a binding with RSA1_5 stops the guard with ERR_CONFIG_INVALID at the key path', async () => {
  const store = createMemoryStore();
  await assert.rejects(
    createGuard(await modelFromYaml(DOC), { store, schemes: { ...bindings, e2eAsym: { algorithms: ['RSA1_5'] } } }),
    (err: unknown) =>
      err instanceof StartupError &&
      err.code === 'ERR_CONFIG_INVALID' &&
      err.pointer === 'schemes.e2eAsym.algorithms.0',
  );
});

test('payload: an unknown key in an encryption binding is ERR_CONFIG_INVALID (config schema)', async () => {
  const store = createMemoryStore();
  await assert.rejects(
    createGuard(await modelFromYaml(DOC), { store, schemes: { ...bindings, e2eSym: { key: 'file:./k.jwk' } } }),
    (err: unknown) =>
      err instanceof ConfigError && err.code === 'ERR_CONFIG_INVALID' && err.pointer === 'schemes.e2eSym.key',
  );
});

test(
  'payload: a plug-in verifier for an encryption scheme ' + 'cannot inspect payloads, so it accepts none (fail closed)',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'guard-payload-plugin-'));
    writeFileSync(
      join(dir, 'e2e.mjs'),
      "export function createVerifier() { return { source: 'payload', verify: () => ({ kind: 'ok', principal: " +
        "{ id: 'anonymous' } }) }; }\n",
    );
    const store = createMemoryStore();
    await store.addPrincipal({ name: 'alice', password: 'pw-alice', scopes: [], iterations: 4096 });
    const guard = await createGuard(await modelFromYaml(DOC), {
      store,
      baseDir: dir,
      schemes: { ...bindings, e2eSym: { verifier: './e2e.mjs' } },
    });
    const s = await login(guard, 'secure');
    assert.equal(
      guard.checkPayload(s, { channel: 'status', payload: await sealPayload('x', { key: sym }) }).reason,
      'payload_not_encrypted',
    );
  },
);
