// security-protocol-mismatch: a scheme that cannot be presented over the server's protocol.
import { getSchemeDescriptor, isKnownProtocol, schemeFitsProtocol } from '../../schemes/index.js';
import type { AnalyzedScheme } from '../../model/types.js';
import type { Rule } from '../types.js';
import { presentedEntries, schemeLabel } from '../rule-utils.js';

export const securityProtocolMismatch: Rule = {
  meta: {
    id: 'security-protocol-mismatch',
    severity: 'error',
    description:
      "A security scheme must be one the server's protocol can carry (e.g. no scramSha256 on ws, no " +
      'httpApiKey on mqtt).',
    docs: 'docs/rules/security-protocol-mismatch.md',
    messages: {
      server: "{scheme} ({label}) cannot be presented over protocol '{protocol}' of server '{server}'",
      operation:
        "{scheme} ({label}) required by operation '{operation}' cannot be presented over protocol " +
        "'{protocol}' of server '{server}', where the operation's channel is available",
    },
  },
  check({ analysis, report }) {
    // The fit table lives with each scheme module (schemes/<type>.ts; AsyncAPI defines no fit, the tables are ours).
    // Skipped on purpose, each reported by another rule:
    // - a protocol asyncapi-guard does not know: security-protocol-unknown (never a false error);
    // - an unresolved entry: security-ref-unresolved / security-scheme-undefined;
    // - a `type` outside the 13 the spec allows: asyncapi-schema.
    const fits = (s: AnalyzedScheme, protocol: string): { ok: boolean; label: string } => {
      const d = getSchemeDescriptor(s.scheme.type);
      if (d === undefined || !isKnownProtocol(protocol)) return { ok: true, label: '' };
      return { ok: schemeFitsProtocol(d, protocol), label: d.label };
    };
    for (const { entry, scheme, server, operation } of presentedEntries(analysis)) {
      const fit = fits(scheme, server.protocol);
      if (fit.ok) continue;
      const data = {
        scheme: schemeLabel(scheme.name),
        label: fit.label,
        protocol: server.protocol,
        server: server.name,
      };
      report(
        operation === undefined
          ? { messageId: 'server', data, at: entry.at, atKey: true }
          : { messageId: 'operation', data: { ...data, operation: operation.id }, at: entry.at, atKey: true },
      );
    }
  },
};
