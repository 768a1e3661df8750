// The fields of an X.509 certificate (RFC 5280 §4.1) that the X509 verifier reads from the DER
// itself: Node's X509Certificate checks signatures and issuer links, but gives the subject and
// subjectAltName only as display strings (escaped differently per field and per Node version),
// the validity only as locale-style text and no key usage, basic constraints or critical flags.
// Reading the DER gives one unambiguous source for identity, serial, validity and extensions.

import {
  DerError,
  DerReader,
  TAG,
  contentOf,
  readBoolean,
  readOid,
  readOuterSequence,
  readSerial,
  readSmallInteger,
  readTime,
  tlvBytes,
} from './der.js';

export const OID = {
  commonName: '2.5.4.3',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  anyExtendedKeyUsage: '2.5.29.37.0',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

/** Extensions this verifier understands; a critical one outside this list fails the path (RFC 5280 §4.2). */
const UNDERSTOOD: ReadonlySet<string> = new Set([
  OID.subjectKeyIdentifier,
  OID.keyUsage,
  OID.subjectAltName,
  OID.basicConstraints,
  OID.authorityKeyIdentifier,
  OID.extKeyUsage,
]);

export interface ParsedCertificate {
  /** Upper-case hex, no leading zero octets (der.ts `readSerial`). */
  readonly serial: string;
  readonly notBefore: number;
  readonly notAfter: number;
  /** The subject Name, DER (CRL issuer matching, CN). */
  readonly subject: Uint8Array;
  /** subjectPublicKeyInfo, DER. */
  readonly spki: Uint8Array;
  /** basicConstraints cA (false when the extension is absent). */
  readonly ca: boolean;
  /** basicConstraints pathLenConstraint, or null. */
  readonly pathLen: number | null;
  /** keyUsage bits (bit 0 = digitalSignature is 0x80 of the first octet), or null when absent. */
  readonly keyUsage: Uint8Array | null;
  /** extKeyUsage OIDs, or null when absent. */
  readonly extKeyUsage: readonly string[] | null;
  /** subjectAltName entries by kind, raw octets as latin1 text (validated when mapped). */
  readonly san: { readonly email: readonly string[]; readonly dns: readonly string[]; readonly uri: readonly string[] };
  /** A critical extension this verifier does not understand is present. */
  readonly unknownCritical: boolean;
}

/**
 * Parses a DER certificate; null when it is not one (not strict DER, trailing bytes, a repeated
 * extension, a bad time). The signature is not checked here (Node's X509Certificate does it).
 */
export function parseCertificate(der: Uint8Array): ParsedCertificate | null {
  try {
    return parse(der);
  } catch (err) {
    if (err instanceof DerError) return null;
    throw err;
  }
}

function parse(der: Uint8Array): ParsedCertificate {
  const { reader: cert } = readOuterSequence(der);
  const tbs = cert.inside(cert.expect(TAG.SEQUENCE));
  cert.expect(TAG.SEQUENCE); // signatureAlgorithm
  cert.expect(TAG.BIT_STRING); // signatureValue
  cert.finish();

  const versionTag = tbs.optional(0xa0);
  let version = 0;
  if (versionTag !== null) {
    const v = tbs.inside(versionTag);
    version = readSmallInteger(der, v.expect(TAG.INTEGER));
    v.finish();
  }
  if (version > 2) throw new DerError('unknown version');
  const serial = readSerial(der, tbs.expect(TAG.INTEGER));
  tbs.expect(TAG.SEQUENCE); // signature
  tbs.expect(TAG.SEQUENCE); // issuer
  const validity = tbs.inside(tbs.expect(TAG.SEQUENCE));
  const notBefore = readTime(der, validity.next());
  const notAfter = readTime(der, validity.next());
  validity.finish();
  const subject = tlvBytes(der, tbs.expect(TAG.SEQUENCE));
  const spki = tlvBytes(der, tbs.expect(TAG.SEQUENCE));
  tbs.optional(0x81); // issuerUniqueID
  tbs.optional(0x82); // subjectUniqueID
  const extsTag = tbs.optional(0xa3);
  tbs.finish();

  let ca = false;
  let pathLen: number | null = null;
  let keyUsage: Uint8Array | null = null;
  let extKeyUsage: string[] | null = null;
  const san = { email: [] as string[], dns: [] as string[], uri: [] as string[] };
  let unknownCritical = false;
  if (extsTag !== null) {
    if (version !== 2) throw new DerError('extensions in a v1/v2 certificate');
    const wrapper = tbs.inside(extsTag);
    const exts = wrapper.inside(wrapper.expect(TAG.SEQUENCE));
    wrapper.finish();
    const seen = new Set<string>();
    while (!exts.done) {
      const ext = exts.inside(exts.expect(TAG.SEQUENCE));
      const oid = readOid(der, ext.next());
      const criticalTag = ext.optional(TAG.BOOLEAN);
      const critical = criticalTag !== null && readBoolean(der, criticalTag);
      const value = ext.expect(TAG.OCTET_STRING);
      ext.finish();
      // RFC 5280 §4.2: "A certificate MUST NOT include more than one instance of a particular extension."
      if (seen.has(oid)) throw new DerError('repeated extension');
      seen.add(oid);
      if (critical && !UNDERSTOOD.has(oid)) unknownCritical = true;
      const inner = new DerReader(der, value.contentStart, value.end);
      switch (oid) {
        case OID.basicConstraints: {
          const bc = inner.inside(inner.expect(TAG.SEQUENCE));
          inner.finish();
          const caTag = bc.optional(TAG.BOOLEAN);
          ca = caTag !== null && readBoolean(der, caTag);
          const lenTag = bc.optional(TAG.INTEGER);
          pathLen = lenTag === null ? null : readSmallInteger(der, lenTag);
          bc.finish();
          break;
        }
        case OID.keyUsage: {
          const bits = contentOf(der, inner.expect(TAG.BIT_STRING));
          inner.finish();
          if (bits.length < 1 || (bits[0] as number) > 7) throw new DerError('bad keyUsage');
          keyUsage = bits.subarray(1);
          break;
        }
        case OID.extKeyUsage: {
          const list = inner.inside(inner.expect(TAG.SEQUENCE));
          inner.finish();
          const oids: string[] = [];
          while (!list.done) oids.push(readOid(der, list.next()));
          if (oids.length === 0) throw new DerError('empty extKeyUsage'); // SIZE (1..MAX)
          extKeyUsage = oids;
          break;
        }
        case OID.subjectAltName: {
          const names = inner.inside(inner.expect(TAG.SEQUENCE));
          inner.finish();
          while (!names.done) {
            const gn = names.next();
            // GeneralName (RFC 5280 §4.2.1.6), IMPLICIT tags: [1] rfc822Name, [2] dNSName, [6] URI, all IA5String.
            const text = Buffer.from(der.buffer, der.byteOffset + gn.contentStart, gn.end - gn.contentStart).toString(
              'latin1',
            );
            if (gn.tag === 0x81) san.email.push(text);
            else if (gn.tag === 0x82) san.dns.push(text);
            else if (gn.tag === 0x86) san.uri.push(text);
          }
          break;
        }
        default:
          break;
      }
    }
  }
  return { serial, notBefore, notAfter, subject, spki, ca, pathLen, keyUsage, extKeyUsage, san, unknownCritical };
}

/** keyUsage digitalSignature (RFC 5280 §4.2.1.3, bit 0). */
export function hasDigitalSignature(keyUsage: Uint8Array): boolean {
  return keyUsage.length > 0 && ((keyUsage[0] as number) & 0x80) !== 0;
}

/**
 * The commonName values of a Name (RFC 5280 §4.1.2.4), decoded; a value in a string type we do
 * not decode (TeletexString, UniversalString) or that does not decode becomes null.
 */
export function commonNamesOf(name: Uint8Array): (string | null)[] {
  try {
    const out: (string | null)[] = [];
    const { reader: rdns } = readOuterSequence(name);
    while (!rdns.done) {
      const rdn = rdns.inside(rdns.expect(TAG.SET));
      while (!rdn.done) {
        const atv = rdn.inside(rdn.expect(TAG.SEQUENCE));
        const oid = readOid(name, atv.next());
        const value = atv.next();
        atv.finish();
        if (oid === OID.commonName) out.push(decodeDirectoryString(contentOf(name, value), value.tag));
      }
    }
    return out;
  } catch (err) {
    if (err instanceof DerError) return [null];
    throw err;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf16be = new TextDecoder('utf-16be', { fatal: true, ignoreBOM: true });

function decodeDirectoryString(bytes: Uint8Array, tag: number): string | null {
  try {
    switch (tag) {
      case TAG.UTF8_STRING:
        return utf8.decode(bytes);
      case TAG.PRINTABLE_STRING:
      case TAG.IA5_STRING:
        for (const b of bytes) if (b > 0x7f) return null;
        return Buffer.from(bytes).toString('latin1');
      case TAG.BMP_STRING:
        return bytes.length % 2 === 0 ? utf16be.decode(bytes) : null;
      default:
        return null;
    }
  } catch {
    return null;
  }
}
