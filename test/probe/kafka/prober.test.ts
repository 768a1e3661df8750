// The Kafka prober against serve's Kafka front (src/transports/kafka), with kcat (librdkafka) as an independent
// client confirming what probe concluded. One front enforces the probed document: no finding. The other runs a
// laxer document than the one probed (PLAIN and SCRAM-SHA-512 offered where only SCRAM-SHA-256 is declared, no
// `admin` scope on commands, an extra `secrets` channel): each finding id is asserted exactly.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { kafkaProber } from '../../../src/probe/kafka/index.js';
import type { CheckOutcome, TestPrincipal } from '../../../src/probe/types.js';
import { modelFromYaml } from '../../guard/helpers.js';
import {
  PLANT,
  bindingsFor,
  kafkaModel,
  kafkajs,
  kcat,
  produce,
  startKafkaFront,
  type Harness,
} from '../../transports/kafka/helpers.js';
import { contextFor } from '../helpers.js';

/** The document probed: SCRAM-SHA-256 only, commands need `admin`. */
function probedDoc(schemes: readonly string[]): string {
  return `asyncapi: 2.6.0
info: { title: Plant, version: '1' }
servers:
  sasl:
    url: 127.0.0.1:9093
    protocol: kafka
    security: [${schemes.map((s) => `{ ${s}: [] }`).join(', ')}]
channels:
  'plant/{id}/status':
    parameters: { id: { schema: { type: string, enum: ['1'] } } }
    subscribe: { operationId: sendStatus, message: { payload: { type: string } } }
    publish: { operationId: receiveStatus, message: { payload: { type: string } } }
  'plant/{id}/command':
    parameters: { id: { schema: { type: string, enum: ['1'] } } }
    subscribe:
      operationId: sendCommand
      security: [${schemes.map((s) => `{ ${s}: [admin] }`).join(', ')}]
      message: { payload: { type: string } }
    publish: { operationId: receiveCommand, message: { payload: { type: string } } }
  audit.events:
    publish: { operationId: receiveAudit, message: { payload: { type: string } } }
components:
  securitySchemes:
    scram256: { type: scramSha256 }
    scram512: { type: scramSha512 }
    plain: { type: plain }
`;
}

const principals = new Map<string, readonly TestPrincipal[]>([
  [
    'scram256',
    [
      { name: 'alice', scheme: 'scram256', scopes: [], user: 'alice', password: 'alice-pw' },
      { name: 'root', scheme: 'scram256', scopes: ['admin'], user: 'root', password: 'root-pw' },
    ],
  ],
]);

let enforcing: Harness;
let lax: Harness;

before(async () => {
  const model = await kafkaModel(['sasl']);
  enforcing = await startKafkaFront(model, { server: 'sasl', schemes: bindingsFor(model) });
  // The lax front: PLANT without the admin scope on commands, plus a `secrets` channel anyone may use.
  const laxYaml = PLANT.replace(
    'channels:\n',
    "channels:\n  secrets:\n    address: 'secrets/{id}'\n    parameters: { id: {} }\n",
  ).replace(
    'operations:\n',
    "operations:\n  sendSecret: { action: send, channel: { $ref: '#/channels/secrets' } }\n" +
      "  receiveSecret: { action: receive, channel: { $ref: '#/channels/secrets' } }\n",
  );
  const full = await modelFromYaml(laxYaml);
  const laxModel = {
    ...full,
    servers: full.servers.filter((s) => s.name === 'sasl'),
    operations: full.operations.map((o) => ({ ...o, servers: o.servers.filter((s) => s === 'sasl') })),
  };
  lax = await startKafkaFront(laxModel, { server: 'sasl', schemes: bindingsFor(laxModel) });
  await produce(
    kafkajs(lax.broker, { mechanism: 'scram-sha-256', username: 'root', password: 'root-pw' }),
    'secrets/1',
    ['the secret'],
  );
});
after(() => Promise.all([enforcing?.close(), lax?.close()]));

/** id → statuses, with operation outcomes keyed `id:operation` so the document's order does not matter. */
function byId(outcomes: readonly CheckOutcome[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const o of outcomes) (out[o.operation === undefined ? o.id : `${o.id}:${o.operation}`] ??= []).push(o.status);
  return out;
}

