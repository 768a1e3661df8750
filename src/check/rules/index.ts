// The rule registry: one line per rule, keyed by id, sorted. Nothing else enumerates rules.
import type { Rule } from '../types.js';
import { asyncapiSchema } from './asyncapi-schema.js';
import { documentLoad } from './document-load.js';
import { documentRefRemoteSkipped } from './document-ref-remote-skipped.js';
import { documentRefUnresolved } from './document-ref-unresolved.js';
import { securityCleartextCredentials } from './security-cleartext-credentials.js';
import { securityDuplicateAlternative } from './security-duplicate-alternative.js';
import { securityHttpSchemeUnknown } from './security-http-scheme-unknown.js';
import { securityInsecureUrl } from './security-insecure-url.js';
import { securityOauth2DeprecatedFlow } from './security-oauth2-deprecated-flow.js';
import { securityProtocolMismatch } from './security-protocol-mismatch.js';
import { securityProtocolUnknown } from './security-protocol-unknown.js';
import { securityRefSiblingsIgnored } from './security-ref-siblings-ignored.js';
import { securityRefUnresolved } from './security-ref-unresolved.js';
import { securityRequirementUnpresentable } from './security-requirement-unpresentable.js';
import { securitySchemeUndefined } from './security-scheme-undefined.js';
import { securitySchemeUnused } from './security-scheme-unused.js';
import { securityScopeUndeclared } from './security-scope-undeclared.js';
import { securityScopesNotAllowed } from './security-scopes-not-allowed.js';
import { securityServerUnsecured } from './security-server-unsecured.js';
import { securityX509WithoutTls } from './security-x509-without-tls.js';

export const rules = {
  'asyncapi-schema': asyncapiSchema,
  'document-load': documentLoad,
  'document-ref-remote-skipped': documentRefRemoteSkipped,
  'document-ref-unresolved': documentRefUnresolved,
  'security-cleartext-credentials': securityCleartextCredentials,
  'security-duplicate-alternative': securityDuplicateAlternative,
  'security-http-scheme-unknown': securityHttpSchemeUnknown,
  'security-insecure-url': securityInsecureUrl,
  'security-oauth2-deprecated-flow': securityOauth2DeprecatedFlow,
  'security-protocol-mismatch': securityProtocolMismatch,
  'security-protocol-unknown': securityProtocolUnknown,
  'security-ref-siblings-ignored': securityRefSiblingsIgnored,
  'security-ref-unresolved': securityRefUnresolved,
  'security-requirement-unpresentable': securityRequirementUnpresentable,
  'security-scheme-undefined': securitySchemeUndefined,
  'security-scheme-unused': securitySchemeUnused,
  'security-scope-undeclared': securityScopeUndeclared,
  'security-scopes-not-allowed': securityScopesNotAllowed,
  'security-server-unsecured': securityServerUnsecured,
  'security-x509-without-tls': securityX509WithoutTls,
} as const satisfies Record<string, Rule>;

export type RuleId = keyof typeof rules;

/** Metadata of every rule, by id (reporters: SARIF lists them all). */
export const ruleMetas: Readonly<Record<string, Rule['meta']>> = Object.fromEntries(
  Object.entries(rules).map(([id, r]) => [id, r.meta]),
);
