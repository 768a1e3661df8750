// The remote JWKS cache: key rotation, cooldown, shared fetches, the source going down
// (max-stale with an injected clock), bounded fetch size and time.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import { createJwtVerifier } from '../../src/tokens/index.js';
import type { JwtVerifierOptions, TokenOutcome } from '../../src/tokens/index.js';
import { clock, nowSec, sign, startIdp } from './helpers.js';
import type { Idp } from './helpers.js';

const reasonOf = (o: TokenOutcome) => (o.ok ? 'ok' : o.reason);

function options(idp: Idp, over: Partial<JwtVerifierOptions> = {}): JwtVerifierOptions {
  return {
    keys: { kind: 'url', url: idp.jwksUrl },
    issuer: idp.issuer,
    audience: 'api',
    algorithms: ['RS256', 'ES256'],
    cacheSize: 0,
    ...over,
  };
}

async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks` };
}

describe('jwks: key rotation and cooldown', () => {
  let idp: Idp;
  before(async () => {
    idp = await startIdp(['RS256']);
  });
  after(() => idp.stop());

  test('jwks: a new kid published by the IdP verifies after one refresh', async () => {
    const c = clock();
    const v = createJwtVerifier(options(idp, { now: c.now, jwksCooldownMs: 30_000 }));
    const start = idp.jwksFetches();
    assert.equal(reasonOf(await v.verify(await idp.buildToken())), 'ok');
    assert.equal(idp.jwksFetches() - start, 1);
    await idp.server.issuer.keys.generate('ES256', { kid: 'rotated-in' });
    const rotated = await idp.buildToken({}, { kid: 'rotated-in' });
    c.advance(31_000); // past the cooldown since the first fetch
    assert.equal(reasonOf(await v.verify(rotated)), 'ok');
    assert.equal(idp.jwksFetches() - start, 2, 'exactly one refresh for the new kid');
    assert.equal(reasonOf(await v.verify(rotated)), 'ok');
    assert.equal(idp.jwksFetches() - start, 2, 'no fetch once the kid is known');
    v.close();
  });

  test('jwks: an unknown kid within the cooldown triggers no fetch', async () => {
    const c = clock();
    const v = createJwtVerifier(options(idp, { now: c.now, jwksCooldownMs: 30_000 }));
    assert.equal(reasonOf(await v.verify(await idp.buildToken())), 'ok');
    const start = idp.jwksFetches();
    const attacker = await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey);
    const claims = { iss: idp.issuer, aud: 'api', sub: 'x', exp: nowSec() + 60 };
    for (let i = 0; i < 50; i++) {
      assert.equal(
        reasonOf(await v.verify(await sign(claims, { alg: 'ES256', kid: `made-up-${i}` }, attacker))),
        'unknown_key',
      );
    }
    assert.equal(idp.jwksFetches() - start, 0, 'made-up kids inside the cooldown cost no fetch');
    c.advance(30_000);
    for (let i = 0; i < 50; i++) await v.verify(await sign(claims, { alg: 'ES256', kid: `again-${i}` }, attacker));
    assert.equal(idp.jwksFetches() - start, 1, 'one refresh per cooldown period');
    assert.equal(v.stats?.().fetches, 2);
    v.close();
  });

  test('jwks: concurrent verifies on a cold verifier share one fetch', async () => {
    const v = createJwtVerifier(options(idp));
    const token = await idp.buildToken();
    const start = idp.jwksFetches();
    const outcomes = await Promise.all(Array.from({ length: 25 }, () => v.verify(token)));
    assert.ok(outcomes.every((o) => o.ok));
    assert.equal(idp.jwksFetches() - start, 1);
    v.close();
  });

  test('jwks: keys older than jwksRefreshMs are refreshed in the background while still in use', async () => {
    const c = clock();
    const v = createJwtVerifier(options(idp, { now: c.now, jwksRefreshMs: 60_000, jwksCooldownMs: 1000 }));
    const token = await idp.buildToken();
    assert.ok((await v.verify(token)).ok);
    const start = idp.jwksFetches();
    c.advance(59_000);
    assert.ok((await v.verify(token)).ok);
    assert.equal(idp.jwksFetches() - start, 0);
    c.advance(2000);
    assert.ok((await v.verify(token)).ok, 'answered with the keys held');
    // Let the background fetch land (poll, bounded; no fixed sleep).
    for (let i = 0; i < 200 && idp.jwksFetches() - start < 1; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(idp.jwksFetches() - start, 1);
    v.close();
  });
});

describe('jwks: the key source goes down', () => {
  test(
    'jwks: cached keys keep verifying until jwksMaxStaleMs ' + 'after the last fetch, then keys_unavailable',
    async () => {
      const idp = await startIdp(['ES256']);
      const c = clock();
      const v = createJwtVerifier(
        options(idp, { now: c.now, jwksMaxStaleMs: 60_000, jwksRefreshMs: 10_000, jwksCooldownMs: 1000 }),
      );
      const t1 = await idp.buildToken();
      const t2 = await idp.buildToken({ sub: 'bob' });
      const t3 = await idp.buildToken({ sub: 'carol' });
      assert.equal(reasonOf(await v.verify(t1)), 'ok');
      await idp.stop();
      c.advance(30_000); // past the refresh interval: a refresh is tried, fails, the keys stay
      assert.equal(reasonOf(await v.verify(t2)), 'ok');
      await new Promise((r) => setTimeout(r, 50));
      c.advance(29_000);
      assert.equal(reasonOf(await v.verify(t3)), 'ok', 'still within max-stale');
      c.advance(2000); // 61 s after the last successful fetch
      assert.equal(reasonOf(await v.verify(t1)), 'keys_unavailable');
      assert.equal(reasonOf(await v.verify(t2)), 'keys_unavailable');
      // The IdP comes back: the next attempt (after the backoff) restores service.
      await idp.restart();
      c.advance(60_000);
      assert.equal(reasonOf(await v.verify(t3)), 'ok');
      v.close();
      await idp.stop();
    },
  );

  test(
    'jwks: with nothing ever fetched and the source down, ' + 'every token is keys_unavailable and retries back off',
    async () => {
      const idp = await startIdp(['RS256']);
      const token = await idp.buildToken();
      await idp.stop();
      const c = clock();
      const v = createJwtVerifier(options(idp, { now: c.now, jwksCooldownMs: 30_000 }));
      assert.equal(reasonOf(await v.verify(token)), 'keys_unavailable');
      assert.equal(v.stats?.().fetches, 1);
      for (let i = 0; i < 20; i++) assert.equal(reasonOf(await v.verify(token)), 'keys_unavailable');
      assert.equal(v.stats?.().fetches, 1, 'no fetch storm while backing off');
      c.advance(1000);
      await v.verify(token);
      assert.equal(v.stats?.().fetches, 2, 'retried after 1 s');
      c.advance(1000);
      await v.verify(token);
      assert.equal(v.stats?.().fetches, 2, 'the next wait is 2 s');
      v.close();
    },
  );

  test('jwks: after close, tokens are refused keys_unavailable', async () => {
    const idp = await startIdp(['RS256']);
    const v = createJwtVerifier(options(idp));
    const token = await idp.buildToken();
    assert.ok((await v.verify(token)).ok);
    v.close();
    assert.equal(reasonOf(await v.verify(token)), 'keys_unavailable');
    await idp.stop();
  });
});

describe('jwks: hostile key sources', () => {
  let idp: Idp;
  before(async () => {
    idp = await startIdp(['RS256']);
  });
  after(() => idp.stop());

  test('rejects a JWKS answer larger than jwksMaxBytes (keys_unavailable)', async () => {
    const { server, url } = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: idp.publicKeys(), pad: 'x'.repeat(100_000) }));
    });
    const v = createJwtVerifier(options(idp, { keys: { kind: 'url', url }, jwksMaxBytes: 10_000 }));
    assert.equal(reasonOf(await v.verify(await idp.buildToken())), 'keys_unavailable');
    v.close();
    server.close();
  });

  // The timeout is 10 minutes and the test's own one minute: the test ends only if the size
  // bound stopped the read.
  test('rejects a JWKS answer streamed without content-length past jwksMaxBytes', { timeout: 60_000 }, async () => {
    const { server, url } = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const timer = setInterval(() => res.write(' '.repeat(4096)), 1);
      res.on('close', () => clearInterval(timer));
    });
    const v = createJwtVerifier(
      options(idp, { keys: { kind: 'url', url }, jwksMaxBytes: 50_000, jwksTimeoutMs: 600_000 }),
    );
    assert.equal(reasonOf(await v.verify(await idp.buildToken())), 'keys_unavailable');
    v.close();
    server.closeAllConnections();
    server.close();
  });

  // The test timeout only catches a hang; the server never answers, so only jwksTimeoutMs can end it.
  test('rejects a JWKS endpoint that never answers, within jwksTimeoutMs', { timeout: 60_000 }, async () => {
    let requests = 0;
    const { server, url } = await listen(() => void requests++);
    const v = createJwtVerifier(options(idp, { keys: { kind: 'url', url }, jwksTimeoutMs: 200 }));
    assert.equal(reasonOf(await v.verify(await idp.buildToken())), 'keys_unavailable');
    assert.equal(requests, 1, 'the request reached the server, which never answered');
    v.close();
    server.closeAllConnections();
    server.close();
  });

  test('rejects a JWKS redirect (it could lead anywhere)', async () => {
    const { server, url } = await listen((_req, res) => {
      res.writeHead(302, { location: idp.jwksUrl });
      res.end();
    });
    const v = createJwtVerifier(options(idp, { keys: { kind: 'url', url } }));
    assert.equal(reasonOf(await v.verify(await idp.buildToken())), 'keys_unavailable');
    v.close();
    server.close();
  });

  test('rejects keys from a JWKS that publishes symmetric or private keys (they are skipped)', async () => {
    const priv = idp.privateKeys();
    const { server, url } = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [...priv, { kty: 'oct', k: 'c2VjcmV0', kid: 'shared' }] }));
    });
    const v = createJwtVerifier(options(idp, { keys: { kind: 'url', url } }));
    // Only private keys and an oct key: nothing usable, so nothing was ever fetched successfully.
    assert.equal(reasonOf(await v.verify(await idp.buildToken())), 'keys_unavailable');
    v.close();
    server.close();
  });

  test('rejects a JWKS answer that is not JSON or not a key set', async () => {
    for (const body of ['<html>', '[]', '{"keys": "nope"}', '{"keys": [{"kty": "RSA"}]}']) {
      const { server, url } = await listen((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(body);
      });
      const v = createJwtVerifier(options(idp, { keys: { kind: 'url', url } }));
      const o = await v.verify(await idp.buildToken());
      assert.equal(o.ok, false, body);
      assert.ok(['keys_unavailable', 'unknown_key'].includes(reasonOf(o)), `${body} → ${reasonOf(o)}`);
      v.close();
      server.close();
    }
  });
});
