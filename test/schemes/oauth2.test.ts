// oauth2: startup checks of the binding, and verification against a REAL OAuth 2.0 server on
// loopback (oauth2-mock-server@8): JWT access tokens with its JWKS, opaque tokens through its RFC
// 7662 introspection endpoint with a client secret from `env:`, and fail-closed when it is down.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { OAuth2Server } from 'oauth2-mock-server';
import { createMemoryStore } from '../../src/credentials/memory.js';
import type { Scheme } from '../../src/model/types.js';
import { oauth2 } from '../../src/schemes/oauth2.js';
import type { Verifier, VerifierContext } from '../../src/schemes/types.js';
import { invalidReason, okPrincipal, verify } from './helpers.js';

const AUDIENCE = 'streetlights';
const CLIENT_ID = 'lights-rs';
const SECRET_ENV = 'OAUTH2_TEST_CLIENT_SECRET';
const CLIENT_SECRET = 'client-secret-9f3a';
const OPAQUE = 'opaque-token-7c1e';

const scheme: Scheme = {
  type: 'oauth2',
  flows: {
    clientCredentials: { tokenUrl: 'https://idp.example/token', availableScopes: { 'lights:write': 'switch lights' } },
  },
};
const store = createMemoryStore();

function ctx(options: Record<string, unknown>, now: () => number = Date.now, name = 'oauth'): VerifierContext {
  return Object.freeze({
    name,
    scheme,
    options: Object.freeze(options),
    store,
    now,
    realm: 'production',
    baseDir: process.cwd(),
  });
}

async function startupError(
  options: Record<string, unknown>,
): Promise<{ code: string; pointer: string; message: string }> {
  try {
    await oauth2.createVerifier(ctx(options));
  } catch (e) {
    return e as { code: string; pointer: string; message: string };
  }
  throw new Error('expected a startup error');
}

/**
 * A real OAuth 2.0 server on 127.0.0.1, with one RS256 key. Its introspection endpoint (which
 * parses no request body) refuses a client that does not authenticate, and answers the others
 * with `answer.active` (the test flips it).
 */
async function startServer(): Promise<{
  server: OAuth2Server;
  issuer: string;
  introspections: string[];
  answer: { active: boolean };
}> {
  const server = new OAuth2Server();
  await server.issuer.keys.generate('RS256');
  await server.start(0, '127.0.0.1');
  const introspections: string[] = [];
  const answer = { active: true };
  server.service.on(
    'beforeIntrospect',
    (response: { body: unknown; statusCode: number }, req: { headers: Record<string, string> }) => {
      const expected = `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`;
      introspections.push(req.headers['authorization'] === expected ? 'authenticated' : 'anonymous');
      if (req.headers['authorization'] !== expected) {
        response.statusCode = 401;
        response.body = { error: 'invalid_client' };
        return;
      }
      const now = Math.floor(Date.now() / 1000);
      response.body = answer.active
        ? {
            active: true,
            sub: 'device-9',
            scope: 'lights:read lights:write',
            client_id: 'dev',
            exp: now + 600,
            iat: now,
            aud: AUDIENCE,
            iss: server.issuer.url,
          }
        : { active: false };
    },
  );
  return { server, issuer: server.issuer.url as string, introspections, answer };
}

/** A token from the server with these extra claims (the server sets iss, iat, exp, nbf). */
function token(server: OAuth2Server, claims: Record<string, unknown> = {}, expiresIn = 600): Promise<string> {
  return server.issuer.buildToken({
    expiresIn,
    scopesOrTransform: (_header, payload) =>
      Object.assign(payload, { sub: 'device-7', aud: AUDIENCE, scope: 'lights:write', ...claims }),
  });
}

