import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import '../../helpers/property.js'; // one seed per file, printed; FC_SEED=<n> replays it
import { readSingleHeader } from '../../../src/schemes/wire/header.js';
import { readLoginField } from '../../../src/schemes/wire/login.js';

const detail = (r: { kind: string; detail?: string }): string =>
  r.kind === 'malformed' ? (r.detail as string) : r.kind;

describe('header: one header by name', () => {
  it('header: reads a string or a one-element array', () => {
    assert.deepEqual(readSingleHeader({ 'x-api-key': 'v' }, 'x-api-key'), { kind: 'ok', value: 'v' });
    assert.deepEqual(readSingleHeader({ 'x-api-key': ['v'] }, 'x-api-key'), { kind: 'ok', value: 'v' });
  });

  it('header: never reads the prototype (a header named constructor or __proto__)', () => {
    assert.deepEqual(readSingleHeader({}, 'constructor'), { kind: 'absent' });
    assert.deepEqual(readSingleHeader({}, '__proto__'), { kind: 'absent' });
    assert.deepEqual(readSingleHeader({}, 'tostring'), { kind: 'absent' });
  });

  it('rejects a header sent several times', () =>
    assert.equal(detail(readSingleHeader({ k: ['a', 'b'] }, 'k')), 'repeated'));
  it('rejects a header over 8 KiB', () =>
    assert.equal(detail(readSingleHeader({ k: 'x'.repeat(8193) }, 'k')), 'too_large'));
  it('rejects a header value that is not a string', () =>
    assert.equal(detail(readSingleHeader({ k: 5 } as never, 'k')), 'not_text'));

  it('header: never throws on arbitrary bags', () => {
    fc.assert(
      fc.property(fc.anything(), fc.string({ maxLength: 6 }), (bag, name) => void readSingleHeader(bag as never, name)),
    );
  });
});

describe('login: a login field', () => {
  it('login: reads strings and strict UTF-8 bytes', () => {
    assert.deepEqual(readLoginField('pässword'), { kind: 'ok', value: 'pässword' });
    assert.deepEqual(readLoginField(new Uint8Array(Buffer.from('pässword'))), { kind: 'ok', value: 'pässword' });
    assert.deepEqual(readLoginField(undefined), { kind: 'absent' });
  });

  it('rejects bytes that are not UTF-8', () =>
    assert.equal(detail(readLoginField(Uint8Array.of(0x61, 0xff))), 'invalid_utf8'));
  it('rejects a truncated UTF-8 sequence', () =>
    assert.equal(detail(readLoginField(Uint8Array.of(0x61, 0xe2, 0x82))), 'invalid_utf8'));
  it('rejects a string with a lone surrogate', () => assert.equal(detail(readLoginField('a\ud800b')), 'invalid_utf8'));
  it('rejects a field over 1 KiB', () => {
    assert.equal(detail(readLoginField('x'.repeat(1025))), 'too_large');
    assert.equal(detail(readLoginField('é'.repeat(600))), 'too_large');
    assert.equal(detail(readLoginField(new Uint8Array(70_000))), 'too_large');
  });
  it('rejects a field that is neither text nor bytes', () => assert.equal(detail(readLoginField(12)), 'not_text'));

  it('login: never throws, and decodes exactly the valid UTF-8 byte strings', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const r = readLoginField(bytes);
        let valid = true;
        try {
          new TextDecoder('utf-8', { fatal: true }).decode(bytes);
        } catch {
          valid = false;
        }
        assert.equal(r.kind === 'ok', valid);
        if (r.kind === 'ok') assert.ok(Buffer.from(r.value, 'utf8').equals(Buffer.from(bytes)));
      }),
    );
  });
});
