// The NATS prober against two real nats-servers started here: one configured as the document says (TLS, users
// with per-subject permissions) gives no finding; one without authorization gives the anonymous, wrong-credential,
// requirement, undeclared-subject and all-subjects findings. Each finding id is asserted exactly.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { natsProber } from '../../../src/probe/nats/index.js';
import type { CheckOutcome, TestPrincipal } from '../../../src/probe/types.js';
import { contextFor, createProbePki, statusesOf, type ProbePki } from '../helpers.js';
import { requireBinary } from '../../helpers/binaries.js';
import { startNatsServer, type NatsServerNode as NatsNode } from '../../helpers/nats-callout.js';

/** nats-server 2.9 (Debian's) from a generated config (test/helpers/nats-callout.ts). */
const startNats = (config: (port: number) => string) =>
  startNatsServer(requireBinary('nats-server', 'nats-server'), config);

const ALICE_PASSWORD = 'alice-marker-5c1e9a';
const BOB_PASSWORD = 'bob-marker-77d0b2';

const doc = `asyncapi: 2.6.0
info: { title: lights, version: '1' }
servers:
  broker:
    url: 'localhost:4222'
    protocol: nats
    security: [{ userPass: [] }]
channels:
  'lights.{id}.on':
    parameters:
      id: { schema: { type: string, enum: ['7'] } }
    subscribe: { operationId: turnOn, message: { payload: { type: string } } }
    publish: { operationId: watchOn, message: { payload: { type: string } } }
  admin.commands:
    subscribe:
      operationId: sendAdmin
      security: [{ userPass: [admin] }]
      message: { payload: { type: string } }
components:
  securitySchemes:
    userPass: { type: userPassword }
`;

const principals = new Map<string, readonly TestPrincipal[]>([
  [
    'userPass',
    [
      { name: 'alice', scheme: 'userPass', scopes: ['admin'], user: 'alice', password: ALICE_PASSWORD },
      { name: 'bob', scheme: 'userPass', scopes: [], user: 'bob', password: BOB_PASSWORD },
    ],
  ],
]);

let pki: ProbePki;
let enforcing: NatsNode;
let open: NatsNode;

before(async () => {
  pki = await createProbePki();
  const keyPath = join(pki.pki.dir, 'nats-good.key');
  await writeFile(keyPath, pki.good.keyPem, { mode: 0o600 });
  enforcing = await startNats(
    (port) => `listen: 127.0.0.1:${port}
tls { cert_file: "${pki.good.certPath}", key_file: "${keyPath}" }
authorization {
  users = [
    { user: alice, password: "${ALICE_PASSWORD}",
      permissions: { publish: ["lights.*.on", "admin.commands"], subscribe: ["lights.*.on"] } }
    { user: bob, password: "${BOB_PASSWORD}",
      permissions: { publish: ["lights.*.on"], subscribe: ["lights.*.on"] } }
  ]
}
`,
  );
  open = await startNats((port) => `listen: 127.0.0.1:${port}\n`);
});
after(() => Promise.all([enforcing?.stop(), open?.stop()]));

function byId(outcomes: readonly CheckOutcome[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const o of outcomes) (out[o.id] ??= []).push(o.status);
  return out;
}

test('nats: a server that enforces the document gives no finding', async () => {
  const { ctx, outcomes } = await contextFor(doc, {
    server: 'broker',
    port: enforcing.port,
    principals,
    ca: pki.pki.root.pem,
    timeoutMs: 10_000,
  });
  await natsProber.probe(ctx);
  assert.deepEqual(byId(outcomes), {
    'auth-anonymous-accepted': ['pass'],
    'nats-credentials-cleartext': ['pass'],
    'auth-wrong-credential-accepted': ['pass'],
    'auth-credential-refused': ['pass', 'pass'],
    // turnOn, watchOn: alice may (they have no security of their own). sendAdmin: alice may, bob not.
    'authz-operation-refused': ['pass', 'pass', 'pass'],
    'authz-requirement-not-enforced': ['pass'],
    'authz-undeclared-channel-accepted': ['pass', 'pass'],
    'authz-all-topics-accepted': ['pass'],
  });
  const refused = outcomes.find((o) => o.id === 'authz-requirement-not-enforced' && o.status === 'pass')!;
  assert.equal(refused.operation, 'sendAdmin');
  assert.match(refused.message, /bob, which lacks its requirement, may not publish on admin\.commands/);
  assert.match(refused.evidence!.received, /Permissions Violation/);
});

