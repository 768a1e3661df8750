// security-cleartext-credentials: a scheme that sends a reusable secret, on a server whose
// protocol is not TLS and whose host is not loopback.
import { getSchemeDescriptor, transportSecurity } from '../../schemes/index.js';
import type { AnalyzedScheme, AnalyzedServer } from '../../model/types.js';
import type { Rule } from '../types.js';
import { isLoopbackHost } from '../hosts.js';
import { presentedEntries, schemeLabel } from '../rule-utils.js';

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
    description:
      'A scheme that sends a reusable secret (password, API key, bearer token) should not be used over a ' +
      'non-TLS protocol to a non-loopback host.',
    docs: 'docs/rules/security-cleartext-credentials.md',
    messages: {
      server:
        "{scheme} ({label}) sends a reusable secret, but server '{server}' uses cleartext protocol " +
        "'{protocol}' on host '{host}': anyone on the path can read and replay it",
      operation:
        "{scheme} ({label}) required by operation '{operation}' sends a reusable secret over cleartext " +
        "protocol '{protocol}' of server '{server}' (host '{host}'): anyone on the path can read and replay it",
    },
  },
  check({ analysis, report }) {
    // Which schemes carry a secret: `carriesSecret` of each scheme module (schemes/<type>.ts).
    const secretOf = (s: AnalyzedScheme): string | null => {
      const d = getSchemeDescriptor(s.scheme.type);
      return d && d.carriesSecret(s.scheme) ? d.label : null;
    };
    for (const { entry, scheme, server, operation } of presentedEntries(analysis)) {
      const label = secretOf(scheme);
      if (label === null || !isExposed(server)) continue;
      const data = {
        scheme: schemeLabel(scheme.name),
        label,
        server: server.name,
        protocol: server.protocol,
        host: server.host,
      };
      report(
        operation === undefined
          ? { messageId: 'server', data, at: entry.at, atKey: true }
          : { messageId: 'operation', data: { ...data, operation: operation.id }, at: entry.at, atKey: true },
      );
    }
  },
};
