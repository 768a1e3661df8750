// security-x509-without-tls: a client-certificate scheme on a protocol whose name says no TLS.
import { getSchemeDescriptor, transportSecurity } from '../../schemes/index.js';
import type { AnalyzedScheme } from '../../model/types.js';
import type { Rule } from '../types.js';
import { presentedEntries, schemeLabel } from '../rule-utils.js';

export const securityX509WithoutTls: Rule = {
  meta: {
    id: 'security-x509-without-tls',
    severity: 'warning',
    description:
      'An X509 (client certificate) scheme needs TLS; the server protocol should be a TLS one (secure-mqtt, ' +
      'kafka-secure, wss, https, …).',
    docs: 'docs/rules/security-x509-without-tls.md',
    messages: {
      server:
        "{scheme} ({label}) needs TLS, but server '{server}' uses protocol '{protocol}', which is not TLS; " +
        'a client certificate cannot be presented (if TLS is in fact used, name the TLS protocol)',
      operation:
        "{scheme} ({label}) required by operation '{operation}' needs TLS, but server '{server}' uses " +
        "protocol '{protocol}', which is not TLS",
    },
  },
  check({ analysis, report }) {
    // A client certificate is a TLS handshake feature (RFC 8446 §4.4.2): `requiresTls` in
    // schemes/x509.ts. Only protocol names that say cleartext are judged; a name that does
    // not tell (nats, solace, …) or an unknown one is skipped (security-protocol-unknown).
    // No loopback exception: without TLS the certificate cannot be presented at all.
    const needsTls = (s: AnalyzedScheme): string | null => {
      const d = getSchemeDescriptor(s.scheme.type);
      return d?.requiresTls === true ? d.label : null;
    };
    for (const { entry, scheme, server, operation } of presentedEntries(analysis)) {
      const label = needsTls(scheme);
      if (label === null || transportSecurity(server.protocol) !== 'cleartext') continue;
      const data = { scheme: schemeLabel(scheme.name), label, server: server.name, protocol: server.protocol };
      report(
        operation === undefined
          ? { messageId: 'server', data, at: entry.at, atKey: true }
          : { messageId: 'operation', data: { ...data, operation: operation.id }, at: entry.at, atKey: true },
      );
    }
  },
};
