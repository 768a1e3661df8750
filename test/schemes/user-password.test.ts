import assert from 'node:assert/strict';
import nodeCrypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import { before, describe, it, mock } from 'node:test';
import { DEFAULT_PASSWORD_ITERATIONS, createMemoryStore } from '../../src/credentials/memory.js';
import { userPassword } from '../../src/schemes/user-password.js';
import { basicAuthorization } from '../../src/schemes/wire/basic.js';
import type { Verifier } from '../../src/schemes/types.js';
import {
  PASSWORD,
  context,
  failingStore,
  invalidReason,
  okPrincipal,
  passwordClaims,
  seed,
  verify,
  type Fixture,
} from './helpers.js';

const scheme = { type: 'userPassword' };
const make = (
  store: Fixture['store'] | ReturnType<typeof failingStore>,
  options: Record<string, unknown> = {},
): Verifier => userPassword.createVerifier(context(scheme, store, options, 'userPass'));
const login = (username: unknown, password?: unknown) => ({ login: { username, password } });
const basic = (u: string, p: string) => ({ headers: { authorization: basicAuthorization(u, p) } });

describe('userPassword verifier', () => {
  let fx: Fixture;
  let v: Verifier;
  before(async () => {
    fx = await seed();
    v = make(fx.store);
  });

  it('userPassword: right login credentials are ok with the principal and its scopes', async () => {
    const p = okPrincipal(await verify(v, login('alice', PASSWORD)));
    const claims = await passwordClaims(fx.store, 'alice');
    assert.deepEqual(p, { id: 'alice', scheme: 'userPass', scopes: ['read', 'write'], claims });
    assert.match(claims.passwordId, /^[0-9a-f]{16}$/);
  });

  it('userPassword: an MQTT byte password is decoded as UTF-8', async () => {
    okPrincipal(await verify(v, login('alice', new Uint8Array(Buffer.from(PASSWORD)))));
  });

  it('userPassword: a wrong password is invalid bad_password, naming the user', async () => {
    assert.deepEqual(await verify(v, login('alice', 'wrong')), {
      kind: 'invalid',
      reason: 'bad_password',
      subject: 'alice',
    });
  });

  it('userPassword: an unknown user is invalid unknown_principal', async () => {
    assert.deepEqual(await verify(v, login('mallory', PASSWORD)), {
      kind: 'invalid',
      reason: 'unknown_principal',
      subject: 'mallory',
    });
  });

  it('userPassword: a disabled principal is invalid disabled, even with the right password', async () => {
    assert.deepEqual(await verify(v, login('bob', PASSWORD)), { kind: 'invalid', reason: 'disabled', subject: 'bob' });
  });

  it('userPassword: a principal without a password is bad_password', async () => {
    assert.equal(invalidReason(await verify(v, login('carol', 'anything'))), 'bad_password');
  });

  it('userPassword: absent when CONNECT has no username', async () => {
    for (const p of [
      {},
      { login: {} },
      login(undefined, PASSWORD),
      login('', PASSWORD),
      { login: null },
      null,
      'junk',
    ]) {
      assert.deepEqual(await verify(v, p), { kind: 'absent' }, JSON.stringify(p));
    }
  });

  it('userPassword: reads HTTP Basic when there is no login, and announces the Basic challenge', async () => {
    const p = okPrincipal(await verify(v, basic('alice', PASSWORD)));
    assert.equal(p.id, 'alice');
    assert.equal(invalidReason(await verify(v, basic('alice', 'nope'))), 'bad_password');
    assert.equal(v.challenge, 'Basic realm="production", charset="UTF-8"');
    assert.equal(v.source, 'login');
  });

  it('userPassword: the login wins over a Basic header', async () => {
    assert.equal(
      invalidReason(await verify(v, { ...login('alice', 'wrong'), ...basic('alice', PASSWORD) })),
      'bad_password',
    );
  });

  it('userPassword: the realm config key replaces the server name in the challenge', () => {
    assert.equal(
      make(fx.store, { realm: 'Lights "east"' }).challenge,
      'Basic realm="Lights \\"east\\"", charset="UTF-8"',
    );
  });

  it('userPassword: claimedSubject names the login user or the Basic user id, without checking', () => {
    assert.equal(v.claimedSubject(login('alice', 'x') as never), 'alice');
    assert.equal(v.claimedSubject(basic('dave', 'x') as never), 'dave');
    assert.equal(v.claimedSubject({}), null);
    assert.equal(v.claimedSubject(login('a\u0000b', 'x') as never), null);
  });

  it('userPassword: an API key sent as the user name is named by its key id, never whole', async () => {
    assert.deepEqual(await verify(v, login(fx.aliceKey, 'x')), {
      kind: 'invalid',
      reason: 'unknown_principal',
      subject: fx.aliceKeyId,
    });
    assert.equal(v.claimedSubject(login(fx.aliceKey, 'x') as never), fx.aliceKeyId);
  });

  it('userPassword: a store that rejects is store_unavailable, never ok', async () => {
    for (const mode of ['reject', 'throw'] as const) {
      const broken = make(failingStore(mode));
      assert.deepEqual(await verify(broken, login('alice', PASSWORD)), {
        kind: 'invalid',
        reason: 'store_unavailable',
        subject: 'alice',
      });
      assert.equal(invalidReason(await verify(broken, basic('alice', PASSWORD))), 'store_unavailable');
    }
  });

  it(
    'userPassword: an unknown or disabled user costs the same ' +
      'PBKDF2 as a wrong password (no timing tells who exists)',
    async () => {
      // Counted, not timed (wall-clock ratios flap on a loaded machine): every PBKDF2 the verifier
      // runs goes through node:crypto's pbkdf2, watched here with its iteration count and hash.
      const store = createMemoryStore();
      await store.addPrincipal({ name: 'real', password: PASSWORD }); // the default iteration count
      await store.addPrincipal({ name: 'off', password: PASSWORD });
      await store.setDisabled('off', true);
      const tv = make(store);
      const calls: { iterations: number; digest: string }[] = [];
      const original = nodeCrypto.pbkdf2;
      const spy = mock.method(nodeCrypto, 'pbkdf2', (...args: Parameters<typeof original>) => {
        calls.push({ iterations: args[2], digest: args[4] });
        return (original as (...a: unknown[]) => void)(...args);
      });
      syncBuiltinESMExports();
      try {
        const work = async (presented: unknown) => {
          calls.length = 0;
          await tv.verify(presented as never);
          return [...calls];
        };
        const wrong = await work(login('real', 'wrong-password'));
        assert.deepEqual(wrong, [{ iterations: DEFAULT_PASSWORD_ITERATIONS, digest: 'sha256' }]);
        assert.deepEqual(await work(login('ghost', 'wrong-password')), wrong, 'unknown user');
        assert.deepEqual(await work(login('off', PASSWORD)), wrong, 'disabled user');
        assert.deepEqual(await work(login('ghost', '')), [], 'a malformed login is refused before any PBKDF2');
      } finally {
        spy.mock.restore();
        syncBuiltinESMExports();
      }
    },
  );
});

