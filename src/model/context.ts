// What every model builder step shares: the document, the issues found so far, the
// scheme table, and small helpers to walk nodes (value + where it is written) and
// follow `$ref`s without ever throwing.

import { isPlainObject, joinPointer } from '../document/pointer.js';
import type { LoadedDocument, Location, Resolution, SourceFile } from '../document/types.js';
import type { ModelIssue } from './types.js';
import type { SchemeTable } from './naming.js';

export interface BuildContext {
  doc: LoadedDocument;
  issues: ModelIssue[];
  schemes: SchemeTable;
  /** `file uri` + NUL + `$ref` → resolution: big documents repeat the same few refs. */
  resolved: Map<string, Resolution>;
}

export function createContext(doc: LoadedDocument, schemes: SchemeTable): BuildContext {
  return { doc, issues: [], schemes, resolved: new Map() };
}

/** A value of the loaded document together with the file and pointer where it is written. */
export interface Node {
  value: unknown;
  file: SourceFile;
  pointer: string;
}

export type Deref =
  | {
      ok: true;
      node: Node;
      /** The `$ref` string followed, when the value was a Reference Object. */ ref: string | null;
      via: Location[];
    }
  | { ok: false; ref: string; reason: string };

export function locationOf(node: Node): Location {
  return { file: node.file.uri, pointer: node.pointer };
}

export function rootNode(ctx: BuildContext): Node {
  return { value: ctx.doc.root.value, file: ctx.doc.root, pointer: '' };
}

/** The child of an object or array node (value `undefined` when absent or not a container). */
export function child(node: Node, ...tokens: (string | number)[]): Node {
  let value: unknown = node.value;
  for (const t of tokens) {
    if (Array.isArray(value) && typeof t === 'number') value = value[t];
    else if (isPlainObject(value) && Object.prototype.hasOwnProperty.call(value, t)) value = value[String(t)];
    else value = undefined;
  }
  return { value, file: node.file, pointer: joinPointer(node.pointer, ...tokens) };
}

export function hasKey(value: unknown, key: string): value is Record<string, unknown> {
  return isPlainObject(value) && Object.prototype.hasOwnProperty.call(value, key);
}

/** Own entries of an object node, in document order. */
export function entriesOf(node: Node): [string, Node][] {
  if (!isPlainObject(node.value)) return [];
  return Object.keys(node.value).map((k) => [k, child(node, k)]);
}

export function isReference(value: unknown): value is { $ref: unknown } {
  return hasKey(value, '$ref');
}

/**
 * Follow a Reference Object (and the chain behind it). A value that is not a reference
 * is returned as is. Never throws: a `$ref` that is not a string or does not resolve
 * comes back as `{ ok: false }`.
 */
export function deref(ctx: BuildContext, node: Node): Deref {
  if (!isReference(node.value)) return { ok: true, node, ref: null, via: [] };
  const ref = node.value.$ref;
  if (typeof ref !== 'string') return { ok: false, ref: String(ref), reason: '$ref is not a string' };
  const key = `${node.file.uri}\0${ref}`;
  let res = ctx.resolved.get(key);
  if (res === undefined) {
    try {
      res = ctx.doc.resolve(ref, node.file);
    } catch {
      // The resolver is specified not to throw; stay total even if it does.
      res = { ok: false, code: 'ERR_DOCUMENT_REF_UNRESOLVED', reason: 'the reference could not be resolved' };
    }
    ctx.resolved.set(key, res);
  }
  if (!res.ok) return { ok: false, ref, reason: res.reason };
  return { ok: true, node: { value: res.value, file: res.file, pointer: res.pointer }, ref, via: res.via };
}

export function structureIssue(ctx: BuildContext, at: Location, subject: string, reason: string): void {
  ctx.issues.push({ kind: 'structure', at, subject, reason });
}

/** The node's value as an object, or null after recording a 'structure' issue. */
export function expectObject(ctx: BuildContext, node: Node, what: string): Record<string, unknown> | null {
  if (isPlainObject(node.value)) return node.value;
  structureIssue(ctx, locationOf(node), what, `${what} is not an object`);
  return null;
}

/** A string field the model needs. Absent or not a string: a 'structure' issue, and ''. */
export function requiredString(ctx: BuildContext, owner: Node, field: string, subject: string): string {
  const node = child(owner, field);
  if (typeof node.value === 'string') return node.value;
  const at = node.value === undefined ? locationOf(owner) : locationOf(node);
  structureIssue(ctx, at, subject, node.value === undefined ? `'${field}' is missing` : `'${field}' is not a string`);
  return '';
}

/** An optional string field: undefined when absent; present but not a string: reported, undefined. */
export function optionalString(ctx: BuildContext, owner: Node, field: string, subject: string): string | undefined {
  const node = child(owner, field);
  if (node.value === undefined || typeof node.value === 'string') return node.value;
  structureIssue(ctx, locationOf(node), subject, `'${field}' is not a string`);
  return undefined;
}

/** Names of the root `servers` map, in document order. */
export function rootServerNames(ctx: BuildContext): string[] {
  const servers = child(rootNode(ctx), 'servers');
  return isPlainObject(servers.value) ? Object.keys(servers.value) : [];
}

export function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}
