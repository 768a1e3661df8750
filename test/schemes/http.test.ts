import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { http, ianaHttpAuthSchemes, isRegisteredHttpAuthScheme } from '../../src/schemes/http.js';
import type { Verifier } from '../../src/schemes/types.js';
import { basicAuthorization } from '../../src/schemes/wire/basic.js';
import {
  PASSWORD,
  context,
  failingStore,
  invalidReason,
  okPrincipal,
  passwordClaims,
  seed,
  verify,
  type Fixture,
} from './helpers.js';

describe('http scheme', () => {
  it('knows the IANA HTTP Authentication Scheme registry, case-insensitively', () => {
    const registry = [
      'Basic',
      'Bearer',
      'Concealed',
      'Digest',
      'DPoP',
      'GNAP',
      'HOBA',
      'Mutual',
      'Negotiate',
      'OAuth',
      'PrivateToken',
      'SCRAM-SHA-1',
      'SCRAM-SHA-256',
      'vapid',
    ];
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
    for (const s of [
      'digest',
      'Negotiate',
      'SCRAM-SHA-256',
      'HOBA',
      'Mutual',
      'DPoP',
      'GNAP',
      'OAuth',
      'Concealed',
      'PrivateToken',
      'AWS4-HMAC-SHA256',
    ]) {
      assert.equal(secret(s), false, s);
    }
    assert.equal(secret(undefined), false, 'no scheme field');
  });

  it('fits HTTP, WebSocket and (bearer in the CONNECT password) MQTT, not Kafka or AMQP', () => {
    const fits = (p: string): boolean => (http.protocols as readonly string[]).includes(p);
    for (const p of ['http', 'https', 'ws', 'wss', 'mercure', 'mqtt', 'secure-mqtt']) assert.equal(fits(p), true, p);
    for (const p of ['kafka', 'kafka-secure', 'amqp', 'stomp', 'nats']) assert.equal(fits(p), false, p);
  });
});

describe('http verifier (scheme: basic)', () => {
  let fx: Fixture;
  let v: Verifier;
  const auth = (value: unknown) => ({ headers: { authorization: value } });
  before(async () => {
    fx = await seed();
    v = await http.createVerifier(context({ type: 'http', scheme: 'Basic' }, fx.store, {}, 'basicAuth'));
  });

  it('http basic: right credentials are ok with the principal and its scopes', async () => {
    assert.deepEqual(okPrincipal(await verify(v, auth(basicAuthorization('alice', PASSWORD)))), {
      id: 'alice',
      scheme: 'basicAuth',
      scopes: ['read', 'write'],
      claims: await passwordClaims(fx.store, 'alice'),
    });
  });

  it('http basic: a password may contain colons', async () => {
    const store = fx.store;
    await store.addPrincipal({ name: 'colon', password: 'a:b:c', iterations: 4096 });
    okPrincipal(await verify(v, auth(basicAuthorization('colon', 'a:b:c'))));
  });

  it('http basic: wrong password, unknown user and disabled principal are told apart for audit', async () => {
    assert.deepEqual(await verify(v, auth(basicAuthorization('alice', 'nope'))), {
      kind: 'invalid',
      reason: 'bad_password',
      subject: 'alice',
    });
    assert.deepEqual(await verify(v, auth(basicAuthorization('mallory', 'nope'))), {
      kind: 'invalid',
      reason: 'unknown_principal',
      subject: 'mallory',
    });
    assert.deepEqual(await verify(v, auth(basicAuthorization('bob', PASSWORD))), {
      kind: 'invalid',
      reason: 'disabled',
      subject: 'bob',
    });
  });

  it('http basic: absent without an Authorization header or with another scheme', async () => {
    assert.deepEqual(await verify(v, {}), { kind: 'absent' });
    assert.deepEqual(await verify(v, auth('Bearer abc')), { kind: 'absent' });
    assert.deepEqual(
      await verify(v, { login: { username: 'alice', password: PASSWORD } }),
      { kind: 'absent' },
      'a login is not an HTTP credential',
    );
  });

  it('http basic: the challenge is Basic with the realm and UTF-8; the source is the Authorization header', () => {
    assert.equal(v.challenge, 'Basic realm="production", charset="UTF-8"');
    assert.equal(v.source, 'authorization');
    assert.equal(v.claimedSubject(auth(basicAuthorization('alice', 'x')) as never), 'alice');
    assert.equal(v.claimedSubject(auth('Basic !!') as never), null);
  });

  it('http basic: a store that rejects is store_unavailable, never ok', async () => {
    const broken = await http.createVerifier(context({ type: 'http', scheme: 'basic' }, failingStore()));
    assert.equal(invalidReason(await verify(broken, auth(basicAuthorization('alice', PASSWORD)))), 'store_unavailable');
  });

  it(
    'http: a scheme with no verifier (digest, Negotiate, none given) fails startup with ' +
      'ERR_SCHEME_UNSUPPORTED: fail closed',
    () => {
      for (const scheme of ['digest', 'Negotiate', undefined]) {
        assert.throws(() => http.createVerifier(context({ type: 'http', scheme }, fx.store)), {
          name: 'StartupError',
          code: 'ERR_SCHEME_UNSUPPORTED',
        });
      }
    },
  );

  it('rejects a malformed Basic header as malformed (no subject)', async () => {
    for (const value of [
      'Basic',
      'Basic !!!',
      `Basic ${'A'.repeat(9000)}`,
      [basicAuthorization('a', 'b'), basicAuthorization('a', 'b')],
      `Basic ${Buffer.from('alice:').toString('base64')}`,
    ]) {
      assert.deepEqual(await verify(v, auth(value)), { kind: 'invalid', reason: 'malformed' });
    }
  });
});
