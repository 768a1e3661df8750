import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { http, ianaHttpAuthSchemes, isRegisteredHttpAuthScheme } from '../../src/schemes/http.js';

describe('http scheme', () => {
  it('knows the IANA HTTP Authentication Scheme registry, case-insensitively', () => {
    const registry = ['Basic', 'Bearer', 'Concealed', 'Digest', 'DPoP', 'GNAP', 'HOBA', 'Mutual', 'Negotiate', 'OAuth', 'PrivateToken', 'SCRAM-SHA-1', 'SCRAM-SHA-256', 'vapid'];
    assert.deepEqual([...ianaHttpAuthSchemes].sort(), registry.map((s) => s.toLowerCase()).sort());
    for (const name of registry) {
      assert.equal(isRegisteredHttpAuthScheme(name), true, name);
      assert.equal(isRegisteredHttpAuthScheme(name.toUpperCase()), true, name);
    }
    assert.equal(isRegisteredHttpAuthScheme('AWS4-HMAC-SHA256'), false);
    assert.equal(isRegisteredHttpAuthScheme('token'), false);
  });

  it('carries a reusable secret for basic, bearer (any case) and vapid only', () => {
    const secret = (scheme: unknown): boolean => http.carriesSecret({ type: 'http', scheme });
    for (const s of ['basic', 'Basic', 'bearer', 'BEARER', 'vapid']) assert.equal(secret(s), true, s);
    for (const s of ['digest', 'Negotiate', 'SCRAM-SHA-256', 'HOBA', 'Mutual', 'DPoP', 'GNAP', 'OAuth', 'Concealed', 'PrivateToken', 'AWS4-HMAC-SHA256']) {
      assert.equal(secret(s), false, s);
    }
    assert.equal(secret(undefined), false, 'no scheme field');
  });

  it('fits HTTP, WebSocket and (bearer in the CONNECT password, DESIGN.md) MQTT, not Kafka or AMQP', () => {
    const fits = (p: string): boolean => (http.protocols as readonly string[]).includes(p);
    for (const p of ['http', 'https', 'ws', 'wss', 'mercure', 'mqtt', 'secure-mqtt']) assert.equal(fits(p), true, p);
    for (const p of ['kafka', 'kafka-secure', 'amqp', 'stomp', 'nats']) assert.equal(fits(p), false, p);
  });
});
