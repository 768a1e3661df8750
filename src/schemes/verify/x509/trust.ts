// The X509 verifier's trust material, loaded once at startup from `file:` references in the
// scheme's config: the CA bundle (`ca`, PEM, one or more CA certificates, roots or intermediates
// acting as trust anchors) and optional CRLs (`crl`, PEM or DER, one or more). Every problem is a
// StartupError ERR_CONFIG_INVALID at `schemes.<name>.<key>` that names the key and what was
// expected, never the file's content nor its path (values from the config are not repeated).

import { X509Certificate } from 'node:crypto';
import { readAtMost } from '../../../read-at-most.js';
import { resolve } from 'node:path';
import { StartupError } from '../../../errors.js';
import { parseSecretRef } from '../../../credentials/secret-ref.js';
import { parseCertificate, type ParsedCertificate } from './certificate.js';
import { crlSignedBy, isSupportedCrlAlgorithm, parseCrl, type ParsedCrl } from './crl.js';

/** A certificate parsed both ways: Node's (signatures, issuer links) and ours (fields). */
export interface Cert {
  readonly x509: X509Certificate;
  readonly parsed: ParsedCertificate;
  /** Who this certificate is as an issuer: subject Name + public key, DER, as latin1 text (CRL lookup). */
  readonly issuerKey: string;
}

/** The newest CRL of one CA. */
export interface CrlStatus {
  readonly thisUpdate: number;
  readonly nextUpdate: number | undefined;
  readonly revoked: ReadonlySet<string>;
}

export interface TrustMaterial {
  readonly anchors: readonly Cert[];
  /** By the issuing CA's `issuerKey`. */
  readonly crls: ReadonlyMap<string, CrlStatus>;
}

const MAX_CA_FILE = 16 * 1024 * 1024;
const MAX_CRL_FILE = 64 * 1024 * 1024;
const MAX_ANCHORS = 1000;

export function issuerKeyOf(parsed: ParsedCertificate): string {
  return Buffer.from(parsed.subject).toString('latin1') + '\u0000' + Buffer.from(parsed.spki).toString('latin1');
}

/** Both views of a DER certificate, or null when either refuses it. */
export function certOf(der: Uint8Array): Cert | null {
  const parsed = parseCertificate(der);
  if (parsed === null) return null;
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(der);
  } catch {
    return null;
  }
  return { x509, parsed, issuerKey: issuerKeyOf(parsed) };
}

/**
 * Told when a CRL names a CA of the bundle as its issuer but no key of a CA by that name verifies
 * its signature: a forgery, or a CA re-keyed whose new certificate is not in the bundle. `crl` is
 * the CRL's place in the file, from 1. The load fails all the same.
 */
export type CrlSignatureListener = (crl: number) => void;

