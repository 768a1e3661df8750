// Where each node of a parsed file stands. While js-yaml parses, parse.ts records where every
// node opens and closes in a compact tree (typed arrays: no object per node). A range with line
// and column is computed only when asked for, by walking that tree along the JSON pointer.
// Why lazy: the 2.7 MiB benchmark document has ~250k nodes; a pointer string and a range object
// for each cost more than the parse itself, while a check asks for a few hundred.

import { escapeToken, isPlainObject, parsePointer } from './pointer.js';
import type { NodeRange, SourcePosition, SourceRange } from './types.js';

/** Offsets → 1-based line and column; columns count UTF-16 code units from the line start. */
export class LineIndex {
  /** Offset of the first character of each line. */
  readonly #starts: Int32Array;

  constructor(text: string) {
    let lines = 1;
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines++;
    const starts = new Int32Array(lines);
    let k = 1;
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts[k++] = i + 1;
    this.#starts = starts;
  }

  /** How many line breaks the text holds. */
  get breaks(): number {
    return this.#starts.length - 1;
  }

  /** Offset of the first character of a 0-based line (clamped to the text's lines). */
  lineStart(line: number): number {
    return this.#starts[Math.max(0, Math.min(line, this.#starts.length - 1))]!;
  }

  position(offset: number): SourcePosition {
    const s = this.#starts;
    let lo = 0;
    let hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (s[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - s[lo]! + 1 };
  }
}

/**
 * The nodes js-yaml composed, as it opened and closed them. Node ids start at 1 (0: none).
 * Children are kept in document order as a linked list. For a mapping they come as key, value,
 * key, value…; for a sequence one per item; the exceptions are sorted out when read (see
 * `TreeRanges`). A node that only wraps another one with the same value (js-yaml composes a
 * block value, or a document's root, by trying to read it as a mapping key first) is replaced
 * by the one it wraps.
 */
export class NodeTree {
  /** Offset where js-yaml opened the node: the node itself may start later (space, comments, `&anchor`, `!tag`). */
  start: Int32Array;
  /**
   * Offset where js-yaml closed it: it may end earlier (trailing space; for block collections, the next line's indent).
   */
  end: Int32Array;
  first: Int32Array;
  last: Int32Array;
  next: Int32Array;
  count: Int32Array;
  /** 1 where a child is a collection (parse.ts checks that none is used as a key). */
  collectionChild: Uint8Array;
  /** What js-yaml made of each node (index = id). */
  readonly values: unknown[] = [undefined];
  /** The document's root node (0 before it is closed). */
  root = 0;

  constructor(expectedNodes: number) {
    const n = Math.max(64, expectedNodes);
    this.start = new Int32Array(n);
    this.end = new Int32Array(n);
    this.first = new Int32Array(n);
    this.last = new Int32Array(n);
    this.next = new Int32Array(n);
    this.count = new Int32Array(n);
    this.collectionChild = new Uint8Array(n);
  }

  /** How many nodes were opened. */
  get opened(): number {
    return this.values.length - 1;
  }

  open(offset: number): number {
    const id = this.values.length;
    if (id === this.start.length) this.#grow();
    this.start[id] = offset;
    this.values.push(undefined);
    return id;
  }

  /** Close node `id`; returns the node that stands for it (its only child, when it merely wraps it). */
  close(id: number, offset: number, value: unknown): number {
    this.end[id] = offset;
    if (this.count[id] === 1) {
      const only = this.first[id]!;
      if (this.values[only] === value) return only;
    }
    this.values[id] = value;
    return id;
  }

  attach(parent: number, child: number): void {
    if (this.first[parent] === 0) this.first[parent] = child;
    else this.next[this.last[parent]!] = child;
    this.last[parent] = child;
    this.count[parent]!++;
  }

  /** The children of a node, in document order. */
  children(id: number): Int32Array {
    const out = new Int32Array(this.count[id]!);
    let k = 0;
    for (let c = this.first[id]!; c !== 0; c = this.next[c]!) out[k++] = c;
    return out;
  }

  #grow(): void {
    const n = this.start.length * 2;
    const bigger = (a: Int32Array): Int32Array => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.start = bigger(this.start);
    this.end = bigger(this.end);
    this.first = bigger(this.first);
    this.last = bigger(this.last);
    this.next = bigger(this.next);
    this.count = bigger(this.count);
    const flags = new Uint8Array(n);
    flags.set(this.collectionChild);
    this.collectionChild = flags;
  }
}

