// `asyncapi-guard seal` / `open`, run as a real process: round trips with keys in files and in
// the environment, rotation by kid, and refusals as one line on stderr with exit code 2 that
// never quote a key or a payload.
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { assertOneErrorLine, makeProject, runCli } from './helpers.js';

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64url');
const octA = { kty: 'oct', kid: 'a', k: b64(randomBytes(32)) };
const octB = { kty: 'oct', kid: 'b', k: b64(randomBytes(32)) };
const ecPrivate: Record<string, string> = {
  ...(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ format: 'jwk' }) as Record<
    string,
    string
  >),
  kid: 'ec-2024',
};
const ecPublic = Object.fromEntries(Object.entries(ecPrivate).filter(([k]) => k !== 'd'));

const root = makeProject({
  'keys/shared.jwks': JSON.stringify({ keys: [octA, octB] }),
  'keys/a.jwk': JSON.stringify(octA),
  'keys/readings.pub.jwk': JSON.stringify(ecPublic),
});
const headerOf = (jwe: string) =>
  JSON.parse(Buffer.from(jwe.split('.')[0]!, 'base64url').toString()) as Record<string, unknown>;

describe('seal / open', () => {
  it(
    'seal/open: round trip with a symmetric key in a file ' + '(stdout holds the JWE alone, then the exact plaintext)',
    async () => {
      const payload = '{"lux":42,"note":"ünïcode ✓"}';
      const sealed = await runCli(['seal', '--key', 'file:keys/a.jwk'], { cwd: root, stdin: payload });
      assert.equal(sealed.code, 0, sealed.stderr);
      assert.equal(sealed.stderr, '');
      assert.match(sealed.stdout, /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]*){4}\n$/);
      assert.deepEqual(
        [headerOf(sealed.stdout)['alg'], headerOf(sealed.stdout)['enc'], headerOf(sealed.stdout)['kid']],
        ['A256KW', 'A256GCM', 'a'],
      );
      const opened = await runCli(['open', '--key', 'file:keys/shared.jwks'], { cwd: root, stdin: sealed.stdout });
      assert.equal(opened.code, 0, opened.stderr);
      assert.equal(opened.stdout, payload);
    },
  );

  it('seal/open: round trip with the public key in a file and the private key in the environment', async () => {
    const sealed = await runCli(['seal', '--key', 'file:keys/readings.pub.jwk'], { cwd: root, stdin: 'reading 17' });
    assert.equal(sealed.code, 0, sealed.stderr);
    assert.equal(headerOf(sealed.stdout)['alg'], 'ECDH-ES+A256KW');
    const opened = await runCli(['open', '--key', 'env:READINGS_KEY'], {
      cwd: root,
      stdin: sealed.stdout,
      env: { READINGS_KEY: JSON.stringify(ecPrivate) },
    });
    assert.equal(opened.code, 0, opened.stderr);
    assert.equal(opened.stdout, 'reading 17');
  });

  it('seal: --kid picks the key of a set and --alg dir seals with it; open picks it by kid', async () => {
    const sealed = await runCli(['seal', '--key', 'env:SHARED', '--kid', 'b', '--alg', 'dir'], {
      cwd: root,
      stdin: 'x',
      env: { SHARED: JSON.stringify({ keys: [octA, octB] }) },
    });
    assert.equal(sealed.code, 0, sealed.stderr);
    assert.deepEqual([headerOf(sealed.stdout)['alg'], headerOf(sealed.stdout)['kid']], ['dir', 'b']);
    const opened = await runCli(['open', '--key', 'file:keys/shared.jwks'], { cwd: root, stdin: sealed.stdout });
    assert.equal(opened.stdout, 'x');
    // Key a alone does not have kid b: refused, not tried.
    const refused = await runCli(['open', '--key', 'file:keys/a.jwk'], { cwd: root, stdin: sealed.stdout });
    assertOneErrorLine(refused, 'ERR_JWE_REFUSED');
    assert.match(refused.stderr, /no key has the JWE's kid/);
  });

  it('seal: rejects a key set of several keys without --kid (ERR_USAGE)', async () => {
    assertOneErrorLine(
      await runCli(['seal', '--key', 'file:keys/shared.jwks'], { cwd: root, stdin: 'x' }),
      'ERR_USAGE',
    );
  });

  it('seal: rejects a literal key without quoting it (ERR_KEY_INVALID)', async () => {
    const literal = JSON.stringify(octA);
    const r = await runCli(['seal', '--key', literal], { cwd: root, stdin: 'x' });
    assertOneErrorLine(r, 'ERR_KEY_INVALID');
    assert.ok(!r.stderr.includes(octA.k), r.stderr);
  });

  it('seal: rejects --alg RSA1_5 (exit 2)', async () => {
    const r = await runCli(['seal', '--key', 'file:keys/a.jwk', '--alg', 'RSA1_5'], { cwd: root, stdin: 'x' });
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
  });

  it('seal: rejects stdin over 1 MiB (bounded read)', async () => {
    assertOneErrorLine(
      await runCli(['seal', '--key', 'file:keys/a.jwk'], { cwd: root, stdin: 'x'.repeat(1024 * 1024 + 1) }),
      'ERR_USAGE',
    );
  });

  it('open: rejects plaintext and a tampered JWE without echoing either', async () => {
    const plain = await runCli(['open', '--key', 'file:keys/a.jwk'], { cwd: root, stdin: 'PLAINTEXT-MARKER' });
    assertOneErrorLine(plain, 'ERR_JWE_REFUSED');
    assert.ok(!plain.stderr.includes('PLAINTEXT-MARKER'));
    const sealed = (
      await runCli(['seal', '--key', 'file:keys/a.jwk'], { cwd: root, stdin: 'SECRET-READING' })
    ).stdout.trim();
    const parts = sealed.split('.');
    parts[3] = parts[3]!.startsWith('A') ? `B${parts[3]!.slice(1)}` : `A${parts[3]!.slice(1)}`;
    const tampered = await runCli(['open', '--key', 'file:keys/a.jwk'], { cwd: root, stdin: parts.join('.') });
    assertOneErrorLine(tampered, 'ERR_JWE_REFUSED');
    assert.match(tampered.stderr, /does not decrypt/);
    for (const s of ['SECRET-READING', parts[3], octA.k]) assert.ok(!tampered.stderr.includes(s));
  });
});
