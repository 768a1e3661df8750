// asyncapi-schema: the document fails the official JSON Schema of its AsyncAPI version.
import type { Rule } from '../types.js';
import { overlaps } from '../rule-utils.js';

export const asyncapiSchema: Rule = {
  meta: {
    id: 'asyncapi-schema',
    severity: 'error',
    description: 'The document must be valid against the official JSON Schema of its AsyncAPI version.',
    docs: 'docs/rules/asyncapi-schema.md',
    messages: {
      schema: '{message}',
      structure: '{reason}; asyncapi-guard cannot read this part of the security model',
    },
  },
  check({ schemaFindings, analysis, report }) {
    // One finding per real problem, already translated by the validator (document/schema.ts).
    for (const f of schemaFindings) {
      report({ messageId: 'schema', data: { message: f.message }, at: f.at, atKey: f.atKey ?? false });
    }
    // What the model builder could not read because it has the wrong shape. Usually the
    // schema already says so at the same place; otherwise it is reported here, so a shape
    // the model had to treat as unsatisfiable (fail closed) never passes silently.
    for (const issue of analysis.issues) {
      if (issue.kind !== 'structure') continue;
      const covered = schemaFindings.some((f) => f.at.pointer !== '' && overlaps(f.at, issue.at));
      if (!covered) report({ messageId: 'structure', data: { reason: issue.reason }, at: issue.at });
    }
  },
};
