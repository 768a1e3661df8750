import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import '../../helpers/property.js'; // one seed per file, printed; FC_SEED=<n> replays it
import { parseCookieHeader, readCookie } from '../../../src/schemes/wire/cookies.js';

const detail = (r: { kind: string; detail?: string }): string =>
  r.kind === 'malformed' ? (r.detail as string) : r.kind;
const cookie = (value: unknown) => readCookie({ cookie: value } as never, 'session');

/** RFC 6265 §4.1.1 cookie-name (a token) and cookie-octet. */
const tokenChar = fc.constantFrom(
  ..."!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".split(''),
);
const octetChars = [
  0x21,
  ...Array.from({ length: 0x2b - 0x23 + 1 }, (_, i) => 0x23 + i),
  ...Array.from({ length: 0x3a - 0x2d + 1 }, (_, i) => 0x2d + i),
  ...Array.from({ length: 0x5b - 0x3c + 1 }, (_, i) => 0x3c + i),
  ...Array.from({ length: 0x7e - 0x5d + 1 }, (_, i) => 0x5d + i),
].map((c) => String.fromCharCode(c));
const cookieName = fc.array(tokenChar, { minLength: 1, maxLength: 8 }).map((a) => a.join(''));
const cookieValue = fc.array(fc.constantFrom(...octetChars), { maxLength: 12 }).map((a) => a.join(''));
const pair = fc.record({ name: cookieName, value: cookieValue, quoted: fc.boolean() });

describe('cookies: reading one cookie', () => {
  it('cookies: finds a cookie by exact, case-sensitive name', () => {
    assert.deepEqual(cookie('a=1; session=agk_x; b=2'), { kind: 'ok', value: 'agk_x' });
    assert.deepEqual(readCookie({ cookie: 'Session=1' }, 'session'), { kind: 'absent' });
  });

  it('cookies: splits at the first =, trims whitespace, drops one pair of quotes', () => {
    assert.deepEqual(cookie('session = a=b=c ;x=1'), { kind: 'ok', value: 'a=b=c' });
    assert.deepEqual(cookie('session="quoted"'), { kind: 'ok', value: 'quoted' });
    assert.deepEqual(cookie('x;session=v;;'), { kind: 'ok', value: 'v' });
  });

  it('cookies: does not percent-decode (RFC 6265 has no encoding)', () => {
    assert.deepEqual(cookie('session=a%20b'), { kind: 'ok', value: 'a%20b' });
  });

  it('cookies: several Cookie headers (HTTP/2) are read together', () => {
    assert.deepEqual(cookie(['a=1', 'session=v']), { kind: 'ok', value: 'v' });
  });

  it('cookies: absent without a Cookie header or without the cookie', () => {
    assert.deepEqual(readCookie(undefined, 'session'), { kind: 'absent' });
    assert.deepEqual(readCookie({}, 'session'), { kind: 'absent' });
    assert.deepEqual(cookie('sessionx=1; xsession=2'), { kind: 'absent' });
    assert.deepEqual(cookie([]), { kind: 'absent' });
  });

  it('rejects the cookie given twice', () => {
    assert.equal(detail(cookie('session=a; session=b')), 'repeated');
    assert.equal(detail(cookie(['session=a', 'session=b'])), 'repeated');
  });

  it('rejects Cookie headers over 8 KiB', () => {
    assert.equal(detail(cookie(`session=v; pad=${'x'.repeat(9000)}`)), 'too_large');
    assert.equal(detail(cookie(Array.from({ length: 2000 }, (_, i) => `c${i}=v`))), 'too_large');
  });

  it('rejects a Cookie value that is not text', () => {
    assert.equal(detail(cookie(7)), 'not_text');
    assert.equal(detail(cookie(['a=1', 7])), 'not_text');
  });
});

describe('cookies: properties', () => {
  it('cookies: agrees with the RFC 6265 grammar on well-formed headers', () => {
    fc.assert(
      fc.property(fc.array(pair, { minLength: 1, maxLength: 8 }), (pairs) => {
        const header = pairs.map((p) => `${p.name}=${p.quoted ? `"${p.value}"` : p.value}`).join('; ');
        assert.deepEqual(
          parseCookieHeader(header),
          pairs.map((p) => [p.name, p.value]),
        );
        for (const { name } of pairs) {
          const values = pairs.filter((p) => p.name === name).map((p) => p.value);
          const r = readCookie({ cookie: header }, name);
          if (values.length === 1) assert.deepEqual(r, { kind: 'ok', value: values[0] });
          else assert.equal(detail(r), 'repeated');
        }
      }),
    );
  });

  it('cookies: never throws on arbitrary headers', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 100 }),
          fc.array(fc.string({ maxLength: 20 }), { maxLength: 4 }),
          fc.anything(),
        ),
        fc.string({ maxLength: 4 }),
        (value, name) => {
          readCookie({ cookie: value } as never, name);
          parseCookieHeader(value as string);
        },
      ),
    );
  });
});
