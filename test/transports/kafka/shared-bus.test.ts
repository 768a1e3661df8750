// Two Kafka fronts of two `serve` instances sharing a NATS bus (a private nats-server): a record produced on one
// is consumed on the other, and an MQTT publish on the first instance reaches a Kafka consumer of the second. Each
// instance keeps its own log (docs/kafka.md, "Messages across fronts").
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { createNatsBus } from '../../../src/bus/nats.js';
import type { Bus } from '../../../src/bus/types.js';
import { createGuard, type Guard } from '../../../src/guard/index.js';
import { createKafkaFront, type KafkaFront } from '../../../src/transports/kafka/index.js';
import { createMqttFront } from '../../../src/transports/mqtt/index.js';
import { DEFAULT_FRONT_LIMITS, type Front } from '../../../src/transports/types.js';
import { startNats, type StartedBroker } from '../../helpers/brokers.js';
import { connected, end } from '../fixtures-mqtt/helpers.js';
import { consume, kafkajs, kafkaModel, plantStore, produce } from './helpers.js';

const silent = pino({ level: 'silent' });
let nats: StartedBroker;
const instances: { guard: Guard; bus: Bus; kafka: KafkaFront; mqtt: Front; ports: { kafka: number; mqtt: number } }[] =
  [];

before(async () => {
  nats = await startNats();
  const store = await plantStore();
  const model = await kafkaModel(['sasl', 'mqtt']);
  for (let i = 0; i < 2; i++) {
    const guard = await createGuard(model, { store, schemes: { scram256: {}, scram512: {}, plain: {}, userPass: {} } });
    const bus = await createNatsBus(nats.url);
    const common = { guard, bus, limits: DEFAULT_FRONT_LIMITS, logger: silent };
    const kafka = createKafkaFront({
      ...common,
      server: model.servers.find((s) => s.name === 'sasl')!,
      schemes: model.schemes,
    });
    const mqtt = createMqttFront({ ...common, server: model.servers.find((s) => s.name === 'mqtt')! });
    const ports = { kafka: (await kafka.listen('127.0.0.1', 0)).port, mqtt: (await mqtt.listen('127.0.0.1', 0)).port };
    instances.push({ guard, bus, kafka, mqtt, ports });
  }
});
after(async () => {
  for (const i of instances) {
    await Promise.all([i.kafka.close(100), i.mqtt.close(100)]);
    await i.bus.close();
    await i.guard.close();
  }
  await nats?.stop();
});

const alice = { mechanism: 'scram-sha-256' as const, username: 'alice', password: 'alice-pw' };
const broker = (i: number) => `127.0.0.1:${instances[i]!.ports.kafka}`;

test('a record produced on one instance is consumed on the other, through the NATS bus', async () => {
  // The second instance holds the topic first (a consumer named it), so it keeps what the bus brings.
  const b = kafkajs(broker(1), alice);
  const admin = b.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'plant/nats/status' }] });
  await admin.disconnect();
  await produce(kafkajs(broker(0), alice), 'plant/nats/status', ['across']);
  assert.deepEqual(await consume(b, 'plant/nats/status', 1, 'g-nats'), ['across']);
});

test('an MQTT publish on one instance reaches a Kafka consumer of the other', async () => {
  const b = kafkajs(broker(1), alice);
  const admin = b.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'plant/nats2/status' }] });
  await admin.disconnect();
  const client = await connected(`mqtt://127.0.0.1:${instances[0]!.ports.mqtt}`, {
    username: 'alice',
    password: 'alice-pw',
  });
  await client.publishAsync('plant/nats2/status', 'from-mqtt', { qos: 1 });
  await end(client);
  assert.deepEqual(await consume(b, 'plant/nats2/status', 1, 'g-nats2'), ['from-mqtt']);
});
