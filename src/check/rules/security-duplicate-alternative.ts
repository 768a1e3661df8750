// security-duplicate-alternative: the same alternative listed twice in one security list.
import type { Analysis, LocatedAlternative, LocatedRequirement } from '../../model/types.js';
import type { Rule } from '../types.js';
import { canonicalJson, resolvedScheme, schemeLabel } from '../rule-utils.js';

/**
 * What makes two alternatives the same: the same schemes, each with the same scope set
 * (order and repeats ignored). A component scheme is identified by its name (the name is
 * what the guard config binds); an inline scheme by its content, scopes aside, since two
 * identical inline copies at one level are one scheme written twice. Null when an entry is
 * unresolved: that alternative cannot be compared (security-ref-unresolved reports it).
 */
function alternativeKey(analysis: Analysis, alternative: LocatedAlternative): { key: string; summary: string } | null {
  const parts: { key: string; summary: string }[] = [];
  for (const entry of alternative.entries) {
    const s = resolvedScheme(analysis, entry);
    if (s === undefined) return null;
    const scopes = [...new Set(entry.scopes)].sort();
    let identity: string;
    if (s.component) {
      identity = `name:${s.name}`;
    } else {
      const { scopes: _ignored, ...rest } = s.scheme;
      identity = `inline:${canonicalJson(rest)}`;
    }
    const summary = `${schemeLabel(s.name)}${scopes.length ? ` with scopes ${scopes.join(', ')}` : ''}`;
    parts.push({ key: `${identity}|${JSON.stringify(scopes)}`, summary });
  }
  parts.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { key: parts.map((p) => p.key).join('&'), summary: parts.map((p) => p.summary).join(' and ') };
}

export const securityDuplicateAlternative: Rule = {
  meta: {
    id: 'security-duplicate-alternative',
    severity: 'warning',
    description: 'A security list should not list the same alternative (same schemes, same scopes) twice.',
    docs: 'docs/rules/security-duplicate-alternative.md',
    messages: {
      duplicate:
        'alternative {index} repeats alternative {first} ({summary}); one of them is redundant, or a ' +
        'different one was meant',
    },
  },
  check({ analysis, report }) {
    const requirements: LocatedRequirement[] = [
      ...analysis.servers.map((s) => s.security),
      ...analysis.operations.map((o) => o.security),
    ];
    for (const requirement of requirements) {
      const first = new Map<string, number>();
      requirement.alternatives.forEach((alternative, index) => {
        const k = alternativeKey(analysis, alternative);
        if (k === null) return;
        const earlier = first.get(k.key);
        if (earlier === undefined) {
          first.set(k.key, index);
          return;
        }
        report({ messageId: 'duplicate', data: { index, first: earlier, summary: k.summary }, at: alternative.at });
      });
    }
  },
};
