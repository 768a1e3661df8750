// The AMQP prober against a real, misconfigured RabbitMQ node started here (test/helpers/rabbitmq.ts: its own
// node name, ports, folders and cookie): the default `guest` user reachable, and a user with `.*` configure, write
// and read permissions. Each finding id is asserted exactly.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { amqpProber } from '../../../src/probe/amqp/index.js';
import type { CheckOutcome, TestPrincipal } from '../../../src/probe/types.js';
import { startRabbitmq, type StartedRabbit } from '../../helpers/rabbitmq.js';
import { contextFor, createProbePki } from '../helpers.js';

const WIDE_PASSWORD = 'wide-marker-3b8e41';

function doc(scheme: string): string {
  return `asyncapi: 2.6.0
info: { title: lights, version: '1' }
servers:
  rabbit:
    url: 'localhost:5672'
    protocol: amqp
    security: [{ login: [] }]
channels:
  'lights/{id}/on':
    parameters:
      id: { schema: { type: string, enum: ['7'] } }
    subscribe: { operationId: turnOn, message: { payload: { type: string } } }
    publish: { operationId: watchOn, message: { payload: { type: string } } }
  admin/commands:
    subscribe:
      operationId: sendAdmin
      security: [{ login: [admin] }]
      message: { payload: { type: string } }
components:
  securitySchemes:
    login: { type: ${scheme} }
`;
}

const wide: TestPrincipal = { name: 'wide', scheme: 'login', scopes: [], user: 'wide', password: WIDE_PASSWORD };

let node: StartedRabbit;

before(async () => {
  node = await startRabbitmq({ internal: true });
  for (const args of [
    ['add_user', 'wide', WIDE_PASSWORD],
    ['set_permissions', '-p', '/', 'wide', '.*', '.*', '.*'],
  ]) {
    const r = await node.ctl(args);
    assert.equal(r.code, 0, r.output);
  }
});
after(() => node?.stop());

function byId(outcomes: readonly CheckOutcome[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const o of outcomes) (out[o.id] ??= []).push(o.status);
  return out;
}

test('amqp: guest reachable and a `.*` user: the guest, requirement, undeclared and all-topics findings', async () => {
  const { ctx, outcomes } = await contextFor(doc('userPassword'), {
    server: 'rabbit',
    port: node.amqpPort,
    principals: new Map([['login', [wide]]]),
    timeoutMs: 10_000,
  });
  await amqpProber.probe(ctx);
  assert.deepEqual(byId(outcomes), {
    'auth-mechanism-undeclared': ['pass'],
    'auth-anonymous-accepted': ['pass'],
    'amqp-guest-accepted': ['fail'],
    'auth-wrong-credential-accepted': ['pass'],
    'auth-credential-refused': ['pass'],
    // turnOn and watchOn: wide satisfies both and may; sendAdmin: nobody satisfies it, and wide (lacking
    // `admin`) may still publish.
    'authz-operation-refused': ['pass', 'pass', 'skipped'],
    'authz-requirement-not-enforced': ['fail'],
    'authz-undeclared-channel-accepted': ['fail', 'fail'],
    'authz-all-topics-accepted': ['fail'],
  });
  const guest = outcomes.find((o) => o.id === 'amqp-guest-accepted')!;
  assert.match(guest.evidence!.received, /mechanisms .*PLAIN.*; connection\.tune \(accepted\)/);
  const admin = outcomes.find((o) => o.id === 'authz-requirement-not-enforced')!;
  assert.equal(admin.operation, 'sendAdmin');
  assert.match(admin.evidence!.received, /basic\.ack/);
  assert.ok(!JSON.stringify(outcomes).includes(WIDE_PASSWORD));
});

test('amqp: PLAIN offered on a cleartext listener where only SCRAM is declared is a finding', async () => {
  const { ctx, outcomes } = await contextFor(doc('scramSha256'), {
    server: 'rabbit',
    port: node.amqpPort,
    timeoutMs: 10_000,
  });
  await amqpProber.probe(ctx);
  const mechanism = outcomes.filter((o) => o.id === 'auth-mechanism-undeclared');
  assert.deepEqual(
    mechanism.map((o) => o.status),
    ['fail'],
  );
  assert.match(mechanism[0]!.message, /offers .*PLAIN.* on a cleartext listener/);
  // No principal: guest, which gets in, stands for anyone.
  assert.deepEqual(byId(outcomes)['authz-all-topics-accepted'], ['fail']);
  assert.match(outcomes.find((o) => o.id === 'authz-all-topics-accepted')!.message, /^guest may bind/);
});

