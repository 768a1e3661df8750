// security-ref-siblings-ignored: keys written beside a `$ref` in a 3.x security list,
// which the spec ignores.
import type { Rule } from '../types.js';
import { entryUses, listOrNone } from '../rule-utils.js';

export const securityRefSiblingsIgnored: Rule = {
  meta: {
    id: 'security-ref-siblings-ignored',
    severity: 'warning',
    description: 'AsyncAPI 3.x: keys beside a $ref in a security list (such as scopes) are ignored; do not write them.',
    docs: 'docs/rules/security-ref-siblings-ignored.md',
    messages: {
      scopesIgnored:
        "'scopes' beside a $ref is ignored; the scopes required are those of the referenced scheme itself " +
        '({effective}). Use an inline scheme or a component with these scopes',
      siblingIgnored: "'{key}' beside a $ref is ignored (a Reference Object cannot be extended)",
    },
  },
  check({ analysis, report }) {
    // AsyncAPI 3.0 §Reference Object: "This object cannot be extended with additional
    // properties and any properties added SHALL be ignored."
    for (const { entry } of entryUses(analysis)) {
      for (const sibling of entry.ignoredSiblings) {
        if (sibling.key === 'scopes') {
          report({
            messageId: 'scopesIgnored',
            data: { effective: entry.resolved ? listOrNone(entry.scopes) : 'unknown: the $ref does not resolve' },
            at: sibling.at,
            atKey: true,
          });
        } else {
          report({ messageId: 'siblingIgnored', data: { key: sibling.key }, at: sibling.at, atKey: true });
        }
      }
    }
  },
};
