// The bounded DER reader under the X509 verifier (src/schemes/verify/x509/der.ts): strict DER
// only, every length checked, RFC 5280 time forms, OIDs and serials.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import '../helpers/property.js'; // one seed per file, printed; FC_SEED=<n> replays it
import { DerError, DerReader, TAG, readOid, readSerial, readTime } from '../../src/schemes/verify/x509/der.js';
import { parseCertificate } from '../../src/schemes/verify/x509/certificate.js';
import { parseCrl } from '../../src/schemes/verify/x509/crl.js';

const bytes = (...b: number[]) => new Uint8Array(b);
const ascii = (tag: number, text: string) => new Uint8Array([tag, text.length, ...Buffer.from(text, 'latin1')]);
const one = (buf: Uint8Array) => new DerReader(buf).next();

describe('x509 DER reader', () => {
  it('reads short and long form lengths', () => {
    assert.deepEqual(one(bytes(0x04, 0x01, 0xaa)), { tag: 4, start: 0, contentStart: 2, end: 3 });
    const long = new Uint8Array(3 + 200);
    long.set([0x04, 0x81, 200]);
    assert.equal(one(long).end, 203);
  });

  it('rejects the indefinite length form (BER only)', () => {
    assert.throws(() => one(bytes(0x30, 0x80, 0, 0)), DerError);
  });

  it('rejects a non-minimal length', () => {
    assert.throws(() => one(bytes(0x04, 0x81, 0x01, 0xaa)), DerError);
    assert.throws(() => one(bytes(0x04, 0x82, 0x00, 0x01, 0xaa)), DerError);
  });

  it('rejects a length past the end, and a length of more than 4 octets', () => {
    assert.throws(() => one(bytes(0x04, 0x05, 0xaa)), DerError);
    assert.throws(() => one(bytes(0x04, 0x85, 1, 0, 0, 0, 0)), DerError);
    assert.throws(() => one(bytes(0x04, 0x84, 0x7f, 0xff, 0xff, 0xff)), DerError);
  });

  it('rejects high tag numbers', () => {
    assert.throws(() => one(bytes(0x1f, 0x81, 0x00, 0x00)), DerError);
  });

  it('reads RFC 5280 times: UTCTime years 50–99 are 19xx, 00–49 are 20xx', () => {
    assert.equal(readTime(...at(ascii(TAG.UTC_TIME, '491231235959Z'))), Date.UTC(2049, 11, 31, 23, 59, 59));
    assert.equal(readTime(...at(ascii(TAG.UTC_TIME, '500101000000Z'))), Date.UTC(1950, 0, 1));
    assert.equal(readTime(...at(ascii(TAG.GENERALIZED_TIME, '20500101000000Z'))), Date.UTC(2050, 0, 1));
  });

  it('rejects times with a zone offset, fractions, or impossible dates', () => {
    for (const [tag, text] of [
      [TAG.UTC_TIME, '2401010000Z'],
      [TAG.UTC_TIME, '240101000000+0100'],
      [TAG.GENERALIZED_TIME, '20240101000000.5Z'],
      [TAG.GENERALIZED_TIME, '20240231000000Z'],
      [TAG.GENERALIZED_TIME, '20241301000000Z'],
      [TAG.OCTET_STRING, '20240101000000Z'],
    ] as const) {
      assert.throws(() => readTime(...at(ascii(tag, text))), DerError, text);
    }
  });

  it('reads OIDs and rejects non-minimal arcs', () => {
    // 1.3.6.1.5.5.7.3.2 (clientAuth)
    assert.equal(
      readOid(...at(bytes(0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02))),
      '1.3.6.1.5.5.7.3.2',
    );
    assert.equal(readOid(...at(bytes(0x06, 0x03, 0x55, 0x1d, 0x11))), '2.5.29.17');
    assert.throws(() => readOid(...at(bytes(0x06, 0x02, 0x80, 0x01))), DerError);
    assert.throws(() => readOid(...at(bytes(0x06, 0x01, 0x81))), DerError);
  });

  it('normalizes serials: no leading zero octets, upper-case hex', () => {
    assert.equal(readSerial(...at(bytes(0x02, 0x02, 0x00, 0x9a))), '9A');
    assert.equal(readSerial(...at(bytes(0x02, 0x01, 0x00))), '00');
    assert.equal(readSerial(...at(bytes(0x02, 0x02, 0x10, 0x00))), '1000');
  });

  it('never throws anything but DerError on random input, and the parsers answer null (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (buf) => {
        assert.equal(parseCertificate(buf), null);
        assert.equal(parseCrl(buf).ok, false);
        const r = new DerReader(buf);
        try {
          while (!r.done) r.next();
        } catch (err) {
          if (!(err instanceof DerError)) throw err;
        }
      }),
      { numRuns: 500 },
    );
  });
});

/** (buffer, its first TLV) for the read* helpers. */
function at(buf: Uint8Array): [Uint8Array, ReturnType<DerReader['next']>] {
  return [buf, new DerReader(buf).next()];
}