/** A mapping's entries: key → entry index; `nodes` holds [keyNode, valueNode] per entry (0: none). */
export interface Entries {
  index: Map<string, number>;
  nodes: Int32Array;
}

/**
 * The last child of a block collection that is part of it: not js-yaml's last failed attempt
 * at one more key (an empty node that took in no text, as before a `...` line).
 */
function lastChild(tree: NodeTree, id: number): number {
  const last = tree.last[id]!;
  if (tree.values[last] !== null || tree.start[last] !== tree.end[last] || tree.count[id] === 1) return last;
  const kids = tree.children(id);
  return kids[kids.length - 2]!;
}

const sameValue = (a: unknown, b: unknown): boolean => a === b || (a !== a && b !== b);

/**
 * The nodes of a mapping's entries, in document order, or null when its children cannot be
 * matched to its keys. Usually the children are exactly key, value, key, value…; they are not
 * when a key has no value node (`? key` alone, `{ a, b: 1 }`) or after js-yaml's last failed
 * attempt at a key (before a `...` line): then keys are matched by the string they became and
 * values by identity.
 */
export function entriesOf(tree: NodeTree, id: number, mapping: Record<string, unknown>): Entries | null {
  const kids = tree.children(id);
  const keys = Object.keys(mapping).length;
  const index = new Map<string, number>();
  const nodes = new Int32Array(2 * keys);
  if (kids.length === 2 * keys) {
    for (let i = 0; i < keys; i++) {
      const k = kids[2 * i]!;
      index.set(String(tree.values[k]), i);
      nodes[2 * i] = k;
      nodes[2 * i + 1] = kids[2 * i + 1]!;
    }
    return index.size === keys ? { index, nodes } : null;
  }
  let j = 0;
  while (j < kids.length && index.size < keys) {
    const k = kids[j++]!;
    const key = String(tree.values[k]);
    if (!Object.hasOwn(mapping, key) || index.has(key)) return null;
    const i = index.size;
    index.set(key, i);
    nodes[2 * i] = k;
    const v = kids[j];
    if (v !== undefined && sameValue(tree.values[v], mapping[key])) {
      nodes[2 * i + 1] = v;
      j++;
    }
  }
  // What is left can only be js-yaml's failed attempts at one more key: no value.
  for (; j < kids.length; j++) if (tree.values[kids[j]!] !== null) return null;
  return index.size === keys ? { index, nodes } : null;
}

/**
 * The node of each item of a sequence (0: none), or null when they cannot be matched. Usually
 * one child per item; an empty block item (`-` alone) has none, and a `key: value` item of a
 * flow sequence has a key and a value node but none of its own (those items stay unmapped).
 */
export function itemsOf(tree: NodeTree, id: number, sequence: unknown[]): Int32Array | null {
  const kids = tree.children(id);
  if (kids.length === sequence.length) return kids;
  const out = new Int32Array(sequence.length);
  let j = 0;
  for (let i = 0; i < sequence.length; i++) {
    const item = sequence[i];
    const k = kids[j];
    if (k !== undefined && sameValue(tree.values[k], item)) {
      out[i] = k;
      j++;
    } else if (
      isPlainObject(item) &&
      k !== undefined &&
      Object.keys(item).length === 1 &&
      Object.hasOwn(item, String(tree.values[k]))
    ) {
      // A single-pair item: its key node, then maybe its value node.
      j++;
      const v = kids[j];
      if (v !== undefined && sameValue(tree.values[v], item[String(tree.values[k])])) j++;
    } else if (item !== null) return null;
  }
  return j === kids.length ? out : null;
}

// Character codes the span helpers look at.
const Char = {
  Tab: 9,
  LineFeed: 10,
  Return: 13,
  Space: 32,
  Bang: 33,
  Hash: 35,
  Ampersand: 38,
  Star: 42,
  Comma: 44,
  Less: 60,
  Greater: 62,
  OpenBracket: 91,
  CloseBracket: 93,
  OpenBrace: 123,
  Bar: 124,
  CloseBrace: 125,
} as const;

function isSpace(c: number): boolean {
  return c === Char.Space || c === Char.Tab || c === Char.LineFeed || c === Char.Return;
}

function isFlowIndicator(c: number): boolean {
  return (
    c === Char.Comma ||
    c === Char.OpenBracket ||
    c === Char.CloseBracket ||
    c === Char.OpenBrace ||
    c === Char.CloseBrace
  );
}

/**
 * `SourceFile.ranges`: a Map from JSON pointer to range, computed on read from the node tree.
 * It is a full Map (the type promises one): `get` and `has` walk the tree along the pointer;
 * iterating, `size` and changes made from outside first build every entry (tests do that, not
 * the checks). A node under an alias has the range of the anchored node it copies, as before.
 */
