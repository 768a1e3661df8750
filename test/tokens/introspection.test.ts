import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { clientBasicAuthorization, createIntrospectionVerifier } from '../../src/tokens/index.js';
import type { IntrospectionOptions, TokenOutcome } from '../../src/tokens/index.js';
import { clock, nowSec, startIdp } from './helpers.js';
import type { Idp } from './helpers.js';

const reasonOf = (o: TokenOutcome) => (o.ok ? 'ok' : o.reason);
const CLIENT_ID = 'guard client:1';
const CLIENT_SECRET = 'S3CRET-marker p@ss:w/rd+ü';

interface Seen {
  authorization: string | undefined;
  contentType: string | undefined;
  body: Promise<string>;
}

describe('introspection: against a real RFC 7662 endpoint', () => {
  let idp: Idp;
  const seen: Seen[] = [];
  let answer: (req: IncomingMessage) => { body: Record<string, unknown>; statusCode?: number } = () => ({
    body: { active: true, sub: 'alice', scope: 'read write', exp: nowSec() + 600 },
  });
  before(async () => {
    idp = await startIdp(['RS256']);
    idp.server.service.on(
      'beforeIntrospect',
      (response: { body: unknown; statusCode: number }, req: IncomingMessage) => {
        const chunks: Buffer[] = [];
        seen.push({
          authorization: req.headers.authorization,
          contentType: req.headers['content-type'],
          body: new Promise((resolve) => {
            req.on('data', (c: Buffer) => chunks.push(c));
            req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
          }),
        });
        const a = answer(req);
        response.body = a.body;
        response.statusCode = a.statusCode ?? 200;
      },
    );
  });
  after(() => idp.stop());
  const options = (over: Partial<IntrospectionOptions> = {}): IntrospectionOptions => ({
    url: idp.introspectUrl,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    ...over,
  });

  test(
    'introspection: an active token is ok, with subject ' + 'and scopes; the client authenticates with HTTP Basic',
    async () => {
      const v = createIntrospectionVerifier(options());
      seen.length = 0;
      const token = 'opaque-token-1~xyz';
      const o = await v.verify(token);
      assert.ok(o.ok, reasonOf(o));
      assert.equal(o.subject, 'alice');
      assert.deepEqual(o.scopes, ['read', 'write']);
      assert.equal(seen.length, 1);
      const s = seen[0] as Seen;
      // RFC 6749 §2.3.1: id and secret form-urlencoded, then base64.
      const decoded = Buffer.from((s.authorization ?? '').replace(/^Basic /, ''), 'base64').toString('utf8');
      const [id, secret] = decoded.split(':').map((p) => decodeURIComponent(p.replace(/\+/g, ' ')));
      assert.equal(id, CLIENT_ID);
      assert.equal(secret, CLIENT_SECRET);
      assert.equal(s.authorization, clientBasicAuthorization(CLIENT_ID, CLIENT_SECRET));
      assert.equal(decoded.split(':').length, 2, 'the colons of id and secret are percent-encoded');
      assert.equal(s.contentType, 'application/x-www-form-urlencoded');
      const body = new URLSearchParams(await s.body);
      assert.equal(body.get('token'), token);
      assert.equal(body.get('token_type_hint'), 'access_token');
      v.close();
    },
  );

  test('introspection: active false is token_inactive', async () => {
    answer = () => ({ body: { active: false } });
    const v = createIntrospectionVerifier(options());
    assert.equal(reasonOf(await v.verify('revoked-token')), 'token_inactive');
    answer = () => ({ body: { active: 'true', sub: 'alice' } });
    assert.equal(reasonOf(await v.verify('stringly-active')), 'token_inactive', 'only a JSON true is active');
    v.close();
  });

  test('introspection: the answer is cached no longer than the token exp', async () => {
    const c = clock();
    const exp = Math.floor(c.t / 1000) + 10;
    answer = () => ({ body: { active: true, sub: 'alice', exp } });
    const v = createIntrospectionVerifier(options({ now: c.now, cacheMaxMs: 60_000 }));
    seen.length = 0;
    assert.ok((await v.verify('tok-exp')).ok);
    assert.ok((await v.verify('tok-exp')).ok);
    assert.equal(seen.length, 1, 'second answer from the cache');
    c.set(exp * 1000);
    answer = () => ({ body: { active: false } });
    assert.equal(reasonOf(await v.verify('tok-exp')), 'token_inactive');
    assert.equal(seen.length, 2, 'asked again once exp passed');
    v.close();
  });

  test('introspection: the answer is cached at most cacheMaxMs', async () => {
    const c = clock();
    answer = () => ({ body: { active: true, sub: 'alice', exp: Math.floor(c.t / 1000) + 3600 } });
    const v = createIntrospectionVerifier(options({ now: c.now, cacheMaxMs: 5000 }));
    seen.length = 0;
    assert.ok((await v.verify('tok-max')).ok);
    c.advance(4999);
    assert.ok((await v.verify('tok-max')).ok);
    assert.equal(seen.length, 1);
    c.advance(1);
    assert.ok((await v.verify('tok-max')).ok);
    assert.equal(seen.length, 2);
    assert.deepEqual(v.stats?.(), { cacheHits: 1, cacheEntries: 1, verifications: 2, fetches: 2 });
    v.close();
  });

  test('introspection: concurrent verifies of one token share one request', async () => {
    answer = () => ({ body: { active: true, sub: 'alice' } });
    const v = createIntrospectionVerifier(options());
    seen.length = 0;
    const all = await Promise.all(Array.from({ length: 10 }, () => v.verify('tok-shared')));
    assert.ok(all.every((o) => o.ok));
    assert.equal(seen.length, 1);
    v.close();
  });

  test('introspection: checks exp, nbf, iss and aud from the answer', async () => {
    const v = createIntrospectionVerifier(options({ issuer: 'https://idp.example', audience: 'api', cacheSize: 0 }));
    const good = { active: true, sub: 'alice', iss: 'https://idp.example', aud: ['x', 'api'] };
    const cases: [Record<string, unknown>, string][] = [
      [good, 'ok'],
      [{ ...good, exp: nowSec() - 3600 }, 'expired'],
      [{ ...good, nbf: nowSec() + 3600 }, 'not_yet_valid'],
      [{ ...good, iss: 'https://evil.example' }, 'wrong_issuer'],
      [{ ...good, aud: 'other' }, 'wrong_audience'],
      [{ ...good, aud: undefined }, 'missing_claim'],
      [{ ...good, sub: undefined }, 'missing_claim'],
      [{ ...good, sub: undefined, username: 'bob' }, 'ok'],
      [{ ...good, exp: 'soon' }, 'malformed'],
    ];
    for (const [body, want] of cases) {
      answer = () => ({ body });
      assert.equal(reasonOf(await v.verify('tok-claims')), want, JSON.stringify(body));
    }
    v.close();
  });

  test(
    'introspection: an endpoint error, a non-JSON or ' + 'non-object answer is keys_unavailable (fail closed)',
    async () => {
      const v = createIntrospectionVerifier(options({ cacheSize: 0 }));
      answer = () => ({ body: { error: 'invalid_client' }, statusCode: 401 });
      assert.equal(reasonOf(await v.verify('tok-err')), 'keys_unavailable');
      answer = () => ({ body: { active: true }, statusCode: 500 });
      assert.equal(reasonOf(await v.verify('tok-err')), 'keys_unavailable');
      answer = () => ({ body: [1, 2] as unknown as Record<string, unknown> });
      assert.equal(reasonOf(await v.verify('tok-err')), 'keys_unavailable');
      v.close();
    },
  );

  test('rejects tokens that cannot be tokens without asking the endpoint', async () => {
    const v = createIntrospectionVerifier(options());
    seen.length = 0;
    for (const t of ['', 'has space', 'ünïcode', 'x'.repeat(9000), 'line\nbreak'])
      assert.equal(reasonOf(await v.verify(t)), 'malformed', JSON.stringify(t.slice(0, 20)));
    assert.equal(seen.length, 0);
    v.close();
  });
});

