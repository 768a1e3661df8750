import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import '../../helpers/property.js'; // one seed per file, printed; FC_SEED=<n> replays it
import { parseQuery, readQueryParameter } from '../../../src/schemes/wire/query.js';

const detail = (r: { kind: string; detail?: string }): string =>
  r.kind === 'malformed' ? (r.detail as string) : r.kind;

/**
 * Well-formed query text (a URL's query is ASCII once serialized), with the characters the
 * parser treats specially often. Non-ASCII raw characters are left out of the comparison: WHATWG
 * encodes them as UTF-8 first (as we do), while Node's URLSearchParams reads a character below
 * U+0100 as one byte when the sequence also holds a percent-escape.
 */
const queryText = fc
  .array(
    fc.oneof(
      fc.constantFrom('&', '=', '+', '%', '%2', '%41', '%e2%82%ac', '%ff', '%zz', '%c3%a9', 'k', 'key', '%6B'),
      fc.string({ unit: 'binary-ascii', maxLength: 4 }),
    ),
    { maxLength: 30 },
  )
  .map((parts) => parts.join(''))
  .filter((s) => !s.startsWith('?'));

describe('query: reading one parameter', () => {
  it('query: finds a parameter by exact name and percent-decodes its value', () => {
    assert.deepEqual(readQueryParameter('a=1&api_key=agk%5Fabc%2B&b=2', 'api_key'), { kind: 'ok', value: 'agk_abc+' });
    assert.deepEqual(readQueryParameter('Api_Key=x', 'api_key'), { kind: 'absent' });
  });

  it('query: a plus is a space, a bare % stays as is (WHATWG urlencoded)', () => {
    assert.deepEqual(readQueryParameter('k=a+b%zz%4', 'k'), { kind: 'ok', value: 'a b%zz%4' });
  });

  it('query: names are decoded before comparing', () => {
    assert.deepEqual(readQueryParameter('api%5Fkey=v', 'api_key'), { kind: 'ok', value: 'v' });
  });

  it('query: a parameter without = has an empty value', () => {
    assert.deepEqual(readQueryParameter('k&x=1', 'k'), { kind: 'ok', value: '' });
  });

  it('query: absent when there is no query or no such parameter', () => {
    assert.deepEqual(readQueryParameter(undefined, 'k'), { kind: 'absent' });
    assert.deepEqual(readQueryParameter('', 'k'), { kind: 'absent' });
    assert.deepEqual(readQueryParameter('a=1&&b=2', 'k'), { kind: 'absent' });
  });

  it('rejects a parameter given twice', () => {
    assert.equal(detail(readQueryParameter('k=1&k=2', 'k')), 'repeated');
    assert.equal(detail(readQueryParameter('k=1&%6B=1', 'k')), 'repeated');
  });

  it('rejects a query string over 8 KiB without parsing it', () => {
    assert.equal(detail(readQueryParameter(`k=v&pad=${'x'.repeat(9000)}`, 'k')), 'too_large');
    assert.equal(detail(readQueryParameter(`k=${'é'.repeat(5000)}`, 'k')), 'too_large', 'bounded in UTF-8 bytes too');
  });

  it('rejects a query that is not a string', () =>
    assert.equal(detail(readQueryParameter(42 as never, 'k')), 'not_text'));
});

describe('query: properties', () => {
  it('query: parses well-formed query strings exactly as URLSearchParams does', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          queryText,
          fc.string({ unit: 'binary-ascii', maxLength: 60 }).filter((s) => !s.startsWith('?')),
        ),
        (q) => {
          assert.deepEqual(parseQuery(q), [...new URLSearchParams(q)]);
        },
      ),
    );
  });

  it('query: readQueryParameter agrees with URLSearchParams.getAll', () => {
    fc.assert(
      fc.property(queryText, fc.constantFrom('k', 'key', 'k k', 'é', '€', 'A'), (q, name) => {
        const all = new URLSearchParams(q).getAll(name);
        const r = readQueryParameter(q, name);
        if (all.length === 0) assert.deepEqual(r, { kind: 'absent' });
        else if (all.length === 1) assert.deepEqual(r, { kind: 'ok', value: all[0] });
        else assert.equal(detail(r), 'repeated');
      }),
    );
  });

  it('query: non-ASCII characters in a raw query are read as their UTF-8 bytes (WHATWG)', () => {
    assert.deepEqual(parseQuery('k=\u0080%ff'), [['k', '\u0080\ufffd']]);
    assert.deepEqual(parseQuery('k=é%C3%A9'), [['k', 'éé']]);
  });

  it('query: never throws on arbitrary input', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.anything(), fc.string({ unit: 'binary', maxLength: 80 })),
        fc.string({ maxLength: 5 }),
        (q, name) => {
          readQueryParameter(q as string, name);
          parseQuery(q as string);
        },
      ),
    );
  });
});
