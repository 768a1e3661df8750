// A minimal, bounded DER reader (ITU-T X.690 §8, §10): just what the X509 verifier needs to read
// certificate fields Node does not expose as data (raw subject, serial, validity, extensions) and
// CRLs (Node has no CRL API). It never recurses on its own: callers walk only the structures they
// know, so the depth is fixed by the code, and every length is checked against its parent's end.
// Anything that is not strict DER (indefinite length, high tag numbers, non-minimal lengths,
// lengths past the end) is an error: the reader throws `DerError`, which the parse functions of
// this folder catch and turn into a null (wire input is answered with values, never exceptions).

export class DerError extends Error {
  override readonly name = 'DerError';
}

/** Universal tags used here (X.690 §8.1.2, X.680 §8.4). */
export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** One TLV: `start` is the tag's offset, content is `[contentStart, end)`. */
export interface Tlv {
  readonly tag: number;
  readonly start: number;
  readonly contentStart: number;
  readonly end: number;
}

/** Reads the TLVs between `start` and `end` of `buf` in order. */
export class DerReader {
  readonly buf: Uint8Array;
  private pos: number;
  private readonly end: number;

  constructor(buf: Uint8Array, start = 0, end = buf.length) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** The tag of the next TLV, or -1 at the end. */
  peekTag(): number {
    return this.pos < this.end ? (this.buf[this.pos] as number) : -1;
  }

  next(): Tlv {
    const buf = this.buf;
    const start = this.pos;
    if (start + 2 > this.end) throw new DerError('truncated');
    const tag = buf[start] as number;
    // High tag numbers (X.690 §8.1.2.4) appear nowhere in certificates or CRLs.
    if ((tag & 0x1f) === 0x1f) throw new DerError('high tag number');
    let len = buf[start + 1] as number;
    let contentStart = start + 2;
    if (len & 0x80) {
      const n = len & 0x7f;
      // 0x80 is the indefinite form (BER only, X.690 §10.1); 4 octets cover any length we accept.
      if (n === 0 || n > 4) throw new DerError('bad length');
      if (contentStart + n > this.end) throw new DerError('truncated');
      if (buf[contentStart] === 0) throw new DerError('non-minimal length');
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + (buf[contentStart + i] as number);
      if (len < 0x80) throw new DerError('non-minimal length'); // X.690 §10.1: the short form when it fits
      contentStart += n;
    }
    const end = contentStart + len;
    if (end > this.end) throw new DerError('length past the end');
    this.pos = end;
    return { tag, start, contentStart, end };
  }

  /** The next TLV, which must have `tag`. */
  expect(tag: number): Tlv {
    const tlv = this.next();
    if (tlv.tag !== tag) throw new DerError('unexpected tag');
    return tlv;
  }

  /** The next TLV when it has `tag`, else null (nothing consumed). */
  optional(tag: number): Tlv | null {
    return this.peekTag() === tag ? this.next() : null;
  }

  /** A reader over the content of `tlv`. */
  inside(tlv: Tlv): DerReader {
    return new DerReader(this.buf, tlv.contentStart, tlv.end);
  }

  /** Throws unless everything was read (no trailing data inside a structure). */
  finish(): void {
    if (this.pos !== this.end) throw new DerError('trailing data');
  }
}

/** The bytes of a TLV (whole, with tag and length), without copying. */
export function tlvBytes(buf: Uint8Array, tlv: Tlv): Uint8Array {
  return buf.subarray(tlv.start, tlv.end);
}

export function contentOf(buf: Uint8Array, tlv: Tlv): Uint8Array {
  return buf.subarray(tlv.contentStart, tlv.end);
}

/** An OBJECT IDENTIFIER as dotted text (X.690 §8.19); bounded to 64 octets and 2^53 per arc. */
export function readOid(buf: Uint8Array, tlv: Tlv): string {
  const len = tlv.end - tlv.contentStart;
  if (tlv.tag !== TAG.OID || len === 0 || len > 64) throw new DerError('bad OID');
  const arcs: number[] = [];
  let value = 0;
  for (let i = tlv.contentStart; i < tlv.end; i++) {
    const b = buf[i] as number;
    if (value === 0 && b === 0x80) throw new DerError('non-minimal OID arc');
    value = value * 128 + (b & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER) throw new DerError('OID arc too large');
    if ((b & 0x80) === 0) {
      if (arcs.length === 0) {
        const first = value < 40 ? 0 : value < 80 ? 1 : 2;
        arcs.push(first, value - first * 40);
      } else arcs.push(value);
      value = 0;
    } else if (i === tlv.end - 1) throw new DerError('truncated OID');
  }
  return arcs.join('.');
}