describe('oauth2: startup (fail closed)', () => {
  it('oauth2: JWT verification needs an issuer: no default, or a token from any issuer would pass', async () => {
    const e = await startupError({ audience: AUDIENCE, jwks: 'https://idp.example/jwks' });
    assert.deepEqual([e.code, e.pointer], ['ERR_CONFIG_INVALID', 'schemes.oauth.issuer']);
  });

  it('oauth2: an empty binding fails startup naming the JWT keys and introspection', async () => {
    const e = await startupError({});
    assert.deepEqual([e.code, e.pointer], ['ERR_CONFIG_INVALID', 'schemes.oauth.issuer']);
    assert.match(e.message, /introspection/);
  });

  it('oauth2: a literal client secret is refused and never quoted', async () => {
    const e = await startupError({
      introspection: { url: 'https://idp.example/introspect', clientId: CLIENT_ID, clientSecret: 'literal-MARKER' },
    });
    assert.deepEqual([e.code, e.pointer], ['ERR_CONFIG_INVALID', 'schemes.oauth.introspection.clientSecret']);
    assert.ok(!e.message.includes('literal-MARKER'));
  });

  it('oauth2: the config schema lists the token keys and stays closed', () => {
    const props = Object.keys(oauth2.configSchema['properties'] as object).sort();
    assert.deepEqual(props, [
      'algorithms',
      'audience',
      'cacheSize',
      'clockToleranceSec',
      'introspection',
      'issuer',
      'jwks',
      'maxTokenBytes',
      'realm',
      'requiredClaims',
      'scopeClaim',
      'subjectClaim',
    ]);
    assert.equal(oauth2.configSchema['additionalProperties'], false);
  });
});

describe('oauth2: against a real OAuth 2.0 server on loopback', () => {
  let idp: Awaited<ReturnType<typeof startServer>>;
  let jwt: Verifier;

  before(async () => {
    idp = await startServer();
    process.env[SECRET_ENV] = CLIENT_SECRET;
    jwt = await oauth2.createVerifier(
      ctx({ issuer: idp.issuer, audience: AUDIENCE, jwks: `${idp.issuer}/jwks`, algorithms: ['RS256'] }),
    );
  });
  after(async () => {
    delete process.env[SECRET_ENV];
    await idp.server.stop();
  });

  it('oauth2: a real token in the Authorization header is ok, with the scopes it grants', async () => {
    const p = okPrincipal(await verify(jwt, { headers: { authorization: `Bearer ${await token(idp.server)}` } }));
    assert.equal(p.id, 'device-7');
    assert.equal(p.scheme, 'oauth');
    assert.deepEqual(p.scopes, ['lights:write']);
    assert.equal(p.claims['iss'], idp.issuer);
    assert.ok(typeof p.expiresAt === 'number' && p.expiresAt > Date.now());
  });

  it('oauth2: a real token in the MQTT CONNECT password is ok', async () => {
    const t = await token(idp.server);
    okPrincipal(await verify(jwt, { login: { username: 'device-7', password: new TextEncoder().encode(t) } }));
  });

  it('oauth2: a real token in presented.token (WebSocket subprotocol) is ok', async () => {
    okPrincipal(await verify(jwt, { token: await token(idp.server) }));
  });

  it('rejects a real token for another audience', async () => {
    assert.deepEqual(await verify(jwt, { token: await token(idp.server, { aud: 'someone-else' }) }), {
      kind: 'invalid',
      reason: 'wrong_audience',
    });
  });

  it('rejects a real token from another issuer', async () => {
    assert.deepEqual(await verify(jwt, { token: await token(idp.server, { iss: 'https://evil.example' }) }), {
      kind: 'invalid',
      reason: 'wrong_issuer',
    });
  });

  it('rejects a real token once it has expired (injected clock two hours on)', async () => {
    const later = await oauth2.createVerifier(
      ctx({ issuer: idp.issuer, audience: AUDIENCE, jwks: `${idp.issuer}/jwks` }, () => Date.now() + 2 * 3600_000),
    );
    assert.deepEqual(await verify(later, { token: await token(idp.server) }), { kind: 'invalid', reason: 'expired' });
  });

  it(
    'oauth2: an opaque token is introspected with the client ' + 'secret from env:, and its answer gives the principal',
    async () => {
      const v = await oauth2.createVerifier(
        ctx({
          audience: AUDIENCE,
          introspection: { url: `${idp.issuer}/introspect`, clientId: CLIENT_ID, clientSecret: `env:${SECRET_ENV}` },
        }),
      );
      const before = idp.introspections.length;
      const p = okPrincipal(await verify(v, { headers: { authorization: `Bearer ${OPAQUE}` } }));
      assert.equal(p.id, 'device-9');
      assert.deepEqual(p.scopes, ['lights:read', 'lights:write']);
      assert.equal(p.claims['client_id'], 'dev');
      assert.deepEqual(idp.introspections.slice(before), ['authenticated']);
      idp.answer.active = false;
      try {
        assert.deepEqual(await verify(v, { token: 'revoked-opaque-token' }), {
          kind: 'invalid',
          reason: 'token_inactive',
        });
      } finally {
        idp.answer.active = true;
      }
    },
  );

  it('rejects every token when the introspection client secret is wrong (fail closed)', async () => {
    process.env['OAUTH2_TEST_WRONG_SECRET'] = 'not-the-secret';
    const v = await oauth2.createVerifier(
      ctx({
        introspection: {
          url: `${idp.issuer}/introspect`,
          clientId: CLIENT_ID,
          clientSecret: 'env:OAUTH2_TEST_WRONG_SECRET',
        },
      }),
    );
    delete process.env['OAUTH2_TEST_WRONG_SECRET'];
    const before = idp.introspections.length;
    // The endpoint answers 401 to a client it does not know: no answer to trust, so fail closed.
    assert.deepEqual(await verify(v, { token: 'another-opaque-token' }), {
      kind: 'invalid',
      reason: 'keys_unavailable',
    });
    assert.deepEqual(idp.introspections.slice(before), ['anonymous']);
  });

  it('oauth2: introspection with an audience binding refuses an answer for another audience', async () => {
    const v = await oauth2.createVerifier(
      ctx({
        audience: 'other',
        introspection: { url: `${idp.issuer}/introspect`, clientId: CLIENT_ID, clientSecret: `env:${SECRET_ENV}` },
      }),
    );
    assert.equal(invalidReason(await verify(v, { token: OPAQUE })), 'wrong_audience');
  });
});

