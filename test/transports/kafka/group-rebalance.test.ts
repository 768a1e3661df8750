// Two kafkajs consumers of one group on a two-partition topic: the second join rebalances the first, each gets
// one partition, and together they consume every record once; the group's committed offsets are read back.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Consumer } from 'kafkajs';
import { bindingsFor, kafkajs, kafkaModel, startKafkaFront, type Harness } from './helpers.js';

let h: Harness;
before(async () => {
  const model = await kafkaModel(['sasl']);
  h = await startKafkaFront(model, {
    server: 'sasl',
    schemes: bindingsFor(model),
    frontExtra: { log: { partitions: 2 } },
  });
});
after(() => h.close());

test('two consumers of one group share a two-partition topic and consume every record once', async () => {
  const kafka = kafkajs(h.broker, { mechanism: 'scram-sha-256', username: 'alice', password: 'alice-pw' });
  const topic = 'plant/group/status';
  const seen = new Map<string, string[]>();
  const consumers: Consumer[] = [];
  const start = async (name: string) => {
    const consumer = kafka.consumer({
      groupId: 'g-two',
      sessionTimeout: 10_000,
      rebalanceTimeout: 10_000,
      heartbeatInterval: 500,
    });
    consumers.push(consumer);
    seen.set(name, []);
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const joined = new Promise<number>((resolve) =>
      consumer.on(consumer.events.GROUP_JOIN, (e) => resolve(Object.values(e.payload.memberAssignment).flat().length)),
    );
    void consumer.run({
      eachMessage: async ({ message }) => {
        seen.get(name)!.push(message.value?.toString() ?? '');
      },
    });
    return joined;
  };
  try {
    await start('a');
    const bPartitions = await start('b');
    // After the rebalance both members hold one partition each.
    assert.equal(bPartitions, 1);
    const producer = kafka.producer();
    await producer.connect();
    const values = Array.from({ length: 20 }, (_, i) => `v${i}`);
    await producer.send({ topic, messages: values.map((value, i) => ({ value, partition: i % 2 })) });
    await producer.disconnect();
    const deadline = Date.now() + 60_000;
    while ([...seen.values()].flat().length < values.length && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    const all = [...seen.values()].flat();
    assert.deepEqual([...all].sort(), [...values].sort());
    assert.ok(seen.get('a')!.length > 0 && seen.get('b')!.length > 0, JSON.stringify([...seen]));
  } finally {
    await Promise.all(consumers.map((c) => c.disconnect()));
  }
  const admin = kafka.admin();
  await admin.connect();
  try {
    // kafkajs's admin knows no broker until it has read metadata once (its fetchOffsets does not read any).
    await admin.fetchTopicMetadata({ topics: [topic] });
    const offsets = await admin.fetchOffsets({ groupId: 'g-two', topics: [topic] });
    const committed = offsets[0]!.partitions.map((p) => Number(p.offset)).reduce((x, y) => x + y, 0);
    assert.equal(committed, 20);
  } finally {
    await admin.disconnect();
  }
});