describe('introspection: endpoint down or hostile', () => {
  test('introspection: an endpoint that is down is keys_unavailable, never ok', async () => {
    const idp = await startIdp(['RS256']);
    const url = idp.introspectUrl;
    await idp.stop();
    const v = createIntrospectionVerifier({ url, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
    assert.equal(reasonOf(await v.verify('tok')), 'keys_unavailable');
    v.close();
  });

  // The test timeout only catches a hang; the server never answers, so only timeoutMs can end the call.
  test('rejects an endpoint that never answers, within timeoutMs', { timeout: 60_000 }, async () => {
    let requests = 0;
    const server = createServer(() => void requests++);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const v = createIntrospectionVerifier({
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/introspect`,
      clientId: 'a',
      clientSecret: 'b',
      timeoutMs: 200,
    });
    assert.equal(reasonOf(await v.verify('tok')), 'keys_unavailable');
    assert.equal(requests, 1, 'the request reached the server, which never answered');
    v.close();
    server.closeAllConnections();
    server.close();
  });

  test('rejects an oversized introspection answer', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ active: true, sub: 'a', pad: 'x'.repeat(200_000) }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const v = createIntrospectionVerifier({
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/introspect`,
      clientId: 'a',
      clientSecret: 'b',
    });
    assert.equal(reasonOf(await v.verify('tok')), 'keys_unavailable');
    v.close();
    server.close();
  });

  test('introspection: options are checked, and the client secret appears in no error', () => {
    const base = { url: 'https://idp.example/introspect', clientId: 'c', clientSecret: CLIENT_SECRET };
    const bad: IntrospectionOptions[] = [
      { ...base, url: `http://idp.example/introspect?secret=${CLIENT_SECRET}` },
      { ...base, clientId: '' },
      { ...base, clientSecret: '' },
      { ...base, issuer: [] },
      { ...base, cacheMaxMs: -1 },
    ];
    for (const o of bad) {
      assert.throws(
        () => createIntrospectionVerifier(o),
        (e: Error & { code?: string }) =>
          e instanceof TypeError &&
          typeof e.code === 'string' &&
          !e.message.includes('S3CRET') &&
          !String(e.stack).includes('S3CRET'),
      );
    }
  });
});
