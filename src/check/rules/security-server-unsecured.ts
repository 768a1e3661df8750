// security-server-unsecured: a server that requires no security, on a host others can reach.
import type { Rule } from '../types.js';
import { isLoopbackHost } from '../hosts.js';

export const securityServerUnsecured: Rule = {
  meta: {
    id: 'security-server-unsecured',
    severity: 'warning',
    description: 'A server on a non-loopback host should declare security (or every operation on it should).',
    docs: 'docs/rules/security-server-unsecured.md',
    messages: {
      unsecured:
        "server '{server}' (host '{host}') declares no security, and no operation on it does either: anyone " +
        'who can reach it can use it',
      operationsOpen:
        "server '{server}' (host '{host}') declares no security, so operations {operations} on it, which " +
        'declare none either, are open to anyone who can reach it',
    },
  },
  check({ analysis, report }) {
    for (const server of analysis.servers) {
      // An absent or empty list is "no requirement" (docs/architecture.md, "The SecurityModel contract").
      if (server.security.alternatives.length > 0 || isLoopbackHost(server.host)) continue;
      const operations = analysis.operations.filter((o) => o.servers.includes(server.name));
      const open = operations.filter((o) => o.security.alternatives.length === 0);
      // Every operation on it asks for credentials and uncovered channels are denied
      // (docs/architecture.md, "Channels and wildcards"), so the server is not open.
      if (operations.length > 0 && open.length === 0) continue;
      const at = server.security.at ?? server.at;
      const atKey = server.security.at === null;
      if (open.length === operations.length) {
        report({ messageId: 'unsecured', data: { server: server.name, host: server.host }, at, atKey });
      } else {
        const names = open.map((o) => `'${o.id}'`).join(', ');
        report({
          messageId: 'operationsOpen',
          data: { server: server.name, host: server.host, operations: names },
          at,
          atKey,
        });
      }
    }
  },
};
