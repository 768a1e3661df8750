// security-scopes-not-allowed: 2.x Security Requirement lists scopes for a scheme that is
// not oauth2 or openIdConnect.
import type { Rule } from '../types.js';
import { entryUses, resolvedScheme, schemeLabel } from '../rule-utils.js';

export const securityScopesNotAllowed: Rule = {
  meta: {
    id: 'security-scopes-not-allowed',
    severity: 'error',
    description:
      'AsyncAPI 2.x: the scope list of a Security Requirement ' +
      'must be empty unless the scheme is oauth2 or openIdConnect.',
    docs: 'docs/rules/security-scopes-not-allowed.md',
    messages: {
      scopesNotAllowed:
        '{scheme} is of type {type}, which has no scopes, but the requirement lists {scopes}; the list MUST be empty',
    },
  },
  check({ analysis, report }) {
    // AsyncAPI 2.1.0+ §Security Requirement Object: "For other security scheme types, the
    // array MUST be empty." Checked by neither the 2.x JSON Schema nor parser-js.
    // In 3.x, `scopes` on such a scheme is a schema error (asyncapi-schema reports it).
    if (analysis.major !== 2) return;
    for (const { entry } of entryUses(analysis)) {
      // Unresolved entries: security-scheme-undefined / security-ref-unresolved report them.
      const s = resolvedScheme(analysis, entry);
      if (s === undefined || entry.scopes.length === 0) continue;
      if (s.scheme.type === 'oauth2' || s.scheme.type === 'openIdConnect') continue;
      report({
        messageId: 'scopesNotAllowed',
        data: { scheme: schemeLabel(s.name), type: s.scheme.type, scopes: entry.scopes.join(', ') },
        at: entry.at,
      });
    }
  },
};
