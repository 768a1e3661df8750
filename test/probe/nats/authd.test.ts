// The NATS prober against nats-server 2.10 whose auth callout is authd (issue 12), both set up as
// docs/brokers/nats.md shows: the broker enforces the document through the guard, and probe finds nothing to
// report about authentication or authorization. The one finding left is true of this setup: passwords cross
// without TLS (nats-credentials-cleartext).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startAuthd } from '../../../src/brokers/authd/index.js';
import type { RunningAuthd } from '../../../src/brokers/authd/types.js';
import { createFileStore } from '../../../src/credentials/file.js';
import { natsProber } from '../../../src/probe/nats/index.js';
import type { CheckOutcome, TestPrincipal } from '../../../src/probe/types.js';
import { requireNatsServer210 } from '../../helpers/binaries.js';
import {
  calloutConfig,
  calloutKeys,
  pageBlock,
  startNatsServer,
  type NatsServerNode,
} from '../../helpers/nats-callout.js';
import { contextFor } from '../helpers.js';

const DOC = `asyncapi: 2.6.0
info: { title: lights, version: '1' }
servers:
  production:
    url: 127.0.0.1:4222
    protocol: nats
    security: [{ userPass: [] }, { deviceKey: [] }]
channels:
  'lights.{id}.status':
    parameters: { id: { schema: { type: string, enum: ['7'] } } }
    subscribe: { operationId: sendStatus, message: { payload: { type: string } } }
    publish: { operationId: receiveStatus, message: { payload: { type: string } } }
  'lights/{id}/command':
    parameters: { id: { schema: { type: string, enum: ['7'] } } }
    subscribe:
      operationId: sendCommand
      security: [{ userPass: [admin] }]
      message: { payload: { type: string } }
components:
  securitySchemes:
    userPass: { type: userPassword }
    deviceKey: { type: apiKey, in: password }
`;

const ALICE = 'alice-marker-62f0aa';
const ROOT = 'root-marker-0d93be';
let nats: NatsServerNode;
let authd: RunningAuthd;
let dir: string;
let apiKey = '';

before(async () => {
  const keys = calloutKeys();
  nats = await startNatsServer(requireNatsServer210(), (port) => calloutConfig(port, keys));
  dir = mkdtempSync(join(tmpdir(), 'agd-probe-nats-authd-'));
  writeFileSync(join(dir, 'asyncapi.yaml'), DOC);
  writeFileSync(
    join(dir, 'asyncapi-guard.yaml'),
    pageBlock('yaml')
      .replace('listen: 127.0.0.1:8181', 'listen: 127.0.0.1:0')
      .replace('url: nats://127.0.0.1:4222', `url: ${nats.url}`),
  );
  writeFileSync(join(dir, 'issuer.nk'), `${keys.issuerSeed}\n`, { mode: 0o600 });
  const store = await createFileStore(join(dir, 'credentials.yaml'), { watch: false });
  await store.addPrincipal({ name: 'alice', password: ALICE, scopes: [], iterations: 4096 });
  await store.addPrincipal({ name: 'root', password: ROOT, scopes: ['admin'], iterations: 4096 });
  apiKey = (await store.createApiKey('alice')).key;
  await store.close();
  authd = await startAuthd({
    document: 'asyncapi.yaml',
    cwd: dir,
    env: { NATS_AUTHD_PASSWORD: keys.authUser.password, NATS_SYS_PASSWORD: keys.sysUser.password },
    logger: pino({ level: 'silent' }),
    auditStream: { write: () => {} },
  });
});

after(async () => {
  await authd?.close();
  await nats?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function byId(outcomes: readonly CheckOutcome[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const o of outcomes) (out[o.operation === undefined ? o.id : `${o.id}:${o.operation}`] ??= []).push(o.status);
  return out;
}

test('nats + authd: the broker enforces the document; probe finds nothing but the cleartext listener', async () => {
  const principals = new Map<string, readonly TestPrincipal[]>([
    [
      'userPass',
      [
        { name: 'alice', scheme: 'userPass', scopes: [], user: 'alice', password: ALICE },
        { name: 'root', scheme: 'userPass', scopes: ['admin'], user: 'root', password: ROOT },
      ],
    ],
    ['deviceKey', [{ name: 'device', scheme: 'deviceKey', scopes: [], user: 'device', apiKey }]],
  ]);
  const { ctx, outcomes } = await contextFor(DOC, {
    server: 'production',
    port: nats.port,
    principals,
    timeoutMs: 10_000,
  });
  await natsProber.probe(ctx);
  assert.deepEqual(byId(outcomes), {
    'auth-anonymous-accepted': ['pass'],
    'nats-credentials-cleartext': ['fail'],
    'auth-wrong-credential-accepted': ['pass', 'pass'],
    'auth-credential-refused': ['pass', 'pass', 'pass'],
    'authz-operation-refused:sendStatus': ['pass'],
    'authz-operation-refused:receiveStatus': ['pass'],
    'authz-operation-refused:sendCommand': ['pass'],
    'authz-requirement-not-enforced:sendCommand': ['pass'],
    'authz-undeclared-channel-accepted': ['pass', 'pass'],
    'authz-all-topics-accepted': ['pass'],
  });
  const command = outcomes.find((o) => o.id === 'authz-requirement-not-enforced')!;
  assert.match(command.message, /alice, which lacks its requirement, may not publish on lights\.7\.command/);
  const text = JSON.stringify(outcomes);
  assert.ok(!text.includes(ALICE) && !text.includes(ROOT) && !text.includes(apiKey));
});