describe('userPassword verifier: hostile logins', () => {
  let v: Verifier;
  before(async () => {
    v = make((await seed()).store);
  });

  it('rejects a username without a password', async () =>
    assert.deepEqual(await verify(v, login('alice')), { kind: 'invalid', reason: 'malformed', subject: 'alice' }));
  it('rejects an empty password', async () =>
    assert.equal(invalidReason(await verify(v, login('alice', ''))), 'malformed'));
  it('rejects an empty byte password', async () =>
    assert.equal(invalidReason(await verify(v, login('alice', new Uint8Array(0)))), 'malformed'));
  it('rejects a byte password that is not UTF-8', async () =>
    assert.equal(invalidReason(await verify(v, login('alice', Uint8Array.of(0xc3, 0x28)))), 'malformed'));
  it('rejects NUL in the password', async () =>
    assert.equal(invalidReason(await verify(v, login('alice', `${PASSWORD}\u0000`))), 'malformed'));
  it('rejects control characters in the username', async () =>
    assert.deepEqual(await verify(v, login('ali\nce', PASSWORD)), { kind: 'invalid', reason: 'malformed' }));
  it('rejects a password over 1 KiB', async () =>
    assert.equal(invalidReason(await verify(v, login('alice', 'x'.repeat(5000)))), 'malformed'));
  it('rejects a username over 1 KiB', async () =>
    assert.equal(invalidReason(await verify(v, login('a'.repeat(5000), PASSWORD))), 'malformed'));
  it('rejects a username that is not a string', async () =>
    assert.equal(invalidReason(await verify(v, login(42, PASSWORD))), 'malformed'));
  it('rejects a malformed Basic header', async () =>
    assert.deepEqual(await verify(v, { headers: { authorization: 'Basic !!!' } }), {
      kind: 'invalid',
      reason: 'malformed',
    }));
  it('rejects several Authorization headers', async () => {
    const h = basicAuthorization('alice', PASSWORD);
    assert.equal(invalidReason(await verify(v, { headers: { authorization: [h, h] } })), 'malformed');
  });
  it('rejects a Basic header with an empty password', async () => {
    assert.equal(
      invalidReason(
        await verify(v, { headers: { authorization: `Basic ${Buffer.from('alice:').toString('base64')}` } }),
      ),
      'malformed',
    );
  });
});
