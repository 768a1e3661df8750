// Certificate revocation lists (RFC 5280 §5), read with the bounded DER reader because Node has
// no CRL API. Only what the X509 verifier needs: the issuer Name, thisUpdate / nextUpdate, the
// revoked serial numbers, and the signature over tbsCertList, checked with `crypto.verify`.
// RFC 5280 §5.2 / §5.3: a CRL with a critical extension we cannot process "MUST NOT" be used to
// determine status. Delta CRLs, indirect CRLs (certificateIssuer) and issuing distribution points
// are all critical, so such a CRL is refused at startup rather than half-understood.

import { verify as verifySignature, type KeyObject } from 'node:crypto';
import {
  DerError,
  DerReader,
  TAG,
  contentOf,
  optionalTime,
  readBoolean,
  readOid,
  readOuterSequence,
  readSerial,
  readSmallInteger,
  readTime,
  tlvBytes,
} from './der.js';

export interface ParsedCrl {
  /** The issuer Name, DER (compared with a CA's subject). */
  readonly issuer: Uint8Array;
  readonly thisUpdate: number;
  /** Absent when the CRL has none (it never goes stale). */
  readonly nextUpdate: number | undefined;
  /** Revoked serials, upper-case hex without leading zero octets (der.ts `readSerial`). */
  readonly revoked: ReadonlySet<string>;
  /** The signed bytes (tbsCertList, DER) and how they are signed. */
  readonly tbs: Uint8Array;
  readonly signatureAlgorithm: string;
  readonly signature: Uint8Array;
}

export type CrlParse =
  { readonly ok: true; readonly crl: ParsedCrl } | { readonly ok: false; readonly problem: string };

/** Bounds for a file from the config (a mistake, not an attack, but still bounded). */
export const MAX_REVOKED = 1_000_000;

/** CRL extensions (RFC 5280 §5.2) and entry extensions (§5.3) we understand; none of them changes the scope. */
// authorityKeyIdentifier, cRLNumber
const UNDERSTOOD_CRL_EXTENSIONS: ReadonlySet<string> = new Set(['2.5.29.35', '2.5.29.20']);
// reasonCode, invalidityDate
const UNDERSTOOD_ENTRY_EXTENSIONS: ReadonlySet<string> = new Set(['2.5.29.21', '2.5.29.24']);

/** Signature algorithms (RFC 5758 §3.2, RFC 4055 / 8017, RFC 8410) → the digest `crypto.verify` takes. */
const SIGNATURE_DIGESTS: ReadonlyMap<string, string | null> = new Map([
  ['1.2.840.10045.4.3.2', 'sha256'], // ecdsa-with-SHA256
  ['1.2.840.10045.4.3.3', 'sha384'],
  ['1.2.840.10045.4.3.4', 'sha512'],
  ['1.2.840.113549.1.1.11', 'sha256'], // sha256WithRSAEncryption
  ['1.2.840.113549.1.1.12', 'sha384'],
  ['1.2.840.113549.1.1.13', 'sha512'],
  ['1.3.101.112', null], // Ed25519
  ['1.3.101.113', null], // Ed448
]);

/** Parses one DER CRL. Never throws on bad input: says what is wrong in a few words. */
export function parseCrl(der: Uint8Array): CrlParse {
  try {
    return { ok: true, crl: parse(der) };
  } catch (err) {
    if (err instanceof DerError) return { ok: false, problem: err.message };
    throw err;
  }
}

function parse(der: Uint8Array): ParsedCrl {
  const { reader: list } = readOuterSequence(der);
  const tbsTlv = list.expect(TAG.SEQUENCE);
  const outerAlg = list.expect(TAG.SEQUENCE);
  const sigTlv = list.expect(TAG.BIT_STRING);
  list.finish();
  const sigBits = contentOf(der, sigTlv);
  if (sigBits.length < 2 || sigBits[0] !== 0) throw new DerError('bad signature bits');

  const tbs = list.inside(tbsTlv);
  const versionTag = tbs.optional(TAG.INTEGER);
  // v2 is encoded as 1; a v1 CRL has no version field.
  if (versionTag !== null && readSmallInteger(der, versionTag) !== 1) throw new DerError('unknown CRL version');
  const innerAlg = tbs.expect(TAG.SEQUENCE);
  // RFC 5280 §5.1.1.2: signatureAlgorithm MUST be the same as tbsCertList.signature.
  if (Buffer.compare(tlvBytes(der, innerAlg), tlvBytes(der, outerAlg)) !== 0)
    throw new DerError('signature algorithms differ');
  const alg = tbs.inside(innerAlg);
  const signatureAlgorithm = readOid(der, alg.next());
  const issuer = tlvBytes(der, tbs.expect(TAG.SEQUENCE));
  const thisUpdate = readTime(der, tbs.next());
  const nextTag = optionalTime(tbs);
  const nextUpdate = nextTag === null ? undefined : readTime(der, nextTag);
  const revoked = new Set<string>();
  const revokedTag = tbs.optional(TAG.SEQUENCE);
  if (revokedTag !== null) {
    const entries = tbs.inside(revokedTag);
    while (!entries.done) {
      if (revoked.size >= MAX_REVOKED) throw new DerError(`more than ${MAX_REVOKED} revoked entries`);
      const entry = entries.inside(entries.expect(TAG.SEQUENCE));
      revoked.add(readSerial(der, entry.expect(TAG.INTEGER)));
      readTime(der, entry.next()); // revocationDate
      const exts = entry.optional(TAG.SEQUENCE);
      if (exts !== null) checkExtensions(der, entry.inside(exts), UNDERSTOOD_ENTRY_EXTENSIONS);
      entry.finish();
    }
  }
  const extsTag = tbs.optional(0xa0);
  if (extsTag !== null) {
    const wrapper = tbs.inside(extsTag);
    checkExtensions(der, wrapper.inside(wrapper.expect(TAG.SEQUENCE)), UNDERSTOOD_CRL_EXTENSIONS);
    wrapper.finish();
  }
  tbs.finish();
  return {
    issuer,
    thisUpdate,
    nextUpdate,
    revoked,
    tbs: tlvBytes(der, tbsTlv),
    signatureAlgorithm,
    signature: sigBits.subarray(1),
  };
}

function checkExtensions(der: Uint8Array, exts: DerReader, understood: ReadonlySet<string>): void {
  while (!exts.done) {
    const ext = exts.inside(exts.expect(TAG.SEQUENCE));
    const oid = readOid(der, ext.next());
    const criticalTag = ext.optional(TAG.BOOLEAN);
    const critical = criticalTag !== null && readBoolean(der, criticalTag);
    ext.expect(TAG.OCTET_STRING);
    ext.finish();
    if (critical && !understood.has(oid))
      throw new DerError(`a critical extension ${oid} that is not supported (delta, indirect or partitioned CRLs)`);
  }
}

/** Does the CRL's signature verify with `key`? False for an unsupported algorithm. Never throws. */
export function crlSignedBy(crl: ParsedCrl, key: KeyObject): boolean {
  const digest = SIGNATURE_DIGESTS.get(crl.signatureAlgorithm);
  if (digest === undefined) return false;
  try {
    return verifySignature(digest, crl.tbs, key, crl.signature);
  } catch {
    return false;
  }
}

export function isSupportedCrlAlgorithm(oid: string): boolean {
  return SIGNATURE_DIGESTS.has(oid);
}
