// A bearer JWT as the RabbitMQ password (http bearer scheme): the token's subject must be the user
// name; the kept session ends with the token's exp, and the broker's later questions are denied.

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { startAuthd } from '../../../src/brokers/authd/start.js';
import type { RunningAuthd } from '../../../src/brokers/authd/types.js';
import { eventually } from '../../helpers/eventually.js';
import { startIdp, type Idp } from '../../tokens/helpers.js';
import { authdClient } from './helpers.js';

const DOC = `asyncapi: 3.0.0
info: { title: bearer through authd, version: '1' }
servers:
  broker:
    host: 127.0.0.1:5672
    protocol: amqp
    security: [{ $ref: '#/components/securitySchemes/jwt' }]
channels:
  lightOn: { address: 'lights/{id}/on' }
operations:
  sendLightOn: { action: send, channel: { $ref: '#/channels/lightOn' } }
components:
  securitySchemes:
    jwt: { type: http, scheme: bearer, bearerFormat: JWT }
`;

let idp: Idp;
let authd: RunningAuthd;
let client: ReturnType<typeof authdClient>;

before(async () => {
  idp = await startIdp(['RS256']);
  const dir = mkdtempSync(join(tmpdir(), 'guard-authd-bearer-'));
  writeFileSync(join(dir, 'asyncapi.yaml'), DOC);
  writeFileSync(
    join(dir, 'asyncapi-guard.yaml'),
    `store: file:./credentials.yaml\naudit: { level: silent }\nschemes:\n` +
      `  jwt: { issuer: '${idp.issuer}', audience: lights, jwks: '${idp.jwksUrl}', algorithms: [RS256] }\n` +
      'authd:\n  listen: 127.0.0.1:0\n  rabbitmq:\n    - server: broker\n',
  );
  authd = await startAuthd({ document: 'asyncapi.yaml', cwd: dir, logger: pino({ level: 'silent' }) });
  client = authdClient(authd.port);
});
after(async () => {
  client.close();
  await authd?.close();
  await idp?.stop();
});

const topic = (username: string) =>
  client.post('/rabbitmq/topic', {
    username,
    vhost: '/',
    resource: 'topic',
    name: 'amq.topic',
    permission: 'write',
    routing_key: 'lights.1.on',
  });

test("a JWT as the password logs in under its subject's name only", async () => {
  const token = await idp.buildToken({ aud: 'lights' });
  assert.equal((await client.post('/rabbitmq/user', { username: 'mallory', password: token })).body, 'deny');
  assert.equal((await client.post('/rabbitmq/user', { username: 'alice', password: token })).body, 'allow');
  assert.equal((await topic('alice')).body, 'allow');
  assert.equal((await topic('mallory')).body, 'deny');
  assert.equal((await client.post('/rabbitmq/user', { username: 'alice', password: `${token}x` })).body, 'deny');
});

test("the kept session ends with the token's exp", async () => {
  const token = await idp.buildToken({ aud: 'lights' }, { expiresIn: 2 });
  assert.equal((await client.post('/rabbitmq/user', { username: 'alice', password: token })).body, 'allow');
  assert.equal((await topic('alice')).body, 'allow');
  await eventually(async () => (await topic('alice')).body === 'deny', 30_000, 'the expired session denied', 200);
  assert.equal((await client.post('/rabbitmq/user', { username: 'alice', password: token })).body, 'deny');
});
