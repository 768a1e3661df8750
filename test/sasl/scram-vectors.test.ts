// Replays every exchange in test/fixtures/test-vectors/scram/ (see its SOURCE.md) through our
// server and our client. SHA-1 vectors run through the digest-level factories with a SHA-1
// digest defined here: SHA-1 is never offered as a mechanism by src/.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { createScramClientWithDigest } from '../../src/sasl/scram-client.js';
import { createScramServerWithDigest } from '../../src/sasl/scram-server.js';
import { computeSaltedPassword, computeScramKeys, deriveScramVerifier, scramDigests } from '../../src/sasl/scram.js';
import { saslprep } from '../../src/sasl/saslprep.js';
import type { ScramDigest, ScramVerifier } from '../../src/sasl/types.js';

const vectorsDir = new URL('../fixtures/test-vectors/scram/', import.meta.url);
const readJson = (name: string): unknown => JSON.parse(readFileSync(new URL(name, vectorsDir), 'utf8'));

const SHA1: ScramDigest = { name: 'SHA-1', nodeName: 'sha1', length: 20 };
const digestOf = (name: string): ScramDigest => (name === 'SHA-1' ? SHA1 : scramDigests[name as 'SHA-256' | 'SHA-512']);

interface XdgVector {
  label: string;
  digest: string;
  user: string;
  pass: string;
  authID: string;
  skipSASLprep: boolean;
  salt64: string;
  iters: number;
  clientNonce: string;
  serverNonce: string;
  valid: boolean;
  steps: string[];
}

function loadXdg(kind: 'good' | 'bad-client' | 'bad-server'): XdgVector[] {
  const dir = new URL(`xdg-go-scram-testdata/${kind}/`, vectorsDir);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(new URL(f, dir), 'utf8')) as XdgVector);
}

/** The verifier a server would store for this vector (prepared like the vector's client prepared it). */
async function verifierFor(
  digest: ScramDigest,
  pass: string,
  skipSaslprep: boolean,
  salt: Buffer,
  iterations: number,
): Promise<ScramVerifier> {
  const prepared = skipSaslprep ? pass : (saslprep(pass, { allowUnassigned: true }) as { value: string }).value;
  const keys = computeScramKeys(digest, await computeSaltedPassword(digest, prepared, salt, iterations));
  return { hash: digest.name as 'SHA-256', salt, iterations, storedKey: keys.storedKey, serverKey: keys.serverKey };
}

function serverFor(v: XdgVector, verifier: ScramVerifier, extra: { allowUserEnumeration?: boolean } = {}) {
  // The server always prepares the user name, whether or not the vector's client did.
  const expectedUser = (saslprep(v.user, { allowUnassigned: true }) as { value: string }).value;
  return createScramServerWithDigest(digestOf(v.digest), {
    lookup: async (username) => (username === expectedUser ? verifier : null),
    nonce: () => v.serverNonce,
    ...extra,
  });
}

function clientFor(v: XdgVector) {
  return createScramClientWithDigest(digestOf(v.digest), {
    username: v.user,
    password: v.pass,
    ...(v.authID ? { authzid: v.authID } : {}),
    nonce: () => v.clientNonce,
    skipSaslprep: v.skipSASLprep,
  });
}

const saltOf = (v: XdgVector): Buffer => Buffer.from(v.salt64.trim(), 'base64');

describe('scram vectors: xdg-go/scram good', () => {
  const good = loadXdg('good');
  it('has the 15 published good exchanges', () => assert.equal(good.length, 15));
  for (const v of good) {
    it(`scram vectors: server replays "${v.label}" exactly`, async () => {
      const server = serverFor(v, await verifierFor(digestOf(v.digest), v.pass, v.skipSASLprep, saltOf(v), v.iters));
      const first = await server.step(v.steps[0] as string);
      assert.deepEqual(first, { kind: 'challenge', message: v.steps[1] });
      const final = await server.step(v.steps[2] as string);
      assert.equal(final.kind, 'success', JSON.stringify(final));
      assert.equal(final.message, v.steps[3]);
      assert.equal(v.steps[4], '');
    });
    it(`scram vectors: client replays "${v.label}" exactly`, async () => {
      const client = clientFor(v);
      assert.deepEqual(client.first(), { ok: true, message: v.steps[0] });
      assert.deepEqual(await client.final(v.steps[1] as string), { ok: true, message: v.steps[2] });
      assert.deepEqual(client.verify(v.steps[3] as string), { ok: true });
    });
  }
});

