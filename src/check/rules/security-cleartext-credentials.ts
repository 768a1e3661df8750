// security-cleartext-credentials: a scheme that sends a reusable secret, on a server whose
// protocol is not TLS and whose host is not loopback.
import { getSchemeDescriptor, transportSecurity } from '../../schemes/index.js';
import type { AnalyzedServer } from '../../model/types.js';
import type { Rule } from '../types.js';
import { isLoopbackHost } from '../hosts.js';
import { entriesOf, resolvedScheme, schemeLabel, serverMap } from '../rule-utils.js';

/** A server a secret can be read off: the protocol name says cleartext, the host is not loopback. */
function isExposed(server: AnalyzedServer): boolean {
  // Only `cleartext` protocols are judged: a TLS name is fine, and a known protocol whose
  // name does not tell (nats, solace, …) or an unknown one is not judged (no false finding).
  return transportSecurity(server.protocol) === 'cleartext' && !isLoopbackHost(server.host);
}

export const securityCleartextCredentials: Rule = {
  meta: {
    id: 'security-cleartext-credentials',
    severity: 'warning',
    description: 'A scheme that sends a reusable secret (password, API key, bearer token) should not be used over a non-TLS protocol to a non-loopback host.',
    docs: 'docs/rules/security-cleartext-credentials.md',
    messages: {
      server:
        "{scheme} ({label}) sends a reusable secret, but server '{server}' uses cleartext protocol '{protocol}' on host '{host}': anyone on the path can read and replay it",
      operation:
        "{scheme} ({label}) required by operation '{operation}' sends a reusable secret over cleartext protocol '{protocol}' of server '{server}' (host '{host}'): anyone on the path can read and replay it",
    },
  },
  check({ analysis, report }) {
    // Which schemes carry a secret: `carriesSecret` of each scheme module (schemes/<type>.ts).
    const secretOf = (name: string): string | null => {
      const s = analysis.schemes.get(name);
      const d = s ? getSchemeDescriptor(s.scheme.type) : undefined;
      return s && d && d.carriesSecret(s.scheme) ? d.label : null;
    };
    for (const server of analysis.servers) {
      if (!isExposed(server)) continue;
      for (const { entry } of entriesOf(server.security)) {
        // Unresolved entries: security-ref-unresolved / security-scheme-undefined report them.
        const s = resolvedScheme(analysis, entry);
        const label = s ? secretOf(s.name) : null;
        if (s === undefined || label === null) continue;
        report({
          messageId: 'server',
          data: { scheme: schemeLabel(s.name), label, server: server.name, protocol: server.protocol, host: server.host },
          at: entry.at,
          atKey: true,
        });
      }
    }
    const servers = serverMap(analysis);
    for (const operation of analysis.operations) {
      for (const { entry } of entriesOf(operation.security)) {
        const s = resolvedScheme(analysis, entry);
        const label = s ? secretOf(s.name) : null;
        if (s === undefined || label === null) continue;
        for (const serverName of operation.servers) {
          const server = servers.get(serverName);
          if (server === undefined || !isExposed(server)) continue;
          report({
            messageId: 'operation',
            data: { scheme: schemeLabel(s.name), label, operation: operation.id, server: server.name, protocol: server.protocol, host: server.host },
            at: entry.at,
            atKey: true,
          });
        }
      }
    }
  },
};
