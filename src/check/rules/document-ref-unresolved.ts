// document-ref-unresolved: a `$ref` outside the security parts of the document does not resolve.
import type { LoadProblem } from '../../document/types.js';
import type { Rule } from '../types.js';
import { isSecurityPointer, overlaps } from '../rule-utils.js';

// A remote ref not fetched because remote refs are off is not a defect of the document:
// document-ref-remote-skipped reports it (info).
const messageIds: Record<Exclude<LoadProblem['code'], 'ERR_DOCUMENT_REF_REMOTE_REFUSED'>, string> = {
  ERR_DOCUMENT_REF_UNRESOLVED: 'unresolved',
  ERR_DOCUMENT_REF_CYCLE: 'cycle',
  ERR_DOCUMENT_REF_REMOTE_FAILED: 'remoteFailed',
  ERR_DOCUMENT_REF_LIMIT: 'fileLimit',
  ERR_DOCUMENT_READ: 'fileUnreadable',
  ERR_DOCUMENT_SYNTAX: 'fileSyntax',
};

export const documentRefUnresolved: Rule = {
  meta: {
    id: 'document-ref-unresolved',
    severity: 'error',
    description: 'Every $ref must resolve: no missing target, no cycle, no refused or failed remote file.',
    docs: 'docs/rules/document-ref-unresolved.md',
    messages: {
      unresolved: '$ref does not resolve: {reason}',
      cycle: '$ref is part of a cycle: {reason}',
      remoteFailed: '$ref to a remote file could not be fetched: {reason}',
      fileLimit: '$ref was not followed: {reason}',
      fileUnreadable: '$ref points at a file that cannot be read: {reason}',
      fileSyntax: '$ref points at a file that is not well-formed YAML or JSON: {reason}',
    },
  },
  check({ document, analysis, report }) {
    const schemeRefIssues = analysis.issues.filter(
      (i) => i.kind === 'scheme-ref-unresolved' || i.kind === 'scheme-ref-not-scheme',
    );
    for (const p of document.problems) {
      if (p.code === 'ERR_DOCUMENT_REF_REMOTE_REFUSED') continue;
      // Refs in security lists and components.securitySchemes belong to
      // security-ref-unresolved, which also says which requirement they break.
      if (p.at.file === document.root.uri && isSecurityPointer(p.at.pointer)) continue;
      if (schemeRefIssues.some((i) => overlaps(i.at, p.at))) continue;
      report({ messageId: messageIds[p.code], data: { reason: p.message }, at: p.at });
    }
  },
};