describe('scram vectors: xdg-go/scram bad-client', () => {
  const bad = loadXdg('bad-client');
  it('has the 3 published bad-client exchanges', () => assert.equal(bad.length, 3));
  for (const v of bad) {
    const expectedError = v.steps[v.steps.length - 1] as string;
    if (expectedError === 'e=unknown-user') {
      it(
        `scram vectors: "${v.label}" with allowUserEnumeration ` + `fails at client-first with ${expectedError}`,
        async () => {
          const server = serverFor(v, await verifierFor(digestOf(v.digest), v.pass, false, saltOf(v), v.iters), {
            allowUserEnumeration: true,
          });
          const out = await server.step(v.steps[0] as string);
          assert.deepEqual(out, {
            kind: 'failure',
            message: expectedError,
            reason: 'unknown_principal',
            username: 'doesntexist',
          });
        },
      );
      it(
        `scram vectors: "${v.label}" by default gets a fake challenge and fails the proof with ` +
          `e=invalid-proof (reason unknown_principal)`,
        async () => {
          const server = serverFor(v, await verifierFor(digestOf(v.digest), v.pass, false, saltOf(v), v.iters));
          const challenge = await server.step(v.steps[0] as string);
          assert.equal(challenge.kind, 'challenge');
          assert.match(
            challenge.message,
            /^r=fyko\+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=[A-Za-z0-9+/]{22}==,i=4096$/,
          );
          const client = createScramClientWithDigest(SHA1, {
            username: 'doesntexist',
            password: v.pass,
            nonce: () => v.clientNonce,
          });
          assert.equal(client.first().ok, true);
          const final = await client.final(challenge.message);
          assert.ok(final.ok);
          const out = await server.step(final.message);
          assert.deepEqual(out, {
            kind: 'failure',
            message: 'e=invalid-proof',
            reason: 'unknown_principal',
            username: 'doesntexist',
          });
          // The client, fed the vector's server answer, reports the server error.
          const replay = clientFor(v);
          replay.first();
          assert.deepEqual(await replay.final(expectedError), {
            ok: false,
            reason: 'server_error',
            serverError: 'unknown-user',
          });
        },
      );
    } else {
      it(`scram vectors: server fails "${v.label}" with ${expectedError}`, async () => {
        const server = serverFor(v, await verifierFor(digestOf(v.digest), v.pass, v.skipSASLprep, saltOf(v), v.iters));
        assert.deepEqual(await server.step(v.steps[0] as string), { kind: 'challenge', message: v.steps[1] });
        const out = await server.step(v.steps[2] as string);
        assert.deepEqual(out, { kind: 'failure', message: expectedError, reason: 'bad_password', username: 'user' });
      });
    }
  }
});

describe('scram vectors: xdg-go/scram bad-server', () => {
  const bad = loadXdg('bad-server');
  it('has the 2 published bad-server exchanges', () => assert.equal(bad.length, 2));
  for (const v of bad) {
    it(`scram vectors: client detects "${v.label}"`, async () => {
      const client = clientFor(v);
      assert.deepEqual(client.first(), { ok: true, message: v.steps[0] });
      assert.deepEqual(await client.final(v.steps[1] as string), { ok: true, message: v.steps[2] });
      assert.deepEqual(client.verify(v.steps[3] as string), { ok: false, reason: 'bad_server_signature' });
    });
  }
});

interface RfcVector {
  id: string;
  hash: string;
  username: string;
  password: string;
  client_nonce: string;
  server_nonce?: string;
  salt_b64?: string;
  iterations?: number;
  gs2_header?: string;
  client_first: string;
  server_first: string;
  client_final: string;
  server_final: string;
  auth_message?: string;
  published_intermediates?: { stored_key_b64: string; server_key_b64: string };
}

