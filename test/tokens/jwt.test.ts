import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, exportSPKI, importJWK, generateKeyPair, decodeJwt } from 'jose';
import type { CryptoKey, JWK } from 'jose';
import { createJwtVerifier } from '../../src/tokens/index.js';
import type { JwtVerifierOptions, TokenOutcome } from '../../src/tokens/index.js';
import { b64url, nowSec, rawToken, sign, startIdp } from './helpers.js';
import type { Idp } from './helpers.js';

let idp: Idp;
let rsaKey: JWK; // the IdP's private RS256 key
let ecKey: JWK; // the IdP's private ES256 key
const dir = mkdtempSync(join(tmpdir(), 'tokens-jwt-'));

before(async () => {
  idp = await startIdp(['RS256', 'ES256']);
  [rsaKey, ecKey] = idp.privateKeys() as [JWK, JWK];
});
after(() => idp.stop());

const options = (over: Partial<JwtVerifierOptions> = {}): JwtVerifierOptions => ({
  keys: { kind: 'url', url: idp.jwksUrl },
  issuer: idp.issuer,
  audience: 'api',
  algorithms: ['RS256', 'ES256'],
  ...over,
});
const claims = (over: Record<string, unknown> = {}) => ({
  iss: idp.issuer,
  aud: 'api',
  sub: 'alice',
  scope: 'read',
  iat: nowSec(),
  exp: nowSec() + 600,
  ...over,
});
const reasonOf = (o: TokenOutcome) => (o.ok ? 'ok' : o.reason);

describe('jwt: real tokens from a real IdP', () => {
  test('jwt: verifies an RS256 token from the token endpoint, with subject, scopes and expiry', async () => {
    const v = createJwtVerifier(options());
    const token = await idp.fetchToken('read write');
    const o = await v.verify(token);
    assert.ok(o.ok, `refused: ${reasonOf(o)}`);
    assert.equal(o.subject, 'alice');
    assert.deepEqual(o.scopes, ['read', 'write']);
    assert.equal(o.expiresAt, (decodeJwt(token).exp as number) * 1000);
    assert.ok(Object.isFrozen(o) && Object.isFrozen(o.claims) && Object.isFrozen(o.scopes));
    assert.equal(JSON.stringify(o).includes(token), false);
    v.close();
  });

  test('jwt: verifies an ES256 token picked by kid from a set holding RSA and EC keys', async () => {
    const v = createJwtVerifier(options());
    const o = await v.verify(await idp.buildToken({}, { kid: ecKey.kid as string }));
    assert.ok(o.ok, `refused: ${reasonOf(o)}`);
    v.close();
  });

  test('jwt: verifies against a local JWKS file and against a single-JWK file', async () => {
    const setFile = join(dir, 'set.json');
    writeFileSync(setFile, JSON.stringify({ keys: idp.publicKeys() }));
    const oneFile = join(dir, 'one.json');
    writeFileSync(oneFile, JSON.stringify(idp.publicKeys()[0]));
    const token = await idp.buildToken({}, { kid: rsaKey.kid as string });
    for (const path of [setFile, oneFile]) {
      const v = createJwtVerifier(options({ keys: { kind: 'file', path } }));
      assert.equal(reasonOf(await v.verify(token)), 'ok', path);
      v.close();
    }
  });

  test(
    'jwt: after close, a verifier with a key file refuses ' + 'every token keys_unavailable (a cached one too)',
    async () => {
      const file = join(dir, 'close.json');
      writeFileSync(file, JSON.stringify({ keys: idp.publicKeys() }));
      const token = await idp.buildToken({}, { kid: rsaKey.kid as string });
      for (const cacheSize of [0, 100]) {
        const v = createJwtVerifier(options({ keys: { kind: 'file', path: file }, cacheSize }));
        assert.equal(reasonOf(await v.verify(token)), 'ok');
        v.close();
        assert.equal(reasonOf(await v.verify(token)), 'keys_unavailable', `cacheSize ${cacheSize}`);
      }
    },
  );

  test('jwt: a token without kid verifies when exactly one key fits', async () => {
    const file = join(dir, 'ec-only.json');
    writeFileSync(file, JSON.stringify({ keys: idp.publicKeys().filter((k) => k.kty === 'EC') }));
    const v = createJwtVerifier(options({ keys: { kind: 'file', path: file } }));
    assert.equal(reasonOf(await v.verify(await sign(claims(), { alg: 'ES256' }, ecKey))), 'ok');
  });

  test('jwt: scopes from scp (array) and from a configured claim path', async () => {
    const v = createJwtVerifier(options({ cacheSize: 0 }));
    const a = await v.verify(await idp.buildToken({ scope: undefined, scp: ['a', 'b'] }));
    assert.ok(a.ok);
    assert.deepEqual(a.scopes, ['a', 'b']);
    const w = createJwtVerifier(options({ scopeClaim: 'realm_access.roles', subjectClaim: 'client_id' }));
    const b = await w.verify(await idp.buildToken({ realm_access: { roles: ['admin'] }, client_id: 'svc' }));
    assert.ok(b.ok);
    assert.deepEqual(b.scopes, ['admin']);
    assert.equal(b.subject, 'svc');
    v.close();
    w.close();
  });

  test('jwt: an issuer or audience list accepts any one of its values; aud may be an array', async () => {
    const v = createJwtVerifier(options({ issuer: ['https://other.example', idp.issuer], audience: ['x', 'api'] }));
    assert.equal(reasonOf(await v.verify(await idp.buildToken({ aud: ['zzz', 'api'] }))), 'ok');
    v.close();
  });

  test('jwt: clock tolerance accepts a token expired 10 s ago and refuses it with tolerance 0', async () => {
    const token = await sign(
      claims({ exp: nowSec() - 10, iat: nowSec() - 100 }),
      { alg: 'RS256', kid: rsaKey.kid },
      rsaKey,
    );
    const lenient = createJwtVerifier(options());
    const strict = createJwtVerifier(options({ clockToleranceSec: 0 }));
    assert.equal(reasonOf(await lenient.verify(token)), 'ok');
    assert.equal(reasonOf(await strict.verify(token)), 'expired');
  });
});

