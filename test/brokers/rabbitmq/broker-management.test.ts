// authd closing a revoked user's live RabbitMQ connections through the management API
// (authd.rabbitmq[].management): a consumer that RabbitMQ would otherwise let consume, and an MQTT
// client, both of a user whose key is revoked or who is disabled, are disconnected.
// The node asks authd first and its internal database second, where the management administrator
// lives (docs/brokers/rabbitmq.md, "Live connections").

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import amqp, { type ChannelModel } from 'amqplib';
import mqtt, { type MqttClient } from 'mqtt';
import pino from 'pino';
import { startAuthd } from '../../../src/brokers/authd/start.js';
import type { RunningAuthd } from '../../../src/brokers/authd/types.js';
import { freePort } from '../../helpers/brokers.js';
import { eventually } from '../../helpers/eventually.js';
import { startRabbitmq, type StartedRabbit } from '../../helpers/rabbitmq.js';
import { ALICE_PASSWORD, changeStore, makeRabbitProject, rabbitConfig, type RabbitProject } from './helpers.js';

const ADMIN_PASSWORD = 'mgmt-admin-password-51c2';
/**
 * A hang catcher: the close goes through the management API, whose calls alone took 1-4 s each on the
 * shared test machine (load average 15); the revocation itself reaches authd as in the other tests.
 */
const CLOSED_WITHIN_MS = 30_000;

let project: RabbitProject;
let authd: RunningAuthd;
let node: StartedRabbit;
const open: { close(): unknown }[] = [];

before(async () => {
  // The node's ports are known only once it starts, and authd's only once it listens: authd first on
  // a port picked here, the node pointed at it, the management URL written into authd's config.
  const authdPort = await freePort();
  node = await startRabbitmq({ authdUrl: `http://127.0.0.1:${authdPort}`, internalAfter: true });
  for (const args of [
    ['add_user', 'guard-admin', ADMIN_PASSWORD],
    ['set_user_tags', 'guard-admin', 'administrator'],
  ]) {
    const r = await node.ctl(args);
    assert.equal(r.code, 0, r.output);
  }
  project = await makeRabbitProject(
    rabbitConfig(
      `      management: { url: 'http://127.0.0.1:${node.managementPort}', user: guard-admin, ` +
        'password: file:./mgmt-password }\n',
    ).replace('listen: 127.0.0.1:0', `listen: 127.0.0.1:${authdPort}`),
  );
  writeFileSync(join(project.dir, 'mgmt-password'), `${ADMIN_PASSWORD}\n`);
  authd = await startAuthd({ document: 'asyncapi.yaml', cwd: project.dir, logger: pino({ level: 'silent' }) });
});
after(async () => {
  for (const c of open) await Promise.resolve(c.close()).catch(() => {});
  await node?.stop();
  await authd?.close();
});

/** The management API lists a connection once its statistics were collected (every 5 s by default). */
async function listed(user: string, count: number): Promise<void> {
  const auth = `Basic ${Buffer.from(`guard-admin:${ADMIN_PASSWORD}`).toString('base64')}`;
  await eventually(
    async () => {
      const res = await fetch(`http://127.0.0.1:${node.managementPort}/api/connections?columns=name,user`, {
        headers: { authorization: auth },
      });
      const rows = (await res.json()) as { user?: string }[];
      return rows.filter((r) => r.user === user).length >= count;
    },
    30_000,
    `${count} connection(s) of ${user} listed`,
    250,
  );
}

const closedPromise = (emitter: { once(e: 'close', f: () => void): unknown }): (() => boolean) => {
  let closed = false;
  emitter.once('close', () => (closed = true));
  return () => closed;
};

test('a revoked key: its AMQP consumer and its MQTT client are disconnected', async () => {
  const conn: ChannelModel = await amqp.connect(node.amqpUrl('carol', project.carolKey));
  conn.on('error', () => {});
  open.push(conn);
  const ch = await conn.createChannel();
  await ch.assertQueue('alarms');
  await ch.consume('alarms', () => {});
  const amqpClosed = closedPromise(conn);
  const client: MqttClient = await new Promise((resolve, reject) => {
    const c = mqtt.connect(`mqtt://127.0.0.1:${node.mqttPort}`, {
      username: 'carol',
      password: project.carolKey,
      clientId: 'carol-dev',
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    open.push({ close: () => c.end(true) });
    c.once('connect', () => resolve(c));
    c.once('error', reject);
  });
  await client.subscribeAsync(['lights/+/on']);
  const mqttClosed = closedPromise(client);
  await listed('carol', 2);
  await changeStore(project.dir, (s) => s.revokeApiKey(project.carolKeyId));
  await eventually(amqpClosed, CLOSED_WITHIN_MS, 'the AMQP connection closed', 100);
  await eventually(mqttClosed, CLOSED_WITHIN_MS, 'the MQTT connection closed', 100);
});

test('a disabled user: the live connection is closed; other users keep theirs', async () => {
  const alice = await amqp.connect(node.amqpUrl('alice', ALICE_PASSWORD));
  alice.on('error', () => {});
  open.push(alice);
  const bob = await amqp.connect(node.amqpUrl('bob', project.bobKey));
  bob.on('error', () => {});
  open.push(bob);
  const aliceClosed = closedPromise(alice);
  const bobClosed = closedPromise(bob);
  await listed('alice', 1);
  await changeStore(project.dir, (s) => s.setDisabled('alice', true));
  await eventually(aliceClosed, CLOSED_WITHIN_MS, "alice's connection closed", 100);
  assert.equal(bobClosed(), false);
  await changeStore(project.dir, (s) => s.setDisabled('alice', false));
});
