// security-ref-unresolved: a `$ref` in a security list or in components.securitySchemes
// does not resolve to a security scheme.
import type { Rule } from '../types.js';
import { isSecurityPointer, overlaps } from '../rule-utils.js';

export const securityRefUnresolved: Rule = {
  meta: {
    id: 'security-ref-unresolved',
    severity: 'error',
    description: 'A $ref in a security list or in components.securitySchemes must resolve to a Security Scheme Object.',
    docs: 'docs/rules/security-ref-unresolved.md',
    messages: {
      unresolved: "'{ref}' does not resolve ({reason}); the requirement it belongs to can never be satisfied",
      notScheme: "'{ref}' {reason}; the requirement it belongs to can never be satisfied",
      loadProblem: '$ref in a security definition does not resolve: {reason}',
    },
  },
  check({ analysis, document, report }) {
    for (const issue of analysis.issues) {
      if (issue.kind === 'scheme-ref-unresolved') {
        report({ messageId: 'unresolved', data: { ref: issue.subject, reason: issue.reason }, at: issue.at });
      } else if (issue.kind === 'scheme-ref-not-scheme') {
        report({ messageId: 'notScheme', data: { ref: issue.subject, reason: issue.reason }, at: issue.at });
      }
    }
    // A ref problem the loader found inside a security part of the root file that the model
    // did not meet (for instance a $ref nested in a scheme's flows): still reported here, so
    // document-ref-unresolved (which leaves security parts to this rule) never drops it.
    const issues = analysis.issues.filter(
      (i) => i.kind === 'scheme-ref-unresolved' || i.kind === 'scheme-ref-not-scheme',
    );
    for (const p of document.problems) {
      if (p.at.file !== document.root.uri || !isSecurityPointer(p.at.pointer)) continue;
      if (issues.some((i) => overlaps(i.at, p.at))) continue;
      report({ messageId: 'loadProblem', data: { reason: p.message }, at: p.at });
    }
  },
};
