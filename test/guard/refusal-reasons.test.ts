// Refusals name the real cause (issue 11): a token in the MQTT CONNECT password that verifies but
// lacks the scope the server's alternative lists was logged and counted as `scheme: userPass,
// reason: unknown_principal` (the userPassword scheme's reading of the same password). The audit
// line, the metric and the Refusal now name the oauth2 scheme and `scope_missing`; the
// userPassword misreading is listed in `tried` but is not a guess. Checked at the guard and
// through the MQTT front with mqtt.js against a real OAuth 2.0 server (oauth2-mock-server).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { OAuth2Server } from 'oauth2-mock-server';
import { createGuard, type Guard } from '../../src/guard/index.js';
import { createMemoryStore, type MemoryStore } from '../../src/credentials/memory.js';
import type { SecurityModel } from '../../src/model/types.js';
import type { SchemeBinding } from '../../src/config/types.js';
import { startFront, refusedWith, connected, end, type Harness } from '../transports/fixtures-mqtt/helpers.js';
import { captureAudit, model } from './helpers.js';

const AUDIENCE = 'lights';

// The series of one scope shortfall on the oauth2 scheme (and nothing counted on userPass).
const SCOPE_MISSING_ON_OAUTH = new RegExp(
  String.raw`^asyncapi_guard_authentications_total\{server="mqtt",scheme="oauth",result="denied",` +
    String.raw`reason="scope_missing"\} 1$`,
  'm',
);

const lastConnect = (audit: ReturnType<typeof captureAudit>) =>
  audit
    .events()
    .filter((e) => e['action'] === 'connect')
    .at(-1)!;

function lights(): SecurityModel {
  return model({
    schemes: {
      userPass: { type: 'userPassword' },
      oauth: {
        type: 'oauth2',
        flows: {
          clientCredentials: {
            tokenUrl: 'https://idp.example/token',
            availableScopes: { 'lights:write': 'switch', 'lights:read': 'read' },
          },
        },
      },
    },
    servers: [
      {
        name: 'mqtt',
        host: 'localhost:1883',
        protocol: 'mqtt',
        security: [[{ scheme: 'userPass', scopes: [] }], [{ scheme: 'oauth', scopes: ['lights:write'] }]],
      },
    ],
    operations: [
      {
        id: 'switchLight',
        action: 'send',
        channel: 'switch',
        address: 'lights/{id}/switch',
        servers: ['mqtt'],
        security: [],
      },
    ],
  });
}

describe('refusals name the real cause', () => {
  let idp: OAuth2Server;
  let store: MemoryStore;
  let bindings: Record<string, SchemeBinding>;
  const token = (scope: string, claims: Record<string, unknown> = {}) =>
    idp.issuer.buildToken({
      scopesOrTransform: (_h, p) => Object.assign(p, { sub: 'device-7', aud: AUDIENCE, scope, ...claims }),
    });

  before(async () => {
    idp = new OAuth2Server();
    await idp.issuer.keys.generate('RS256');
    await idp.start(0, '127.0.0.1');
    const issuer = idp.issuer.url as string;
    bindings = {
      userPass: {},
      oauth: { issuer, audience: AUDIENCE, jwks: `${issuer}/jwks`, algorithms: ['RS256'] },
    };
    store = createMemoryStore();
    await store.addPrincipal({ name: 'alice', password: 'alice-pw', scopes: [], iterations: 4096 });
  });
  after(() => idp.stop());

  describe('at the guard', () => {
    let guard: Guard;
    let audit: ReturnType<typeof captureAudit>;
    before(async () => {
      audit = captureAudit({ level: 'info' });
      guard = await createGuard(lights(), {
        store,
        schemes: bindings,
        audit: { logger: audit.logger },
        throttle: { freeFailures: 0, baseDelayMs: 1, lockoutAfter: 2 },
        sleep: async () => {},
      });
    });
    after(() => guard.close());

    it('a token without the scope: scope_missing on the oauth2 scheme (refusal, audit line, metric)', async () => {
      const r = await guard.authenticate('mqtt', {
        remote: '10.1.0.1',
        login: { username: 'device-7', password: await token('lights:read') },
      });
      assert.ok(!r.ok);
      assert.equal(r.refusal.reason, 'scope_missing');
      assert.deepEqual(r.refusal.tried, [
        { scheme: 'userPass', outcome: 'invalid', reason: 'unknown_principal' },
        { scheme: 'oauth', outcome: 'scope_missing' },
      ]);
      const line = lastConnect(audit);
      assert.deepEqual(
        [line['scheme'], line['reason'], line['result'], line['principal']],
        ['oauth', 'scope_missing', 'denied', 'device-7'],
      );
      const metrics = guard.metrics();
      assert.match(metrics, SCOPE_MISSING_ON_OAUTH);
      assert.doesNotMatch(metrics, /reason="unknown_principal"/);
    });

    it('the misreading is no guess: repeated scope shortfalls lock nothing out', async () => {
      for (let i = 0; i < 5; i++)
        await guard.authenticate('mqtt', {
          remote: '10.1.0.2',
          login: { username: 'alice', password: await token('lights:read') },
        });
      assert.ok(
        (await guard.authenticate('mqtt', { remote: '10.1.0.2', login: { username: 'alice', password: 'alice-pw' } }))
          .ok,
      );
    });

    it('an expired token: named as expired on oauth, not unknown_principal on userPass', async () => {
      const r = await guard.authenticate('mqtt', {
        remote: '10.1.0.4',
        login: {
          username: 'device-7',
          password: await token('lights:write', { exp: Math.floor(Date.now() / 1000) - 3600 }),
        },
      });
      assert.equal(!r.ok && r.refusal.reason, 'invalid_credentials');
      const line = lastConnect(audit);
      assert.deepEqual([line['scheme'], line['reason']], ['oauth', 'expired']);
      assert.match(
        guard.metrics(),
        /^asyncapi_guard_authentications_total\{[^}]*scheme="oauth"[^}]*reason="expired"\} 1$/m,
      );
    });

    it('a wrong password is still a wrong password (bad_password on userPass), not a scope shortfall', async () => {
      const r = await guard.authenticate('mqtt', {
        remote: '10.1.0.3',
        login: { username: 'alice', password: 'wrong' },
      });
      assert.equal(!r.ok && r.refusal.reason, 'invalid_credentials');
      const line = lastConnect(audit);
      assert.deepEqual([line['scheme'], line['reason'], line['principal']], ['userPass', 'bad_password', 'alice']);
    });
  });

  describe('through the MQTT front (mqtt.js)', () => {
    let h: Harness;
    let audit: ReturnType<typeof captureAudit>;
    before(async () => {
      audit = captureAudit({ level: 'info' });
      h = await startFront(lights(), {
        server: 'mqtt',
        schemes: bindings,
        store,
        guardExtra: { audit: { logger: audit.logger } },
      });
    });
    after(() => h.close());

    it('CONNECT with a token lacking the scope: refused, audited and counted as scope_missing on oauth', async () => {
      const code = await refusedWith(h.url, { username: 'device-7', password: await token('lights:read') });
      assert.ok(code === 4 || code === 5, `CONNACK ${code}`);
      const line = lastConnect(audit);
      assert.deepEqual([line['scheme'], line['reason'], line['result']], ['oauth', 'scope_missing', 'denied']);
      assert.match(h.guard.metrics(), SCOPE_MISSING_ON_OAUTH);
      // With the scope, the same shape connects.
      const c = await connected(h.url, { username: 'device-7', password: await token('lights:read lights:write') });
      await end(c);
    });
  });
});
