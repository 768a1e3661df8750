// Reading a Security Scheme Object: is it one, its plain-data copy, its `scopes`.

import { isPlainObject, locationKey } from '../document/pointer.js';
import { child, deref, locationOf, structureIssue, type BuildContext, type Node } from './context.js';
import type { Scheme } from './types.js';

/** The model needs an object with a string `type`; anything else is not a scheme. */
export function isSchemeObject(value: unknown): value is Scheme {
  return isPlainObject(value) && typeof value.type === 'string';
}

/** Deepest nesting copied; a scheme is small, this only stops pathological input. */
const maxCopyDepth = 64;

/**
 * A plain-data copy of the scheme at `node`, with nested `$ref`s (e.g. a `flows` object
 * kept elsewhere) replaced by what they point at. A nested ref that does not resolve or
 * that loops is kept as written.
 */
export function copyScheme(ctx: BuildContext, node: Node): Scheme {
  return copyValue(ctx, node, new Set([locationKey(locationOf(node))]), 0) as Scheme;
}

function copyValue(ctx: BuildContext, node: Node, seen: Set<string>, depth: number): unknown {
  const value = node.value;
  if (value === null || typeof value !== 'object') return value;
  if (depth > maxCopyDepth) return structuredClone(value);
  if (Array.isArray(value)) return value.map((_, i) => copyValue(ctx, child(node, i), seen, depth + 1));
  if (depth > 0 && typeof (value as { $ref?: unknown }).$ref === 'string') {
    const d = deref(ctx, node);
    if (d.ok) {
      const key = locationKey(locationOf(d.node));
      if (!seen.has(key)) {
        seen.add(key);
        const out = copyValue(ctx, d.node, seen, depth + 1);
        seen.delete(key);
        return out;
      }
    }
    return structuredClone(value);
  }
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value)) {
    // defineProperty: a key named "__proto__" stays a plain data key.
    Object.defineProperty(out, k, {
      value: copyValue(ctx, child(node, k), seen, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

export function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((s) => typeof s === 'string');
}

/**
 * 3.x: the scopes a scheme asks for (`scopes`, absent = none, as parser-js reads it).
 * Returns null, after a 'structure' issue, when `scopes` is present but not a list of strings:
 * the caller then keeps the entry unresolved, so it can never be satisfied (fail closed).
 */
export function readSchemeScopes(ctx: BuildContext, schemeNode: Node, name: string): string[] | null {
  const scopes = child(schemeNode, 'scopes');
  if (scopes.value === undefined) return [];
  if (isStringArray(scopes.value)) return [...scopes.value];
  structureIssue(ctx, locationOf(scopes), name, 'scopes is not a list of strings');
  return null;
}
