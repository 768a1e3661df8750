import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isKnownProtocol, knownProtocols, normalizeProtocol, transportSecurity } from '../../src/schemes/protocols.js';

describe('protocol facts', () => {
  it('knows the 2.6.0 protocol list plus the binding names (AsyncAPI 2.6.0 Server, 3.0.0 bindings)', () => {
    const v260 = [
      'amqp',
      'amqps',
      'http',
      'https',
      'ibmmq',
      'jms',
      'kafka',
      'kafka-secure',
      'anypointmq',
      'mqtt',
      'secure-mqtt',
      'solace',
      'stomp',
      'stomps',
      'ws',
      'wss',
      'mercure',
      'googlepubsub',
      'pulsar',
    ];
    const extra = ['ibmmq-secure', 'amqp1', 'mqtt5', 'nats', 'sns', 'sqs', 'redis', 'ros2'];
    assert.deepEqual(Object.keys(knownProtocols).sort(), [...v260, ...extra].sort());
    assert.deepEqual(Object.keys(knownProtocols), Object.keys(knownProtocols).sort(), 'sorted');
  });

  it('compares names case-insensitively and trims them', () => {
    assert.equal(normalizeProtocol(' Kafka-Secure '), 'kafka-secure');
    assert.equal(isKnownProtocol('MQTT'), true);
    assert.equal(transportSecurity('HTTPS'), 'tls');
  });

  it('says which names are TLS, which cleartext, and which do not tell', () => {
    for (const p of ['https', 'wss', 'amqps', 'secure-mqtt', 'stomps', 'kafka-secure', 'ibmmq-secure'])
      assert.equal(transportSecurity(p), 'tls', p);
    for (const p of ['http', 'ws', 'amqp', 'mqtt', 'mqtt5', 'stomp', 'kafka', 'ibmmq'])
      assert.equal(transportSecurity(p), 'cleartext', p);
    for (const p of ['nats', 'jms', 'solace', 'pulsar', 'redis', 'mercure', 'amqp1', 'ros2'])
      assert.equal(transportSecurity(p), 'unknown', p);
  });

  it('returns null for a protocol it does not know (never guesses)', () => {
    assert.equal(transportSecurity('mqtts'), null);
    assert.equal(transportSecurity('carrier-pigeon'), null);
    assert.equal(transportSecurity('__proto__'), null);
    assert.equal(isKnownProtocol('toString'), false);
  });
});
