// What a TLS front end hands the X509 verifier: the client's chain as DER, leaf first
// (`Presented.peerCertificates`). Node exposes it as linked objects: `getPeerCertificate(true)`
// returns the leaf with `issuerCertificate` links (the last one points at itself when it is
// self-signed; Node may complete the chain from its own CA store), each with the `raw` DER.

import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';
import { MAX_CHAIN } from './chain.js';

/**
 * The peer's certificate chain of a server-side TLS socket, DER, leaf first; empty when the
 * client sent no certificate. Walks at most MAX_CHAIN + 1 links, so a longer chain still reaches
 * the verifier as too long (`malformed`) rather than as a shortened one.
 */
export function peerCertificatesOf(socket: Pick<TLSSocket, 'getPeerCertificate'>): Uint8Array[] {
  let cert: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  const out: Uint8Array[] = [];
  const seen = new Set<DetailedPeerCertificate>();
  while (
    cert !== undefined &&
    cert !== null &&
    cert.raw instanceof Uint8Array &&
    cert.raw.length > 0 &&
    !seen.has(cert) &&
    out.length <= MAX_CHAIN
  ) {
    seen.add(cert);
    out.push(new Uint8Array(cert.raw));
    const next: DetailedPeerCertificate | undefined = cert.issuerCertificate;
    // A self-signed certificate is its own issuer: Node links it to itself (or to an equal copy).
    if (
      next === undefined ||
      next === cert ||
      (next.raw instanceof Uint8Array && Buffer.compare(next.raw, cert.raw) === 0)
    )
      break;
    cert = next;
  }
  return out;
}
