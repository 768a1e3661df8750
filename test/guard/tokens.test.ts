// Token schemes through the engine (createGuard) with a REAL OAuth 2.0 / OpenID provider on
// loopback (oauth2-mock-server@8): scopes from the token gate an operation, challenges for a 401,
// startup errors for bad bindings, and the secrets test (token, client secret and a marker in the
// token reach no outcome, refusal, audit line, metric or error).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { OAuth2Server } from 'oauth2-mock-server';
import { createGuard, type Guard } from '../../src/guard/index.js';
import { createMemoryStore } from '../../src/credentials/memory.js';
import type { SchemeBinding } from '../../src/config/types.js';
import type { SecurityModel } from '../../src/model/types.js';
import { captureAudit, model } from './helpers.js';

const AUDIENCE = 'streetlights';
const MARKER = 'T0KEN-MARKER-p4Rw';
const SECRET_ENV = 'GUARD_TOKENS_TEST_SECRET';
const CLIENT_SECRET = `client-secret-${MARKER}`;

function lightsModel(discovery: string): SecurityModel {
  return model({
    schemes: {
      oauth: {
        type: 'oauth2',
        flows: {
          clientCredentials: {
            tokenUrl: 'https://idp.example/token',
            availableScopes: { 'lights:write': 'switch', 'lights:read': 'read' },
          },
        },
      },
      jwt: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      opaque: { type: 'http', scheme: 'bearer' },
      oidc: { type: 'openIdConnect', openIdConnectUrl: discovery },
      userPass: { type: 'userPassword' },
    },
    servers: [
      { name: 'mqtt', host: 'localhost:1883', protocol: 'mqtt', security: [[{ scheme: 'oauth', scopes: [] }]] },
      {
        name: 'web',
        host: 'localhost:8080',
        protocol: 'http',
        security: [[{ scheme: 'userPass', scopes: [] }], [{ scheme: 'jwt', scopes: [] }]],
      },
      {
        name: 'ws',
        host: 'localhost:8081',
        protocol: 'ws',
        security: [[{ scheme: 'oidc', scopes: [] }], [{ scheme: 'opaque', scopes: [] }]],
      },
    ],
    operations: [
      {
        id: 'switchLight',
        action: 'send',
        channel: 'switch',
        address: 'lights/{id}/switch',
        servers: ['mqtt', 'ws'],
        security: [[{ scheme: 'oauth', scopes: ['lights:write'] }], [{ scheme: 'oidc', scopes: ['lights:write'] }]],
      },
      {
        id: 'readLight',
        action: 'receive',
        channel: 'status',
        address: 'lights/{id}/status',
        servers: ['mqtt', 'web', 'ws'],
        security: [],
      },
    ],
  });
}

