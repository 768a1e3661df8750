// Scheme names (docs/architecture.md, "The SecurityModel contract") and the table of every scheme the model knows.
//
//   components.securitySchemes.X of the root file      → X (also through $ref, also when X is a $ref)
//   components.securitySchemes.X of another file        → X, or `<file>#/components/securitySchemes/X`
//                                                         when X already names a different scheme
//   an inline scheme                                    → its JSON pointer: /servers/ws/security/0
//                                                         (`<file>#<pointer>` when in another file)
//   a $ref to anything else                             → the place it resolves to: #/x/y, <file>#/x/y
//
// <file> is the path relative to the root file's folder, with forward slashes.

import { dirname, relative, sep } from 'node:path';
import { parsePointer } from '../document/pointer.js';
import { redactRef } from '../document/refs.js';
import type { Location, SourceFile } from '../document/types.js';
import { deref, entriesOf, child, locationOf, rootNode, type BuildContext, type Node } from './context.js';
import { locationKey } from '../document/pointer.js';
import { copyScheme, isSchemeObject } from './scheme.js';
import type { AnalyzedScheme, LocatedRequirement } from './types.js';

/** What a key of the root components.securitySchemes stands for (2.x requirements name them). */
export type ComponentState = { ok: true; schemeAt: Location } | { ok: false };

export interface SchemeTable {
  /** Name → scheme, in the order they were met. */
  byName: Map<string, AnalyzedScheme>;
  /** Keys of the root components.securitySchemes. */
  components: Map<string, ComponentState>;
}

export function createSchemeTable(): SchemeTable {
  return { byName: new Map(), components: new Map() };
}

const componentPointer = /^\/components\/securitySchemes\/[^/]+$/;

/** The X of `/components/securitySchemes/X`, or null. */
function componentKey(pointer: string): string | null {
  if (!componentPointer.test(pointer)) return null;
  return parsePointer(pointer)?.[2] ?? null;
}

/** Path of `file` relative to the root file's folder (a remote file keeps its URL). */
export function fileLabel(root: SourceFile, file: SourceFile): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(file.uri)) return file.uri;
  return relative(dirname(root.uri), file.uri).split(sep).join('/');
}

/** `#/pointer` in the root file, `<file>#/pointer` elsewhere. */
function refForm(ctx: BuildContext, at: Location): string {
  const root = ctx.doc.root;
  if (at.file === root.uri) return `#${at.pointer}`;
  const file = ctx.doc.files.get(at.file);
  return `${file ? fileLabel(root, file) : at.file}#${at.pointer}`;
}

/** The name of an inline scheme: its pointer (root file) or `<file>#<pointer>`. */
export function inlineSchemeName(ctx: BuildContext, at: Location): string {
  return at.file === ctx.doc.root.uri ? at.pointer : refForm(ctx, at);
}

/**
 * The name of the scheme a resolved `$ref` item reaches. Every place the chain passes
 * (`via`: the target of each hop, in order) is looked at: the first root components entry wins,
 * then the first components entry of another file, else the final place.
 */
export function refSchemeName(ctx: BuildContext, via: readonly Location[], target: Location): string {
  const chain = [...via, target];
  const rootUri = ctx.doc.root.uri;
  for (const at of chain) {
    const key = at.file === rootUri ? componentKey(at.pointer) : null;
    if (key !== null && ctx.schemes.components.has(key)) return key;
  }
  for (const at of chain) {
    if (at.file === rootUri) continue;
    const key = componentKey(at.pointer);
    if (key === null) continue;
    const taken = ctx.schemes.byName.get(key);
    if (taken === undefined || locationKey(taken.at) === locationKey(target)) return key;
    return refForm(ctx, at);
  }
  return refForm(ctx, target);
}

/**
 * Put a scheme in the table under `name` and return the name it got. The same scheme
 * (same place) under the same name is stored once. A name already held by a different
 * scheme (only possible with pathological component keys) gets a numeric suffix, so no
 * scheme ever silently stands for another.
 */
export function registerScheme(ctx: BuildContext, name: string, node: Node, component: boolean): string {
  const at = locationOf(node);
  let candidate = name;
  for (let n = 2; ; n++) {
    const taken = ctx.schemes.byName.get(candidate);
    if (taken === undefined) break;
    if (taken.at.file === at.file && taken.at.pointer === at.pointer) {
      if (component) taken.component = true;
      return candidate;
    }
    candidate = `${name} (${n})`;
  }
  ctx.schemes.byName.set(candidate, { name: candidate, scheme: copyScheme(ctx, node), at, component });
  return candidate;
}

/**
 * Every entry of the root components.securitySchemes, named by its key. One that does not
 * resolve, or resolves to something that is not a scheme, is reported where it is written
 * and stays out of the table; requirements naming it keep an unresolved entry.
 */
export function registerComponentSchemes(ctx: BuildContext): void {
  const map = child(rootNode(ctx), 'components', 'securitySchemes');
  for (const [key, entry] of entriesOf(map)) {
    const d = deref(ctx, entry);
    if (!d.ok) {
      ctx.issues.push({
        kind: 'scheme-ref-unresolved',
        at: locationOf(entry),
        subject: redactRef(d.ref),
        reason: d.reason,
      });
      ctx.schemes.components.set(key, { ok: false });
      continue;
    }
    if (!isSchemeObject(d.node.value)) {
      const subject = d.ref === null ? key : redactRef(d.ref);
      const reason =
        d.ref === null
          ? 'not a security scheme object (an object with a string type)'
          : 'resolves to something that is not a security scheme object';
      ctx.issues.push({
        kind: d.ref === null ? 'structure' : 'scheme-ref-not-scheme',
        at: locationOf(entry),
        subject,
        reason,
      });
      ctx.schemes.components.set(key, { ok: false });
      continue;
    }
    ctx.schemes.components.set(key, { ok: true, schemeAt: locationOf(d.node) });
    registerScheme(ctx, key, d.node, true);
  }
}

/**
 * An unresolved entry must never share its name with a scheme of the table: the plain model
 * says "unresolved" only by naming no scheme. Such a clash is only possible with odd input
 * (e.g. `$ref: apiKey`, a relative file that fails to load, beside a component `apiKey`);
 * the entry is then renamed `<name> (unresolved)`.
 */
export function keepUnresolvedApart(
  schemes: ReadonlyMap<string, unknown>,
  requirements: readonly LocatedRequirement[],
): void {
  for (const r of requirements) {
    for (const alt of r.alternatives) {
      for (const e of alt.entries) {
        if (e.resolved || !schemes.has(e.scheme)) continue;
        let name = `${e.scheme} (unresolved)`;
        for (let n = 2; schemes.has(name); n++) name = `${e.scheme} (unresolved ${n})`;
        e.scheme = name;
      }
    }
  }
}
