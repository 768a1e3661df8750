import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { seed } from '../helpers/property.js';
import { createPlainServer, encodePlainMessage, parsePlainMessage } from '../../src/sasl/plain.js';

const vectorsDir = new URL('../fixtures/test-vectors/scram/', import.meta.url);
const vectors = JSON.parse(readFileSync(new URL('saslprep-rfc4013-vectors.json', vectorsDir), 'utf8')) as {
  sasl_plain_rfc4616_section4: {
    id: string;
    authzid: string;
    authcid: string;
    passwd: string;
    message_utf8_with_nul: string;
    message_length: number;
  }[];
};

const users = new Map([
  ['tim', 'tanstaaftanstaaf'],
  ['Kurt', 'xipj3plmq'],
]);
const verify = async (authcid: string, passwd: string): Promise<boolean> => users.get(authcid) === passwd;

describe('plain', () => {
  it('plain: parses and encodes the RFC 4616 §4 examples', () => {
    for (const v of vectors.sasl_plain_rfc4616_section4) {
      assert.deepEqual(parsePlainMessage(v.message_utf8_with_nul), {
        ok: true,
        authzid: v.authzid,
        authcid: v.authcid,
        passwd: v.passwd,
      });
      const bytes = encodePlainMessage({ authzid: v.authzid, authcid: v.authcid, passwd: v.passwd });
      assert.equal(bytes.length, v.message_length);
      assert.equal(Buffer.from(bytes).toString('utf8'), v.message_utf8_with_nul);
    }
  });

  it('plain: RFC 4616 example 1 authenticates tim', async () => {
    const server = createPlainServer({ verify });
    const v = vectors.sasl_plain_rfc4616_section4[0]!;
    assert.deepEqual(await server.authenticate(v.message_utf8_with_nul), {
      kind: 'success',
      authcid: 'tim',
      authzid: 'tim',
    });
  });

  it('plain: RFC 4616 example 2 authenticates Kurt but refuses to act as Ursel', async () => {
    const v = vectors.sasl_plain_rfc4616_section4[1]!;
    assert.deepEqual(await createPlainServer({ verify }).authenticate(v.message_utf8_with_nul), {
      kind: 'failure',
      reason: 'authzid_not_allowed',
      authcid: 'Kurt',
    });
    const allowed = createPlainServer({
      verify,
      authorize: (authzid, authcid) => authzid === 'Ursel' && authcid === 'Kurt',
    });
    assert.deepEqual(await allowed.authenticate(v.message_utf8_with_nul), {
      kind: 'success',
      authcid: 'Kurt',
      authzid: 'Ursel',
    });
  });

  it('plain: a wrong password and an unknown user look the same', async () => {
    const server = createPlainServer({ verify });
    assert.deepEqual(await server.authenticate('\u0000tim\u0000wrong'), {
      kind: 'failure',
      reason: 'bad_password',
      authcid: 'tim',
    });
    assert.deepEqual(await server.authenticate('\u0000nobody\u0000wrong'), {
      kind: 'failure',
      reason: 'bad_password',
      authcid: 'nobody',
    });
  });

  it('plain: authzid equal to authcid is accepted without asking authorize', async () => {
    const server = createPlainServer({
      verify,
      authorize: () => {
        throw new Error('not asked');
      },
    });
    assert.deepEqual(await server.authenticate('tim\u0000tim\u0000tanstaaftanstaaf'), {
      kind: 'success',
      authcid: 'tim',
      authzid: 'tim',
    });
  });

  it('plain: a throwing authorize refuses (fail closed)', async () => {
    const server = createPlainServer({
      verify,
      authorize: () => {
        throw new Error('x');
      },
    });
    assert.equal((await server.authenticate('Ursel\u0000Kurt\u0000xipj3plmq')).kind, 'failure');
  });

  it('plain: a failing verify gives store_unavailable', async () => {
    const server = createPlainServer({
      verify: async () => {
        throw new Error('db');
      },
    });
    assert.deepEqual(await server.authenticate('\u0000tim\u0000x'), {
      kind: 'failure',
      reason: 'store_unavailable',
      authcid: 'tim',
    });
  });

  it('plain: prepares authcid and password with SASLprep before verify', async () => {
    const seen: string[][] = [];
    const server = createPlainServer({ verify: async (a, p) => (seen.push([a, p]), true) });
    await server.authenticate('\u0000\u2168\u0000p\u00a0w\u00ad');
    assert.deepEqual(seen, [['IX', 'p w']]);
    assert.deepEqual(await server.authenticate('\u0000us\u0007er\u0000pw'), {
      kind: 'failure',
      reason: 'malformed',
      detail: 'invalid_identity',
    });
  });

  const bad: [string, string | Uint8Array, string][] = [
    ['rejects a message with one NUL', 'tim\u0000pw', 'bad_separators'],
    ['rejects a message with no NUL', 'timpw', 'bad_separators'],
    ['rejects a message with three NULs (NUL inside the password)', '\u0000tim\u0000p\u0000w', 'bad_separators'],
    ['rejects an empty authcid', '\u0000\u0000pw', 'empty_authcid'],
    ['rejects an empty password', '\u0000tim\u0000', 'empty_passwd'],
    ['rejects an empty message', '', 'bad_separators'],
    ['rejects invalid UTF-8', Uint8Array.from([0, 0x74, 0, 0xc3, 0x28]), 'invalid_utf8'],
    ['rejects an overlong UTF-8 encoding', Uint8Array.from([0, 0x74, 0, 0xc0, 0xaf]), 'invalid_utf8'],
    ['rejects a lone surrogate', '\u0000tim\u0000\ud800', 'invalid_utf8'],
    ['rejects a field over 255 octets', `\u0000${'t'.repeat(256)}\u0000pw`, 'field_too_long'],
    ['rejects a multi-byte field over 255 octets', `\u0000tim\u0000${'é'.repeat(128)}`, 'field_too_long'],
    ['rejects an oversized message', `${'a'.repeat(300)}\u0000${'b'.repeat(300)}\u0000${'c'.repeat(300)}`, 'too_large'],
  ];
  for (const [name, message, reason] of bad) {
    it(`plain: ${name}`, async () => {
      assert.deepEqual(parsePlainMessage(message), { ok: false, reason });
      const out = await createPlainServer({ verify }).authenticate(message);
      assert.deepEqual(out, { kind: 'failure', reason: 'malformed', detail: reason });
    });
  }

  it('plain: accepts 255-octet fields', () => {
    const f = 'x'.repeat(255);
    assert.equal(parsePlainMessage(`${f}\u0000${f}\u0000${f}`).ok, true);
  });

  it('plain: encodePlainMessage refuses what RFC 4616 cannot carry, without quoting it', () => {
    for (const creds of [
      { authcid: '', passwd: 'SECRETMARK' },
      { authcid: 'u', passwd: '' },
      { authcid: 'u', passwd: 'SECRET\u0000MARK' },
      { authcid: 'u', passwd: 'SECRETMARK'.repeat(30) },
    ]) {
      assert.throws(
        () => encodePlainMessage(creds),
        (error: Error & { code?: string }) => {
          assert.equal(error.code, 'ERR_INVALID_ARG_VALUE');
          assert.ok(!error.message.includes('SECRET'));
          return true;
        },
      );
    }
  });

  it('plain: parser never throws and round-trips encoded messages (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), fc.uint8Array({ maxLength: 900 })),
        (input) => {
          const out = parsePlainMessage(input);
          assert.equal(typeof out.ok, 'boolean');
        },
      ),
      { seed, numRuns: 3000 },
    );
    const field = (min: number) =>
      fc.string({ unit: 'grapheme', minLength: min, maxLength: 20 }).filter((s) => !s.includes('\u0000'));
    fc.assert(
      fc.property(field(0), field(1), field(1), (authzid, authcid, passwd) => {
        assert.deepEqual(parsePlainMessage(encodePlainMessage({ authzid, authcid, passwd })), {
          ok: true,
          authzid,
          authcid,
          passwd,
        });
      }),
      { seed, numRuns: 1000 },
    );
  });
});
