import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRabbitMap, vhostOfServer } from '../../../src/brokers/rabbitmq/mapping.js';
import { DEFAULT_PERSPECTIVE, wireActionOf } from '../../../src/guard/perspective.js';
import { loadDocumentFromText } from '../../../src/document/load.js';
import { buildModel } from '../../../src/model/index.js';
import { amqpDestination, topicRoutingKey } from '../../../src/probe/amqp/destination.js';

const doc = `asyncapi: 3.0.0
info: { title: t, version: '1' }
servers:
  rabbit: { host: 'localhost:5672', protocol: amqp, pathname: /lights }
channels:
  plain: { address: 'lights/{id}/on' }
  routed:
    address: 'dim/{id}'
    bindings: { amqp: { is: routingKey, exchange: { name: dimmers, type: topic } } }
  queued:
    address: jobs
    bindings: { amqp: { is: queue, queue: { name: jobs-q } } }
  fed:
    address: 'work/done'
    bindings: { amqp: { is: queue, queue: { name: work-q }, exchange: { name: work } } }
operations:
  a: { action: send, channel: { $ref: '#/channels/plain' } }
  b: { action: send, channel: { $ref: '#/channels/routed' } }
  c: { action: receive, channel: { $ref: '#/channels/queued' } }
  d: { action: send, channel: { $ref: '#/channels/fed' } }
`;

async function targets() {
  const document = await loadDocumentFromText(doc);
  const model = buildModel(document);
  const server = model.servers[0]!;
  const map = buildRabbitMap(document, model, server, vhostOfServer(server), (op) =>
    wireActionOf(op.action, DEFAULT_PERSPECTIVE),
  );
  return { map, vhost: vhostOfServer(server) };
}

test("amqpDestination: follows authd's mapping: amq.topic without a binding, `/` → `.`", async () => {
  const { map, vhost } = await targets();
  assert.equal(vhost, 'lights');
  const t = map.targets.find((x) => x.channel === 'plain');
  assert.deepEqual(amqpDestination(t, 'lights/7/on'), {
    kind: 'routingKey',
    exchange: 'amq.topic',
    routingKey: 'lights.7.on',
  });
  assert.equal(topicRoutingKey('a/b.c'), 'a.b.c');
});

test('amqpDestination: a routingKey binding names the exchange; a queue binding its queue and exchange', async () => {
  const { map } = await targets();
  const at = (c: string) => map.targets.find((x) => x.channel === c);
  assert.deepEqual(amqpDestination(at('routed'), 'dim/3'), {
    kind: 'routingKey',
    exchange: 'dimmers',
    routingKey: 'dim.3',
  });
  assert.deepEqual(amqpDestination(at('queued'), 'jobs'), {
    kind: 'queue',
    queue: 'jobs-q',
    exchange: null,
    routingKey: 'jobs',
  });
  assert.deepEqual(amqpDestination(at('fed'), 'work/done'), {
    kind: 'queue',
    queue: 'work-q',
    exchange: 'work',
    routingKey: 'work.done',
  });
});

test('amqpDestination: a channel the mapping leaves out, or a routing key over 255 bytes, is unusable', async () => {
  const { map } = await targets();
  assert.equal(amqpDestination(undefined, 'x').kind, 'unusable');
  const t = map.targets.find((x) => x.channel === 'plain');
  assert.deepEqual(amqpDestination(t, `lights/${'é'.repeat(128)}/on`), {
    kind: 'unusable',
    reason: 'the routing key is over 255 bytes',
  });
});