describe('guard with token schemes and a real OAuth 2.0 server', () => {
  let server: OAuth2Server;
  let issuer: string;
  let guard: Guard;
  let audit: ReturnType<typeof captureAudit>;
  const errors: string[] = [];
  const results: unknown[] = [];

  const token = (scope: string, claims: Record<string, unknown> = {}) =>
    server.issuer.buildToken({
      scopesOrTransform: (_h, p) =>
        Object.assign(p, { sub: 'device-7', aud: AUDIENCE, scope, note: MARKER, ...claims }),
    });

  before(async () => {
    server = new OAuth2Server();
    await server.issuer.keys.generate('RS256');
    await server.start(0, '127.0.0.1');
    issuer = server.issuer.url as string;
    server.service.on(
      'beforeIntrospect',
      (response: { body: unknown; statusCode: number }, req: { headers: Record<string, string> }) => {
        const ok = req.headers['authorization'] === `Basic ${Buffer.from(`rs:${CLIENT_SECRET}`).toString('base64')}`;
        response.statusCode = ok ? 200 : 401;
        response.body = ok
          ? { active: true, sub: 'svc-1', scope: 'lights:read', exp: Math.floor(Date.now() / 1000) + 300 }
          : { error: 'invalid_client' };
      },
    );
    process.env[SECRET_ENV] = CLIENT_SECRET;
    audit = captureAudit({ level: 'debug' });
    const jwtBinding = { issuer, audience: AUDIENCE, jwks: `${issuer}/jwks`, algorithms: ['RS256'] };
    guard = await createGuard(lightsModel(`${issuer}/.well-known/openid-configuration`), {
      store: createMemoryStore(),
      schemes: {
        oauth: jwtBinding,
        jwt: { ...jwtBinding, realm: 'lights' },
        opaque: { introspection: { url: `${issuer}/introspect`, clientId: 'rs', clientSecret: `env:${SECRET_ENV}` } },
        oidc: { audience: AUDIENCE },
        userPass: {},
      },
      audit: { logger: audit.logger },
      sleep: async () => {},
    });
  });
  after(async () => {
    delete process.env[SECRET_ENV];
    await guard?.close();
    await server.stop();
  });

  it('tokens: a token with lights:write may switch a light; one without gets scope_missing', async () => {
    const writer = await guard.authenticate('mqtt', {
      login: { username: 'device-7', password: await token('lights:read lights:write') },
    });
    results.push(writer);
    assert.ok(writer.ok, JSON.stringify(writer));
    assert.equal(writer.session.principal.id, 'device-7');
    assert.deepEqual(writer.session.principal.scopes, ['lights:read', 'lights:write']);
    assert.equal(guard.authorize(writer.session, { action: 'publish', channel: 'lights/7/switch' }).reason, 'allowed');

    const reader = await guard.authenticate('mqtt', {
      login: { username: 'device-7', password: await token('lights:read') },
    });
    results.push(reader);
    assert.ok(reader.ok);
    const d = guard.authorize(reader.session, { action: 'publish', channel: 'lights/7/switch' });
    assert.deepEqual([d.allowed, d.reason], [false, 'scope_missing']);
    assert.equal(
      guard.authorize(reader.session, { action: 'subscribe', channel: 'lights/7/status' }).reason,
      'allowed',
    );
  });

  it('tokens: an OpenID Connect token (discovered provider) in presented.token gates the same operation', async () => {
    const r = await guard.authenticate('ws', { token: await token('openid lights:write') });
    results.push(r);
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.session.principal.scheme, 'oidc');
    assert.equal(guard.authorize(r.session, { action: 'publish', channel: 'lights/1/switch' }).reason, 'allowed');
  });

  it(
    'tokens: an opaque token is introspected (client ' + 'secret from env:) when the JWT scheme does not take it',
    async () => {
      const r = await guard.authenticate('ws', { headers: { authorization: `Bearer opaque-${MARKER}` } });
      results.push(r);
      assert.ok(r.ok, JSON.stringify(r));
      assert.equal(r.session.principal.scheme, 'opaque');
      assert.equal(r.session.principal.id, 'svc-1');
      assert.equal(
        guard.authorize(r.session, { action: 'publish', channel: 'lights/1/switch' }).reason,
        'credentials_missing',
      );
    },
  );

  it('tokens: a token for another audience is refused as invalid_credentials with the reason, no subject', async () => {
    const r = await guard.authenticate('mqtt', {
      login: { password: await token('lights:write', { aud: 'other', sub: `victim-${MARKER}` }) },
    });
    results.push(r);
    assert.equal(r.ok, false);
    assert.ok(!r.ok);
    assert.equal(r.refusal.reason, 'invalid_credentials');
    assert.deepEqual(r.refusal.tried, [{ scheme: 'oauth', outcome: 'invalid', reason: 'wrong_audience' }]);
  });

  it('tokens: without credentials an HTTP 401 carries both the Basic and the Bearer challenge', async () => {
    const r = await guard.authenticate('web', { headers: {} });
    results.push(r);
    assert.ok(!r.ok);
    assert.equal(r.refusal.reason, 'no_credentials');
    assert.deepEqual([...r.refusal.challenges].sort(), ['Basic realm="web", charset="UTF-8"', 'Bearer realm="lights"']);
  });

  it('tokens: a bearer JWT on the web server is ok after the userPassword alternative is absent', async () => {
    const r = await guard.authenticate('web', { headers: { authorization: `Bearer ${await token('lights:read')}` } });
    results.push(r);
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.session.principal.scheme, 'jwt');
    assert.equal(r.session.alternative, 1);
  });

  it(
    'tokens: failed tokens never lock out a subject taken ' + 'from the token (it is unverified, attacker-controlled)',
    async () => {
      const strict = await createGuard(lightsModel(`${issuer}/.well-known/openid-configuration`), {
        store: createMemoryStore(),
        schemes: {
          oauth: { issuer, audience: AUDIENCE, jwks: `${issuer}/jwks` },
          jwt: { issuer, audience: AUDIENCE, jwks: `${issuer}/jwks` },
          opaque: { introspection: { url: `${issuer}/introspect`, clientId: 'rs', clientSecret: `env:${SECRET_ENV}` } },
          oidc: { audience: AUDIENCE },
          userPass: {},
        },
        throttle: { freeFailures: 0, baseDelayMs: 0, lockoutAfter: 3 },
        sleep: async () => {},
      });
      // An attacker forges tokens naming the victim, from several addresses.
      for (let i = 0; i < 6; i++) {
        const bad = await strict.authenticate('mqtt', {
          remote: `10.0.0.${i + 1}`,
          login: { username: 'device-7', password: await token('x', { iss: 'https://evil.example' }) },
        });
        assert.ok(!bad.ok);
        assert.equal(bad.refusal.reason, 'invalid_credentials');
      }
      // The victim, from its own address, still gets in: no lockout keyed on the token's sub.
      const good = await strict.authenticate('mqtt', {
        remote: '10.0.1.1',
        login: { username: 'device-7', password: await token('lights:write') },
      });
      assert.ok(good.ok, JSON.stringify(good));
      // The addresses that failed are locked out (the throttle itself works here).
      for (let i = 0; i < 3; i++)
        await strict.authenticate('mqtt', { remote: '10.0.9.9', login: { password: 'not-a-token' } });
      const locked = await strict.authenticate('mqtt', {
        remote: '10.0.9.9',
        login: { password: await token('lights:write') },
      });
      assert.equal(!locked.ok && locked.refusal.reason, 'throttled');
      await strict.close();
    },
  );

  it('tokens: a binding the guard cannot enforce stops it at startup, never quoting a value', async () => {
    const m = lightsModel(`${issuer}/.well-known/openid-configuration`);
    const base = {
      oauth: { issuer, audience: AUDIENCE, jwks: `${issuer}/jwks` },
      jwt: { issuer, audience: AUDIENCE, jwks: `${issuer}/jwks` },
      oidc: { audience: AUDIENCE },
      userPass: {},
      opaque: { introspection: { url: `${issuer}/introspect`, clientId: 'rs', clientSecret: `env:${SECRET_ENV}` } },
    };
    const cases: [Record<string, SchemeBinding>, string][] = [
      [{ ...base, oauth: { audience: AUDIENCE, jwks: `${issuer}/jwks` } }, 'schemes.oauth.issuer'],
      [{ ...base, oauth: { ...base.oauth, algorithms: ['none'] } }, 'schemes.oauth.algorithms.0'],
      [{ ...base, oauth: { ...base.oauth, algorithms: [] } }, 'schemes.oauth.algorithms'],
      [
        {
          ...base,
          opaque: { introspection: { url: `${issuer}/introspect`, clientId: 'rs', clientSecret: CLIENT_SECRET } },
        },
        'schemes.opaque.introspection.clientSecret',
      ],
      [{ ...base, oidc: {} }, 'schemes.oidc.audience'],
      [{ ...base, jwt: {} }, 'schemes.jwt.issuer'],
    ];
    for (const [schemes, pointer] of cases) {
      await assert.rejects(
        createGuard(m, { store: createMemoryStore(), schemes }),
        (e: Error & { code?: string; pointer?: string }) => {
          errors.push(e.message);
          assert.equal(e.code, 'ERR_CONFIG_INVALID', e.message);
          assert.equal(e.pointer, pointer, e.message);
          return true;
        },
      );
    }
  });

  it(
    'secrets: no token, client secret or marker reaches an ' +
      'outcome, a refusal, an audit line, a metric or an error',
    async () => {
      const t = await token('lights:write');
      results.push(await guard.authenticate('mqtt', { login: { password: `${t}x` } }));
      results.push(await guard.authenticate('web', { headers: { authorization: `Bearer ${MARKER} ${MARKER}` } }));
      results.push(
        await guard.authenticate('web', { headers: { authorization: `Bearer ${'A'.repeat(9000)}${MARKER}` } }),
      );
      const text = JSON.stringify(results) + audit.lines.join('\n') + guard.metrics() + errors.join('\n');
      assert.ok(audit.lines.length > 0 && results.length > 5 && errors.length > 0);
      assert.ok(!text.includes(MARKER), 'marker leaked');
      assert.ok(!text.includes(t.split('.')[2] as string), 'a token signature leaked');
      assert.ok(!text.includes('eyJ'), 'a JWT leaked');
    },
  );
});
