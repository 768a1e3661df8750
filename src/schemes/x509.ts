// X509: a client certificate (mutual TLS).
import type { SchemeDescriptor } from './types.js';

export const x509 = {
  type: 'X509',
  label: 'X.509 client certificate',
  // Reference §4.3 row X509: "any TLS transport". Fit is about TLS, not the protocol, so
  // every protocol fits here and `security-x509-without-tls` judges the TLS part.
  protocols: 'any',
  // Proof of possession of a private key in the TLS handshake; nothing reusable is sent.
  carriesSecret: () => false,
  // A client certificate is a TLS handshake feature (RFC 8446 §4.4.2): no TLS, no certificate.
  requiresTls: true,
  configSchema: { type: 'object', additionalProperties: false, properties: {} },
} as const satisfies SchemeDescriptor<'X509'>;