export async function loadTrust(
  schemeName: string,
  options: Readonly<Record<string, unknown>>,
  baseDir: string,
  onBadCrlSignature?: CrlSignatureListener,
): Promise<TrustMaterial> {
  const problem = (key: string, reason: string, expected: string) =>
    new StartupError('ERR_CONFIG_INVALID', reason, { pointer: `schemes.${schemeName}.${key}`, expected });

  if (options['ca'] === undefined)
    throw problem(
      'ca',
      'missing key ca',
      'ca: file:PATH naming a PEM file of the CA certificates that issue client certificates',
    );
  const caBytes = await readRef(options['ca'], 'ca', baseDir, MAX_CA_FILE, problem);
  const blocks = pemBlocks(caBytes.toString('latin1'), 'CERTIFICATE');
  if (blocks.length === 0)
    throw problem('ca', 'the file holds no PEM certificate', 'one or more -----BEGIN CERTIFICATE----- blocks');
  if (blocks.length > MAX_ANCHORS)
    throw problem('ca', 'the file holds too many certificates', `at most ${MAX_ANCHORS} CA certificates`);
  const anchors: Cert[] = [];
  for (const [i, der] of blocks.entries()) {
    const cert = certOf(der);
    if (cert === null)
      throw problem(
        'ca',
        `certificate ${i + 1} of the file is not a valid X.509 certificate`,
        'DER certificates in PEM',
      );
    // A trust anchor issues certificates; a leaf in the bundle would be a pin, which this verifier does not offer.
    if (!cert.x509.ca || !cert.parsed.ca)
      throw problem(
        'ca',
        `certificate ${i + 1} of the file is not a CA certificate`,
        'CA certificates (basicConstraints CA:TRUE)',
      );
    anchors.push(cert);
  }

  const crls = new Map<string, CrlStatus>();
  if (options['crl'] !== undefined) {
    const crlBytes = await readRef(options['crl'], 'crl', baseDir, MAX_CRL_FILE, problem);
    const text = crlBytes.toString('latin1');
    const ders = text.includes('-----BEGIN X509 CRL-----')
      ? pemBlocks(text, 'X509 CRL')
      : crlBytes[0] === 0x30
        ? [new Uint8Array(crlBytes)]
        : [];
    if (ders.length === 0)
      throw problem(
        'crl',
        'the file holds no CRL',
        'PEM (-----BEGIN X509 CRL-----) or DER certificate revocation lists',
      );
    for (const [i, der] of ders.entries()) {
      const parsed = parseCrl(der);
      if (!parsed.ok)
        throw problem(
          'crl',
          `CRL ${i + 1} of the file is not a CRL this verifier can use (${parsed.problem})`,
          'X.509 v2 CRLs (RFC 5280 §5)',
        );
      const crl = parsed.crl;
      if (!isSupportedCrlAlgorithm(crl.signatureAlgorithm)) {
        throw problem(
          'crl',
          `CRL ${i + 1} of the file is signed with an unsupported algorithm (${crl.signatureAlgorithm})`,
          'ECDSA or RSA PKCS#1 v1.5 with SHA-256/384/512, or Ed25519/Ed448',
        );
      }
      const named = anchors.filter((a) => Buffer.compare(a.parsed.subject, crl.issuer) === 0);
      const signers = named.filter((a) => crlSignedBy(crl, a.x509.publicKey));
      if (signers.length === 0 && named.length > 0) {
        onBadCrlSignature?.(i + 1);
        throw problem(
          'crl',
          `CRL ${i + 1} of the file names a CA of schemes.${schemeName}.ca as its issuer, ` +
            "but its signature does not verify with that CA's key",
          'CRLs signed by the CAs of the bundle that they name',
        );
      }
      if (signers.length === 0) {
        throw problem(
          'crl',
          `CRL ${i + 1} of the file is not signed by a CA of schemes.${schemeName}.ca`,
          'CRLs issued and signed by the CAs of the bundle',
        );
      }
      for (const signer of signers) {
        const known = crls.get(signer.issuerKey);
        // Several CRLs of one CA: the newest one counts (a later CRL supersedes, RFC 5280 §5.1.2.4).
        if (known === undefined || crl.thisUpdate > known.thisUpdate) crls.set(signer.issuerKey, statusOf(crl));
      }
    }
  }
  return { anchors, crls };
}

function statusOf(crl: ParsedCrl): CrlStatus {
  return Object.freeze({ thisUpdate: crl.thisUpdate, nextUpdate: crl.nextUpdate, revoked: crl.revoked });
}

async function readRef(
  value: unknown,
  key: string,
  baseDir: string,
  maxBytes: number,
  problem: (key: string, reason: string, expected: string) => StartupError,
): Promise<Buffer> {
  const ref = parseSecretRef(value);
  if (ref === null || ref.kind !== 'file')
    throw problem(key, '', `a file:PATH reference (relative to the config file)`);
  let buf: Buffer;
  try {
    buf = await readAtMost(resolve(baseDir, ref.path), maxBytes);
  } catch (err) {
    throw problem(
      key,
      `the file cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      'a readable file',
    );
  }
  if (buf.length > maxBytes) throw problem(key, 'the file is too large', `at most ${maxBytes} bytes`);
  return buf;
}

/** The DER of each `-----BEGIN <label>-----` block (RFC 7468), in order. */
export function pemBlocks(text: string, label: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  const begin = `-----BEGIN ${label}-----`;
  const end = `-----END ${label}-----`;
  let from = 0;
  for (;;) {
    const b = text.indexOf(begin, from);
    if (b < 0) break;
    const e = text.indexOf(end, b + begin.length);
    if (e < 0) break;
    const body = text.slice(b + begin.length, e).replace(/[\r\n\t ]/g, '');
    if (/^[A-Za-z0-9+/]*={0,2}$/.test(body) && body.length % 4 === 0 && body.length > 0)
      out.push(new Uint8Array(Buffer.from(body, 'base64')));
    else out.push(new Uint8Array(0)); // reported as "not a valid certificate / CRL" by the caller
    from = e + end.length;
  }
  return out;
}