const kcatAs = (broker: string, user: string, password: string) => [
  '-b',
  broker,
  '-X',
  'security.protocol=sasl_plaintext',
  '-X',
  'sasl.mechanisms=SCRAM-SHA-256',
  '-X',
  `sasl.username=${user}`,
  '-X',
  `sasl.password=${password}`,
];

test('kafka: a front that enforces the probed document gives no finding; kcat agrees', async () => {
  const { ctx, outcomes } = await contextFor(probedDoc(['scram256', 'scram512', 'plain']), {
    server: 'sasl',
    port: enforcing.port,
    principals,
    timeoutMs: 10_000,
  });
  await kafkaProber.probe(ctx);
  assert.deepEqual(byId(outcomes), {
    'auth-mechanism-undeclared': ['pass'],
    'auth-anonymous-accepted': ['pass'],
    'auth-wrong-credential-accepted': ['pass', 'pass', 'pass'],
    // scram512 and plain have no principal in the credentials file; alice and root log in with scram256.
    'auth-credential-refused': ['skipped', 'skipped', 'pass', 'pass'],
    'kafka-metadata-topics-leaked': ['pass', 'pass'],
    'authz-operation-refused:sendStatus': ['pass'],
    'authz-operation-refused:receiveStatus': ['pass'],
    'authz-operation-refused:sendCommand': ['pass'],
    'authz-requirement-not-enforced:sendCommand': ['pass'],
    'authz-operation-refused:receiveCommand': ['pass'],
    'authz-operation-refused:receiveAudit': ['pass'],
    'authz-undeclared-channel-accepted': ['pass', 'pass'],
    'authz-all-topics-accepted': ['skipped'],
  });
  const refused = outcomes.find((o) => o.id === 'authz-requirement-not-enforced')!;
  assert.match(refused.evidence!.received, /TOPIC_AUTHORIZATION_FAILED \(29\)/);
  // kcat, as alice, cannot produce a command either.
  const put = await kcat([...kcatAs(enforcing.broker, 'alice', 'alice-pw'), '-P', '-t', 'plant/1/command'], 'c\n');
  assert.notEqual(put.code, 0);
  assert.match(put.stderr, /authoriz/i);
});

test('kafka: a front laxer than the document gives each finding by id; kcat confirms them', async () => {
  const { ctx, outcomes } = await contextFor(probedDoc(['scram256']), {
    server: 'sasl',
    port: lax.port,
    principals,
    timeoutMs: 10_000,
  });
  await kafkaProber.probe(ctx);
  assert.deepEqual(byId(outcomes), {
    'auth-mechanism-undeclared': ['fail'],
    'auth-anonymous-accepted': ['pass'],
    'auth-wrong-credential-accepted': ['pass'],
    'auth-credential-refused': ['pass', 'pass'],
    'kafka-metadata-topics-leaked': ['fail', 'fail'],
    'authz-operation-refused:sendStatus': ['pass'],
    'authz-operation-refused:receiveStatus': ['pass'],
    'authz-operation-refused:sendCommand': ['pass'],
    'authz-requirement-not-enforced:sendCommand': ['fail'],
    'authz-operation-refused:receiveCommand': ['pass'],
    'authz-operation-refused:receiveAudit': ['pass'],
    'authz-undeclared-channel-accepted': ['pass', 'pass'],
    'authz-all-topics-accepted': ['skipped'],
  });
  const mechanisms = outcomes.find((o) => o.id === 'auth-mechanism-undeclared')!;
  assert.match(mechanisms.message, /offers SCRAM-SHA-512, PLAIN on a cleartext listener/);
  const leaked = outcomes.find((o) => o.id === 'kafka-metadata-topics-leaked')!;
  assert.match(leaked.message, /secrets\/1/);

  // kcat, an independent client with alice's credentials: Metadata lists the leaked topic, and a command
  // produced as alice is written.
  const list = await kcat([...kcatAs(lax.broker, 'alice', 'alice-pw'), '-L']);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /topic "secrets\/1"/);
  const put = await kcat([...kcatAs(lax.broker, 'alice', 'alice-pw'), '-P', '-t', 'plant/1/command'], 'c\n');
  assert.equal(put.code, 0, put.stderr);
  assert.ok(!JSON.stringify(outcomes).includes('alice-pw') && !JSON.stringify(outcomes).includes('root-pw'));
});
