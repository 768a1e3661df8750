// openIdConnect: the provider is discovered through the document scheme's openIdConnectUrl, here a
// REAL OpenID provider on loopback (oauth2-mock-server@8); startup checks of the URL and binding.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { OAuth2Server } from 'oauth2-mock-server';
import { createMemoryStore } from '../../src/credentials/memory.js';
import type { Scheme } from '../../src/model/types.js';
import { openIdConnect } from '../../src/schemes/open-id-connect.js';
import type { VerifierContext } from '../../src/schemes/types.js';
import { okPrincipal, verify } from './helpers.js';

const AUDIENCE = 'streetlights';
const store = createMemoryStore();

function ctx(
  openIdConnectUrl: unknown,
  options: Record<string, unknown> = { audience: AUDIENCE },
  now: () => number = Date.now,
): VerifierContext {
  const scheme: Scheme = { type: 'openIdConnect', openIdConnectUrl };
  return Object.freeze({
    name: 'oidc',
    scheme,
    options: Object.freeze(options),
    store,
    now,
    realm: 'production',
    baseDir: process.cwd(),
  });
}

function startupError(
  url: unknown,
  options?: Record<string, unknown>,
): { code: string; pointer: string; message: string } {
  try {
    openIdConnect.createVerifier(ctx(url, options));
  } catch (e) {
    return e as { code: string; pointer: string; message: string };
  }
  throw new Error('expected a startup error');
}

const token = (server: OAuth2Server, claims: Record<string, unknown> = {}) =>
  server.issuer.buildToken({
    scopesOrTransform: (_h, payload) =>
      Object.assign(payload, { sub: 'user-1', aud: AUDIENCE, scope: 'openid lights:read', ...claims }),
  });

describe('openIdConnect: startup (fail closed)', () => {
  it('openIdConnect: audience is required', () => {
    const e = startupError('https://idp.example/.well-known/openid-configuration', {});
    assert.deepEqual([e.code, e.pointer], ['ERR_CONFIG_INVALID', 'schemes.oidc.audience']);
  });

  it('openIdConnect: the openIdConnectUrl must be https or loopback http, without credentials', () => {
    for (const url of [
      'http://idp.example/.well-known/openid-configuration',
      'https://user:MARKER@idp.example/.well-known/openid-configuration',
      'ftp://idp.example/.well-known/openid-configuration',
      'not a url',
      undefined,
    ]) {
      const e = startupError(url);
      assert.deepEqual([e.code, e.pointer], ['ERR_SCHEME_UNSUPPORTED', 'schemes.oidc'], String(url));
      assert.ok(!e.message.includes('MARKER'));
    }
  });

  it(
    'openIdConnect: the openIdConnectUrl must be a discovery ' + 'URL (…/.well-known/openid-configuration, no query)',
    () => {
      for (const url of ['https://idp.example/', 'https://idp.example/.well-known/openid-configuration?x=MARKER']) {
        const e = startupError(url);
        assert.deepEqual([e.code, e.pointer], ['ERR_SCHEME_UNSUPPORTED', 'schemes.oidc'], url);
        assert.ok(!e.message.includes('MARKER'));
      }
    },
  );

  it("openIdConnect: takes neither jwks nor introspection (the provider's discovery document names the keys)", () => {
    for (const key of ['jwks', 'introspection']) {
      const e = startupError('https://idp.example/.well-known/openid-configuration', {
        audience: AUDIENCE,
        [key]: 'x',
      });
      assert.deepEqual([e.code, e.pointer], ['ERR_CONFIG_INVALID', `schemes.oidc.${key}`]);
    }
    assert.equal((openIdConnect.configSchema['properties'] as Record<string, unknown>)['jwks'], undefined);
  });

  it("openIdConnect: algorithms without 'none'; the challenge is Bearer", () => {
    const e = startupError('https://idp.example/.well-known/openid-configuration', {
      audience: AUDIENCE,
      algorithms: ['none'],
    });
    assert.deepEqual([e.code, e.pointer], ['ERR_CONFIG_INVALID', 'schemes.oidc.algorithms']);
    const v = openIdConnect.createVerifier(
      ctx('https://idp.example/.well-known/openid-configuration', { audience: AUDIENCE, realm: 'east' }),
    );
    assert.equal(v.challenge, 'Bearer realm="east"');
    assert.equal(v.source, 'bearer');
    assert.equal(v.claimedSubject({ token: 'a.b.c' }), null);
  });
});

