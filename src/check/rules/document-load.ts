// document-load: the document could not be loaded at all (unreadable, not YAML/JSON, not
// AsyncAPI, unsupported version, too large, too deep, alias bomb).
import type { Rule } from '../types.js';

export const documentLoad: Rule = {
  meta: {
    id: 'document-load',
    severity: 'error',
    description:
      'The document must be readable, well-formed YAML or JSON, and an AsyncAPI document of a supported version.',
    docs: 'docs/rules/document-load.md',
    messages: {
      loadFailed: '{reason} ({code})',
    },
  },
  // Intentionally empty. A document that cannot be loaded never reaches the rules: the
  // engine (check/run.ts) catches the DocumentError and emits this rule's one diagnostic
  // itself, with the error's file, line and column. The rule exists so the id has
  // metadata, a severity the user can override, a docs page and a SARIF entry.
  check() {},
};