describe('jwt: hostile tokens', () => {
  let v: ReturnType<typeof createJwtVerifier>;
  before(() => {
    v = createJwtVerifier(options({ cacheSize: 0 }));
  });
  after(() => v.close());
  const kid = () => rsaKey.kid as string;

  test('rejects alg none (an unsigned token)', async () => {
    assert.equal(reasonOf(await v.verify(rawToken({ alg: 'none', typ: 'JWT' }, claims()))), 'alg_not_allowed');
    assert.equal(reasonOf(await v.verify(rawToken({ alg: 'none', kid: kid() }, claims(), 'c2ln'))), 'alg_not_allowed');
    assert.equal(reasonOf(await v.verify(rawToken({ alg: 'NONE' }, claims()))), 'alg_not_allowed');
  });

  test('rejects HS256 signed with the public key as the HMAC secret', async () => {
    const pub = idp.publicKeys().find((k) => k.kid === kid()) as JWK;
    const pem = await exportSPKI((await importJWK(pub, 'RS256', { extractable: true })) as CryptoKey);
    for (const secret of [Buffer.from(pem), Buffer.from(JSON.stringify(pub)), Buffer.from(pub.n as string)]) {
      const forged = await sign(claims(), { alg: 'HS256', kid: kid() }, new Uint8Array(secret));
      assert.equal(reasonOf(await v.verify(forged)), 'alg_not_allowed');
    }
    // Even with HS256 in the allow-list of a file verifier that holds the RSA public key, no way in:
    const file = join(dir, 'rsa-pub.json');
    writeFileSync(file, JSON.stringify(pub));
    assert.throws(
      () => createJwtVerifier(options({ keys: { kind: 'file', path: file }, algorithms: ['RS256', 'HS256'] })),
      { code: 'ERR_INVALID_ARG_VALUE' },
    );
  });

  test('rejects an expired token', async () => {
    assert.equal(reasonOf(await v.verify(await idp.buildToken({}, { expiresIn: -3600 }))), 'expired');
  });

  test('rejects a token not yet valid (nbf in the future)', async () => {
    assert.equal(reasonOf(await v.verify(await idp.buildToken({ nbf: nowSec() + 3600 }))), 'not_yet_valid');
  });

  test('rejects a token issued in the future (iat beyond the tolerance)', async () => {
    assert.equal(reasonOf(await v.verify(await idp.buildToken({ iat: nowSec() + 3600 }))), 'not_yet_valid');
  });

  test('rejects a token from the wrong issuer, though signed with a trusted key', async () => {
    assert.equal(reasonOf(await v.verify(await idp.buildToken({ iss: 'https://evil.example' }))), 'wrong_issuer');
  });

  test('rejects a token for the wrong audience', async () => {
    assert.equal(reasonOf(await v.verify(await idp.buildToken({ aud: 'other-api' }))), 'wrong_audience');
    assert.equal(reasonOf(await v.verify(await idp.buildToken({ aud: ['x', 'y'] }))), 'wrong_audience');
  });

  test('rejects a bad signature (altered payload, altered signature, a foreign key under a trusted kid)', async () => {
    const good = await idp.buildToken({}, { kid: kid() });
    const [h, p, s] = good.split('.') as [string, string, string];
    const escalated = `${h}.${b64url(JSON.stringify({ ...decodeJwt(good), scope: 'admin' }))}.${s}`;
    assert.equal(reasonOf(await v.verify(escalated)), 'bad_signature');
    const mid = s.length >> 1;
    const flipped = `${h}.${p}.${s.slice(0, mid)}${s[mid] === 'A' ? 'B' : 'A'}${s.slice(mid + 1)}`;
    assert.equal(reasonOf(await v.verify(flipped)), 'bad_signature');
    const foreign = (await generateKeyPair('RS256', { extractable: true })).privateKey;
    assert.equal(
      reasonOf(await v.verify(await sign(claims(), { alg: 'RS256', kid: kid() }, await exportJWK(foreign)))),
      'bad_signature',
    );
  });

  test('rejects an unknown kid', async () => {
    const foreign = await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey);
    assert.equal(
      reasonOf(await v.verify(await sign(claims(), { alg: 'ES256', kid: 'no-such-kid' }, foreign))),
      'unknown_key',
    );
  });

  test('rejects a token carrying its own key in an embedded jwk header', async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    const jwk = await exportJWK(pair.publicKey);
    assert.equal(
      reasonOf(await v.verify(await sign(claims(), { alg: 'ES256', jwk }, await exportJWK(pair.privateKey)))),
      'malformed',
    );
    // …even when the kid names a trusted key
    assert.equal(
      reasonOf(await v.verify(await sign(claims(), { alg: 'ES256', kid: ecKey.kid, jwk }, ecKey))),
      'malformed',
    );
  });

  test('rejects a token pointing at its own key set with a jku header', async () => {
    assert.equal(
      reasonOf(
        await v.verify(await sign(claims(), { alg: 'RS256', kid: kid(), jku: 'https://evil.example/jwks' }, rsaKey)),
      ),
      'malformed',
    );
  });

  test('rejects a token naming a certificate with x5u or x5c headers', async () => {
    assert.equal(
      reasonOf(
        await v.verify(await sign(claims(), { alg: 'RS256', kid: kid(), x5u: 'https://evil.example/cert' }, rsaKey)),
      ),
      'malformed',
    );
    assert.equal(
      reasonOf(await v.verify(await sign(claims(), { alg: 'RS256', kid: kid(), x5c: ['MIIB'] }, rsaKey))),
      'malformed',
    );
  });

  test('rejects an oversized token before parsing it', async () => {
    const before = v.stats?.().verifications;
    const big = await idp.buildToken({ pad: 'x'.repeat(9000) });
    assert.equal(reasonOf(await v.verify(big)), 'malformed');
    assert.equal(reasonOf(await v.verify('a'.repeat(10_000_000))), 'malformed');
    assert.equal(v.stats?.().verifications, before, 'jose was never called');
    const roomy = createJwtVerifier(options({ maxTokenBytes: 64 * 1024 }));
    assert.equal(reasonOf(await roomy.verify(big)), 'ok');
    roomy.close();
  });

  test('rejects a token with an unknown crit header', async () => {
    // jose will not even sign this, so sign it by hand with node:crypto.
    const header = { alg: 'RS256', kid: kid(), crit: ['urn:x-never-heard'], 'urn:x-never-heard': true };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims()))}`;
    const signature = cryptoSign(
      'sha256',
      Buffer.from(input),
      createPrivateKey({ key: rsaKey as never, format: 'jwk' }),
    );
    const t = `${input}.${b64url(signature)}`;
    assert.equal(reasonOf(await v.verify(t)), 'malformed');
    // Control: the same hand signing without crit verifies, so the refusal is the crit's doing.
    const plain = `${b64url(JSON.stringify({ alg: 'RS256', kid: kid() }))}.${b64url(JSON.stringify(claims()))}`;
    const control =
      `${plain}.` +
      `${b64url(cryptoSign('sha256', Buffer.from(plain), createPrivateKey({ key: rsaKey as never, format: 'jwk' })))}`;
    assert.equal(reasonOf(await v.verify(control)), 'ok');
  });

  test('rejects a token without exp (a bearer token must expire)', async () => {
    assert.equal(
      reasonOf(await v.verify(await sign(claims({ exp: undefined }), { alg: 'RS256', kid: kid() }, rsaKey))),
      'missing_claim',
    );
  });

  test('rejects a token without a subject, or without a configured required claim', async () => {
    assert.equal(reasonOf(await v.verify(await idp.buildToken({ sub: undefined }))), 'missing_claim');
    assert.equal(reasonOf(await v.verify(await idp.buildToken({ sub: 42 }))), 'missing_claim');
    const w = createJwtVerifier(options({ requiredClaims: ['tenant'] }));
    assert.equal(reasonOf(await w.verify(await idp.buildToken())), 'missing_claim');
    assert.equal(reasonOf(await w.verify(await idp.buildToken({ tenant: 't1' }))), 'ok');
    w.close();
  });

  test('rejects a claim of the wrong type (exp as a string)', async () => {
    assert.equal(
      reasonOf(await v.verify(await sign(claims({ exp: 'tomorrow' }), { alg: 'RS256', kid: kid() }, rsaKey))),
      'malformed',
    );
  });

  test('rejects an algorithm outside the allow-list, though signed with a trusted key', async () => {
    const onlyEs = createJwtVerifier(options({ algorithms: ['ES256'] }));
    assert.equal(reasonOf(await onlyEs.verify(await idp.buildToken({}, { kid: kid() }))), 'alg_not_allowed');
    onlyEs.close();
  });

  test('rejects garbage and strings that are not a JWS', async () => {
    for (const s of [
      '',
      'abc',
      'a.b',
      'a.b.c.d',
      'a.b.c.d.e',
      '...',
      'eyJ.eyJ.',
      '💥.💥.💥',
      'Bearer x.y.z',
      ' x.y.z',
      `${b64url('{"alg":"RS256"')}.${b64url('{}')}.c2ln`,
      `${b64url('[]')}.${b64url('{}')}.c2ln`,
      `${b64url('{"alg":"RS256"}')}.${b64url('"str"')}.c2ln`,
    ]) {
      const o = await v.verify(s);
      assert.equal(o.ok, false, JSON.stringify(s));
      assert.ok(
        ['malformed', 'unknown_key', 'bad_signature'].includes(reasonOf(o)),
        `${JSON.stringify(s)} → ${reasonOf(o)}`,
      );
    }
    for (const notAString of [undefined, null, 42, {}, ['a.b.c']])
      assert.equal(reasonOf(await v.verify(notAString as string)), 'malformed');
  });
});

describe('jwt: options are checked at construction', () => {
  test('jwt: refuses "none" in the allow-list, and an empty or unknown allow-list', () => {
    for (const algorithms of [['none'], ['RS256', 'none'], ['None'], [], ['RS257']]) {
      assert.throws(
        () => createJwtVerifier(options({ algorithms })),
        (e: Error & { code?: string }) => e instanceof TypeError && e.code === 'ERR_INVALID_ARG_VALUE',
        JSON.stringify(algorithms),
      );
    }
  });

  test('jwt: refuses HMAC algorithms with a remote JWKS', () => {
    assert.throws(() => createJwtVerifier(options({ algorithms: ['HS256'] })), { code: 'ERR_INVALID_ARG_VALUE' });
  });

  test('jwt: refuses a JWKS URL over plain http to a non-loopback host, and one with credentials', () => {
    for (const url of [
      'http://idp.example/jwks',
      'http://10.0.0.1/jwks',
      'ftp://idp.example/jwks',
      'not a url',
      'https://user:pw@idp.example/jwks',
    ]) {
      assert.throws(
        () => createJwtVerifier(options({ keys: { kind: 'url', url } })),
        (e: Error & { code?: string }) => e instanceof TypeError && !e.message.includes('pw@'),
        url,
      );
    }
    for (const url of [
      'http://127.0.0.1:1/jwks',
      'http://[::1]:1/jwks',
      'http://localhost:1/jwks',
      'https://idp.example/jwks',
    ])
      createJwtVerifier(options({ keys: { kind: 'url', url } })).close();
  });

  test('jwt: an unusable JWKS file fails with ERR_CONFIG_INVALID naming the file', () => {
    const cases: Record<string, string> = {
      'notjson.json': '{',
      'empty.json': '{"keys": []}',
      'private.json': JSON.stringify(rsaKey),
      'weird.json': '{"keys": [{"kty": "XYZ"}]}',
    };
    for (const [name, text] of Object.entries(cases)) {
      const path = join(dir, name);
      writeFileSync(path, text);
      assert.throws(
        () => createJwtVerifier(options({ keys: { kind: 'file', path } })),
        (e: Error & { code?: string; file?: string }) =>
          e.code === 'ERR_CONFIG_INVALID' && e.file === path && !e.message.includes(String(rsaKey.d)),
        name,
      );
    }
    assert.throws(() => createJwtVerifier(options({ keys: { kind: 'file', path: join(dir, 'missing.json') } })), {
      code: 'ERR_CONFIG_INVALID',
    });
    assert.throws(() => createJwtVerifier(options({ keys: { kind: 'file', path: 'relative.json' } })), {
      code: 'ERR_INVALID_ARG_VALUE',
    });
  });

  test('jwt: bad option types are TypeErrors naming the option', () => {
    assert.throws(() => createJwtVerifier(options({ issuer: '' })), /options\.issuer/);
    assert.throws(() => createJwtVerifier(options({ audience: [] })), /options\.audience/);
    assert.throws(() => createJwtVerifier(options({ clockToleranceSec: -1 })), /options\.clockToleranceSec/);
    assert.throws(() => createJwtVerifier(options({ cacheSize: Number.NaN })), /options\.cacheSize/);
    assert.throws(() => createJwtVerifier(null as unknown as JwtVerifierOptions), { code: 'ERR_INVALID_ARG_TYPE' });
  });
});

describe('jwt: HMAC with a symmetric key file', () => {
  const secret = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    .privateKey.export({ format: 'der', type: 'pkcs8' })
    .subarray(0, 32);
  const octFile = join(dir, 'oct.json');
  writeFileSync(
    octFile,
    JSON.stringify({ keys: [{ kty: 'oct', kid: 'shared', k: Buffer.from(secret).toString('base64url') }] }),
  );

  test('jwt: verifies an HS256 token signed with the shared secret', async () => {
    const v = createJwtVerifier(options({ keys: { kind: 'file', path: octFile }, algorithms: ['HS256'] }));
    assert.equal(
      reasonOf(await v.verify(await sign(claims(), { alg: 'HS256', kid: 'shared' }, new Uint8Array(secret)))),
      'ok',
    );
    assert.equal(
      reasonOf(await v.verify(await sign(claims(), { alg: 'HS256', kid: 'shared' }, new Uint8Array(32)))),
      'bad_signature',
    );
    assert.equal(
      reasonOf(await v.verify(await sign(claims(), { alg: 'HS256', kid: 'other' }, new Uint8Array(secret)))),
      'unknown_key',
    );
    v.close();
  });
});
