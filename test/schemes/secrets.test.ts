// No verifier outcome, SASL step, claimed subject or thrown error carries a secret
// (docs/architecture.md, "Secrets"). A unique marker is planted in every credential kind:
// passwords (login, Basic, PLAIN, SCRAM), API key secrets (login, header, query, cookie), and
// malformed variants of each; every result is serialized and searched for it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodePlainMessage } from '../../src/sasl/plain.js';
import { createScramClient } from '../../src/sasl/scram-client.js';
import { schemes } from '../../src/schemes/index.js';
import type { Presented, Verifier } from '../../src/schemes/types.js';
import { basicAuthorization } from '../../src/schemes/wire/basic.js';
import { PASSWORD, context, failingStore, oneStepVerifiers, seed } from './helpers.js';

const MARKER = 'Zq9SECRETxMARKER';
const b64 = (s: string): string => Buffer.from(s).toString('base64');

function serialize(value: unknown): string {
  return (
    JSON.stringify(value, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v)) ?? ''
  );
}

describe('scheme secrets', () => {
  it('no outcome, subject or error carries a planted password or key secret', async () => {
    const fx = await seed();
    // A key with alice's real id and a secret that carries the marker (43 base64url characters).
    const forged = `${fx.aliceKey.slice(0, 17)}${MARKER}${'A'.repeat(43 - MARKER.length)}`;
    const stores = [fx.store, failingStore('reject'), failingStore('throw')];
    const verifiers = (store: (typeof stores)[number]): Verifier[] => oneStepVerifiers(store);
    const presented: Presented[] = [
      { login: { username: 'alice', password: MARKER } },
      { login: { username: 'ghost', password: MARKER } },
      { login: { username: 'alice', password: `${MARKER}\u0000` } },
      { login: { username: 'alice', password: new Uint8Array([...Buffer.from(MARKER), 0xff]) } },
      { login: { username: forged, password: forged } },
      { login: { username: 'alice', password: `x:${MARKER}` } },
      { headers: { authorization: basicAuthorization('alice', MARKER) } },
      { headers: { authorization: `Basic ${b64(`${MARKER}`)}` } },
      { headers: { authorization: `Basic ${b64(`alice:${MARKER}\u0007`)}` } },
      { headers: { authorization: `Basic ${b64(`alice:${MARKER}`).slice(0, -1)}` } },
      { headers: { authorization: [basicAuthorization('alice', MARKER), basicAuthorization('alice', MARKER)] } },
      { headers: { 'x-key': forged, cookie: `key=${forged}` }, query: `key=${forged}` },
      { headers: { 'x-key': MARKER, cookie: `key=${MARKER}` }, query: `key=${MARKER}` },
      {
        headers: { 'x-key': [forged, forged], cookie: `key=${forged}; key=${MARKER}` },
        query: `key=${forged}&key=${MARKER}`,
      },
      { sasl: { mechanism: 'PLAIN', response: encodePlainMessage({ authcid: 'alice', passwd: MARKER }) } },
      {
        sasl: {
          mechanism: 'PLAIN',
          response: encodePlainMessage({ authcid: 'alice', passwd: PASSWORD, authzid: 'root' }),
        },
      },
      { sasl: { mechanism: 'PLAIN', response: new Uint8Array(Buffer.from(`\u0000alice\u0000${MARKER}\u0000`)) } },
    ];
    const seen: unknown[] = [];
    for (const store of stores) {
      for (const v of verifiers(store)) {
        for (const p of presented) {
          seen.push(await v.verify(p), v.claimedSubject(p));
        }
      }
    }
    const text = serialize(seen);
    assert.ok(
      text.includes('unknown_key') &&
        text.includes('bad_password') &&
        text.includes('malformed') &&
        text.includes('store_unavailable'),
      'the scenarios reached the refusals',
    );
    assert.ok(
      !text.includes(MARKER),
      `a planted secret reached an outcome: ${seen
        .map((x) => serialize(x))
        .filter((x) => x.includes(MARKER))
        .join(' ')}`,
    );
    assert.ok(!text.includes(forged.slice(17)), 'a key secret reached an outcome');
  });

  it('no SCRAM step carries the password', async () => {
    const fx = await seed();
    const outcomes: unknown[] = [];
    for (const [type, hash] of [
      ['scramSha256', 'SHA-256'],
      ['scramSha512', 'SHA-512'],
    ] as const) {
      for (const store of [fx.store, failingStore()]) {
        const v = schemes[type].createVerifier(context({ type }, store));
        for (const username of ['alice', 'ghost']) {
          const client = createScramClient({ hash, username, password: MARKER });
          const ex = v.startSasl!({});
          const first = client.first();
          assert.ok(first.ok);
          const challenge = await ex.step(new Uint8Array(Buffer.from(first.message)));
          outcomes.push(challenge);
          if (challenge.kind !== 'challenge') continue;
          const final = await client.final(challenge.message);
          assert.ok(final.ok);
          outcomes.push(await ex.step(new Uint8Array(Buffer.from(final.message))));
        }
      }
    }
    assert.ok(!serialize(outcomes).includes(MARKER));
  });

  it('startup errors name the scheme, not a credential', async () => {
    const store = failingStore();
    for (const build of [
      () => schemes.apiKey.createVerifier(context({ type: 'apiKey', in: 'query' }, store, {}, 'k')),
      () =>
        schemes.httpApiKey.createVerifier(context({ type: 'httpApiKey', in: 'header', name: 'a b' }, store, {}, 'hk')),
    ]) {
      assert.throws(
        build,
        (e: Error & { code?: string; pointer?: string }) =>
          e.code === 'ERR_SCHEME_UNSUPPORTED' &&
          /^schemes\.(k|hk)$/.test(e.pointer ?? '') &&
          !e.message.includes(MARKER),
      );
    }
    // A bearer scheme with no way to verify its tokens names the missing keys, never a value.
    await assert.rejects(
      async () =>
        schemes.http.createVerifier(context({ type: 'http', scheme: 'bearer' }, store, { realm: MARKER }, 'jwt')),
      (e: Error & { code?: string; pointer?: string }) =>
        e.code === 'ERR_CONFIG_INVALID' && e.pointer === 'schemes.jwt.issuer' && !e.message.includes(MARKER),
    );
  });
});
