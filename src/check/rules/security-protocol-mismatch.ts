// security-protocol-mismatch: a scheme that cannot be presented over the server's protocol.
import { getSchemeDescriptor, isKnownProtocol, schemeFitsProtocol } from '../../schemes/index.js';
import type { Rule } from '../types.js';
import { entriesOf, resolvedScheme, schemeLabel, serverMap } from '../rule-utils.js';

export const securityProtocolMismatch: Rule = {
  meta: {
    id: 'security-protocol-mismatch',
    severity: 'error',
    description: "A security scheme must be one the server's protocol can carry (e.g. no scramSha256 on ws, no httpApiKey on mqtt).",
    docs: 'docs/rules/security-protocol-mismatch.md',
    messages: {
      server: "{scheme} ({label}) cannot be presented over protocol '{protocol}' of server '{server}'",
      operation: "{scheme} ({label}) required by operation '{operation}' cannot be presented over protocol '{protocol}' of server '{server}', where the operation's channel is available",
    },
  },
  check({ analysis, report }) {
    // The fit table lives with each scheme module (schemes/<type>.ts, reference §4.3).
    // Skipped on purpose, each reported by another rule:
    // - a protocol asyncapi-guard does not know: security-protocol-unknown (never a false error);
    // - an unresolved entry: security-ref-unresolved / security-scheme-undefined;
    // - a `type` outside the 13 the spec allows: asyncapi-schema.
    const fits = (schemeName: string, protocol: string): { ok: boolean; label: string } => {
      const s = analysis.schemes.get(schemeName);
      const d = s ? getSchemeDescriptor(s.scheme.type) : undefined;
      if (d === undefined || !isKnownProtocol(protocol)) return { ok: true, label: '' };
      return { ok: schemeFitsProtocol(d, protocol), label: d.label };
    };
    for (const server of analysis.servers) {
      for (const { entry } of entriesOf(server.security)) {
        const s = resolvedScheme(analysis, entry);
        if (s === undefined) continue;
        const fit = fits(s.name, server.protocol);
        if (fit.ok) continue;
        report({
          messageId: 'server',
          data: { scheme: schemeLabel(s.name), label: fit.label, protocol: server.protocol, server: server.name },
          at: entry.at,
          atKey: true,
        });
      }
    }
    // AsyncAPI 3.0 §Operation: operation security is presented on the connection to a
    // server where its channel is available (channel `servers`; absent = all servers).
    const servers = serverMap(analysis);
    for (const operation of analysis.operations) {
      for (const { entry } of entriesOf(operation.security)) {
        const s = resolvedScheme(analysis, entry);
        if (s === undefined) continue;
        for (const serverName of operation.servers) {
          const server = servers.get(serverName);
          if (server === undefined) continue; // a channel naming a missing server: asyncapi-schema / the model report it
          const fit = fits(s.name, server.protocol);
          if (fit.ok) continue;
          report({
            messageId: 'operation',
            data: { scheme: schemeLabel(s.name), label: fit.label, operation: operation.id, protocol: server.protocol, server: server.name },
            at: entry.at,
            atKey: true,
          });
        }
      }
    }
  },
};
