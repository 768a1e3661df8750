import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import '../../helpers/property.js'; // one seed per file, printed; FC_SEED=<n> replays it
import {
  basicAuthorization,
  basicChallenge,
  encodeBasicCredentials,
  parseBasicCredentials,
  readBasicAuthorization,
} from '../../../src/schemes/wire/basic.js';
import { authorizationSchemeOf, parseAuthorization } from '../../../src/schemes/wire/authorization.js';

const b64 = (s: string | Uint8Array): string => Buffer.from(s as string).toString('base64');
const read = (authorization: unknown) => readBasicAuthorization({ authorization } as never);
const detail = (r: { kind: string; detail?: string }): string =>
  r.kind === 'malformed' ? (r.detail as string) : r.kind;

describe('basic: reading Authorization: Basic', () => {
  it('basic: decodes user id and password', () => {
    assert.deepEqual(read(`Basic ${b64('Aladdin:open sesame')}`), {
      kind: 'ok',
      value: { userId: 'Aladdin', password: 'open sesame' },
    });
  });

  it('basic: the scheme name is case-insensitive (RFC 9110 §11.1)', () => {
    for (const s of ['basic', 'BASIC', 'bAsIc']) assert.equal(read(`${s} ${b64('u:p')}`).kind, 'ok', s);
  });

  it('basic: splits at the first colon, so a password may contain colons (RFC 7617 §2)', () => {
    assert.deepEqual(read(`Basic ${b64('user:a:b::c')}`), {
      kind: 'ok',
      value: { userId: 'user', password: 'a:b::c' },
    });
  });

  it('basic: decodes UTF-8 user ids and passwords (RFC 7617 §2.1 charset)', () => {
    assert.deepEqual(read(`Basic ${b64('test:123£')}`), { kind: 'ok', value: { userId: 'test', password: '123£' } });
    assert.deepEqual(read(`Basic ${b64('Ünïcødé:密码')}`), {
      kind: 'ok',
      value: { userId: 'Ünïcødé', password: '密码' },
    });
  });

  it('basic: accepts several spaces after the scheme and trailing whitespace', () => {
    assert.equal(read(`Basic   ${b64('u:p')}  `).kind, 'ok');
  });

  it('basic: absent when there is no Authorization header, an empty one or another scheme', () => {
    assert.deepEqual(readBasicAuthorization(undefined), { kind: 'absent' });
    assert.deepEqual(readBasicAuthorization({}), { kind: 'absent' });
    assert.deepEqual(read(''), { kind: 'absent' });
    assert.deepEqual(read('   '), { kind: 'absent' });
    assert.deepEqual(read('Bearer abc.def.ghi'), { kind: 'absent' });
    assert.deepEqual(read('Digest username="u"'), { kind: 'absent' });
    assert.deepEqual(read(`Basicx ${b64('u:p')}`), { kind: 'absent' });
  });

  it('basic: another scheme is absent however large its header is', () => {
    assert.deepEqual(read(`Bearer ${'a'.repeat(20_000)}`), { kind: 'absent' });
  });

  it('basic: the challenge names the realm and UTF-8 (RFC 7617 §2.1), escaping quotes and backslashes', () => {
    assert.equal(basicChallenge('production'), 'Basic realm="production", charset="UTF-8"');
    assert.equal(basicChallenge('a"b\\c'), 'Basic realm="a\\"b\\\\c", charset="UTF-8"');
  });

  it('basic: rejects a realm that could break the header', () => {
    for (const realm of ['a\r\nSet-Cookie: x=1', 'tab\there', 'é']) {
      assert.throws(() => basicChallenge(realm), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
    }
  });

  it('basic: encoding refuses what Basic cannot carry, without quoting the password', () => {
    assert.throws(() => encodeBasicCredentials('a:b', 'pw'), { code: 'ERR_INVALID_ARG_VALUE' });
    assert.throws(() => encodeBasicCredentials('', 'pw'), { code: 'ERR_INVALID_ARG_VALUE' });
    assert.throws(() => encodeBasicCredentials('u', ''), { code: 'ERR_INVALID_ARG_VALUE' });
    assert.throws(
      () => encodeBasicCredentials('u', 'sekrit\u0000'),
      (e: Error) => !e.message.includes('sekrit'),
    );
  });
});

describe('basic: hostile headers', () => {
  it('rejects invalid base64', () => assert.equal(detail(read('Basic !!!!')), 'invalid_base64'));
  it('rejects base64 without its padding', () =>
    assert.equal(detail(read(`Basic ${b64('user:pw').replace(/=+$/, '')}`)), 'invalid_base64'));
  it('rejects base64 with extra padding', () =>
    assert.equal(detail(read(`Basic ${b64('user:pw')}=`)), 'invalid_base64'));
  it('rejects non-canonical base64 (non-zero pad bits)', () => {
    assert.equal(b64('u:p'), 'dTpw');
    assert.equal(detail(read('Basic dTp=')), 'invalid_base64');
    assert.equal(detail(read('Basic dTpxYR==')), 'invalid_base64');
  });
  it('rejects the base64url alphabet', () =>
    assert.equal(detail(read(`Basic ${Buffer.from('u:p?>').toString('base64url')}`)), 'invalid_base64'));
  it('rejects whitespace inside the token', () => assert.equal(detail(read('Basic dXNl cjpwdw==')), 'invalid_base64'));
  it('rejects a tab between scheme and token', () => assert.equal(detail(read(`Basic\t${b64('u:p')}`)), 'bad_syntax'));
  it('rejects a scheme glued to a non-token character', () =>
    assert.equal(detail(read(`Basic,${b64('u:p')}`)), 'bad_syntax'));
  it('rejects Basic without a token', () => {
    assert.equal(detail(read('Basic')), 'bad_syntax');
    assert.equal(detail(read('Basic    ')), 'bad_syntax');
  });
  it('rejects a header that does not start with a scheme token', () =>
    assert.equal(detail(read('@@@ abc')), 'bad_syntax'));
  it('rejects auth-params instead of a token68', () => assert.equal(detail(read('Basic realm="x"')), 'invalid_base64'));
  it('rejects bytes that are not UTF-8', () =>
    assert.equal(detail(read(`Basic ${b64(Uint8Array.of(0xff, 0x3a, 0x61))}`)), 'invalid_utf8'));
  it('rejects an overlong UTF-8 encoding of the colon', () =>
    assert.equal(detail(read(`Basic ${b64(Uint8Array.of(0x75, 0xc0, 0xba, 0x70))}`)), 'invalid_utf8'));
  it('rejects an encoded lone surrogate', () =>
    assert.equal(detail(read(`Basic ${b64(Uint8Array.of(0x75, 0x3a, 0xed, 0xa0, 0x80))}`)), 'invalid_utf8'));
  it('rejects credentials without a colon', () =>
    assert.equal(detail(read(`Basic ${b64('justapassword')}`)), 'no_colon'));
  it('rejects an empty user id', () => assert.equal(detail(read(`Basic ${b64(':password')}`)), 'empty_user'));
  it('rejects an empty password', () => assert.equal(detail(read(`Basic ${b64('user:')}`)), 'empty_password'));
  it('rejects a lone colon', () => assert.equal(detail(read(`Basic ${b64(':')}`)), 'empty_user'));
  it('rejects NUL in the password', () =>
    assert.equal(detail(read(`Basic ${b64('user:pa\u0000ss')}`)), 'control_character'));
  it('rejects CR LF in the user id', () =>
    assert.equal(detail(read(`Basic ${b64('us\r\ner:pass')}`)), 'control_character'));
  it('rejects DEL and C1 control characters', () => {
    assert.equal(detail(read(`Basic ${b64('user:pa\u007fss')}`)), 'control_character');
    assert.equal(detail(read(`Basic ${b64('user:pa\u0085ss')}`)), 'control_character');
  });
  it('rejects a header over 8 KiB without decoding it', () => {
    assert.equal(detail(read(`Basic ${b64(`user:${'p'.repeat(7000)}`)}`)), 'too_large');
    assert.equal(detail(read(`Basic ${'A'.repeat(100_000)}`)), 'too_large');
  });
  it('rejects several Authorization headers', () => {
    assert.equal(detail(read([`Basic ${b64('a:b')}`, `Basic ${b64('c:d')}`])), 'repeated');
  });
  it('rejects an Authorization value that is not a string', () => assert.equal(detail(read(42)), 'not_text'));
  it('reads a one-element header array like a string', () => assert.equal(read([`Basic ${b64('a:b')}`]).kind, 'ok'));
  it('rejects a token68 over 8 KiB given directly', () =>
    assert.equal(detail(parseBasicCredentials('A'.repeat(9000))), 'too_large'));
});

describe('basic: properties', () => {
  // eslint-disable-next-line no-control-regex -- the characters a user id or password may not hold
  const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
  const userId = fc
    .string({ unit: 'grapheme', minLength: 1, maxLength: 24 })
    .filter((s) => !s.includes(':') && !CONTROL.test(s));
  const password = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).filter((s) => !CONTROL.test(s));

  it('basic: encode then parse is the identity for any user id without a colon and any password', () => {
    fc.assert(
      fc.property(userId, password, (u, p) => {
        assert.deepEqual(read(basicAuthorization(u, p)), { kind: 'ok', value: { userId: u, password: p } });
      }),
    );
  });

  it('basic: never throws on arbitrary header values and token bytes', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 200 }),
          fc.string({ unit: 'binary', maxLength: 200 }).map((s) => `Basic ${s}`),
          fc.uint8Array({ maxLength: 120 }).map((b) => `Basic ${b64(b)}`),
          fc.array(fc.string({ maxLength: 20 }), { maxLength: 3 }),
          fc.anything(),
        ),
        (value) => {
          const r = read(value);
          assert.ok(['absent', 'malformed', 'ok'].includes(r.kind));
          if (typeof value === 'string') {
            parseAuthorization(value);
            authorizationSchemeOf(value);
            parseBasicCredentials(value);
          }
        },
      ),
    );
  });

  it('basic: any decoded credential has a non-empty colon-free user id and no control characters', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const r = parseBasicCredentials(b64(bytes));
        if (r.kind !== 'ok') return;
        assert.ok(r.value.userId.length > 0 && !r.value.userId.includes(':'));
        assert.ok(r.value.password.length > 0);
        assert.ok(!CONTROL.test(r.value.userId + r.value.password));
        assert.equal(Buffer.from(`${r.value.userId}:${r.value.password}`).equals(Buffer.from(bytes)), true);
      }),
    );
  });
});
