// The finding ids every protocol family shares (docs/probe.md, "Findings"). A check records its outcome under
// the id of the finding it gives when the server fails it, so pass, fail and skipped line up per id in every
// report. A prober with checks of its own lists their ids in `Prober.findings`; `findingRegistry` joins both and
// refuses a duplicate.

import type { FindingMeta, Prober } from './types.js';

export const sharedFindings: readonly FindingMeta[] = [
  {
    id: 'transport-cleartext-accepted',
    severity: 'error',
    category: 'transport',
    description: 'a server the document declares secure answers its protocol in cleartext on the same port',
  },
  {
    id: 'transport-tls-legacy-accepted',
    severity: 'error',
    category: 'transport',
    description: 'the server completes a TLS 1.0 or 1.1 handshake (TLS 1.2 or later is required, RFC 8996)',
  },
  {
    id: 'transport-certificate-invalid',
    severity: 'error',
    category: 'transport',
    description: "the server's certificate does not verify for its host (expired, self-signed, unknown CA, wrong name)",
  },
  {
    id: 'transport-client-certificate-optional',
    severity: 'error',
    category: 'transport',
    description: 'X509 is declared but the server completes a TLS handshake without a client certificate',
  },
  {
    id: 'auth-anonymous-accepted',
    severity: 'error',
    category: 'authentication',
    description: 'a client without credentials is accepted where the document declares security',
  },
  {
    id: 'auth-wrong-credential-accepted',
    severity: 'error',
    category: 'authentication',
    description: 'one wrong credential for a declared scheme is accepted',
  },
  {
    id: 'auth-mechanism-undeclared',
    severity: 'warning',
    category: 'authentication',
    description: 'the server offers an authentication mechanism the document does not declare',
  },
  {
    id: 'auth-credential-refused',
    severity: 'warning',
    category: 'authentication',
    description: 'a test principal from the credentials file is refused with its declared scheme',
  },
  {
    id: 'authz-operation-refused',
    severity: 'warning',
    category: 'authorization',
    description: 'a principal that satisfies an operation is refused it (publish or subscribe)',
  },
  {
    id: 'authz-requirement-not-enforced',
    severity: 'error',
    category: 'authorization',
    description: "a principal that lacks an operation's requirement (its scheme or scopes) may still perform it",
  },
  {
    id: 'authz-undeclared-channel-accepted',
    severity: 'error',
    category: 'authorization',
    description: 'a publish or subscribe on a channel the document does not declare is accepted',
  },
  {
    id: 'authz-all-topics-accepted',
    severity: 'error',
    category: 'authorization',
    description: 'a subscription to every channel (`#`, `>`, `*` as the protocol has it) is accepted',
  },
];

/** Every finding id by id: the shared ones and each prober's own. Throws on a duplicate id (a bug). */
export function findingRegistry(probers: readonly Prober[]): ReadonlyMap<string, FindingMeta> {
  const registry = new Map<string, FindingMeta>();
  for (const meta of [...sharedFindings, ...probers.flatMap((p) => p.findings)]) {
    if (registry.has(meta.id)) throw new Error(`finding id ${meta.id} is registered twice`);
    registry.set(meta.id, meta);
  }
  return registry;
}
