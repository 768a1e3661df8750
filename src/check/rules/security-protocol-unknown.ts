// security-protocol-unknown: a server protocol asyncapi-guard does not know, so the
// protocol-dependent rules cannot judge it.
import { isKnownProtocol } from '../../schemes/index.js';
import type { Rule } from '../types.js';
import { childOf } from '../rule-utils.js';

export const securityProtocolUnknown: Rule = {
  meta: {
    id: 'security-protocol-unknown',
    severity: 'info',
    description: 'A server protocol asyncapi-guard does not know: scheme fit and TLS are not checked for that server.',
    docs: 'docs/rules/security-protocol-unknown.md',
    messages: {
      unknown:
        "server '{server}' uses protocol '{protocol}', which asyncapi-guard does not know; " +
        'security-protocol-mismatch, security-cleartext-credentials and security-x509-without-tls do not ' +
        'judge it',
    },
  },
  check({ analysis, report }) {
    // 3.x `protocol` is a free string (AsyncAPI 3.0.0, Server Object). Rules that depend on the
    // protocol skip names outside schemes/protocols.ts rather than guess (no false errors);
    // this rule is where that skip is said out loud.
    for (const server of analysis.servers) {
      // An empty protocol is a missing required field: asyncapi-schema reports it.
      if (server.protocol === '' || isKnownProtocol(server.protocol)) continue;
      report({
        messageId: 'unknown',
        data: { server: server.name, protocol: server.protocol },
        at: childOf(server.at, 'protocol'),
      });
    }
  },
};