/** A BOOLEAN (X.690 §11.1: DER TRUE is 0xff). */
export function readBoolean(buf: Uint8Array, tlv: Tlv): boolean {
  if (tlv.tag !== TAG.BOOLEAN || tlv.end - tlv.contentStart !== 1) throw new DerError('bad BOOLEAN');
  const b = buf[tlv.contentStart] as number;
  if (b !== 0 && b !== 0xff) throw new DerError('bad BOOLEAN');
  return b === 0xff;
}

/** A small non-negative INTEGER (a version, a path length). */
export function readSmallInteger(buf: Uint8Array, tlv: Tlv): number {
  const len = tlv.end - tlv.contentStart;
  if (tlv.tag !== TAG.INTEGER || len === 0 || len > 4) throw new DerError('bad INTEGER');
  if (((buf[tlv.contentStart] as number) & 0x80) !== 0) throw new DerError('negative INTEGER');
  let v = 0;
  for (let i = tlv.contentStart; i < tlv.end; i++) v = v * 256 + (buf[i] as number);
  return v;
}

/**
 * A serial number as upper-case hex without leading zero octets ("00" for zero), so that a
 * certificate's serial and a CRL entry compare as text whatever padding the encoder used.
 * RFC 5280 §4.1.2.2 allows up to 20 octets; 32 are accepted (some encoders add a sign octet).
 */
export function readSerial(buf: Uint8Array, tlv: Tlv): string {
  const len = tlv.end - tlv.contentStart;
  if (tlv.tag !== TAG.INTEGER || len === 0 || len > 32) throw new DerError('bad serial');
  let i = tlv.contentStart;
  while (i < tlv.end - 1 && buf[i] === 0) i++;
  return Buffer.from(buf.buffer, buf.byteOffset + i, tlv.end - i)
    .toString('hex')
    .toUpperCase();
}

/**
 * UTCTime `YYMMDDHHMMSSZ` or GeneralizedTime `YYYYMMDDHHMMSSZ`, the only forms RFC 5280
 * §4.1.2.5 allows (UTC, seconds, no fraction); UTCTime years 50–99 are 19xx. Milliseconds.
 */
export function readTime(buf: Uint8Array, tlv: Tlv): number {
  const text = Buffer.from(buf.buffer, buf.byteOffset + tlv.contentStart, tlv.end - tlv.contentStart).toString(
    'latin1',
  );
  let year: number;
  let rest: string;
  if (tlv.tag === TAG.UTC_TIME && /^\d{12}Z$/.test(text)) {
    const yy = Number(text.slice(0, 2));
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
    rest = text.slice(2);
  } else if (tlv.tag === TAG.GENERALIZED_TIME && /^\d{14}Z$/.test(text)) {
    year = Number(text.slice(0, 4));
    rest = text.slice(4);
  } else throw new DerError('bad time');
  const month = Number(rest.slice(0, 2));
  const day = Number(rest.slice(2, 4));
  const hour = Number(rest.slice(4, 6));
  const minute = Number(rest.slice(6, 8));
  const second = Number(rest.slice(8, 10));
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59)
    throw new DerError('bad time');
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  if (new Date(ms).getUTCDate() !== day) throw new DerError('bad time'); // 31 February
  return ms;
}

/** The next TLV when it is a time (either form), else null. */
export function optionalTime(reader: DerReader): Tlv | null {
  const t = reader.peekTag();
  return t === TAG.UTC_TIME || t === TAG.GENERALIZED_TIME ? reader.next() : null;
}

/** Reads the whole of `buf` as exactly one SEQUENCE, nothing before or after. */
export function readOuterSequence(buf: Uint8Array): { reader: DerReader; tlv: Tlv } {
  const top = new DerReader(buf);
  const tlv = top.expect(TAG.SEQUENCE);
  top.finish();
  return { reader: top.inside(tlv), tlv };
}
