// Certification path validation for a TLS client chain (RFC 5280 §6, the parts this verifier
// needs). From the leaf, each step takes an issuer, first among the configured trust anchors,
// else among the certificates the client presented (TLS 1.3 §4.4.2 lets them come in any order
// after the leaf), such that Node's `checkIssued` (names, key identifiers, the issuer's keyUsage
// keyCertSign) and `verify(issuer.publicKey)` (the signature) both pass, and a presented issuer
// is a CA. The path ends at the first anchor reached.
// Then: every certificate of the path within its validity period; CA pathLenConstraint; no
// unknown critical extension in a presented certificate; CRL status of every certificate whose
// issuer has a configured CRL, and of the anchor itself when other CAs of the bundle are above it
// (a CRL past its nextUpdate refuses every certificate of that issuer: fail closed); the leaf an
// end entity whose keyUsage (if any) has digitalSignature and whose extendedKeyUsage (if any) has
// clientAuth or anyExtendedKeyUsage, as must a presented intermediate's extendedKeyUsage
// (OpenSSL's de facto EKU chaining).
// Does not check: name constraints and policies (a presented certificate marking them critical is
// refused), OCSP, CRLs of issuers that are not in the bundle.

import type { InvalidReason } from '../../../invalid-reasons.js';
import { OID, hasDigitalSignature, type ParsedCertificate } from './certificate.js';
import { certOf, type Cert, type TrustMaterial } from './trust.js';

/** At most this many certificates presented (leaf + intermediates); more is `malformed`. */
export const MAX_CHAIN = 8;
/** At most this many octets per presented certificate; more is `malformed`. */
export const MAX_CERTIFICATE_BYTES = 16 * 1024;

export type ChainResult =
  | {
      readonly ok: true;
      readonly leaf: Cert;
      readonly path: readonly Cert[];
      /** `path` and then the bundle CAs above its anchor: each certificate's CRL is its successor's. */
      readonly crlPath: readonly Cert[];
    }
  | { readonly ok: false; readonly reason: InvalidReason };

const fail = (reason: InvalidReason): ChainResult => ({ ok: false, reason });

/** Parses the presented chain (DER, leaf first): null when any certificate is not one, or out of bounds. */
export function parseChain(ders: readonly unknown[]): Cert[] | null {
  if (ders.length === 0 || ders.length > MAX_CHAIN) return null;
  const out: Cert[] = [];
  for (const der of ders) {
    if (!(der instanceof Uint8Array) || der.length === 0 || der.length > MAX_CERTIFICATE_BYTES) return null;
    const cert = certOf(der);
    if (cert === null) return null;
    out.push(cert);
  }
  return out;
}

function issued(child: Cert, issuer: Cert): boolean {
  try {
    return child.x509.checkIssued(issuer.x509) && child.x509.verify(issuer.x509.publicKey);
  } catch {
    return false;
  }
}

function allowsClientAuth(p: ParsedCertificate): boolean {
  return (
    p.extKeyUsage === null || p.extKeyUsage.includes(OID.clientAuth) || p.extKeyUsage.includes(OID.anyExtendedKeyUsage)
  );
}

/** The CAs of the bundle above `anchor`: its issuer among them, that one's, and so on (each at most once). */
function bundleIssuersAbove(anchor: Cert, trust: TrustMaterial): Cert[] {
  const above: Cert[] = [];
  for (let current = anchor; ;) {
    const child = current;
    const parent = trust.anchors.find((a) => a !== anchor && !above.includes(a) && issued(child, a));
    if (parent === undefined) return above;
    above.push(parent);
    current = parent;
  }
}

/** Validates a parsed chain at time `now` (ms) against `trust`. */
export function verifyChain(chain: readonly Cert[], trust: TrustMaterial, now: number): ChainResult {
  const leaf = chain[0];
  if (leaf === undefined) return fail('malformed');
  const path: Cert[] = [leaf];
  const used = new Set<number>([0]);
  // Each step adds one certificate: at most chain.length - 1 presented issuers, then an anchor.
  for (;;) {
    const current = path[path.length - 1] as Cert;
    const anchor = trust.anchors.find((a) => issued(current, a));
    if (anchor !== undefined) {
      path.push(anchor);
      break;
    }
    let next = -1;
    for (let i = 1; i < chain.length; i++) {
      const candidate = chain[i] as Cert;
      if (!used.has(i) && candidate.x509.ca && candidate.parsed.ca && issued(current, candidate)) {
        next = i;
        break;
      }
    }
    if (next < 0) return fail('untrusted_certificate');
    used.add(next);
    path.push(chain[next] as Cert);
  }

  const presented = path.length - 1; // the anchor is the last element
  for (let k = 0; k < path.length; k++) {
    const c = (path[k] as Cert).parsed;
    if (now < c.notBefore || now > c.notAfter) return fail('certificate_expired');
    // RFC 5280 §4.2.1.9: at most pathLen non-leaf certificates may follow this CA towards the leaf.
    if (k > 0 && c.pathLen !== null && k - 1 > c.pathLen) return fail('untrusted_certificate');
    if (k < presented && c.unknownCritical) return fail('untrusted_certificate');
    if (k > 0 && k < presented && !allowsClientAuth(c)) return fail('certificate_usage');
  }
  // An anchor that another CA of the bundle issued (an intermediate listed next to its root, as the
  // docs advise for checking its leaves' revocation) is still revoked by that CA's CRL.
  const crlPath = [...path, ...bundleIssuersAbove(path[presented] as Cert, trust)];
  for (let k = 0; k < crlPath.length - 1; k++) {
    const status = trust.crls.get((crlPath[k + 1] as Cert).issuerKey);
    if (status === undefined) continue;
    if (status.nextUpdate !== undefined && now > status.nextUpdate) return fail('untrusted_certificate');
    if (status.revoked.has((crlPath[k] as Cert).parsed.serial)) return fail('certificate_revoked');
  }
  const l = leaf.parsed;
  // A client certificate is an end entity (RFC 5280 §4.2.1.9) that signs the TLS handshake
  // (CertificateVerify, RFC 8446 §4.4.3), for TLS client authentication (RFC 5280 §4.2.1.12).
  if (l.ca || leaf.x509.ca) return fail('certificate_usage');
  if (l.keyUsage !== null && !hasDigitalSignature(l.keyUsage)) return fail('certificate_usage');
  if (!allowsClientAuth(l)) return fail('certificate_usage');
  return { ok: true, leaf, path, crlPath };
}
