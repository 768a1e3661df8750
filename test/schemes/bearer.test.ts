// http `scheme: bearer`: where the token is read (wire/bearer.ts), the startup checks of the token
// binding (verify/token.ts), and JWT verification against a local JWKS file with hand-made tokens.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import '../helpers/property.js'; // one seed per file, printed; FC_SEED=<n> replays it
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { createMemoryStore } from '../../src/credentials/memory.js';
import type { Scheme } from '../../src/model/types.js';
import { http } from '../../src/schemes/http.js';
import type { Verifier, VerifierContext } from '../../src/schemes/types.js';
import { planTokenVerification, readTokenBinding } from '../../src/schemes/verify/token.js';
import { bearerAuthorization, bearerChallenge, isB64Token, readBearerToken } from '../../src/schemes/wire/bearer.js';
import { basicAuthorization } from '../../src/schemes/wire/basic.js';
import { invalidReason, okPrincipal, verify } from './helpers.js';

const NOW = 1_700_000_000_000;
const SEC = Math.floor(NOW / 1000);
const ISSUER = 'https://idp.example/';
const AUDIENCE = 'streetlights';

const store = createMemoryStore();
const dir = mkdtempSync(join(tmpdir(), 'bearer-test-'));

function ctx(
  scheme: Scheme,
  options: Record<string, unknown> = {},
  name = 'bearerAuth',
  now = () => NOW,
): VerifierContext {
  return Object.freeze({
    name,
    scheme,
    options: Object.freeze(options),
    store,
    now,
    realm: 'production',
    baseDir: dir,
  });
}
const bearerScheme: Scheme = { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' };
const jwtOptions = { issuer: ISSUER, audience: AUDIENCE, jwks: 'file:jwks.json' };

async function make(
  options: Record<string, unknown> = jwtOptions,
  scheme: Scheme = bearerScheme,
  now?: () => number,
): Promise<Verifier> {
  return await http.createVerifier(ctx(scheme, options, 'bearerAuth', now));
}

/** Startup error of a binding: its code and pointer. */
async function startupError(
  options: Record<string, unknown>,
  scheme: Scheme = bearerScheme,
): Promise<{ code: string; pointer: string; message: string }> {
  try {
    await http.createVerifier(ctx(scheme, options));
  } catch (e) {
    const err = e as { code: string; pointer: string; message: string };
    return { code: err.code, pointer: err.pointer, message: err.message };
  }
  throw new Error('expected a startup error');
}

describe('wire/bearer: where the token is read', () => {
  const auth = (value: unknown) => ({ headers: { authorization: value } });
  const read = (p: unknown, max?: number) => readBearerToken(p as never, max);

  it('reads Authorization: Bearer in any case, with spaces after the scheme', () => {
    for (const h of [
      'Bearer abc.def-ghi_jkl~m+n/o==',
      'bearer abc.def-ghi_jkl~m+n/o==',
      'BEARER   abc.def-ghi_jkl~m+n/o==  ',
    ]) {
      assert.deepEqual(read(auth(h)), { kind: 'ok', value: 'abc.def-ghi_jkl~m+n/o==' }, h);
    }
  });

  it('is absent without any token, with a Basic header, or with an empty header', () => {
    assert.equal(read({}).kind, 'absent');
    assert.equal(read(null).kind, 'absent');
    assert.equal(read(auth(basicAuthorization('alice', 'pw'))).kind, 'absent');
    assert.equal(read(auth('')).kind, 'absent');
    assert.equal(read({ login: { username: 'device' } }).kind, 'absent');
    assert.equal(read({ token: '' }).kind, 'absent');
  });

  it('never reads a token from the query string (RFC 6750 §2.3 is discouraged)', () => {
    assert.equal(read({ query: 'access_token=abc.def.ghi' }).kind, 'absent');
  });

  it('reads presented.token and the login password (string or UTF-8 bytes)', () => {
    assert.deepEqual(read({ token: 'tok.en' }), { kind: 'ok', value: 'tok.en' });
    assert.deepEqual(read({ login: { username: 'x', password: 'tok.en' } }), { kind: 'ok', value: 'tok.en' });
    assert.deepEqual(read({ login: { password: new TextEncoder().encode('tok.en') } }), {
      kind: 'ok',
      value: 'tok.en',
    });
  });

  it('takes the same token from several places once', () => {
    assert.deepEqual(
      read({ headers: { authorization: 'Bearer a.b.c' }, token: 'a.b.c', login: { password: 'a.b.c' } }),
      { kind: 'ok', value: 'a.b.c' },
    );
  });

  it('rejects different tokens in different places', () => {
    assert.deepEqual(read({ headers: { authorization: 'Bearer a.b.c' }, login: { password: 'x.y.z' } }), {
      kind: 'malformed',
      detail: 'repeated',
    });
    assert.deepEqual(read({ token: 'a.b.c', login: { password: 'x.y.z' } }), { kind: 'malformed', detail: 'repeated' });
  });

  it('rejects two Authorization headers', () => {
    assert.deepEqual(read(auth(['Bearer a.b.c', 'Bearer a.b.c'])), { kind: 'malformed', detail: 'repeated' });
  });

  it('rejects two tokens in one header', () => {
    assert.deepEqual(read(auth('Bearer a.b.c d.e.f')), { kind: 'malformed', detail: 'bad_syntax' });
  });

  it('rejects a Bearer header without a token', () => {
    assert.equal(read(auth('Bearer')).kind, 'malformed');
    assert.equal(read(auth('Bearer    ')).kind, 'malformed');
  });

  it('rejects a tab between Bearer and the token', () => {
    assert.equal(read(auth('Bearer\ta.b.c')).kind, 'malformed');
  });

  it('rejects characters outside the b64token alphabet', () => {
    for (const t of ['a,b', 'a"b', 'a=b', 'a;b', 'a\u00e9b', 'a\u0000b', '=abc']) {
      assert.equal(read(auth(`Bearer ${t}`)).kind, 'malformed', JSON.stringify(t));
      assert.equal(read({ token: t }).kind, 'malformed', JSON.stringify(t));
      assert.equal(read({ login: { password: t } }).kind, 'malformed', JSON.stringify(t));
    }
  });

  it('rejects an Authorization header over 8 KiB without parsing it', () => {
    assert.deepEqual(read(auth(`Bearer ${'a'.repeat(9000)}`)), { kind: 'malformed', detail: 'too_large' });
  });

  it('rejects a token over the size bound from any place', () => {
    assert.deepEqual(read({ token: 'a'.repeat(301) }, 300), { kind: 'malformed', detail: 'too_large' });
    assert.deepEqual(read({ login: { password: new Uint8Array(301).fill(0x61) } }, 300), {
      kind: 'malformed',
      detail: 'too_large',
    });
    assert.deepEqual(read(auth(`Bearer ${'a'.repeat(301)}`), 300), { kind: 'malformed', detail: 'too_large' });
    assert.equal(read({ token: 'a'.repeat(300) }, 300).kind, 'ok');
  });

  it('rejects a login password that is not UTF-8', () => {
    assert.deepEqual(read({ login: { password: new Uint8Array([0x61, 0xff, 0x62]) } }), {
      kind: 'malformed',
      detail: 'invalid_utf8',
    });
  });

  it('rejects a token that is not text', () => {
    assert.deepEqual(read({ token: 42 }), { kind: 'malformed', detail: 'not_text' });
    assert.deepEqual(read({ login: { password: { toString: () => 'a' } } }), { kind: 'malformed', detail: 'not_text' });
  });

  it('every b64token round-trips through bearerAuthorization (property)', () => {
    const b64char = fc.constantFrom(...'ABCXYZabcxyz0189-._~+/'.split(''));
    const token = fc
      .tuple(fc.array(b64char, { minLength: 1, maxLength: 64 }), fc.nat({ max: 3 }))
      .map(([cs, pad]) => cs.join('') + '='.repeat(pad));
    fc.assert(
      fc.property(token, (t) => {
        assert.equal(isB64Token(t), true);
        assert.deepEqual(read(auth(bearerAuthorization(t))), { kind: 'ok', value: t });
      }),
    );
  });

  it('bearerChallenge quotes the realm (RFC 6750 §3) and refuses a realm that would break the header', () => {
    assert.equal(bearerChallenge('street "lights"'), 'Bearer realm="street \\"lights\\""');
    assert.throws(() => bearerChallenge('a\r\nb'), { code: 'ERR_INVALID_ARG_VALUE' });
    assert.throws(() => bearerAuthorization('a b'), { code: 'ERR_INVALID_ARG_VALUE' });
  });
});

describe('http bearer: startup (fail closed)', () => {
  before(() => writeFileSync(join(dir, 'jwks.json'), JSON.stringify({ keys: [] })));

  it(
    'http bearer: a binding with neither JWT keys nor ' + 'introspection fails startup, naming the missing keys',
    async () => {
      const e = await startupError({}, { type: 'http', scheme: 'bearer' });
      assert.equal(e.code, 'ERR_CONFIG_INVALID');
      assert.equal(e.pointer, 'schemes.bearerAuth.issuer');
      assert.match(e.message, /'issuer', 'audience', 'jwks'/);
      assert.match(e.message, /introspection/);
    },
  );

  it('http bearer: bearerFormat JWT (any case) needs issuer, audience and jwks', async () => {
    const e = await startupError({ issuer: ISSUER }, { type: 'http', scheme: 'Bearer', bearerFormat: 'jwt' });
    assert.equal(e.code, 'ERR_CONFIG_INVALID');
    assert.equal(e.pointer, 'schemes.bearerAuth.audience');
    assert.match(e.message, /'audience', 'jwks'/);
  });

  it('http bearer: bearerFormat JWT with introspection leaves introspection unused: refused', async () => {
    const e = await startupError({
      ...jwtOptions,
      introspection: { url: 'https://idp.example/introspect', clientId: 'rs', clientSecret: 'env:RS_SECRET' },
    });
    assert.deepEqual([e.code, e.pointer], ['ERR_CONFIG_INVALID', 'schemes.bearerAuth.introspection']);
  });

  it(
    'http bearer: a JWT-only key next to introspection ' + 'chooses JWT, so introspection would be unused: refused',
    async () => {
      const e = await startupError(
        {
          algorithms: ['ES256'],
          introspection: { url: 'https://idp.example/introspect', clientId: 'rs', clientSecret: 'env:RS_SECRET' },
        },
        { type: 'http', scheme: 'bearer' },
      );
      assert.deepEqual([e.code, e.pointer], ['ERR_CONFIG_INVALID', 'schemes.bearerAuth.issuer']);
    },
  );

  it("http bearer: algorithms with 'none' (any case) or empty are refused", async () => {
    for (const algorithms of [['none'], ['ES256', 'NONE'], [], 'ES256', ['ES256', 'ES256'], ['XX256']]) {
      const e = await startupError({ ...jwtOptions, algorithms });
      assert.deepEqual(
        [e.code, e.pointer],
        ['ERR_CONFIG_INVALID', 'schemes.bearerAuth.algorithms'],
        JSON.stringify(algorithms),
      );
    }
  });

  it('http bearer: jwks must be a readable file or https / loopback http', async () => {
    for (const jwks of [
      'http://idp.example/jwks',
      'ftp://x/y',
      'https://user:pw@idp.example/jwks',
      'file:',
      'file:missing.json',
      'jwks.json',
      7,
    ]) {
      const e = await startupError({ ...jwtOptions, jwks });
      assert.deepEqual([e.code, e.pointer], ['ERR_CONFIG_INVALID', 'schemes.bearerAuth.jwks'], String(jwks));
      assert.ok(!e.message.includes('user:pw'));
    }
    for (const jwks of [
      'https://idp.example/jwks',
      'http://127.0.0.1:9/jwks',
      'http://[::1]:9/jwks',
      'http://localhost:9/jwks',
    ])
      await make({ ...jwtOptions, jwks });
  });

  it('http bearer: each key refuses a bad value at its own pointer, never quoting it', async () => {
    const cases: [string, unknown][] = [
      ['issuer', ''],
      ['issuer', []],
      ['audience', [1]],
      ['clockToleranceSec', -1],
      ['clockToleranceSec', 301],
      ['clockToleranceSec', 1.5],
      ['requiredClaims', 'jti'],
      ['requiredClaims', ['jti', 'jti']],
      ['scopeClaim', 'a..b'],
      ['subjectClaim', ''],
      ['maxTokenBytes', 100],
      ['maxTokenBytes', 1e6],
      ['cacheSize', -1],
      ['realm', 'a\nb'],
      ['surprise', 1],
    ];
    for (const [key, value] of cases) {
      const e = await startupError({ ...jwtOptions, [key]: value });
      assert.deepEqual(
        [e.code, e.pointer],
        ['ERR_CONFIG_INVALID', `schemes.bearerAuth.${key}`],
        `${key}=${JSON.stringify(value)}`,
      );
    }
  });

  it('http bearer: a literal client secret is refused at startup and never quoted', async () => {
    const e = await startupError(
      { introspection: { url: 'https://idp.example/introspect', clientId: 'rs', clientSecret: 's3cr3t-MARKER' } },
      { type: 'http', scheme: 'bearer' },
    );
    assert.deepEqual([e.code, e.pointer], ['ERR_CONFIG_INVALID', 'schemes.bearerAuth.introspection.clientSecret']);
    assert.ok(!e.message.includes('s3cr3t-MARKER'));
  });

  it('http bearer: an unset env: client secret fails startup naming the variable', async () => {
    delete process.env['BEARER_TEST_UNSET'];
    const e = await startupError(
      {
        introspection: { url: 'https://idp.example/introspect', clientId: 'rs', clientSecret: 'env:BEARER_TEST_UNSET' },
      },
      { type: 'http', scheme: 'bearer' },
    );
    assert.deepEqual([e.code, e.pointer], ['ERR_CONFIG_INVALID', 'schemes.bearerAuth.introspection.clientSecret']);
    assert.match(e.message, /BEARER_TEST_UNSET/);
  });

  it(
    'http bearer: an introspection URL that is not https / ' +
      'loopback http, or an unknown introspection key, is refused',
    async () => {
      const scheme: Scheme = { type: 'http', scheme: 'bearer' };
      let e = await startupError(
        { introspection: { url: 'http://idp.example/introspect', clientId: 'rs', clientSecret: 'env:X' } },
        scheme,
      );
      assert.equal(e.pointer, 'schemes.bearerAuth.introspection.url');
      e = await startupError(
        { introspection: { url: 'https://idp.example/introspect', clientId: 'rs', clientSecret: 'env:X', extra: 1 } },
        scheme,
      );
      assert.equal(e.pointer, 'schemes.bearerAuth.introspection.extra');
      e = await startupError(
        { introspection: { url: 'https://idp.example/introspect', clientSecret: 'env:X' } },
        scheme,
      );
      assert.equal(e.pointer, 'schemes.bearerAuth.introspection');
    },
  );

  it('http bearer: a file: client secret is read relative to the base folder', async () => {
    writeFileSync(join(dir, 'client-secret'), 'from-a-file\n');
    const v = await make(
      { introspection: { url: 'https://idp.example/introspect', clientId: 'rs', clientSecret: 'file:client-secret' } },
      { type: 'http', scheme: 'bearer' },
    );
    assert.equal(v.source, 'bearer');
    const e = await startupError(
      { introspection: { url: 'https://idp.example/introspect', clientId: 'rs', clientSecret: 'file:no-such-secret' } },
      { type: 'http', scheme: 'bearer' },
    );
    assert.deepEqual([e.code, e.pointer], ['ERR_CONFIG_INVALID', 'schemes.bearerAuth.introspection.clientSecret']);
  });

  it('http basic: a token key next to scheme basic does nothing, so it fails startup', () => {
    assert.throws(() => http.createVerifier(ctx({ type: 'http', scheme: 'basic' }, { issuer: ISSUER })), {
      code: 'ERR_CONFIG_INVALID',
      pointer: 'schemes.bearerAuth.issuer',
    });
  });

  it('http: digest and other schemes still fail startup with ERR_SCHEME_UNSUPPORTED', () => {
    for (const scheme of ['digest', 'negotiate', undefined]) {
      assert.throws(() => http.createVerifier(ctx({ type: 'http', scheme }, {})), {
        code: 'ERR_SCHEME_UNSUPPORTED',
        pointer: 'schemes.bearerAuth',
      });
    }
  });

  it('http bearer: cacheSize, scopeClaim, subjectClaim and maxTokenBytes reach the token layer', () => {
    const binding = readTokenBinding(
      ctx(bearerScheme, {
        ...jwtOptions,
        cacheSize: 5,
        scopeClaim: 'realm_access.roles',
        subjectClaim: 'client_id',
        maxTokenBytes: 4096,
      }),
      'http',
    );
    const plan = planTokenVerification(ctx(bearerScheme), binding, true);
    assert.equal(plan.kind, 'jwt');
    assert.equal(plan.options.cacheSize, 5);
    assert.equal(plan.options.scopeClaim, 'realm_access.roles');
    assert.equal(plan.options.subjectClaim, 'client_id');
    assert.equal(plan.options.maxTokenBytes, 4096);
    assert.deepEqual(plan.options.keys, { kind: 'file', path: join(dir, 'jwks.json') });
    assert.deepEqual(plan.options.algorithms, ['RS256', 'ES256']);
  });

  it('http bearer: without JWT keys and with introspection, tokens are introspected', () => {
    const binding = readTokenBinding(
      ctx(
        { type: 'http', scheme: 'bearer' },
        { audience: AUDIENCE, introspection: { url: 'https://idp.example/i', clientId: 'rs', clientSecret: 'env:X' } },
      ),
      'http',
    );
    const plan = planTokenVerification(ctx({ type: 'http', scheme: 'bearer' }), binding, false);
    assert.equal(plan.kind, 'introspection');
    assert.equal(plan.kind === 'introspection' && plan.options.url, 'https://idp.example/i');
    assert.equal(plan.kind === 'introspection' && plan.clientSecretRef, 'env:X');
  });
});

describe('http bearer: JWT verification with a local JWKS', () => {
  let es: { privateKey: CryptoKey; publicKey: CryptoKey };
  let rs: { privateKey: CryptoKey; publicKey: CryptoKey };
  let esJwk: JWK;
  let rsJwk: JWK;
  let v: Verifier;

  const sign = (
    claims: Record<string, unknown> = {},
    opts: { kid?: string; key?: CryptoKey | Uint8Array; alg?: string; header?: Record<string, unknown> } = {},
  ) =>
    new SignJWT({
      iss: ISSUER,
      aud: AUDIENCE,
      sub: 'device-7',
      iat: SEC,
      exp: SEC + 600,
      scope: 'lights:read lights:write',
      client_id: 'c1',
      ...claims,
    })
      .setProtectedHeader({ alg: opts.alg ?? 'ES256', kid: opts.kid ?? 'es1', ...opts.header })
      .sign(opts.key ?? es.privateKey);
  const bearer = (t: string) => ({ headers: { authorization: `Bearer ${t}` } });

  before(async () => {
    es = await generateKeyPair('ES256', { extractable: true });
    rs = await generateKeyPair('RS256', { extractable: true });
    esJwk = { ...(await exportJWK(es.publicKey)), kid: 'es1', alg: 'ES256', use: 'sig' };
    rsJwk = { ...(await exportJWK(rs.publicKey)), kid: 'rs1', alg: 'RS256', use: 'sig' };
    writeFileSync(join(dir, 'keys.json'), JSON.stringify({ keys: [esJwk, rsJwk] }));
    v = await make({ ...jwtOptions, jwks: 'file:keys.json' });
  });

  it('http bearer: a valid JWT is ok: subject, scopes, a small claims subset and expiresAt', async () => {
    const token = await sign({ secret_claim: 'x', email: 'a@b' });
    const p = okPrincipal(await verify(v, bearer(token)));
    assert.deepEqual(p, {
      id: 'device-7',
      scheme: 'bearerAuth',
      scopes: ['lights:read', 'lights:write'],
      claims: {
        iss: ISSUER,
        sub: 'device-7',
        aud: AUDIENCE,
        exp: SEC + 600,
        iat: SEC,
        client_id: 'c1',
        scope: 'lights:read lights:write',
      },
      expiresAt: (SEC + 600) * 1000,
    });
    assert.ok(!JSON.stringify(p).includes(token));
  });

  it('http bearer: the same token is ok from the MQTT password and from presented.token', async () => {
    const token = await sign();
    assert.equal(
      okPrincipal(await verify(v, { login: { username: 'ignored', password: new TextEncoder().encode(token) } })).id,
      'device-7',
    );
    assert.equal(okPrincipal(await verify(v, { token })).id, 'device-7');
  });

  it('http bearer: RS256 (in the default allow-list) is ok too', async () => {
    okPrincipal(await verify(v, bearer(await sign({}, { alg: 'RS256', kid: 'rs1', key: rs.privateKey }))));
  });

  it('http bearer: absent without a token; the challenge is Bearer with the realm; the source is bearer', async () => {
    assert.deepEqual(await verify(v, {}), { kind: 'absent' });
    assert.deepEqual(await verify(v, { headers: { authorization: basicAuthorization('alice', 'pw') } }), {
      kind: 'absent',
    });
    assert.equal(v.challenge, 'Bearer realm="production"');
    assert.equal(v.source, 'bearer');
    assert.equal(v.type, 'http');
  });

  it('http bearer: the realm key changes the challenge', async () => {
    assert.equal(
      (await make({ ...jwtOptions, jwks: 'file:keys.json', realm: 'street lights' })).challenge,
      'Bearer realm="street lights"',
    );
  });

  it('http bearer: claimedSubject is null: an unverified sub is attacker-controlled', async () => {
    assert.equal(v.claimedSubject(bearer(await sign({ sub: 'victim' }))), null);
  });

  it('rejects a token for another audience, without a subject', async () => {
    assert.deepEqual(await verify(v, bearer(await sign({ aud: 'other' }))), {
      kind: 'invalid',
      reason: 'wrong_audience',
    });
  });

  it('rejects a token from another issuer', async () => {
    assert.deepEqual(await verify(v, bearer(await sign({ iss: 'https://evil.example/' }))), {
      kind: 'invalid',
      reason: 'wrong_issuer',
    });
  });

  it('rejects an expired token (injected clock, beyond the tolerance)', async () => {
    const token = await sign({ exp: SEC - 31 });
    assert.deepEqual(await verify(v, bearer(token)), { kind: 'invalid', reason: 'expired' });
  });

  it('rejects a token not yet valid', async () => {
    assert.deepEqual(await verify(v, bearer(await sign({ nbf: SEC + 120 }))), {
      kind: 'invalid',
      reason: 'not_yet_valid',
    });
  });

  it('rejects alg none', async () => {
    const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const token =
      `${enc({ alg: 'none', typ: 'JWT' })}.` + `${enc({ iss: ISSUER, aud: AUDIENCE, sub: 'x', exp: SEC + 60 })}.`;
    assert.equal(invalidReason(await verify(v, bearer(token))), 'alg_not_allowed');
  });

  it('rejects HS256 signed with the public key as the HMAC secret', async () => {
    const secret = new TextEncoder().encode(JSON.stringify(rsJwk));
    const token = await sign({}, { alg: 'HS256', kid: 'rs1', key: secret });
    assert.equal(invalidReason(await verify(v, bearer(token))), 'alg_not_allowed');
  });

  it('rejects an algorithm outside the configured allow-list', async () => {
    const esOnly = await make({ ...jwtOptions, jwks: 'file:keys.json', algorithms: ['ES256'] });
    assert.equal(
      invalidReason(await verify(esOnly, bearer(await sign({}, { alg: 'RS256', kid: 'rs1', key: rs.privateKey })))),
      'alg_not_allowed',
    );
  });

  it('rejects a bad signature', async () => {
    const token = await sign();
    const [h, p] = token.split('.');
    const other = (await sign({ sub: 'someone-else' })).split('.')[2];
    assert.equal(invalidReason(await verify(v, bearer(`${h}.${p}.${other}`))), 'bad_signature');
  });

  it('rejects a token signed by a key that is not in the JWKS (unknown kid)', async () => {
    const stranger = await generateKeyPair('ES256');
    assert.equal(
      invalidReason(await verify(v, bearer(await sign({}, { kid: 'nope', key: stranger.privateKey })))),
      'unknown_key',
    );
  });

  it('rejects a token carrying its own key (embedded jwk)', async () => {
    const stranger = await generateKeyPair('ES256', { extractable: true });
    const jwk = await exportJWK(stranger.publicKey);
    assert.equal(
      invalidReason(await verify(v, bearer(await sign({}, { key: stranger.privateKey, header: { jwk } })))),
      'malformed',
    );
  });

  it('rejects an oversized token without parsing it (maxTokenBytes)', async () => {
    const small = await make({ ...jwtOptions, jwks: 'file:keys.json', maxTokenBytes: 256 });
    const token = await sign({ pad: 'x'.repeat(300) });
    assert.deepEqual(await verify(small, bearer(token)), { kind: 'invalid', reason: 'malformed' });
    assert.equal((await verify(v, bearer(token))).kind, 'ok');
  });

  it('rejects a token that is not a JWT', async () => {
    assert.deepEqual(await verify(v, bearer('not-a-jwt')), { kind: 'invalid', reason: 'malformed' });
  });

  it('clockToleranceSec changes how late an expired token still passes', async () => {
    const token = await sign({ exp: SEC - 60 });
    assert.equal(invalidReason(await verify(v, bearer(token))), 'expired');
    const lenient = await make({ ...jwtOptions, jwks: 'file:keys.json', clockToleranceSec: 120 });
    assert.equal((await verify(lenient, bearer(token))).kind, 'ok');
  });

  it('requiredClaims refuses a token without them', async () => {
    const strict = await make({ ...jwtOptions, jwks: 'file:keys.json', requiredClaims: ['jti'] });
    assert.deepEqual(await verify(strict, bearer(await sign())), { kind: 'invalid', reason: 'missing_claim' });
    assert.equal((await verify(strict, bearer(await sign({ jti: 'j1' })))).kind, 'ok');
  });

  it('scopeClaim and subjectClaim pick where scopes and the principal id come from', async () => {
    const custom = await make({
      ...jwtOptions,
      jwks: 'file:keys.json',
      scopeClaim: 'realm_access.roles',
      subjectClaim: 'client_id',
    });
    const p = okPrincipal(await verify(custom, bearer(await sign({ realm_access: { roles: ['admin'] } }))));
    assert.equal(p.id, 'c1');
    assert.deepEqual(p.scopes, ['admin']);
  });

  it('issuer and audience may be lists', async () => {
    const multi = await make({
      ...jwtOptions,
      jwks: 'file:keys.json',
      issuer: ['https://a.example/', ISSUER],
      audience: ['x', AUDIENCE],
    });
    assert.equal((await verify(multi, bearer(await sign()))).kind, 'ok');
  });

  it('the injected clock decides expiry: the same token is ok now and expired an hour later', async () => {
    let t = NOW;
    const timed = await make({ ...jwtOptions, jwks: 'file:keys.json', cacheSize: 0 }, bearerScheme, () => t);
    const token = await sign();
    assert.equal((await verify(timed, bearer(token))).kind, 'ok');
    t += 3600_000;
    assert.equal(invalidReason(await verify(timed, bearer(token))), 'expired');
  });

  after(() => undefined);
});
