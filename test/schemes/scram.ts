// Shared SCRAM verifier tests, run for both hashes by scram-sha256.test.ts and scram-sha512.test.ts.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { createScramClient } from '../../src/sasl/scram-client.js';
import type { ScramHash } from '../../src/sasl/types.js';
import type { SaslStep, SchemeDescriptor, Verifier } from '../../src/schemes/types.js';
import { createMemoryStore } from '../../src/credentials/memory.js';
import { PASSWORD, context, failingStore, passwordClaims, seed, type Fixture } from './helpers.js';

const text = (m: Uint8Array): string => Buffer.from(m).toString('utf8');
const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));

/** Runs a whole exchange with the real client; returns the last server step and the client's view. */
export async function exchange(
  v: Verifier,
  hash: ScramHash,
  username: string,
  password: string,
  authzid?: string,
): Promise<{ last: SaslStep; clientOk: boolean; serverFirst: string }> {
  const client = createScramClient(
    authzid === undefined ? { hash, username, password } : { hash, username, password, authzid },
  );
  const ex = v.startSasl!({ remote: '127.0.0.1' });
  const first = client.first();
  assert.ok(first.ok);
  const challenge = await ex.step(bytes(first.message));
  if (challenge.kind !== 'challenge') return { last: challenge, clientOk: false, serverFirst: '' };
  const final = await client.final(challenge.message);
  assert.ok(final.ok, JSON.stringify(final));
  const last = await ex.step(bytes(final.message));
  return { last, clientOk: client.verify(last.message).ok, serverFirst: text(challenge.message) };
}

