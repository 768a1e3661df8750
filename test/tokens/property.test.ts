// Property: whatever string arrives, verify never throws and never answers ok.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import '../helpers/property.js'; // one seed per file, printed; FC_SEED=<n> replays it
import { createJwtVerifier, createOpenIdVerifier, extractScopes } from '../../src/tokens/index.js';
import type { TokenVerifier } from '../../src/tokens/index.js';
import { b64url, startIdp } from './helpers.js';
import type { Idp } from './helpers.js';

let idp: Idp;
let verifiers: TokenVerifier[] = [];
before(async () => {
  idp = await startIdp(['RS256', 'ES256']);
  const file = join(mkdtempSync(join(tmpdir(), 'tokens-prop-')), 'jwks.json');
  writeFileSync(file, JSON.stringify({ keys: idp.publicKeys() }));
  const common = { issuer: idp.issuer, audience: 'api', algorithms: ['RS256', 'ES256'] };
  verifiers = [
    createJwtVerifier({ ...common, keys: { kind: 'file', path: file } }),
    createJwtVerifier({ ...common, keys: { kind: 'url', url: idp.jwksUrl } }),
    createOpenIdVerifier(idp.discoveryUrl, { audience: 'api', algorithms: ['RS256', 'ES256'] }),
  ];
});
after(async () => {
  for (const v of verifiers) v.close();
  await idp.stop();
});

const segment = fc.oneof(
  fc.string(),
  fc.base64String().map((s) => s.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')),
  fc.json().map((j) => b64url(j)),
);
const jwsLike = fc.tuple(segment, segment, segment).map(([a, b, c]) => `${a}.${b}.${c}`);
const headerish = fc
  .record(
    {
      alg: fc.oneof(fc.constantFrom('RS256', 'ES256', 'none', 'HS256', 'PS256'), fc.string()),
      kid: fc.option(fc.string()),
      crit: fc.option(fc.array(fc.string())),
    },
    { requiredKeys: ['alg'] },
  )
  .chain((h) =>
    fc
      .tuple(fc.constant(b64url(JSON.stringify(h))), fc.json().map(b64url), segment)
      .map(([x, y, z]) => `${x}.${y}.${z}`),
  );

test('property: verify on arbitrary strings never throws and never returns ok', async () => {
  await fc.assert(
    fc.asyncProperty(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), jwsLike, headerish), async (s) => {
      for (const v of verifiers) {
        const o = await v.verify(s);
        assert.equal(o.ok, false);
      }
    }),
    { numRuns: 300 },
  );
});

test('property: extractScopes never throws on arbitrary claims and returns strings only', () => {
  fc.assert(
    fc.property(fc.jsonValue(), fc.option(fc.string(), { nil: undefined }), (claims, path) => {
      const scopes = extractScopes(claims as Record<string, unknown>, path);
      assert.ok(Array.isArray(scopes) && scopes.every((s) => typeof s === 'string' && s.length > 0));
    }),
    { numRuns: 500 },
  );
});