export class TreeRanges implements Map<string, NodeRange> {
  readonly [Symbol.toStringTag] = 'Map';
  readonly #tree: NodeTree;
  readonly #text: string;
  readonly #lines: LineIndex;
  /** Anchored collection → its node (an alias's children are those of the node it repeats). */
  readonly #anchors: ReadonlyMap<object, number>;
  /** Per node, its items or entries, built on the first lookup through it. */
  readonly #items = new Map<number, Int32Array | null>();
  readonly #entries = new Map<number, Entries | null>();
  /** Every entry, once iterated or changed from outside. */
  #all: Map<string, NodeRange> | undefined;
  #changed = false;

  constructor(tree: NodeTree, text: string, lines: LineIndex, anchors: ReadonlyMap<object, number>) {
    this.#tree = tree;
    this.#text = text;
    this.#lines = lines;
    this.#anchors = anchors;
  }

  get(pointer: string): NodeRange | undefined {
    if (this.#changed) return this.#all?.get(pointer);
    const tokens = parsePointer(pointer);
    if (tokens === null) return undefined;
    const tree = this.#tree;
    let node = tree.root;
    let key = 0;
    if (node === 0) return undefined;
    for (const token of tokens) {
      const value = tree.values[node];
      const host = this.#host(node, value);
      if (Array.isArray(value)) {
        if (!/^(0|[1-9][0-9]*)$/.test(token)) return undefined;
        const items = this.#itemsOf(host, value);
        node = items?.[Number(token)] ?? 0;
        key = 0;
      } else if (isPlainObject(value)) {
        const entries = this.#entriesOf(host, value);
        const at = entries?.index.get(token);
        if (entries === null || at === undefined) return undefined;
        key = entries.nodes[2 * at]!;
        node = entries.nodes[2 * at + 1]!;
      } else return undefined;
      if (node === 0) return undefined;
    }
    return this.#nodeRange(node, key);
  }

  has(pointer: string): boolean {
    return this.get(pointer) !== undefined;
  }

  get size(): number {
    return this.#everything().size;
  }

  set(pointer: string, range: NodeRange): this {
    this.#everything().set(pointer, range);
    this.#changed = true;
    return this;
  }

  delete(pointer: string): boolean {
    const deleted = this.#everything().delete(pointer);
    this.#changed = true;
    return deleted;
  }

  clear(): void {
    this.#everything().clear();
    this.#changed = true;
  }

  entries(): MapIterator<[string, NodeRange]> {
    return this.#everything().entries();
  }

  keys(): MapIterator<string> {
    return this.#everything().keys();
  }

  values(): MapIterator<NodeRange> {
    return this.#everything().values();
  }

  [Symbol.iterator](): MapIterator<[string, NodeRange]> {
    return this.entries();
  }

  forEach(cb: (value: NodeRange, key: string, map: Map<string, NodeRange>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.entries()) cb.call(thisArg, v, k, this);
  }

  /** The node whose children a node's items or entries are: for an alias, the anchored node. */
  #host(node: number, value: unknown): number {
    if (this.#tree.count[node] !== 0 || value === null || typeof value !== 'object') return node;
    return this.#anchors.get(value) ?? node;
  }

  #itemsOf(node: number, value: unknown[]): Int32Array | null {
    let items = this.#items.get(node);
    if (items === undefined) this.#items.set(node, (items = itemsOf(this.#tree, node, value)));
    return items;
  }