describe('oauth2: when the authorization server is down', () => {
  it('rejects with keys_unavailable when the JWKS was never fetched (fail closed, never allow)', async () => {
    const idp = await startServer();
    const t = await token(idp.server);
    const { issuer } = idp;
    await idp.server.stop();
    const v = await oauth2.createVerifier(ctx({ issuer, audience: AUDIENCE, jwks: `${issuer}/jwks` }));
    assert.deepEqual(await verify(v, { token: t }), { kind: 'invalid', reason: 'keys_unavailable' });
  });

  it('rejects with keys_unavailable when the introspection endpoint is down', async () => {
    const idp = await startServer();
    const { issuer } = idp;
    await idp.server.stop();
    process.env[SECRET_ENV] = CLIENT_SECRET;
    const v = await oauth2.createVerifier(
      ctx({ introspection: { url: `${issuer}/introspect`, clientId: CLIENT_ID, clientSecret: `env:${SECRET_ENV}` } }),
    );
    delete process.env[SECRET_ENV];
    assert.deepEqual(await verify(v, { token: OPAQUE }), { kind: 'invalid', reason: 'keys_unavailable' });
  });

  it('oauth2: keeps verifying with keys fetched before the server went down', async () => {
    const idp = await startServer();
    const first = await token(idp.server);
    const second = await token(idp.server, { sub: 'device-8' });
    const { issuer } = idp;
    const v = await oauth2.createVerifier(ctx({ issuer, audience: AUDIENCE, jwks: `${issuer}/jwks` }));
    okPrincipal(await verify(v, { token: first }));
    await idp.server.stop();
    assert.equal(okPrincipal(await verify(v, { token: second })).id, 'device-8');
  });
});
