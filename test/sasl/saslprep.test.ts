import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { inTable, saslprep, saslprepTables, saslprepWork } from '../../src/sasl/saslprep.js';
import { seed } from '../helpers/property.js';

const vectorsDir = new URL('../fixtures/test-vectors/scram/', import.meta.url);
const readJson = (name: string): unknown => JSON.parse(readFileSync(new URL(name, vectorsDir), 'utf8'));

interface Rfc4013Example {
  n: number;
  input: string;
  output: string | null;
  error: string | null;
}

const query = { allowUnassigned: true } as const;
const stored = { allowUnassigned: false } as const;

describe('saslprep', () => {
  const vectors = readJson('saslprep-rfc4013-vectors.json') as { saslprep_rfc4013_section3: Rfc4013Example[] };

  for (const v of vectors.saslprep_rfc4013_section3) {
    it(`saslprep: RFC 4013 §3 example ${v.n}`, () => {
      for (const mode of [query, stored]) {
        const result = saslprep(v.input, mode);
        if (v.output !== null) {
          assert.deepEqual(result, { ok: true, value: v.output });
        } else {
          const reason = v.error === 'prohibited character' ? 'prohibited' : 'bidi';
          assert.deepEqual(result, { ok: false, reason });
        }
      }
    });
  }

  it('saslprep: maps non-ASCII spaces (C.1.2) to SPACE and B.1 to nothing', () => {
    assert.deepEqual(saslprep('a\u00a0b\u3000c', query), { ok: true, value: 'a b c' });
    assert.deepEqual(saslprep('a\u200bb\ufeffc\u034fd', query), { ok: true, value: 'abcd' });
    assert.deepEqual(saslprep('\u00ad', query), { ok: false, reason: 'empty' });
  });

  it('saslprep: rejects characters of every prohibited table', () => {
    const samples: [string, number][] = [
      ['C.2.1', 0x0000],
      ['C.2.1', 0x001f],
      ['C.2.1', 0x007f],
      ['C.2.2', 0x0085],
      ['C.2.2', 0x06dd],
      ['C.2.2', 0x2028],
      ['C.2.2', 0x1d173],
      ['C.3', 0xe000],
      ['C.3', 0xf0000],
      ['C.3', 0x10fffd],
      ['C.4', 0xfdd0],
      ['C.4', 0xfffe],
      ['C.4', 0x10ffff],
      ['C.6', 0xfffd],
      ['C.7', 0x2ff0],
      ['C.8', 0x200e],
      ['C.8', 0x202e],
      ['C.9', 0xe0001],
      ['C.9', 0xe0041],
    ];
    for (const [table, cp] of samples) {
      assert.deepEqual(
        saslprep(`a${String.fromCodePoint(cp)}b`, query),
        { ok: false, reason: 'prohibited' },
        `${table} U+${cp.toString(16)}`,
      );
    }
    // C.5: a lone surrogate in a JS string
    assert.deepEqual(saslprep('a\ud800b', query), { ok: false, reason: 'prohibited' });
    assert.deepEqual(saslprep('\udc00', query), { ok: false, reason: 'prohibited' });
  });

  it('saslprep: applies the RFC 3454 §6 bidi rules', () => {
    assert.deepEqual(saslprep('\u0627\u0628', query), { ok: true, value: '\u0627\u0628' });
    assert.deepEqual(
      saslprep('\u0627 1 \u0628', query),
      { ok: true, value: '\u0627 1 \u0628' },
      'neutral inside RandAL is fine',
    );
    assert.deepEqual(saslprep('1\u0627', query), { ok: false, reason: 'bidi' }, 'must start with RandAL');
    assert.deepEqual(saslprep('\u0627a\u0628', query), { ok: false, reason: 'bidi' }, 'RandAL and L never mix');
    assert.deepEqual(saslprep('\u05d0x', query), { ok: false, reason: 'bidi' });
  });

  it('saslprep: refuses Unicode 3.2 unassigned code points (A.1) for stored strings only', () => {
    const unassigned = String.fromCodePoint(0x0221); // first entry of table A.1
    assert.deepEqual(saslprep(`x${unassigned}`, stored), { ok: false, reason: 'unassigned' });
    assert.equal(saslprep(`x${unassigned}`, query).ok, true);
    // U+1F600 (emoji) was unassigned in Unicode 3.2
    assert.deepEqual(saslprep('pw\u{1f600}', stored), { ok: false, reason: 'unassigned' });
    assert.deepEqual(saslprep('pw\u{1f600}', query), { ok: true, value: 'pw\u{1f600}' });
  });

  it('saslprep: an empty string is refused', () => {
    assert.deepEqual(saslprep('', query), { ok: false, reason: 'empty' });
  });

  it('saslprep: tables are sorted, non-overlapping inclusive pairs', () => {
    for (const [name, table] of Object.entries(saslprepTables)) {
      assert.equal(table.length % 2, 0, name);
      for (let i = 0; i < table.length; i += 2) {
        assert.ok((table[i] as number) <= (table[i + 1] as number), `${name} pair ${i}`);
        if (i > 0) assert.ok((table[i] as number) > (table[i - 1] as number), `${name} order at ${i}`);
      }
    }
    assert.equal(inTable(saslprepTables.D1, 0x05be), true, 'D.1 starts at U+05BE');
    assert.equal(inTable(saslprepTables.D1, 0x0041), false);
    assert.equal(inTable(saslprepTables.D2, 0x0041), true, 'D.2 has A');
    assert.equal(inTable(saslprepTables.D2, 0x0031), false, 'digits are EN, not L');
    assert.equal(inTable(saslprepTables.A1, 0x0220), false);
    assert.equal(inTable(saslprepTables.A1, 0x0221), true);
    assert.equal(inTable(saslprepTables.A1, 0xe0080), true);
  });

  it(
    'saslprep: agrees with the PRECIS OpaqueString golden ' + 'file where the two profiles agree (secondary evidence)',
    () => {
      const golden = readJson('precis-golden/golden.subset.json') as {
        profile: string;
        input: string;
        output: string | null;
        error: string | null;
      }[];
      let checked = 0;
      for (const g of golden) {
        if (g.profile !== 'OpaqueString') continue;
        if (g.error === 'DISALLOWED/controls') {
          assert.equal(saslprep(g.input, query).ok, false, JSON.stringify(g.input));
          checked++;
        } else if (g.error === null && /^[\x21-\x7e]+$/.test(g.input)) {
          assert.deepEqual(saslprep(g.input, query), { ok: true, value: g.output }, JSON.stringify(g.input));
          checked++;
        }
      }
      assert.ok(checked > 20, `checked ${checked}`);
    },
  );

  it('saslprep: never throws, and gives a typed outcome for any string (property)', () => {
    const reasons = new Set(['prohibited', 'bidi', 'unassigned', 'empty']);
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 64 }), fc.boolean(), (input, allowUnassigned) => {
        const result = saslprep(input, { allowUnassigned });
        if (result.ok) {
          assert.equal(typeof result.value, 'string');
          assert.ok(result.value.length > 0);
          // A prepared string is stable under preparation.
          assert.deepEqual(saslprep(result.value, { allowUnassigned: true }), result);
        } else {
          assert.ok(reasons.has(result.reason));
        }
      }),
      { seed, numRuns: 2000 },
    );
  });

  it('saslprep: bounded time on a long hostile string', () => {
    const input = '\u0627'.repeat(50_000) + '\u00ad'.repeat(50_000) + 'a';
    const before = saslprepWork.lookups;
    assert.deepEqual(saslprep(input, query), { ok: false, reason: 'bidi' });
    // Linear: at most six table look-ups (binary searches) per code point.
    const lookups = saslprepWork.lookups - before;
    assert.ok(lookups <= 6 * [...input].length, `${lookups} look-ups for ${[...input].length} code points`);
  });
});
