// The real-broker tests of authd's RabbitMQ part, run twice: with RabbitMQ's HTTP auth backend
// asked directly (broker.test.ts) and with the cache backend in front of it (broker-cache.test.ts).
// One private node per file (test/helpers/rabbitmq.ts), authd on a free port, clients amqplib and
// mqtt.js (RabbitMQ's MQTT plugin speaks 3.1.1; a refused publish closes the connection).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import amqp, { type ChannelModel } from 'amqplib';
import mqtt, { type MqttClient } from 'mqtt';
import pino from 'pino';
import { startAuthd } from '../../../src/brokers/authd/start.js';
import type { RunningAuthd } from '../../../src/brokers/authd/types.js';
import { eventually } from '../../helpers/eventually.js';
import { sessionsEnded } from '../../helpers/authd.js';
import { rabbitmqAuthConfig, startRabbitmq, type StartedRabbit } from '../../helpers/rabbitmq.js';
import { auditCapture } from '../../serve/helpers.js';
import { ALICE_PASSWORD, BOB_PASSWORD, changeStore, makeRabbitProject, type RabbitProject } from './helpers.js';

/** The cache's TTL in these tests: a revocation reaches the broker within the store's notice plus this. */
const CACHE_TTL_MS = 2000;
/**
 * Hang catcher only. "Refused within 5 s" is the file store's poll (1 s) plus one reload pass, then, behind the cache,
 * the cache's TTL (configuration): the tests show the reload ended the session (counted) and that the broker's next
 * question gets the refusal, and never time it.
 */
const HANG_MS = 30_000;

