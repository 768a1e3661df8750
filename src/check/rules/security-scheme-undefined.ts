// security-scheme-undefined: a 2.x Security Requirement names a scheme that is not in
// components.securitySchemes.
import type { Rule } from '../types.js';

export const securitySchemeUndefined: Rule = {
  meta: {
    id: 'security-scheme-undefined',
    severity: 'error',
    description: 'AsyncAPI 2.x: every name in a Security Requirement must be a key of components.securitySchemes.',
    docs: 'docs/rules/security-scheme-undefined.md',
    messages: {
      undefined:
        "security requirement names '{name}', which is not defined in components.securitySchemes; it can " +
        'never be satisfied',
    },
  },
  check({ analysis, report }) {
    // AsyncAPI 2.6.0 §Security Requirement Object: "Each name MUST correspond to a security
    // scheme which is declared in the Security Schemes under the Components Object".
    // 3.x has no names (items are schemes or $refs), so only 2.x produces these issues.
    for (const issue of analysis.issues) {
      if (issue.kind !== 'scheme-undefined') continue;
      report({ messageId: 'undefined', data: { name: issue.subject }, at: issue.at, atKey: true });
    }
  },
};
