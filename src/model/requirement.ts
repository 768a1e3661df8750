// A `security` list → LocatedRequirement (OR of AND-alternatives), for both versions.
//
// Fail closed: an item the builder cannot read is never dropped. It stays as an
// alternative whose entry is `resolved: false`, so an alternative list never shrinks to
// "no requirement" because something in it was broken. Downstream, an unresolved entry
// can never be satisfied (the guard refuses to start with it).

import { isPlainObject } from '../document/pointer.js';
import { redactRef } from '../document/refs.js';
import type { Location } from '../document/types.js';
import {
  child,
  deref,
  entriesOf,
  isReference,
  locationOf,
  structureIssue,
  type BuildContext,
  type Node,
} from './context.js';
import { inlineSchemeName, refSchemeName, registerScheme } from './naming.js';
import { isSchemeObject, isStringArray, readSchemeScopes } from './scheme.js';
import type { SecurityChoice } from './traits.js';
import type { LocatedAlternative, LocatedEntry, LocatedRequirement } from './types.js';

export const noRequirement = (): LocatedRequirement => ({ at: null, alternatives: [] });

function unresolvedEntry(scheme: string, at: Location, scopes: string[] = []): LocatedEntry {
  return { scheme, scopes, at, resolved: false, ignoredSiblings: [] };
}

/** One alternative no one can satisfy, standing in for something unreadable. */
export function unsatisfiable(name: string, at: Location): LocatedAlternative {
  return { at, entries: [unresolvedEntry(name, at)] };
}

/** `security` must be a list. Anything else (null included) is reported and fails closed. */
function readList(ctx: BuildContext, list: Node): LocatedRequirement | Node[] {
  const at = locationOf(list);
  if (Array.isArray(list.value)) return list.value.map((_, i) => child(list, i));
  structureIssue(ctx, at, 'security', 'security is not a list');
  return { at, alternatives: [unsatisfiable(inlineSchemeName(ctx, at), at)] };
}

// ---------------------------------------------------------------- 3.x

/**
 * 3.x: each item (inline Security Scheme Object or Reference Object) is one alternative of
 * one entry, whose scopes are the scheme's own `scopes` (AsyncAPI 3.0 §Server, §Operation:
 * only one of the schemes needs to be satisfied). Keys beside `$ref` are ignored
 * (§Reference Object) and recorded as `ignoredSiblings`.
 */
export function buildRequirement3(ctx: BuildContext, list: Node): LocatedRequirement {
  if (list.value === undefined) return noRequirement();
  const items = readList(ctx, list);
  if (!Array.isArray(items)) return items;
  return {
    at: locationOf(list),
    alternatives: items.map((item) => ({ at: locationOf(item), entries: [entry3(ctx, item)] })),
  };
}

function entry3(ctx: BuildContext, item: Node): LocatedEntry {
  const at = locationOf(item);
  if (isReference(item.value)) {
    const ignoredSiblings = Object.keys(item.value)
      .filter((k) => k !== '$ref')
      .map((key) => ({ key, at: locationOf(child(item, key)) }));
    const d = deref(ctx, item);
    if (!d.ok) {
      // A remote ref may carry credentials (`https://user:pass@…?token=…`): never in a name or a message.
      ctx.issues.push({ kind: 'scheme-ref-unresolved', at, subject: redactRef(d.ref), reason: d.reason });
      return { ...unresolvedEntry(redactRef(d.ref), at), ignoredSiblings };
    }
    const ref = redactRef(d.ref ?? '');
    if (!isSchemeObject(d.node.value)) {
      ctx.issues.push({
        kind: 'scheme-ref-not-scheme',
        at,
        subject: ref,
        reason: 'resolves to something that is not a security scheme object',
      });
      return { ...unresolvedEntry(ref, at), ignoredSiblings };
    }
    const name = registerScheme(ctx, refSchemeName(ctx, d.via, locationOf(d.node)), d.node, false);
    const scopes = readSchemeScopes(ctx, d.node, name);
    const schemeAt = locationOf(d.node);
    if (scopes === null) return { ...unresolvedEntry(name, at), schemeAt, ignoredSiblings };
    return { scheme: name, scopes, at, schemeAt, resolved: true, ignoredSiblings };
  }
  const name = inlineSchemeName(ctx, at);
  if (!isSchemeObject(item.value)) {
    structureIssue(ctx, at, name, 'security item is neither a security scheme object nor a reference');
    return unresolvedEntry(name, at);
  }
  const registered = registerScheme(ctx, name, item, false);
  const scopes = readSchemeScopes(ctx, item, registered);
  if (scopes === null) return { ...unresolvedEntry(registered, at), schemeAt: at };
  return { scheme: registered, scopes, at, schemeAt: at, resolved: true, ignoredSiblings: [] };
}

// ---------------------------------------------------------------- 2.x

/**
 * 2.x: each Security Requirement Object is one alternative; its keys, in order, are the
 * schemes that must all be satisfied (AND), each with the scopes listed (AsyncAPI 2.6.0
 * §Security Requirement Object). Keys name entries of the root components.securitySchemes.
 */
export function buildRequirement2(ctx: BuildContext, list: Node): LocatedRequirement {
  if (list.value === undefined) return noRequirement();
  const items = readList(ctx, list);
  if (!Array.isArray(items)) return items;
  return { at: locationOf(list), alternatives: items.map((item) => alternative2(ctx, item)) };
}

function alternative2(ctx: BuildContext, item: Node): LocatedAlternative {
  const at = locationOf(item);
  if (!isPlainObject(item.value)) {
    const name = inlineSchemeName(ctx, at);
    structureIssue(ctx, at, name, 'security requirement is not an object of scheme names');
    return unsatisfiable(name, at);
  }
  return { at, entries: entriesOf(item).map(([key, scopesNode]) => entry2(ctx, key, scopesNode)) };
}

function entry2(ctx: BuildContext, key: string, scopesNode: Node): LocatedEntry {
  const at = locationOf(scopesNode);
  const scopes: string[] | null = isStringArray(scopesNode.value) ? [...scopesNode.value] : null;
  if (scopes === null) structureIssue(ctx, at, key, 'scopes is not a list of strings');
  const state = ctx.schemes.components.get(key);
  if (state === undefined) {
    ctx.issues.push({
      kind: 'scheme-undefined',
      at,
      subject: key,
      reason: `no scheme '${key}' in components.securitySchemes`,
    });
    return unresolvedEntry(key, at, scopes ?? []);
  }
  if (!state.ok) return unresolvedEntry(key, at, scopes ?? []);
  if (scopes === null) return { ...unresolvedEntry(key, at), schemeAt: state.schemeAt };
  return { scheme: key, scopes, at, schemeAt: state.schemeAt, resolved: true, ignoredSiblings: [] };
}

/**
 * The operation's requirement from what traits.ts chose. An unreadable trait that could
 * have decided becomes one unsatisfiable alternative named after it (fail closed).
 */
export function requirementFromChoice(
  ctx: BuildContext,
  choice: SecurityChoice,
  build: (ctx: BuildContext, list: Node) => LocatedRequirement,
): { security: LocatedRequirement; securitySource: 'operation' | 'trait' | 'none' } {
  switch (choice.source) {
    case 'none':
      return { security: noRequirement(), securitySource: 'none' };
    case 'unknown':
      return {
        security: { at: choice.at, alternatives: [unsatisfiable(choice.subject, choice.at)] },
        securitySource: 'trait',
      };
    default:
      return { security: build(ctx, choice.list), securitySource: choice.source };
  }
}