export function brokerSuite(cache: boolean): void {
  let project: RabbitProject;
  let authd: RunningAuthd;
  let node: StartedRabbit;
  const audit = auditCapture();
  const open: { close(): unknown }[] = [];

  before(async () => {
    project = await makeRabbitProject();
    authd = await startAuthd({
      document: 'asyncapi.yaml',
      cwd: project.dir,
      logger: pino({ level: 'silent' }),
      auditStream: audit.stream,
    });
    node = await startRabbitmq({ authdUrl: `http://127.0.0.1:${authd.port}`, cache, cacheTtlMs: CACHE_TTL_MS });
  });
  after(async () => {
    for (const c of open) await Promise.resolve(c.close()).catch(() => {});
    await node?.stop();
    await authd?.close();
  });

  const connect = async (user: string, password: string): Promise<ChannelModel> => {
    const c = await amqp.connect(node.amqpUrl(user, password));
    c.on('error', () => {});
    open.push(c);
    return c;
  };
  /** 'refused' when the connection is refused (403 from the broker). */
  const tryConnect = async (user: string, password: string): Promise<'ok' | 'refused'> => {
    try {
      const c = await amqp.connect(node.amqpUrl(user, password));
      c.on('error', () => {});
      await c.close();
      return 'ok';
    } catch (err) {
      // 403 at login; 530 (or a bare ConnectionClose) when the login passed and the vhost was refused.
      assert.match(String(err), /ACCESS.REFUSED|403|NOT.ALLOWED|530|ConnectionClose/);
      return 'refused';
    }
  };
  /** Publishes one message with confirms: 'ok' when the broker takes it, 'refused' when it closes the channel. */
  const tryPublish = async (c: ChannelModel, exchange: string, key: string): Promise<'ok' | 'refused'> => {
    const ch = await c.createConfirmChannel();
    ch.on('error', () => {});
    try {
      ch.publish(exchange, key, Buffer.from('x'));
      await ch.waitForConfirms();
      await ch.close();
      return 'ok';
    } catch {
      return 'refused';
    }
  };
  /** Binds a server-named queue with a binding key: 'ok', or 'refused' when the broker closes the channel. */
  const tryBind = async (c: ChannelModel, exchange: string, key: string): Promise<'ok' | 'refused'> => {
    const ch = await c.createChannel();
    ch.on('error', () => {});
    try {
      const q = await ch.assertQueue('', { exclusive: true });
      await ch.bindQueue(q.queue, exchange, key);
      await ch.close();
      return 'ok';
    } catch {
      return 'refused';
    }
  };
  const mqttConnect = (username: string, password: string, clientId: string, web = false): Promise<MqttClient> =>
    new Promise((resolve, reject) => {
      const url = web ? `ws://127.0.0.1:${node.webMqttPort}/ws` : `mqtt://127.0.0.1:${node.mqttPort}`;
      const client = mqtt.connect(url, {
        username,
        password,
        clientId,
        protocolVersion: 4,
        reconnectPeriod: 0,
        connectTimeout: 30_000,
      });
      open.push({ close: () => client.end(true) });
      client.once('connect', () => resolve(client));
      client.once('error', reject);
      client.once('close', () => reject(new Error('closed before CONNACK')));
    });

  test('docs/brokers/rabbitmq.md shows the rabbitmq.conf lines this node runs with', () => {
    const page = readFileSync(new URL('../../../docs/brokers/rabbitmq.md', import.meta.url), 'utf8');
    for (const line of rabbitmqAuthConfig({ authdUrl: 'http://127.0.0.1:8181', cache, cacheTtlMs: CACHE_TTL_MS }))
      assert.ok(page.includes(line), `the page shows \`${line}\``);
  });

  test('AMQP: the right password or API key connects; a wrong one, an unknown user and guest are refused', async () => {
    assert.equal(await tryConnect('alice', ALICE_PASSWORD), 'ok');
    assert.equal(await tryConnect('bob', project.bobKey), 'ok');
    assert.equal(await tryConnect('alice', 'not-her-password'), 'refused');
    assert.equal(await tryConnect('nobody', ALICE_PASSWORD), 'refused');
    assert.equal(await tryConnect('guest', 'guest'), 'refused');
    assert.equal(await tryConnect('', ''), 'refused');
  });

  test('AMQP: a message on a declared channel flows; the extra scope is enforced on publish and on bind', async () => {
    const bob = await connect('bob', BOB_PASSWORD);
    const alice = await connect('alice', ALICE_PASSWORD);
    const sub = await bob.createChannel();
    const q = await sub.assertQueue('', { exclusive: true });
    await sub.bindQueue(q.queue, 'amq.topic', 'lights.*.on');
    const got = new Promise<string>(
      (resolve) => void sub.consume(q.queue, (m) => m !== null && resolve(m.fields.routingKey), { noAck: true }),
    );
    assert.equal(await tryPublish(bob, 'amq.topic', 'lights.7.on'), 'ok');
    assert.equal(await got, 'lights.7.on');
    assert.equal(await tryPublish(bob, 'amq.topic', 'lights.7.dim'), 'refused');
    assert.equal(await tryPublish(alice, 'amq.topic', 'lights.7.dim'), 'ok');
    assert.equal(await tryBind(bob, 'amq.topic', 'lights.*.dim'), 'refused');
    assert.equal(await tryBind(alice, 'amq.topic', 'lights.*.dim'), 'ok');
  });

  test('AMQP: a channel the document does not declare is refused, on publish, bind and queue', async () => {
    const alice = await connect('alice', ALICE_PASSWORD);
    assert.equal(await tryPublish(alice, 'amq.topic', 'admin.reboot'), 'refused');
    assert.equal(await tryBind(alice, 'amq.topic', 'admin.*'), 'refused');
    assert.equal(await tryBind(alice, 'amq.topic', '#'), 'refused');
    const ch = await alice.createChannel();
    ch.on('error', () => {});
    await assert.rejects(ch.assertQueue('payroll'), /ACCESS.REFUSED|403/);
    const ok = await alice.createChannel();
    await ok.assertQueue('alarms');
    await ok.consume('alarms', () => {});
    await ok.close();
  });

  test('MQTT: the same decisions; a refused subscription or publish closes the connection', async () => {
    await assert.rejects(mqttConnect('bob', 'wrong', 'dev-wrong'));
    const bob = await mqttConnect('bob', BOB_PASSWORD, 'dev-bob');
    assert.deepEqual(
      (await bob.subscribeAsync(['lights/+/on'])).map((g) => g.qos),
      [0],
    );
    const received = new Promise<string>((resolve) => bob.on('message', (topic) => resolve(topic)));
    await bob.publishAsync('lights/3/on', 'x', { qos: 1 });
    assert.equal(await received, 'lights/3/on');
    // RabbitMQ 3.10's MQTT plugin answers a refused publish, and a refused subscription, by closing the connection.
    const closed = new Promise<void>((resolve) => bob.once('close', () => resolve()));
    bob.publish('lights/3/dim', 'x', { qos: 0 });
    await closed;
    const bob2 = await mqttConnect('bob', BOB_PASSWORD, 'dev-bob2');
    await assert.rejects(bob2.subscribeAsync(['lights/+/dim']));
    const alice = await mqttConnect('alice', ALICE_PASSWORD, 'dev-alice');
    assert.deepEqual(
      (await alice.subscribeAsync(['lights/+/dim'])).map((g) => g.qos),
      [0],
    );
    await alice.publishAsync('lights/4/dim', 'x', { qos: 1 });
  });

  test('Web MQTT: the same decisions over WebSocket', async () => {
    await assert.rejects(mqttConnect('bob', 'wrong', 'web-wrong', true));
    const bob = await mqttConnect('bob', BOB_PASSWORD, 'web-bob', true);
    assert.deepEqual(
      (await bob.subscribeAsync(['lights/+/on'])).map((g) => g.qos),
      [0],
    );
    const received = new Promise<string>((resolve) => bob.on('message', (topic) => resolve(topic)));
    await bob.publishAsync('lights/5/on', 'x', { qos: 1 });
    assert.equal(await received, 'lights/5/on');
    const closed = new Promise<void>((resolve) => bob.once('close', () => resolve()));
    bob.publish('lights/5/dim', 'x', { qos: 0 });
    await closed;
  });

  /**
   * After a store change: waits (hang catcher only) for authd's reload to end a kept session, then `refused` holds on
   * the broker's next question. Without the cache that is the first try; behind it, once the cached answer expires.
   */
  async function refusedAfterReload(endedBefore: number, refused: () => Promise<boolean>, what: string) {
    await eventually(() => sessionsEnded(authd) > endedBefore, HANG_MS, 'the reload ending the session', 100);
    if (cache) await eventually(refused, HANG_MS, `${what} (after the cache TTL)`, 200);
    else assert.ok(await refused(), `${what}: the next question after the reload`);
  }

  test('a revoked key and a disabled user are refused after the reload; so is a live AMQP publisher', async () => {
    // carol logs in with her key only, so the session authd keeps for her is the key's (docs: "Sessions").
    const live = await connect('carol', project.carolKey);
    assert.equal(await tryPublish(live, 'amq.topic', 'lights.1.on'), 'ok');
    let before = sessionsEnded(authd);
    await changeStore(project.dir, (s) => s.revokeApiKey(project.carolKeyId));
    await refusedAfterReload(before, async () => (await tryConnect('carol', project.carolKey)) === 'refused', 'key');
    // Topic permissions are asked per publish (cached for the TTL behind the cache backend).
    await refusedAfterReload(
      before,
      async () => (await tryPublish(live, 'amq.topic', 'lights.1.on')) === 'refused',
      'the live connection',
    );
    assert.equal(await tryConnect('alice', ALICE_PASSWORD), 'ok');
    before = sessionsEnded(authd);
    await changeStore(project.dir, (s) => s.setDisabled('alice', true));
    await refusedAfterReload(before, async () => (await tryConnect('alice', ALICE_PASSWORD)) === 'refused', 'alice');
    await changeStore(project.dir, (s) => s.setDisabled('alice', false));
  });

  test('authd down: the broker refuses new connections', async () => {
    await authd.close();
    if (cache) await new Promise((r) => setTimeout(r, CACHE_TTL_MS + 500)); // a cached login lasts its TTL
    assert.equal(await tryConnect('bob', BOB_PASSWORD), 'refused');
  });
}
