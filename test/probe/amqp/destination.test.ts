import { test } from 'node:test';
import assert from 'node:assert/strict';
import { amqpDestination, topicRoutingKey } from '../../../src/probe/amqp/destination.js';

test('amqpDestination: no binding → the address as a routing key on amq.topic, `/` → `.`', () => {
  assert.deepEqual(amqpDestination('lights/7/on', undefined), {
    kind: 'routingKey',
    exchange: 'amq.topic',
    routingKey: 'lights.7.on',
  });
  assert.equal(topicRoutingKey('a/b.c'), 'a.b.c');
});

test('amqpDestination: is routingKey names the exchange; the routing key is mapped as authd maps it', () => {
  assert.deepEqual(amqpDestination('lights/7/on', { is: 'routingKey', exchange: { name: 'lights', type: 'topic' } }), {
    kind: 'routingKey',
    exchange: 'lights',
    routingKey: 'lights.7.on',
  });
  // `is` defaults to routingKey; an exchange without a name is the default exchange of unbound channels.
  assert.deepEqual(amqpDestination('a/b', { exchange: {} }), {
    kind: 'routingKey',
    exchange: 'amq.topic',
    routingKey: 'a.b',
  });
});

test('amqpDestination: is queue names the queue (or the address when the binding has no name)', () => {
  assert.deepEqual(amqpDestination('jobs', { is: 'queue', queue: { name: 'jobs-q' } }), {
    kind: 'queue',
    queue: 'jobs-q',
    exchange: null,
  });
  assert.deepEqual(amqpDestination('jobs', { is: 'queue', exchange: { name: 'work' } }), {
    kind: 'queue',
    queue: 'jobs',
    exchange: 'work',
  });
});

test('amqpDestination: an unknown `is` or a name over 255 bytes is unusable, with the reason', () => {
  assert.deepEqual(amqpDestination('x', { is: 'stream' }), {
    kind: 'unusable',
    reason: 'bindings.amqp.is is "stream"',
  });
  assert.deepEqual(amqpDestination('é'.repeat(128), undefined), {
    kind: 'unusable',
    reason: 'the routing key is over 255 bytes',
  });
  assert.deepEqual(amqpDestination('q', { is: 'queue', queue: { name: 'q'.repeat(256) } }), {
    kind: 'unusable',
    reason: 'the queue name is over 255 bytes',
  });
});