test('nats: nats-server without authorization gives each finding it should, by id', async () => {
  const { ctx, outcomes } = await contextFor(doc, { server: 'broker', port: open.port, principals, timeoutMs: 10_000 });
  await natsProber.probe(ctx);
  assert.deepEqual(byId(outcomes), {
    'auth-anonymous-accepted': ['fail'],
    'nats-credentials-cleartext': ['fail'],
    'auth-wrong-credential-accepted': ['fail'],
    'auth-credential-refused': ['pass', 'pass'],
    'authz-operation-refused': ['pass', 'pass', 'pass'],
    'authz-requirement-not-enforced': ['fail'],
    'authz-undeclared-channel-accepted': ['fail', 'fail'],
    'authz-all-topics-accepted': ['fail'],
  });
  // The publish finding is confirmed by a second connection receiving the probe's message.
  const published = outcomes.find((o) => o.id === 'authz-requirement-not-enforced' && o.status === 'fail')!;
  assert.match(published.evidence!.received, /a second connection received the message/);
});

test('nats: without test principals, an open server is still judged as an anonymous client', async () => {
  const { ctx, outcomes } = await contextFor(doc, { server: 'broker', port: open.port, timeoutMs: 10_000 });
  await natsProber.probe(ctx);
  assert.deepEqual(statusesOf(outcomes, 'auth-anonymous-accepted'), ['fail']);
  assert.deepEqual(statusesOf(outcomes, 'authz-all-topics-accepted'), ['fail']);
  assert.deepEqual(statusesOf(outcomes, 'authz-undeclared-channel-accepted'), ['fail', 'fail']);
  assert.deepEqual(statusesOf(outcomes, 'authz-operation-refused'), ['skipped', 'skipped', 'skipped']);
  // Every declared scheme without a principal is said to be skipped, never left out silently.
  const noPrincipal = outcomes.filter((o) => o.id === 'auth-credential-refused');
  assert.deepEqual(
    noPrincipal.map((o) => [o.status, o.message]),
    ctx.declaredSchemes.map((name) => ['skipped', `the credentials file has no principal for ${name}`]),
  );
  assert.ok(noPrincipal.length > 0);
});

test('nats: no password of a test principal appears in any outcome', async () => {
  const { ctx, outcomes } = await contextFor(doc, {
    server: 'broker',
    port: enforcing.port,
    principals,
    ca: pki.pki.root.pem,
    timeoutMs: 10_000,
  });
  await natsProber.probe(ctx);
  const text = JSON.stringify(outcomes);
  assert.ok(outcomes.length > 5);
  assert.ok(!text.includes(ALICE_PASSWORD) && !text.includes(BOB_PASSWORD));
});

test('nats: X509 with verify_and_map: no certificate refused at the handshake, a client certificate maps', async () => {
  const keyPath = join(pki.pki.dir, 'nats-x509.key');
  await writeFile(keyPath, pki.good.keyPem, { mode: 0o600 });
  const mapped = await startNats(
    (port) => `listen: 127.0.0.1:${port}
tls { cert_file: "${pki.good.certPath}", key_file: "${keyPath}", ca_file: "${pki.pki.root.certPath}",
  verify_and_map: true }
authorization { users = [ { user: "CN=device-1",
  permissions: { publish: ["lights.on"], subscribe: { deny: [">"] } } } ] }
`,
  );
  try {
    const certDoc = `asyncapi: 2.6.0
info: { title: lights, version: '1' }
servers:
  broker: { url: 'localhost:4222', protocol: nats, security: [{ cert: [] }] }
channels:
  lights.on:
    subscribe: { operationId: turnOn, message: { payload: { type: string } } }
components:
  securitySchemes:
    cert: { type: X509 }
`;
    const device: TestPrincipal = {
      name: 'device-1',
      scheme: 'cert',
      scopes: [],
      cert: pki.client.pem,
      key: pki.client.keyPem,
    };
    const { ctx, outcomes } = await contextFor(certDoc, {
      server: 'broker',
      port: mapped.port,
      principals: new Map([['cert', [device]]]),
      ca: pki.pki.root.pem,
      timeoutMs: 10_000,
    });
    await natsProber.probe(ctx);
    assert.deepEqual(byId(outcomes), {
      'auth-anonymous-accepted': ['pass'],
      'auth-wrong-credential-accepted': ['skipped'],
      'auth-credential-refused': ['pass'],
      'authz-operation-refused': ['pass'],
      'authz-undeclared-channel-accepted': ['pass', 'pass'],
      'authz-all-topics-accepted': ['pass'],
    });
    assert.match(outcomes[0]!.evidence!.received, /tls_verify true/);
  } finally {
    await mapped.stop();
  }
});
