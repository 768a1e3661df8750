// security-scope-undeclared: an oauth2 scope a server or operation requires is offered by
// no flow of the scheme (3.x `availableScopes`, 2.x flow `scopes`).
import { isPlainObject } from '../../document/pointer.js';
import type { LoadedDocument, Location } from '../../document/types.js';
import type { LocatedEntry, Scheme } from '../../model/types.js';
import type { Rule } from '../types.js';
import { childOf, entryUses, listOrNone, resolvedScheme, schemeLabel, valueAt } from '../rule-utils.js';

/** Every scope any flow of the scheme offers. */
function offeredScopes(scheme: Scheme, major: 2 | 3): string[] {
  // 3.0 §OAuth Flow Object: `availableScopes`; 2.x §OAuth Flow Object: `scopes`.
  const field = major === 3 ? 'availableScopes' : 'scopes';
  const out = new Set<string>();
  const flows = scheme['flows'];
  if (!isPlainObject(flows)) return [];
  for (const flow of Object.values(flows)) {
    if (!isPlainObject(flow)) continue;
    const map = flow[field];
    if (isPlainObject(map)) for (const k of Object.keys(map)) out.add(k);
  }
  return [...out].sort();
}

export const securityScopeUndeclared: Rule = {
  meta: {
    id: 'security-scope-undeclared',
    severity: 'error',
    description: 'Every oauth2 scope a server or operation requires must be offered by some flow of the scheme.',
    docs: 'docs/rules/security-scope-undeclared.md',
    messages: {
      undeclared:
        "scope '{scope}' is required, but no flow of oauth2 {scheme} offers it (offered: {offered}); no " +
        'client can obtain it',
    },
  },
  check({ analysis, document, report }) {
    for (const { entry } of entryUses(analysis)) {
      // Unresolved entries: security-ref-unresolved / security-scheme-undefined report them.
      const s = resolvedScheme(analysis, entry);
      // openIdConnect scopes come from discovery: nothing in the document to check against.
      if (s === undefined || s.scheme.type !== 'oauth2' || entry.scopes.length === 0) continue;
      const offered = offeredScopes(s.scheme, analysis.major);
      for (const scope of entry.scopes) {
        if (offered.includes(scope)) continue;
        report({
          messageId: 'undeclared',
          data: { scope, scheme: schemeLabel(s.name), offered: listOrNone(offered) },
          at: scopeLocation(document, analysis.major, entry, scope),
        });
      }
    }
  },
};

/** Where the scope string is written: 2.x in the requirement's list, 3.x in the scheme's `scopes`. */
function scopeLocation(document: LoadedDocument, major: 2 | 3, entry: LocatedEntry, scope: string): Location {
  const list = major === 2 ? entry.at : entry.schemeAt ? childOf(entry.schemeAt, 'scopes') : undefined;
  if (list !== undefined) {
    const value = valueAt(document, list);
    const index = Array.isArray(value) ? value.indexOf(scope) : -1;
    if (index !== -1) return childOf(list, index);
  }
  return entry.at;
}