describe('openIdConnect: against a real OpenID provider on loopback', () => {
  let server: OAuth2Server;
  let discovery: string;
  let issuer: string;

  before(async () => {
    server = new OAuth2Server();
    await server.issuer.keys.generate('RS256');
    await server.start(0, '127.0.0.1');
    issuer = server.issuer.url as string;
    discovery = `${issuer}/.well-known/openid-configuration`;
  });
  after(async () => {
    await server.stop();
  });

  it('openIdConnect: discovers issuer and keys through the openIdConnectUrl and verifies a real token', async () => {
    const v = openIdConnect.createVerifier(ctx(discovery));
    const p = okPrincipal(await verify(v, { headers: { authorization: `Bearer ${await token(server)}` } }));
    assert.equal(p.id, 'user-1');
    assert.equal(p.scheme, 'oidc');
    assert.deepEqual(p.scopes, ['openid', 'lights:read']);
    assert.equal(p.claims['iss'], issuer);
  });

  it('openIdConnect: the MQTT password and presented.token carry the token too', async () => {
    const v = openIdConnect.createVerifier(ctx(discovery));
    okPrincipal(await verify(v, { login: { username: 'u', password: await token(server) } }));
    okPrincipal(await verify(v, { token: await token(server) }));
  });

  it('rejects a real token for another audience', async () => {
    const v = openIdConnect.createVerifier(ctx(discovery, { audience: 'other-client' }));
    assert.deepEqual(await verify(v, { token: await token(server) }), { kind: 'invalid', reason: 'wrong_audience' });
  });

  it('rejects a real token whose iss is not the discovered issuer', async () => {
    const v = openIdConnect.createVerifier(ctx(discovery));
    assert.deepEqual(await verify(v, { token: await token(server, { iss: 'https://evil.example' }) }), {
      kind: 'invalid',
      reason: 'wrong_issuer',
    });
  });

  it('rejects an expired real token (injected clock)', async () => {
    const v = openIdConnect.createVerifier(ctx(discovery, { audience: AUDIENCE }, () => Date.now() + 2 * 3600_000));
    assert.deepEqual(await verify(v, { token: await token(server) }), { kind: 'invalid', reason: 'expired' });
  });

  it(
    'openIdConnect: the issuer key must match the discovered ' + 'issuer, else nothing is trusted (keys_unavailable)',
    async () => {
      const right = openIdConnect.createVerifier(ctx(discovery, { audience: AUDIENCE, issuer }));
      okPrincipal(await verify(right, { token: await token(server) }));
      const wrong = openIdConnect.createVerifier(
        ctx(discovery, { audience: AUDIENCE, issuer: 'https://elsewhere.example' }),
      );
      assert.deepEqual(await verify(wrong, { token: await token(server) }), {
        kind: 'invalid',
        reason: 'keys_unavailable',
      });
    },
  );

  it('openIdConnect: algorithms narrows what is accepted', async () => {
    const v = openIdConnect.createVerifier(ctx(discovery, { audience: AUDIENCE, algorithms: ['ES256'] }));
    assert.deepEqual(await verify(v, { token: await token(server) }), { kind: 'invalid', reason: 'alg_not_allowed' });
  });
});

describe('openIdConnect: when the provider is down', () => {
  it('rejects with keys_unavailable before discovery has ever succeeded (fail closed)', async () => {
    const server = new OAuth2Server();
    await server.issuer.keys.generate('RS256');
    await server.start(0, '127.0.0.1');
    const discovery = `${server.issuer.url as string}/.well-known/openid-configuration`;
    const t = await token(server);
    await server.stop();
    const v = openIdConnect.createVerifier(ctx(discovery));
    assert.deepEqual(await verify(v, { token: t }), { kind: 'invalid', reason: 'keys_unavailable' });
  });
});