test('amqp: a user whose internal permissions match the document is refused elsewhere: no finding', async () => {
  for (const args of [
    ['add_user', 'narrow', 'narrow-marker-0aa1'],
    // configure: server-named queues only; write (publish, and bind to a queue): amq.topic and its own queues;
    // read (bind from an exchange, consume): the same.
    [
      'set_permissions',
      '-p',
      '/',
      'narrow',
      '^amq\\.gen-.*',
      '^(amq\\.topic|amq\\.gen-.*)$',
      '^(amq\\.topic|amq\\.gen-.*)$',
    ],
    ['set_topic_permissions', '-p', '/', 'narrow', 'amq.topic', '^lights\\.[^.]+\\.on$', '^lights\\.[^.]+\\.on$'],
    ['delete_user', 'guest'],
  ]) {
    const r = await node.ctl(args);
    assert.equal(r.code, 0, r.output);
  }
  const narrow: TestPrincipal = {
    name: 'narrow',
    scheme: 'login',
    scopes: [],
    user: 'narrow',
    password: 'narrow-marker-0aa1',
  };
  const { ctx, outcomes } = await contextFor(doc('userPassword'), {
    server: 'rabbit',
    port: node.amqpPort,
    principals: new Map([['login', [narrow]]]),
    timeoutMs: 10_000,
  });
  await amqpProber.probe(ctx);
  assert.deepEqual(byId(outcomes), {
    'auth-mechanism-undeclared': ['pass'],
    'auth-anonymous-accepted': ['pass'],
    'amqp-guest-accepted': ['pass'],
    'auth-wrong-credential-accepted': ['pass'],
    'auth-credential-refused': ['pass'],
    'authz-operation-refused': ['pass', 'pass', 'skipped'],
    'authz-requirement-not-enforced': ['pass'],
    'authz-undeclared-channel-accepted': ['pass', 'pass'],
    'authz-all-topics-accepted': ['pass'],
  });
});

test('amqps: through a TLS endpoint in front of the node, transport checks pass, logins go over TLS', async () => {
  const probePki = await createProbePki();
  const proxy = createTlsServer({ cert: probePki.good.pem, key: probePki.good.keyPem }, (client) => {
    const upstream = connect(node.amqpPort, '127.0.0.1');
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  try {
    const { ctx, outcomes } = await contextFor(doc('userPassword').replace('protocol: amqp', 'protocol: amqps'), {
      server: 'rabbit',
      port: (proxy.address() as { port: number }).port,
      tls: true,
      ca: probePki.pki.root.pem,
      principals: new Map([['login', [wide]]]),
      timeoutMs: 10_000,
    });
    await amqpProber.probe(ctx);
    assert.deepEqual(byId(outcomes), {
      'transport-cleartext-accepted': ['pass'],
      'transport-tls-legacy-accepted': ['pass'],
      'transport-certificate-invalid': ['pass'],
      'auth-mechanism-undeclared': ['pass'],
      'auth-anonymous-accepted': ['pass'],
      // The previous test deleted guest.
      'amqp-guest-accepted': ['pass'],
      'auth-wrong-credential-accepted': ['pass'],
      'auth-credential-refused': ['pass'],
      'authz-operation-refused': ['pass', 'pass', 'skipped'],
      'authz-requirement-not-enforced': ['fail'],
      'authz-undeclared-channel-accepted': ['fail', 'fail'],
      'authz-all-topics-accepted': ['fail'],
    });
  } finally {
    proxy.close();
    await probePki.pki.cleanup();
  }
});

test('amqp: a queue channel is consumed from, and published to through the default exchange', async () => {
  const amqp = await import('amqplib');
  const setup = await amqp.connect(node.amqpUrl('wide', WIDE_PASSWORD));
  const ch = await setup.createChannel();
  await ch.assertQueue('jobs-q', { durable: false });
  await setup.close();
  const queueDoc = `asyncapi: 3.0.0
info: { title: jobs, version: '1' }
servers:
  rabbit: { host: 'localhost:5672', protocol: amqp, security: [{ $ref: '#/components/securitySchemes/login' }] }
channels:
  jobs:
    address: jobs
    bindings: { amqp: { is: queue, queue: { name: jobs-q } } }
operations:
  submitJob: { action: send, channel: { $ref: '#/channels/jobs' } }
  takeJob: { action: receive, channel: { $ref: '#/channels/jobs' } }
components:
  securitySchemes:
    login: { type: userPassword }
`;
  const { ctx, outcomes } = await contextFor(queueDoc, {
    server: 'rabbit',
    port: node.amqpPort,
    principals: new Map([['login', [wide]]]),
    timeoutMs: 10_000,
  });
  await amqpProber.probe(ctx);
  const ops = outcomes.filter((o) => o.id === 'authz-operation-refused');
  assert.deepEqual(
    ops.map((o) => [o.operation, o.status, o.evidence?.received]),
    [
      ['submitJob', 'pass', 'basic.ack (publisher confirm)'],
      ['takeJob', 'pass', 'basic.consume-ok'],
    ],
  );
  assert.match(ops[0]!.message, /wide may publish to queue jobs-q/);
});
