// Which principal id a verified client certificate stands for (config `identity`).
// subject.CN: the subject's single commonName (none or several → no identity: which of several
// is "the" name is a guess an attacker-influenced CSR must not get to make). san.email / san.uri /
// san.dns: the first subjectAltName entry of that kind (RFC 5280 §4.2.1.6). The id must be
// printable text: no control characters (C0, DEL, C1), so it can be logged and looked up as is;
// SAN entries are IA5String, so printable ASCII only. At most 1024 characters.

import { commonNamesOf, type ParsedCertificate } from './certificate.js';

export const identityKinds = ['subject.CN', 'san.email', 'san.uri', 'san.dns'] as const;
export type IdentityKind = (typeof identityKinds)[number];

const MAX_IDENTITY = 1024;
// eslint-disable-next-line no-control-regex -- finding control characters is what it is for
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

/** The identity of `cert` by `kind`, or null when the certificate has none usable. */
export function identityOf(cert: ParsedCertificate, kind: IdentityKind): string | null {
  let id: string | null | undefined;
  switch (kind) {
    case 'subject.CN': {
      const names = commonNamesOf(cert.subject);
      id = names.length === 1 ? names[0] : null;
      break;
    }
    case 'san.email':
      id = cert.san.email[0];
      break;
    case 'san.uri':
      id = cert.san.uri[0];
      break;
    case 'san.dns':
      id = cert.san.dns[0];
      break;
  }
  if (id === null || id === undefined || id.length === 0 || id.length > MAX_IDENTITY) return null;
  if (kind === 'subject.CN' ? CONTROL.test(id) : !PRINTABLE_ASCII.test(id)) return null;
  return id;
}