export function scramVerifierTests(descriptor: SchemeDescriptor, hash: ScramHash, mechanism: string): void {
  describe(`${descriptor.type} verifier`, () => {
    let fx: Fixture;
    let v: Verifier;
    before(async () => {
      fx = await seed();
      v = await descriptor.createVerifier!(context({ type: descriptor.type }, fx.store, {}, 'scram'));
    });

    it(
      `${descriptor.type}: a full exchange with the real ` + `client succeeds with the principal and its scopes`,
      async () => {
        const { last, clientOk } = await exchange(v, hash, 'alice', PASSWORD);
        assert.equal(last.kind, 'success');
        assert.ok(last.kind === 'success');
        assert.deepEqual(last.principal, {
          id: 'alice',
          scheme: 'scram',
          scopes: ['read', 'write'],
          claims: await passwordClaims(fx.store, 'alice'),
        });
        assert.ok(Object.isFrozen(last.principal));
        assert.equal(text(last.message).startsWith('v='), true);
        assert.equal(clientOk, true, 'the client verified the server signature');
      },
    );

    it(
      `${descriptor.type}: describes itself as the ${mechanism} ` + `mechanism; verify() is absent (no one-step SCRAM)`,
      async () => {
        assert.equal(v.saslMechanism, mechanism);
        assert.equal(v.source, 'sasl');
        assert.equal(v.challenge, null);
        assert.deepEqual(await v.verify({ sasl: { mechanism, response: bytes('n,,n=alice,r=abc') } }), {
          kind: 'absent',
        });
      },
    );

    it(`${descriptor.type}: a wrong password fails with e=invalid-proof, reason bad_password`, async () => {
      const { last } = await exchange(v, hash, 'alice', 'wrong');
      assert.equal(last.kind, 'failure');
      assert.ok(last.kind === 'failure');
      assert.equal(text(last.message), 'e=invalid-proof');
      assert.equal(last.reason, 'bad_password');
      assert.equal(last.subject, 'alice');
    });

    it(`${descriptor.type}: an unknown user fails the same way on the wire, reason unknown_principal`, async () => {
      const { last, serverFirst } = await exchange(v, hash, 'mallory', PASSWORD);
      assert.ok(last.kind === 'failure');
      assert.equal(text(last.message), 'e=invalid-proof');
      assert.equal(last.reason, 'unknown_principal');
      assert.equal(last.subject, 'mallory');
      // The fake challenge advertises the default iteration count and a salt like a real one.
      assert.match(serverFirst, /,s=[A-Za-z0-9+/]{22}==,i=10000$/);
    });

    it(`${descriptor.type}: a disabled principal fails like an unknown user, reason disabled`, async () => {
      const { last } = await exchange(v, hash, 'bob', PASSWORD);
      assert.ok(last.kind === 'failure');
      assert.equal(text(last.message), 'e=invalid-proof');
      assert.equal(last.reason, 'disabled');
    });

    it(`${descriptor.type}: a principal without a password fails bad_password`, async () => {
      const { last } = await exchange(v, hash, 'carol', 'x');
      assert.ok(last.kind === 'failure');
      assert.equal(last.reason, 'bad_password');
    });

    it(`${descriptor.type}: another authzid is refused authzid_not_allowed`, async () => {
      const { last } = await exchange(v, hash, 'alice', PASSWORD, 'admin');
      assert.ok(last.kind === 'failure');
      assert.equal(last.reason, 'authzid_not_allowed');
    });

    it(`${descriptor.type}: a store that rejects is store_unavailable, never success`, async () => {
      for (const mode of ['reject', 'throw'] as const) {
        const broken = await descriptor.createVerifier!(context({ type: descriptor.type }, failingStore(mode)));
        const ex = broken.startSasl!({});
        const step = await ex.step(bytes('n,,n=alice,r=abcdefgh'));
        assert.ok(step.kind === 'failure');
        assert.equal(step.reason, 'store_unavailable');
      }
    });

    it(`${descriptor.type}: claimedSubject reads n= from a client-first message, without checking`, () => {
      assert.equal(v.claimedSubject({ sasl: { mechanism, response: bytes('n,,n=al=2Cice,r=abc') } }), 'al,ice');
      assert.equal(v.claimedSubject({ sasl: { mechanism, response: bytes('garbage') } }), null);
      assert.equal(v.claimedSubject({ sasl: { mechanism: 'PLAIN', response: bytes('n,,n=alice,r=abc') } }), null);
      assert.equal(v.claimedSubject({}), null);
    });

    it(`${descriptor.type}: exchanges are independent (one per connection)`, async () => {
      const store = createMemoryStore();
      await store.addPrincipal({ name: 'u1', password: 'p1', iterations: 4096 });
      await store.addPrincipal({ name: 'u2', password: 'p2', iterations: 4096 });
      const sv = await descriptor.createVerifier!(context({ type: descriptor.type }, store));
      const [a, b] = await Promise.all([exchange(sv, hash, 'u1', 'p1'), exchange(sv, hash, 'u2', 'p2')]);
      assert.ok(a.last.kind === 'success' && b.last.kind === 'success');
      assert.equal(a.last.principal.id, 'u1');
      assert.equal(b.last.principal.id, 'u2');
    });
  });

  describe(`${descriptor.type} verifier: hostile exchanges`, () => {
    let v: Verifier;
    before(async () => {
      v = await descriptor.createVerifier!(context({ type: descriptor.type }, (await seed()).store));
    });
    const firstStep = async (message: Uint8Array) => v.startSasl!({}).step(message);

    it('rejects a client-first with bad attributes', async () => {
      const s = await firstStep(bytes('n,,x=alice,r=abc'));
      assert.ok(s.kind === 'failure');
      assert.equal(s.reason, 'malformed');
    });
    it('rejects a user name with bad escaping', async () => {
      const s = await firstStep(bytes('n,,n=al=ZZice,r=abc'));
      assert.ok(s.kind === 'failure');
      assert.equal(s.reason, 'malformed');
    });
    it('rejects bytes that are not UTF-8', async () => {
      const s = await firstStep(Uint8Array.of(0x6e, 0x2c, 0x2c, 0xff));
      assert.ok(s.kind === 'failure');
      assert.equal(s.reason, 'malformed');
    });
    it('rejects a huge message', async () => {
      const s = await firstStep(new Uint8Array(1_000_000).fill(0x61));
      assert.ok(s.kind === 'failure');
      assert.equal(s.reason, 'malformed');
    });
    it('rejects channel binding we do not do', async () => {
      const s = await firstStep(bytes('p=tls-unique,,n=alice,r=abc'));
      assert.ok(s.kind === 'failure');
      assert.equal(text(s.message), 'e=channel-binding-not-supported');
      assert.equal(s.reason, 'malformed');
    });
    it('rejects a client-final whose nonce does not match', async () => {
      const ex = v.startSasl!({});
      const c = await ex.step(bytes('n,,n=alice,r=clientnonce'));
      assert.equal(c.kind, 'challenge');
      const s = await ex.step(
        bytes(`c=biws,r=othernonce,p=${Buffer.alloc(hash === 'SHA-256' ? 32 : 64).toString('base64')}`),
      );
      assert.ok(s.kind === 'failure');
      assert.equal(s.reason, 'malformed');
    });
    it('rejects a step after the exchange ended', async () => {
      const ex = v.startSasl!({});
      await ex.step(bytes('garbage'));
      const s = await ex.step(bytes('n,,n=alice,r=abc'));
      assert.ok(s.kind === 'failure');
      assert.equal(s.reason, 'malformed');
    });
    it('rejects a message that is not bytes, without throwing', async () => {
      const s = await firstStep(42 as never);
      assert.equal(s.kind, 'failure');
    });
  });
}
