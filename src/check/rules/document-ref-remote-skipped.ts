// document-ref-remote-skipped: a remote `$ref` (outside security) was not fetched because
// remote refs are off, so what it points at was not checked.
import type { Rule } from '../types.js';
import { isSecurityPointer, overlaps } from '../rule-utils.js';

export const documentRefRemoteSkipped: Rule = {
  meta: {
    id: 'document-ref-remote-skipped',
    severity: 'info',
    description:
      'A remote $ref was not fetched (remote refs are off by default), so the part it points at was not checked.',
    docs: 'docs/rules/document-ref-remote-skipped.md',
    messages: {
      skipped:
        'remote $ref not fetched, so what it points at was not checked (pass --allow-remote-refs to follow ' +
        'it): {reason}',
    },
  },
  check({ document, analysis, report }) {
    // Not fetching is asyncapi-guard's default (no network unless asked), not a defect of
    // the document: official examples reference remote Avro schemas. Remote refs inside
    // security parts do matter for the model and stay with security-ref-unresolved.
    const schemeRefIssues = analysis.issues.filter(
      (i) => i.kind === 'scheme-ref-unresolved' || i.kind === 'scheme-ref-not-scheme',
    );
    for (const p of document.problems) {
      if (p.code !== 'ERR_DOCUMENT_REF_REMOTE_REFUSED') continue;
      if (p.at.file === document.root.uri && isSecurityPointer(p.at.pointer)) continue;
      if (schemeRefIssues.some((i) => overlaps(i.at, p.at))) continue;
      report({ messageId: 'skipped', data: { reason: p.message }, at: p.at });
    }
  },
};
