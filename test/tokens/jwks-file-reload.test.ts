// A JWKS file is read again when it changes (src/tokens/jwks.ts, createFileKeyResolver): a token
// signed by a new key is accepted once the file is replaced, one signed by a removed key is
// refused (even if it was verified, and cached, before), and a bad new file keeps the last good
// keys and is reported once per change, with no key material. Real files, real ES256 keys.
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { ConfigError } from '../../src/errors.js';
import { createPlannedTokenVerifier } from '../../src/schemes/verify/token.js';
import type { VerifierContext } from '../../src/schemes/types.js';
import { createJwtVerifier, type TokenOutcome } from '../../src/tokens/index.js';
import { eventually } from '../helpers/eventually.js';

const ISSUER = 'https://issuer.test';
const reasonOf = (o: TokenOutcome) => (o.ok ? 'ok' : o.reason);

async function keyPair(kid: string): Promise<{ privateKey: CryptoKey; publicJwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return { privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } };
}

function token(privateKey: CryptoKey, kid: string): Promise<string> {
  return new SignJWT({ scope: 'read' })
    .setProtectedHeader({ alg: 'ES256', kid })
    .setIssuer(ISSUER)
    .setAudience('api')
    .setSubject('alice')
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(privateKey);
}

/** Replaces the file the way a deployment does: a new file renamed over the old one. */
function replace(file: string, text: string): void {
  const tmp = `${file}.${Math.random().toString(16).slice(2)}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

describe('jwks file reload', () => {
  test('after a replace a new key is accepted, a removed one refused; a bad file keeps the keys', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jwks-reload-'));
    const file = join(dir, 'keys.json');
    const old = await keyPair('old');
    const rotated = await keyPair('new');
    writeFileSync(file, JSON.stringify({ keys: [old.publicJwk] }));
    const events: ({ ok: true; keys: number } | { ok: false; error: ConfigError })[] = [];
    const v = createJwtVerifier({
      keys: { kind: 'file', path: file },
      issuer: ISSUER,
      audience: 'api',
      algorithms: ['ES256'],
      jwksFileCheckMs: 20,
      onKeysReload: (r) => events.push(r),
    });
    try {
      const oldToken = await token(old.privateKey, 'old');
      const newToken = await token(rotated.privateKey, 'new');
      assert.equal(reasonOf(await v.verify(oldToken)), 'ok'); // verified, and now in the cache
      assert.equal(reasonOf(await v.verify(newToken)), 'unknown_key');

      // Rotation: the old key removed, the new one published.
      replace(file, JSON.stringify({ keys: [rotated.publicJwk] }));
      await eventually(() => events.length === 1, 10_000, 'the reload');
      assert.deepEqual(events[0], { ok: true, keys: 1 });
      assert.equal(reasonOf(await v.verify(newToken)), 'ok');
      assert.equal(reasonOf(await v.verify(oldToken)), 'unknown_key', 'the cached verification is gone too');

      // A bad file: reported once, the last good keys stay.
      replace(file, '{"keys": [ not json');
      await eventually(() => events.length === 2, 10_000, 'the failed reload');
      const failed = events[1]!;
      assert.ok(!failed.ok && failed.error instanceof ConfigError);
      assert.equal(failed.error.reason, 'the JWKS file is not JSON');
      assert.equal(reasonOf(await v.verify(newToken)), 'ok');
      assert.equal(reasonOf(await v.verify(oldToken)), 'unknown_key');
      // Many check intervals later it has not been reported again.
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(events.length, 2, 'one report per change of the file');

      // A private key in the new file is refused the same way, and never quoted.
      const leaked = { ...(await exportJWK(old.privateKey)), kid: 'old' };
      replace(file, JSON.stringify({ keys: [leaked] }));
      await eventually(() => events.length === 3, 10_000, 'the refused private key');
      const refused = events[2]!;
      assert.ok(!refused.ok);
      assert.ok(!refused.error.message.includes(String(leaked.d)));
      assert.equal(reasonOf(await v.verify(newToken)), 'ok');
    } finally {
      v.close();
    }
  });

  test('jwksFileCheckMs: 0 reads the file once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jwks-reload-'));
    const file = join(dir, 'keys.json');
    const old = await keyPair('old');
    const rotated = await keyPair('new');
    writeFileSync(file, JSON.stringify({ keys: [old.publicJwk] }));
    const v = createJwtVerifier({
      keys: { kind: 'file', path: file },
      issuer: ISSUER,
      audience: 'api',
      algorithms: ['ES256'],
      jwksFileCheckMs: 0,
    });
    try {
      replace(file, JSON.stringify({ keys: [rotated.publicJwk] }));
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(reasonOf(await v.verify(await token(old.privateKey, 'old'))), 'ok');
    } finally {
      v.close();
    }
  });

  test('a scheme binding reports jwks.file.reloaded and .reload_failed at its key, no key material', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jwks-reload-'));
    const file = join(dir, 'keys.json');
    const old = await keyPair('old');
    writeFileSync(file, JSON.stringify({ keys: [old.publicJwk] }));
    const reports: { level: string; event: string; fields: Record<string, unknown> }[] = [];
    const context = {
      name: 'idp',
      report: (level: string, event: string, fields: Record<string, unknown> = {}) =>
        void reports.push({ level, event, fields }),
    } as unknown as VerifierContext;
    const v = await createPlannedTokenVerifier(context, {
      kind: 'jwt',
      options: {
        keys: { kind: 'file', path: file },
        issuer: ISSUER,
        audience: 'api',
        algorithms: ['ES256'],
        jwksFileCheckMs: 20,
      },
    });
    try {
      replace(file, JSON.stringify({ keys: [old.publicJwk, (await keyPair('new')).publicJwk] }));
      await eventually(() => reports.length === 1, 10_000, 'the reload report');
      replace(file, 'nope');
      await eventually(() => reports.length === 2, 10_000, 'the failure report');
      assert.deepEqual(reports, [
        { level: 'info', event: 'jwks.file.reloaded', fields: { scheme: 'idp', key: 'schemes.idp.jwks', keys: 2 } },
        {
          level: 'warn',
          event: 'jwks.file.reload_failed',
          fields: {
            scheme: 'idp',
            key: 'schemes.idp.jwks',
            reason: 'the JWKS file is not JSON',
            expected: 'a JWK Set ({"keys": […]}) or one JWK, as JSON',
          },
        },
      ]);
    } finally {
      v.close();
    }
  });
});
