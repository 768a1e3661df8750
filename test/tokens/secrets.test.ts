// No secret (the token, the client secret) in any outcome or error of the token layer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createIntrospectionVerifier, createJwtVerifier, createOpenIdVerifier } from '../../src/tokens/index.js';
import { startIdp } from './helpers.js';

const MARKER = 'Zm9vTUFSS0VSc2VjcmV0';

test('secrets: no token, claim text or client secret in any outcome or error', async () => {
  const idp = await startIdp(['RS256']);
  const jwt = createJwtVerifier({
    keys: { kind: 'url', url: idp.jwksUrl },
    issuer: idp.issuer,
    audience: 'api',
    algorithms: ['RS256'],
  });
  const oidc = createOpenIdVerifier(idp.discoveryUrl, { audience: 'api', algorithms: ['RS256'] });
  const intro = createIntrospectionVerifier({ url: idp.introspectUrl, clientId: 'c', clientSecret: MARKER });
  const tokens = [
    await idp.buildToken({ iss: `https://${MARKER}.example` }),
    await idp.buildToken({ aud: MARKER }),
    await idp.buildToken({ sub: undefined, note: MARKER }),
    await idp.buildToken({ exp: MARKER }),
    `${MARKER}.${MARKER}.${MARKER}`,
    MARKER,
  ];
  const seen: string[] = [];
  for (const v of [jwt, oidc, intro]) {
    for (const t of tokens) {
      const o = await v.verify(t);
      seen.push(JSON.stringify(o));
      assert.equal(o.ok, false);
    }
  }
  const good = await idp.buildToken();
  const ok = await jwt.verify(good);
  assert.ok(ok.ok);
  assert.equal(JSON.stringify(ok).includes(good), false);
  assert.equal(JSON.stringify(ok).includes(good.split('.')[2] as string), false, 'not even the signature');
  for (const s of seen) assert.equal(s.includes(MARKER), false, s);
  for (const v of [jwt, oidc, intro]) v.close();
  await idp.stop();
  const down = createIntrospectionVerifier({ url: idp.introspectUrl, clientId: 'c', clientSecret: MARKER });
  assert.equal(JSON.stringify(await down.verify('tok')).includes(MARKER), false);
  down.close();
});
