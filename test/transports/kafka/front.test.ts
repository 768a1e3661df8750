// The Kafka front with kafkajs: each declared SASL mechanism produces and consumes with the right credentials and
// is refused with wrong ones, an undeclared mechanism is not offered, a topic without the needed scope gets
// TOPIC_AUTHORIZATION_FAILED, and the open server needs nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bindingsFor,
  captureLog,
  consume,
  kafkaErrorType,
  kafkajs,
  kafkaModel,
  produce,
  startKafkaFront,
  type Harness,
} from './helpers.js';

let sasl: Harness;
let login: Harness;
let open: Harness;
let apiKey: string;
const log = captureLog();

before(async () => {
  const model = await kafkaModel(['sasl', 'login', 'open']);
  const schemes = bindingsFor(model);
  sasl = await startKafkaFront(model, { server: 'sasl', schemes, logger: log.logger });
  login = await startKafkaFront(model, { server: 'login', schemes, store: sasl.store });
  open = await startKafkaFront(model, { server: 'open', schemes, store: sasl.store });
  apiKey = (await sasl.store.createApiKey('alice')).key;
});
after(async () => {
  await Promise.all([sasl.close(), login.close(), open.close()]);
});

for (const mechanism of ['scram-sha-256', 'scram-sha-512', 'plain'] as const) {
  test(`${mechanism}: right credentials produce and consume (consumer group)`, async () => {
    const kafka = kafkajs(sasl.broker, { mechanism, username: 'alice', password: 'alice-pw' });
    const topic = `plant/${mechanism}/status`;
    await produce(kafka, topic, ['one', 'two', 'three']);
    assert.deepEqual(await consume(kafka, topic, 3, `g-${mechanism}`), ['one', 'two', 'three']);
  });

  test(`${mechanism}: a wrong password is SASL_AUTHENTICATION_FAILED`, async () => {
    const kafka = kafkajs(sasl.broker, { mechanism, username: 'alice', password: 'wrong-pw' });
    const producer = kafka.producer();
    await assert.rejects(producer.connect(), (err) => {
      assert.match(String((err as Error).name), /SASLAuthenticationError|KafkaJSSASLAuthenticationError/);
      return true;
    });
  });
}

test('userPassword and apiKey are SASL PLAIN: the login and an API key as the password', async () => {
  await produce(
    kafkajs(login.broker, { mechanism: 'plain', username: 'alice', password: 'alice-pw' }),
    'plant/9/status',
    ['x'],
  );
  await produce(kafkajs(login.broker, { mechanism: 'plain', username: 'any', password: apiKey }), 'plant/9/status', [
    'y',
  ]);
  const wrong = kafkajs(login.broker, { mechanism: 'plain', username: 'alice', password: 'nope' }).producer();
  await assert.rejects(wrong.connect(), /SASL|[Aa]uthentication/);
});

test('an undeclared mechanism is not offered: SCRAM on the PLAIN-only server is refused at the handshake', async () => {
  const kafka = kafkajs(login.broker, { mechanism: 'scram-sha-256', username: 'alice', password: 'alice-pw' });
  const producer = kafka.producer();
  await assert.rejects(producer.connect(), (err) => {
    assert.match(String((err as Error).message), /SCRAM-SHA-256|mechanism/i);
    return true;
  });
});

test('a topic needing a scope the principal lacks: TOPIC_AUTHORIZATION_FAILED; with it, allowed', async () => {
  const alice = kafkajs(sasl.broker, { mechanism: 'scram-sha-256', username: 'alice', password: 'alice-pw' });
  await assert.rejects(produce(alice, 'plant/1/command', ['on']), (err) => {
    assert.equal(kafkaErrorType(err), 'TOPIC_AUTHORIZATION_FAILED');
    return true;
  });
  const root = kafkajs(sasl.broker, { mechanism: 'scram-sha-256', username: 'root', password: 'root-pw' });
  await produce(root, 'plant/1/command', ['on']);
  // Receive-only channel: fetching is allowed, producing is not; a channel no operation covers is refused.
  await assert.rejects(produce(root, 'audit.events', ['x']), (err) => {
    assert.equal(kafkaErrorType(err), 'TOPIC_AUTHORIZATION_FAILED');
    return true;
  });
  await assert.rejects(produce(root, 'nowhere', ['x']), (err) => {
    assert.equal(kafkaErrorType(err), 'TOPIC_AUTHORIZATION_FAILED');
    return true;
  });
});

test('Metadata lists only the topics the session may use', async () => {
  const admin = kafkajs(sasl.broker, { mechanism: 'scram-sha-256', username: 'alice', password: 'alice-pw' }).admin();
  await admin.connect();
  try {
    const topics = await admin.listTopics();
    assert.ok(topics.length > 0);
    for (const t of topics) assert.match(t, /^(plant\/[^/]+\/(status|command)|audit\.events)$/);
  } finally {
    await admin.disconnect();
  }
});

test('kafkajs admin: CreateTopics for a usable topic, once; refused for a topic no operation covers', async () => {
  const admin = kafkajs(sasl.broker, { mechanism: 'scram-sha-256', username: 'alice', password: 'alice-pw' }).admin();
  await admin.connect();
  try {
    assert.equal(await admin.createTopics({ topics: [{ topic: 'plant/ct/status' }] }), true);
    assert.equal(await admin.createTopics({ topics: [{ topic: 'plant/ct/status' }] }), false);
    await assert.rejects(
      admin.createTopics({ topics: [{ topic: 'nowhere' }] }),
      (err: { errors?: { type?: string }[] }) => {
        assert.deepEqual(
          err.errors?.map((e) => e.type),
          ['TOPIC_AUTHORIZATION_FAILED'],
        );
        return true;
      },
    );
  } finally {
    await admin.disconnect();
  }
});

test('the open server (no security) needs no SASL', async () => {
  const kafka = kafkajs(open.broker);
  await produce(kafka, 'plant/2/status', ['free']);
  assert.deepEqual(await consume(kafka, 'plant/2/status', 1, 'g-open'), ['free']);
});

test('no password reaches the front log', () => {
  const text = log.lines.join('\n');
  assert.ok(!text.includes('alice-pw') && !text.includes('wrong-pw'));
});
