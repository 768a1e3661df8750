// security-scheme-unused: a components.securitySchemes entry that no server or operation uses.
import type { Rule } from '../types.js';
import { locationKey } from '../../document/pointer.js';
import { entryUses } from '../rule-utils.js';

export const securitySchemeUnused: Rule = {
  meta: {
    id: 'security-scheme-unused',
    severity: 'info',
    description: 'A scheme in components.securitySchemes that no server or operation uses has no effect.',
    docs: 'docs/rules/security-scheme-unused.md',
    messages: {
      unused:
        "security scheme '{name}' is declared in components.securitySchemes but no server or operation uses " +
        'it; it has no effect',
    },
  },
  check({ analysis, document, report }) {
    // Components have no effect unless referenced (AsyncAPI 3.0 §Components Object); parser-js
    // has the same check for 2.x at info level (asyncapi2-unused-securityScheme, in its 2.x ruleset).
    // "Used" = named by, or reached through, an entry of a server or of an operation's
    // effective security (traits applied). A component that is a $ref to another component
    // makes the target used too (the entry's `schemeAt` is the resolved place).
    const usedNames = new Set<string>();
    const usedPlaces = new Set<string>();
    for (const { entry } of entryUses(analysis)) {
      usedNames.add(entry.scheme);
      if (entry.schemeAt) usedPlaces.add(locationKey(entry.schemeAt));
    }
    for (const s of analysis.schemes.values()) {
      if (!s.component || usedNames.has(s.name) || usedPlaces.has(locationKey(s.at))) continue;
      report({
        messageId: 'unused',
        data: { name: s.name },
        at: {
          file: document.root.uri,
          pointer: `/components/securitySchemes/${s.name.replace(/~/g, '~0').replace(/\//g, '~1')}`,
        },
        atKey: true,
      });
    }
  },
};