describe('scram vectors: scram-rfc-vectors.json', () => {
  const file = readJson('scram-rfc-vectors.json') as {
    vectors: RfcVector[];
    server_error_values_rfc5802_section7: string[];
  };
  const byId = (id: string): RfcVector => file.vectors.find((v) => v.id === id) as RfcVector;

  async function replayServer(v: RfcVector) {
    const salt = Buffer.from(v.server_first.split(',s=')[1]?.split(',')[0] as string, 'base64');
    const iterations = Number(v.server_first.split(',i=')[1]);
    const serverNonce = (v.server_first.slice(2).split(',')[0] as string).slice(v.client_nonce.length);
    const digest = digestOf(v.hash);
    const verifier = await verifierFor(digest, v.password, false, salt, iterations);
    return createScramServerWithDigest(digest, {
      lookup: async (u) => (u === v.username ? verifier : null),
      nonce: () => serverNonce,
    });
  }

  for (const id of [
    'rfc5802-section5-scram-sha-1',
    'rfc7677-section3-scram-sha-256',
    'mgo-scram-sha-1-root',
    'scramp-scram-sha-1-client-y-flag',
  ]) {
    it(`scram vectors: server replays ${id}`, async () => {
      const v = byId(id);
      const server = await replayServer(v);
      assert.deepEqual(await server.step(v.client_first), { kind: 'challenge', message: v.server_first });
      const out = await server.step(v.client_final);
      assert.equal(out.kind, 'success');
      assert.equal(out.message, v.server_final);
    });
  }

  for (const id of ['rfc5802-section5-scram-sha-1', 'rfc7677-section3-scram-sha-256', 'mgo-scram-sha-1-root']) {
    it(`scram vectors: client replays ${id}`, async () => {
      const v = byId(id);
      const client = createScramClientWithDigest(digestOf(v.hash), {
        username: v.username,
        password: v.password,
        nonce: () => v.client_nonce,
      });
      assert.deepEqual(client.first(), { ok: true, message: v.client_first });
      assert.deepEqual(await client.final(v.server_first), { ok: true, message: v.client_final });
      assert.deepEqual(client.verify(v.server_final), { ok: true });
    });
  }

  it('scram vectors: AuthMessage of the RFC examples is what the proofs sign', () => {
    for (const id of ['rfc5802-section5-scram-sha-1', 'rfc7677-section3-scram-sha-256']) {
      const v = byId(id);
      const bare = v.client_first.slice((v.gs2_header as string).length);
      const withoutProof = v.client_final.slice(0, v.client_final.lastIndexOf(',p='));
      assert.equal(`${bare},${v.server_first},${withoutProof}`, v.auth_message);
    }
  });

  it('scram vectors: StoredKey and ServerKey match the published intermediates', async () => {
    for (const id of ['rfc5802-section5-scram-sha-1', 'rfc7677-section3-scram-sha-256']) {
      const v = byId(id);
      const digest = digestOf(v.hash);
      const keys = computeScramKeys(
        digest,
        await computeSaltedPassword(
          digest,
          v.password,
          Buffer.from(v.salt_b64 as string, 'base64'),
          v.iterations as number,
        ),
      );
      assert.equal(keys.storedKey.toString('base64'), v.published_intermediates?.stored_key_b64, id);
      assert.equal(keys.serverKey.toString('base64'), v.published_intermediates?.server_key_b64, id);
    }
    const v = byId('rfc7677-section3-scram-sha-256');
    const verifier = await deriveScramVerifier(v.password, {
      hash: 'SHA-256',
      iterations: 4096,
      salt: Buffer.from(v.salt_b64 as string, 'base64'),
    });
    assert.equal(Buffer.from(verifier.storedKey).toString('base64'), v.published_intermediates?.stored_key_b64);
    assert.equal(Buffer.from(verifier.serverKey).toString('base64'), v.published_intermediates?.server_key_b64);
    assert.deepEqual(Object.keys(verifier).sort(), ['hash', 'iterations', 'salt', 'serverKey', 'storedKey']);
  });

  it('scram vectors: rejects the SCRAM-SHA-256-PLUS exchange with e=channel-binding-not-supported', async () => {
    const v = byId('scramp-scram-sha-256-plus-tls-unique');
    const server = await replayServer(v);
    assert.deepEqual(await server.step(v.client_first), {
      kind: 'failure',
      message: 'e=channel-binding-not-supported',
      reason: 'channel_binding_not_supported',
    });
  });

  it('scram vectors: every e= value the server can send is an RFC 5802 §7 server-error-value', async () => {
    const allowed = new Set(file.server_error_values_rfc5802_section7);
    const v = byId('rfc7677-section3-scram-sha-256');
    const hostile = [
      '',
      'x',
      'p=tls-unique,,n=user,r=a',
      'n,,m=ext,n=user,r=a',
      'n,,n=us=2Xer,r=a',
      'n,,n=\u0007,r=abc',
      v.client_first,
    ];
    for (const msg of hostile) {
      const server = await replayServer(v);
      const out = await server.step(msg);
      if (out.kind === 'failure') assert.ok(allowed.has(out.message.slice(2)), out.message);
    }
  });
});
