import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { encodePlainMessage } from '../../src/sasl/plain.js';
import { plain } from '../../src/schemes/plain.js';
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

const sasl = (response: Uint8Array | string, mechanism = 'PLAIN') => ({
  sasl: { mechanism, response: typeof response === 'string' ? new Uint8Array(Buffer.from(response)) : response },
});
const msg = (authcid: string, passwd: string, authzid?: string) =>
  sasl(encodePlainMessage(authzid === undefined ? { authcid, passwd } : { authcid, passwd, authzid }));

describe('plain verifier', () => {
  let fx: Fixture;
  let v: Verifier;
  before(async () => {
    fx = await seed();
    v = plain.createVerifier(context({ type: 'plain' }, fx.store, {}, 'saslPlain'));
  });

  it('plain: a right PLAIN message is ok with the principal and its scopes', async () => {
    assert.deepEqual(okPrincipal(await verify(v, msg('alice', PASSWORD))), {
      id: 'alice',
      scheme: 'saslPlain',
      scopes: ['read', 'write'],
      claims: await passwordClaims(fx.store, 'alice'),
    });
    assert.equal(v.saslMechanism, 'PLAIN');
    assert.equal(v.source, 'sasl');
    assert.equal(v.challenge, null);
  });

  it('plain: an authzid that is empty or equal to the authcid acts as the authcid (RFC 4616 §2)', async () => {
    okPrincipal(await verify(v, msg('alice', PASSWORD, '')));
    okPrincipal(await verify(v, msg('alice', PASSWORD, 'alice')));
  });

  it('plain: another authzid is refused authzid_not_allowed, after the password verified', async () => {
    assert.deepEqual(await verify(v, msg('alice', PASSWORD, 'admin')), {
      kind: 'invalid',
      reason: 'authzid_not_allowed',
      subject: 'alice',
    });
    assert.equal(invalidReason(await verify(v, msg('alice', 'wrong', 'admin'))), 'bad_password');
  });

  it('plain: wrong password, unknown user, disabled principal', async () => {
    assert.deepEqual(await verify(v, msg('alice', 'wrong')), {
      kind: 'invalid',
      reason: 'bad_password',
      subject: 'alice',
    });
    assert.deepEqual(await verify(v, msg('nobody', 'wrong')), {
      kind: 'invalid',
      reason: 'unknown_principal',
      subject: 'nobody',
    });
    assert.equal(invalidReason(await verify(v, msg('bob', PASSWORD))), 'disabled');
  });

  it('plain: without a SASL message, the login carries authcid and password', async () => {
    okPrincipal(await verify(v, { login: { username: 'alice', password: PASSWORD } }));
    assert.equal(invalidReason(await verify(v, { login: { username: 'alice', password: 'wrong' } })), 'bad_password');
  });

  it('plain: absent without SASL and login, or when the SASL mechanism is another one', async () => {
    assert.deepEqual(await verify(v, {}), { kind: 'absent' });
    assert.deepEqual(await verify(v, sasl('n,,n=alice,r=abc', 'SCRAM-SHA-256')), { kind: 'absent' });
  });

  it('plain: the mechanism name is compared case-insensitively', async () => {
    okPrincipal(
      await verify(v, {
        sasl: { mechanism: 'plain', response: encodePlainMessage({ authcid: 'alice', passwd: PASSWORD }) },
      }),
    );
  });

  it('plain: claimedSubject is the authcid or the login user', () => {
    assert.equal(v.claimedSubject(msg('alice', 'x') as never), 'alice');
    assert.equal(v.claimedSubject({ login: { username: 'carol' } }), 'carol');
    assert.equal(v.claimedSubject(sasl('garbage') as never), null);
    assert.equal(v.claimedSubject(sasl('x', 'GSSAPI') as never), null);
  });

  it('plain: a store that rejects is store_unavailable, never ok', async () => {
    for (const mode of ['reject', 'throw'] as const) {
      const broken = plain.createVerifier(context({ type: 'plain' }, failingStore(mode)));
      assert.equal(invalidReason(await verify(broken, msg('alice', PASSWORD))), 'store_unavailable');
      assert.equal(
        invalidReason(await verify(broken, { login: { username: 'alice', password: PASSWORD } })),
        'store_unavailable',
      );
    }
  });
});

describe('plain verifier: hostile messages', () => {
  let v: Verifier;
  before(async () => {
    v = plain.createVerifier(context({ type: 'plain' }, (await seed()).store));
  });
  const reason = async (p: unknown) => invalidReason(await verify(v, p));

  it('rejects a message without NUL separators', async () =>
    assert.equal(await reason(sasl('alicepassword')), 'malformed'));
  it('rejects a message with three NULs', async () =>
    assert.equal(await reason(sasl('\u0000alice\u0000pw\u0000')), 'malformed'));
  it('rejects an empty password', async () => assert.equal(await reason(sasl('\u0000alice\u0000')), 'malformed'));
  it('rejects an empty authcid', async () => assert.equal(await reason(sasl(`\u0000\u0000${PASSWORD}`)), 'malformed'));
  it('rejects bytes that are not UTF-8', async () =>
    assert.equal(await reason(sasl(Uint8Array.of(0, 0x61, 0, 0xff, 0xfe))), 'malformed'));
  it('rejects a field over 255 octets', async () =>
    assert.equal(await reason(sasl(`\u0000alice\u0000${'p'.repeat(300)}`)), 'malformed'));
  it('rejects a huge message', async () => assert.equal(await reason(sasl(new Uint8Array(1_000_000))), 'malformed'));
  it('rejects a control character in the password', async () =>
    assert.equal(await reason(sasl(`\u0000alice\u0000pa\u0007ss`)), 'malformed'));
  it('rejects an authcid SASLprep refuses', async () =>
    assert.equal(await reason(sasl(`\u0000al\u0007ice\u0000${PASSWORD}`)), 'malformed'));
  it('rejects a response that is not bytes', async () =>
    assert.equal(await reason({ sasl: { mechanism: 'PLAIN', response: 'text' } }), 'malformed'));
});
