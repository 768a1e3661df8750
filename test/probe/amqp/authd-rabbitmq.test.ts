// The AMQP prober against a private RabbitMQ node whose HTTP auth backend is authd (issue 12), with the document
// and store of the authd RabbitMQ tests: the broker enforces the document through the guard, and probe reports no
// finding. What authd maps (exchange, routing key, queue) is what probe tests: both read src/brokers/rabbitmq/
// mapping.ts.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import amqp from 'amqplib';
import pino from 'pino';
import { startAuthd } from '../../../src/brokers/authd/start.js';
import type { RunningAuthd } from '../../../src/brokers/authd/types.js';
import { amqpProber } from '../../../src/probe/amqp/index.js';
import type { CheckOutcome, TestPrincipal } from '../../../src/probe/types.js';
import { startRabbitmq, type StartedRabbit } from '../../helpers/rabbitmq.js';
import {
  ALICE_PASSWORD,
  BOB_PASSWORD,
  RABBIT_DOC,
  makeRabbitProject,
  type RabbitProject,
} from '../../brokers/rabbitmq/helpers.js';
import { contextFor } from '../helpers.js';

let project: RabbitProject;
let authd: RunningAuthd;
let node: StartedRabbit;

before(async () => {
  project = await makeRabbitProject();
  authd = await startAuthd({
    document: 'asyncapi.yaml',
    cwd: project.dir,
    logger: pino({ level: 'silent' }),
    auditStream: { write: () => {} },
  });
  node = await startRabbitmq({ authdUrl: `http://127.0.0.1:${authd.port}` });
  // The `alarms` queue the document names exists before anyone consumes from it (authd lets a principal with a
  // receive operation on it declare it).
  const c = await amqp.connect(node.amqpUrl('alice', ALICE_PASSWORD));
  const ch = await c.createChannel();
  await ch.assertQueue('alarms');
  await c.close();
});
after(async () => {
  await node?.stop();
  await authd?.close();
  if (project !== undefined) rmSync(project.dir, { recursive: true, force: true });
});

function byId(outcomes: readonly CheckOutcome[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const o of outcomes) (out[o.operation === undefined ? o.id : `${o.id}:${o.operation}`] ??= []).push(o.status);
  return out;
}

test('amqp + authd: RabbitMQ enforces the document through the guard; probe reports no finding', async () => {
  const principals = new Map<string, readonly TestPrincipal[]>([
    [
      'userPass',
      [
        { name: 'alice', scheme: 'userPass', scopes: ['lights:admin'], password: ALICE_PASSWORD },
        { name: 'bob', scheme: 'userPass', scopes: [], password: BOB_PASSWORD },
      ],
    ],
    ['deviceKey', [{ name: 'bob-key', scheme: 'deviceKey', scopes: [], user: 'bob', apiKey: project.bobKey }]],
  ]);
  const { ctx, outcomes } = await contextFor(RABBIT_DOC, {
    server: 'broker',
    port: node.amqpPort,
    principals,
    timeoutMs: 10_000,
  });
  await amqpProber.probe(ctx);
  assert.deepEqual(byId(outcomes), {
    'auth-mechanism-undeclared': ['pass'],
    'auth-anonymous-accepted': ['pass'],
    'amqp-guest-accepted': ['pass'],
    'auth-wrong-credential-accepted': ['pass', 'pass'],
    'auth-credential-refused': ['pass', 'pass', 'pass'],
    'authz-operation-refused:sendLightOn': ['pass'],
    'authz-operation-refused:receiveLightOn': ['pass'],
    // sendDim and receiveDim need userPassAdmin or deviceKeyAdmin: the same password or key with `lights:admin`.
    // alice's password carries the scope and may; bob's lacks it and is refused both.
    'authz-operation-refused:sendDim': ['pass'],
    'authz-requirement-not-enforced:sendDim': ['pass'],
    'authz-operation-refused:receiveDim': ['pass'],
    'authz-requirement-not-enforced:receiveDim': ['pass'],
    'authz-operation-refused:receiveAlarms': ['pass'],
    // The `events` exchange was never declared (exchanges are the operator's): no verdict, and it says why.
    'authz-operation-refused:sendStatus': ['skipped'],
    'authz-undeclared-channel-accepted': ['pass', 'pass'],
    'authz-all-topics-accepted': ['pass'],
  });
  const dim = outcomes.find((o) => o.id === 'authz-requirement-not-enforced' && o.operation === 'sendDim')!;
  assert.match(dim.message, /^bob lacks sendDim's requirement and may not publish/);
  assert.match(dim.evidence!.received, /403 \(ACCESS-REFUSED\)/);
  const status = outcomes.find((o) => o.operation === 'sendStatus')!;
  assert.match(status.message, /NOT_FOUND - no exchange 'events'/);
  const text = JSON.stringify(outcomes);
  assert.ok(!text.includes(ALICE_PASSWORD) && !text.includes(BOB_PASSWORD) && !text.includes(project.bobKey));
});
