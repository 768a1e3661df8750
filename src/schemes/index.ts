// The scheme registry: one line per AsyncAPI Security Scheme `type`, keyed by the spec's
// exact (case-sensitive) `type` string, sorted. Nothing else enumerates scheme types.

import type { SchemeDescriptor, SchemeRegistry, SchemeType } from './types.js';
import { apiKey } from './api-key.js';
import { asymmetricEncryption } from './asymmetric-encryption.js';
import { gssapi } from './gssapi.js';
import { http } from './http.js';
import { httpApiKey } from './http-api-key.js';
import { oauth2 } from './oauth2.js';
import { openIdConnect } from './open-id-connect.js';
import { plain } from './plain.js';
import { scramSha256 } from './scram-sha256.js';
import { scramSha512 } from './scram-sha512.js';
import { symmetricEncryption } from './symmetric-encryption.js';
import { userPassword } from './user-password.js';
import { x509 } from './x509.js';
import { normalizeProtocol } from './protocols.js';

export const schemes = {
  X509: x509,
  apiKey,
  asymmetricEncryption,
  gssapi,
  http,
  httpApiKey,
  oauth2,
  openIdConnect,
  plain,
  scramSha256,
  scramSha512,
  symmetricEncryption,
  userPassword,
} as const satisfies SchemeRegistry;

export function isSchemeType(type: unknown): type is SchemeType {
  return typeof type === 'string' && Object.hasOwn(schemes, type);
}

/** The descriptor for a `type` value (case-sensitive, as the schema enum), or undefined. */
export function getSchemeDescriptor(type: unknown): SchemeDescriptor | undefined {
  return isSchemeType(type) ? schemes[type] : undefined;
}

/** Whether the scheme can be presented over the protocol. Judge only known protocols. */
export function schemeFitsProtocol(descriptor: SchemeDescriptor, protocol: string): boolean {
  if (descriptor.protocols === 'any') return true;
  return descriptor.protocols.includes(normalizeProtocol(protocol));
}

export type { SchemeDescriptor, SchemeRegistry, SchemeType } from './types.js';
export { knownProtocols, isKnownProtocol, normalizeProtocol, transportSecurity } from './protocols.js';
export type { KnownProtocol, TransportSecurity } from './protocols.js';