  #entriesOf(node: number, value: Record<string, unknown>): Entries | null {
    let entries = this.#entries.get(node);
    if (entries === undefined) this.#entries.set(node, (entries = entriesOf(this.#tree, node, value)));
    return entries;
  }

  /** Every pointer with a range, in document order (what the Map iterates). */
  #everything(): Map<string, NodeRange> {
    if (this.#all !== undefined) return this.#all;
    const all = new Map<string, NodeRange>();
    const tree = this.#tree;
    // Depth first, without recursion: [node, key node, pointer].
    const stack: [number, number, string][] = tree.root === 0 ? [] : [[tree.root, 0, '']];
    while (stack.length > 0) {
      const [node, key, pointer] = stack.pop()!;
      all.set(pointer, this.#nodeRange(node, key));
      const value = tree.values[node];
      const host = this.#host(node, value);
      const next: [number, number, string][] = [];
      if (Array.isArray(value)) {
        const items = this.#itemsOf(host, value);
        items?.forEach((item, i) => {
          if (item !== 0) next.push([item, 0, `${pointer}/${i}`]);
        });
      } else if (isPlainObject(value)) {
        const entries = this.#entriesOf(host, value);
        if (entries !== null) {
          for (const [k, i] of entries.index) {
            const v = entries.nodes[2 * i + 1]!;
            if (v !== 0) next.push([v, entries.nodes[2 * i]!, `${pointer}/${escapeToken(k)}`]);
          }
        }
      }
      for (let i = next.length - 1; i >= 0; i--) stack.push(next[i]!);
    }
    this.#all = all;
    return all;
  }

  #nodeRange(node: number, key: number): NodeRange {
    const r: NodeRange = { value: this.#range(node) };
    if (key !== 0) r.key = this.#range(key);
    return r;
  }

  #range(node: number): SourceRange {
    const [start, end] = this.#span(node);
    return { start: this.#lines.position(start), end: this.#lines.position(end) };
  }

  /** [start, end) offsets of a node's own text. */
  #span(node: number): [number, number] {
    const tree = this.#tree;
    const start = contentStart(this.#text, tree.start[node]!);
    let n = node;
    let s = start;
    // A block collection ends where its last child does (not at the next line's indent, nor
    // after the comments that follow it).
    for (;;) {
      const value = tree.values[n];
      const c = this.#text.charCodeAt(s);
      if (
        tree.count[n] === 0 ||
        value === null ||
        typeof value !== 'object' ||
        c === Char.OpenBracket ||
        c === Char.OpenBrace
      )
        break;
      n = lastChild(tree, n);
      s = contentStart(this.#text, tree.start[n]!);
    }
    let end: number;
    let empty = false;
    if (tree.count[n] === 0 && this.#text.charCodeAt(s) === Char.Star) {
      // An alias: its name (js-yaml moves past the space and comments that follow it).
      end = aliasEnd(this.#text, s);
    } else {
      end = Math.min(tree.end[n]!, this.#text.length);
      while (end > s && isSpace(this.#text.charCodeAt(end - 1))) end--;
      // Nothing but space, comments or properties: an empty node, where js-yaml opened it
      // (right after its `key:`), past the spaces there (as the `yaml` package placed it).
      if (end <= s) {
        s = tree.start[n]!;
        while (
          s < this.#text.length &&
          (this.#text.charCodeAt(s) === Char.Space || this.#text.charCodeAt(s) === Char.Tab)
        )
          s++;
        end = s;
        empty = this.#text.charCodeAt(s) !== Char.Hash;
      }
    }
    // A block collection or a block scalar (`|`, `>`) takes in the line break after its last
    // line, as the `yaml` package counted it (unless it ends with an empty value).
    const c = this.#text.charCodeAt(start);
    if (!empty && (n !== node || (typeof tree.values[node] === 'string' && (c === Char.Bar || c === Char.Greater)))) {
      const br = this.#text.indexOf('\n', end);
      end = br === -1 ? this.#text.length : br + 1;
    }
    return n === node ? [s, end] : [start, end];
  }
}

/** The first offset at or after `i` that is not space, a line break or a comment. */
export function skipSpace(text: string, i: number): number {
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) i++;
    else if (c === Char.Hash) {
      while (i < n && text.charCodeAt(i) !== Char.LineFeed && text.charCodeAt(i) !== Char.Return) i++;
    } else break;
  }
  return i;
}

/** Where the alias `*name` at `i` ends. */
export function aliasEnd(text: string, i: number): number {
  let end = i + 1;
  while (end < text.length && !isSpace(text.charCodeAt(end)) && !isFlowIndicator(text.charCodeAt(end))) end++;
  return end;
}

/**
 * Where the node js-yaml opened at `i` starts: past space, comments and its properties
 * (`&anchor`, `!tag`), as the `yaml` package placed nodes.
 */
export function contentStart(text: string, i: number): number {
  const n = text.length;
  for (i = skipSpace(text, i); i < n; i = skipSpace(text, i)) {
    const c = text.charCodeAt(i);
    if (c !== Char.Ampersand && c !== Char.Bang) break;
    // An anchor ends at space or a flow indicator; a tag at space (`!<…>` after its `>`).
    if (text.charCodeAt(i + 1) === Char.Less) {
      const close = text.indexOf('>', i);
      i = close === -1 ? n : close + 1;
    }
    while (i < n && !isSpace(text.charCodeAt(i)) && !(c === Char.Ampersand && isFlowIndicator(text.charCodeAt(i)))) i++;
  }
  return Math.min(i, n);
}
