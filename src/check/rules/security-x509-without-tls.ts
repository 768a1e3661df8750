// security-x509-without-tls: a client-certificate scheme on a protocol whose name says no TLS.
import { getSchemeDescriptor, transportSecurity } from '../../schemes/index.js';
import type { Rule } from '../types.js';
import { entriesOf, resolvedScheme, schemeLabel, serverMap } from '../rule-utils.js';

export const securityX509WithoutTls: Rule = {
  meta: {
    id: 'security-x509-without-tls',
    severity: 'warning',
    description: 'An X509 (client certificate) scheme needs TLS; the server protocol should be a TLS one (secure-mqtt, kafka-secure, wss, https, …).',
    docs: 'docs/rules/security-x509-without-tls.md',
    messages: {
      server:
        "{scheme} ({label}) needs TLS, but server '{server}' uses protocol '{protocol}', which is not TLS; a client certificate cannot be presented (if TLS is in fact used, name the TLS protocol)",
      operation:
        "{scheme} ({label}) required by operation '{operation}' needs TLS, but server '{server}' uses protocol '{protocol}', which is not TLS",
    },
  },
  check({ analysis, report }) {
    // A client certificate is a TLS handshake feature (RFC 8446 §4.4.2): `requiresTls` in
    // schemes/x509.ts. Only protocol names that say cleartext are judged; a name that does
    // not tell (nats, solace, …) or an unknown one is skipped (security-protocol-unknown).
    // No loopback exception: without TLS the certificate cannot be presented at all.
    const needsTls = (name: string): string | null => {
      const s = analysis.schemes.get(name);
      const d = s ? getSchemeDescriptor(s.scheme.type) : undefined;
      return d?.requiresTls === true ? d.label : null;
    };
    for (const server of analysis.servers) {
      if (transportSecurity(server.protocol) !== 'cleartext') continue;
      for (const { entry } of entriesOf(server.security)) {
        // Unresolved entries: security-ref-unresolved / security-scheme-undefined report them.
        const s = resolvedScheme(analysis, entry);
        const label = s ? needsTls(s.name) : null;
        if (s === undefined || label === null) continue;
        report({ messageId: 'server', data: { scheme: schemeLabel(s.name), label, server: server.name, protocol: server.protocol }, at: entry.at, atKey: true });
      }
    }
    const servers = serverMap(analysis);
    for (const operation of analysis.operations) {
      for (const { entry } of entriesOf(operation.security)) {
        const s = resolvedScheme(analysis, entry);
        const label = s ? needsTls(s.name) : null;
        if (s === undefined || label === null) continue;
        for (const serverName of operation.servers) {
          const server = servers.get(serverName);
          if (server === undefined || transportSecurity(server.protocol) !== 'cleartext') continue;
          report({
            messageId: 'operation',
            data: { scheme: schemeLabel(s.name), label, operation: operation.id, server: server.name, protocol: server.protocol },
            at: entry.at,
            atKey: true,
          });
        }
      }
    }
  },
};
