import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createOpenIdVerifier, discoverOpenIdConfiguration } from '../../src/tokens/index.js';
import type { TokenOutcome } from '../../src/tokens/index.js';
import { clock, startIdp } from './helpers.js';

const reasonOf = (o: TokenOutcome) => (o.ok ? 'ok' : o.reason);
const base = { audience: 'api', algorithms: ['RS256', 'ES256'] };

describe('oidc: discovery against a real provider', () => {
  test('oidc: discovers the issuer and jwks_uri, then verifies a real token', async () => {
    const idp = await startIdp(['RS256']);
    const d = await discoverOpenIdConfiguration(idp.discoveryUrl, { timeoutMs: 2000, maxBytes: 65536 });
    assert.ok(d.ok);
    assert.equal(d.configuration.issuer, idp.issuer);
    assert.equal(d.configuration.jwksUri, idp.jwksUrl);
    assert.equal(d.configuration.introspectionEndpoint, idp.introspectUrl);
    const v = createOpenIdVerifier(idp.discoveryUrl, base);
    const o = await v.verify(await idp.fetchToken('read'));
    assert.ok(o.ok, reasonOf(o));
    assert.deepEqual(o.scopes, ['read']);
    assert.equal(v.stats?.().fetches, 2, 'one discovery, one JWKS');
    // Tokens from another issuer are refused, as in any JWT verifier.
    assert.equal(reasonOf(await v.verify(await idp.buildToken({ iss: 'https://evil.example' }))), 'wrong_issuer');
    v.close();
    await idp.stop();
  });

  test('oidc: a token over maxTokenBytes is refused malformed before any discovery', async () => {
    // Port 9 on loopback: nothing answers, so discovery could only fail.
    const v = createOpenIdVerifier('http://127.0.0.1:9/.well-known/openid-configuration', {
      ...base,
      maxTokenBytes: 256,
    });
    assert.equal(reasonOf(await v.verify('a'.repeat(5000))), 'malformed');
    assert.equal(v.stats?.().fetches, 0, 'no discovery attempted');
    v.close();
  });

  test('oidc: concurrent first verifies share one discovery', async () => {
    const idp = await startIdp(['ES256']);
    const v = createOpenIdVerifier(idp.discoveryUrl, base);
    const token = await idp.buildToken();
    const all = await Promise.all(Array.from({ length: 10 }, () => v.verify(token)));
    assert.ok(all.every((o) => o.ok));
    assert.equal(v.stats?.().fetches, 2);
    v.close();
    await idp.stop();
  });

  test(
    'rejects a discovery document whose issuer differs ' + 'from the discovery URL (keys_unavailable, never ok)',
    async () => {
      const idp = await startIdp(['RS256']);
      const token = await idp.buildToken();
      const real = idp.server.issuer.url;
      idp.server.issuer.url = 'https://evil.example'; // the provider now names another issuer
      const d = await discoverOpenIdConfiguration(idp.discoveryUrl);
      assert.deepEqual(d, { ok: false, problem: 'issuer_mismatch' });
      const v = createOpenIdVerifier(idp.discoveryUrl, base);
      assert.equal(reasonOf(await v.verify(token)), 'keys_unavailable');
      const forged = await idp.buildToken({ iss: 'https://evil.example' });
      assert.equal(reasonOf(await v.verify(forged)), 'keys_unavailable');
      idp.server.issuer.url = real;
      v.close();
      await idp.stop();
    },
  );

  test('rejects a discovery document naming another issuer than the configured one', async () => {
    const idp = await startIdp(['RS256']);
    const v = createOpenIdVerifier(idp.discoveryUrl, { ...base, issuer: 'https://expected.example' });
    assert.equal(reasonOf(await v.verify(await idp.buildToken())), 'keys_unavailable');
    const w = createOpenIdVerifier(idp.discoveryUrl, { ...base, issuer: ['https://expected.example', idp.issuer] });
    assert.equal(reasonOf(await w.verify(await idp.buildToken())), 'ok');
    v.close();
    w.close();
    await idp.stop();
  });

  test(
    'oidc: while discovery has never succeeded every token ' +
      'is keys_unavailable; retries back off, then it recovers',
    async () => {
      const idp = await startIdp(['RS256']);
      const token = await idp.buildToken();
      await idp.stop();
      const c = clock();
      const v = createOpenIdVerifier(idp.discoveryUrl, { ...base, now: c.now, discoveryRetryMs: 1000 });
      assert.equal(reasonOf(await v.verify(token)), 'keys_unavailable');
      assert.equal(v.stats?.().fetches, 1);
      await idp.restart();
      assert.equal(reasonOf(await v.verify(token)), 'keys_unavailable', 'within the backoff: not retried yet');
      assert.equal(v.stats?.().fetches, 1);
      c.advance(1000);
      assert.equal(reasonOf(await v.verify(token)), 'ok');
      v.close();
      await idp.stop();
    },
  );

  test(
    'rejects a discovery document that is not usable (no ' +
      'jwks_uri, plain-http jwks_uri to a remote host, not JSON)',
    async () => {
      let doc: unknown = {};
      const server = createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(typeof doc === 'string' ? doc : JSON.stringify(doc));
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const url = `${issuer}/.well-known/openid-configuration`;
      doc = { issuer };
      assert.deepEqual(await discoverOpenIdConfiguration(url), { ok: false, problem: 'invalid_document' });
      doc = { issuer, jwks_uri: 'http://idp.example/jwks' };
      assert.deepEqual(await discoverOpenIdConfiguration(url), { ok: false, problem: 'invalid_document' });
      doc = '<html>';
      assert.deepEqual(await discoverOpenIdConfiguration(url), { ok: false, problem: 'not_json' });
      doc = { issuer: `${issuer}/`, jwks_uri: `${issuer}/jwks` };
      assert.equal((await discoverOpenIdConfiguration(url)).ok, true, 'one trailing slash is tolerated');
      doc = { issuer: `${issuer}/other`, jwks_uri: `${issuer}/jwks` };
      assert.deepEqual(await discoverOpenIdConfiguration(url), { ok: false, problem: 'issuer_mismatch' });
      server.close();
    },
  );

  test('oidc: the discovery URL and the JWT options are checked at construction', () => {
    for (const url of [
      'http://idp.example/.well-known/openid-configuration',
      'https://idp.example/',
      'https://idp.example/.well-known/openid-configuration?x=1',
      'nope',
    ]) {
      assert.throws(() => createOpenIdVerifier(url, base), TypeError, url);
    }
    assert.throws(
      () =>
        createOpenIdVerifier('https://idp.example/.well-known/openid-configuration', { ...base, algorithms: ['none'] }),
      { code: 'ERR_INVALID_ARG_VALUE' },
    );
    assert.throws(
      () =>
        createOpenIdVerifier('https://idp.example/.well-known/openid-configuration', {
          ...base,
          algorithms: ['HS256'],
        }),
      { code: 'ERR_INVALID_ARG_VALUE' },
    );
    assert.throws(
      () => createOpenIdVerifier('https://idp.example/.well-known/openid-configuration', { ...base, issuer: [] }),
      { code: 'ERR_INVALID_ARG_VALUE' },
    );
    createOpenIdVerifier('https://idp.example/tenant/.well-known/openid-configuration', base).close();
  });
});
