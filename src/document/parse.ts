// Text → SourceFile: YAML 1.2 (JSON included) into plain JSON values, remembering where
// every node stands. Fatal problems throw DocumentError with file, line and column.

import { Composer, Lexer, LineCounter, Parser, isAlias, isMap, isPair, isScalar, isSeq, visit, type Alias, type CST, type Document, type Node } from 'yaml';
import { DocumentError } from '../errors.js';
import { scanNestingDepth } from './depth.js';
import { escapeToken } from './pointer.js';
import type { NodeRange, SourceFile, SourceRange } from './types.js';

export interface ParseLimits {
  maxDepth: number;
  maxAliases: number;
  /** Nodes that alias expansion may add in one file (bounds "billion laughs"). */
  maxAliasNodes: number;
  /**
   * YAML tokens (scalars, indicators, line breaks, comments…) one file may hold. The `yaml`
   * parser spends 2–8 µs and a few hundred bytes per token: this bounds its time and memory
   * where `maxBytes` alone does not (16 MiB of `a,` is 16M tokens: minutes and gigabytes).
   * Default 2,000,000: 2.6 times the benchmark document of 10,000 operations (2.7 MiB).
   */
  maxTokens?: number;
}

export const defaultParseLimits: ParseLimits = { maxDepth: 200, maxAliases: 100, maxAliasNodes: 100_000, maxTokens: 2_000_000 };

/** Offsets [valueStart, valueEnd, keyStart, keyEnd]; line/column computed only when asked. */
type Offsets = [number, number, number, number];

/**
 * `SourceFile.ranges`: a Map whose values are computed on read from offsets, so loading a
 * large document does not build a million range objects nobody asks for. It is a full Map
 * (the type promises one); entries set from outside are kept as given.
 */
class LazyRanges implements Map<string, NodeRange> {
  readonly #offsets = new Map<string, Offsets | NodeRange>();
  readonly #lines: LineCounter;
  readonly [Symbol.toStringTag] = 'Map';
  constructor(lines: LineCounter) {
    this.#lines = lines;
  }
  setOffsets(pointer: string, o: Offsets): void {
    this.#offsets.set(pointer, o);
  }
  set(pointer: string, range: NodeRange): this {
    this.#offsets.set(pointer, range);
    return this;
  }
  #range(start: number, end: number): SourceRange {
    const s = this.#lines.linePos(start);
    const e = this.#lines.linePos(end);
    return { start: { line: s.line, column: s.col }, end: { line: e.line, column: e.col } };
  }
  get(pointer: string): NodeRange | undefined {
    const o = this.#offsets.get(pointer);
    if (o === undefined || !Array.isArray(o)) return o;
    const r: NodeRange = { value: this.#range(o[0], o[1]) };
    if (o[2] >= 0) r.key = this.#range(o[2], o[3]);
    return r;
  }
  has(pointer: string): boolean {
    return this.#offsets.has(pointer);
  }
  delete(pointer: string): boolean {
    return this.#offsets.delete(pointer);
  }
  clear(): void {
    this.#offsets.clear();
  }
  get size(): number {
    return this.#offsets.size;
  }
  *entries(): MapIterator<[string, NodeRange]> {
    for (const k of this.#offsets.keys()) yield [k, this.get(k) as NodeRange];
  }
  keys(): MapIterator<string> {
    return this.#offsets.keys();
  }
  *values(): MapIterator<NodeRange> {
    for (const k of this.#offsets.keys()) yield this.get(k) as NodeRange;
  }
  [Symbol.iterator](): MapIterator<[string, NodeRange]> {
    return this.entries();
  }
  forEach(cb: (value: NodeRange, key: string, map: Map<string, NodeRange>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.entries()) cb.call(thisArg, v, k, this);
  }
}

function positionOf(lines: LineCounter, offset: number): { line: number; column: number } {
  const p = lines.linePos(offset);
  return { line: p.line, column: p.col };
}

/**
 * Parse one file. `stats`, when given, receives the number of YAML tokens parsed (load.ts
 * keeps a budget for a document and all the files it references).
 */
export function parseSource(text: string, uri: string, displayName: string, limits: ParseLimits = defaultParseLimits, stats?: { tokens: number }): SourceFile {
  const lines = new LineCounter();
  // A UTF-8 BOM is allowed (editors on Windows write one); it is not part of the content,
  // and editors do not count it as a column.
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;

  const deep = scanNestingDepth(body, limits.maxDepth);
  if (deep !== null) {
    lines.addNewLine(0);
    for (let i = 0; i < deep.offset; i++) if (body.charCodeAt(i) === 10) lines.addNewLine(i + 1);
    const pos = positionOf(lines, deep.offset);
    throw new DocumentError('ERR_DOCUMENT_TOO_DEEP', `nesting deeper than ${limits.maxDepth} levels`, {
      file: displayName,
      line: pos.line,
      column: pos.column,
      expected: `at most ${limits.maxDepth} nested levels`,
    });
  }

  let doc: Document.Parsed;
  let extraDocAt = -1;
  try {
    ({ doc, extraDocAt } = parseYaml(body, lines, limits.maxDepth, limits.maxTokens ?? (defaultParseLimits.maxTokens as number), stats));
  } catch (err) {
    if (err instanceof ParseStopped) {
      const pos = positionOf(lines, err.offset);
      const { code, reason, expected } = err.kind === 'depth'
        ? { code: 'ERR_DOCUMENT_TOO_DEEP' as const, reason: `nesting deeper than ${limits.maxDepth} levels`, expected: `at most ${limits.maxDepth} nested levels` }
        : err.kind === 'tokens'
          ? { code: 'ERR_DOCUMENT_TOO_LARGE' as const, reason: `the document has more than ${limits.maxTokens ?? defaultParseLimits.maxTokens} YAML tokens`, expected: 'a smaller document' }
          : yamlError(err.yamlCode, err.message, limits.maxDepth);
      throw new DocumentError(code, reason, { file: displayName, line: pos.line, column: pos.column, expected });
    }
    // The parser itself failed (should not happen): still a user-file error, and no stack trace.
    throw new DocumentError('ERR_DOCUMENT_SYNTAX', `not valid YAML or JSON (${(err as Error).name})`, { file: displayName });
  }
  const first = doc.errors[0];
  if (first !== undefined) {
    const pos = positionOf(lines, first.pos[0]);
    const { code, reason, expected } = yamlError(first.code, first.message, limits.maxDepth);
    throw new DocumentError(code, reason, { file: displayName, line: pos.line, column: pos.column, expected });
  }
  if (extraDocAt >= 0) {
    const pos = positionOf(lines, extraDocAt);
    throw new DocumentError('ERR_DOCUMENT_SYNTAX', 'the file holds several YAML documents', { file: displayName, line: pos.line, column: pos.column, expected: 'exactly one document' });
  }

  const ranges = new LazyRanges(lines);
  let aliases = 0;
  let aliasNodes = 0;

  // Alias → its anchored node, found in one pass on first use. (`Alias.resolve(doc)` walks the
  // whole document for every alias: 100 aliases in a 16 MiB file would be 100 full walks.)
  let anchorsOf: Map<Alias, Node> | undefined;
  const targetOf = (alias: Alias): Node | undefined => {
    if (anchorsOf === undefined) {
      const found = new Map<Alias, Node>();
      const byName = new Map<string, Node>();
      // Document order; a node's anchor counts from the node itself on (YAML 1.2 §7.1).
      visit(doc, {
        Node: (_key, node) => {
          if (isAlias(node)) {
            const t = byName.get(node.source);
            if (t !== undefined) found.set(node, t);
          } else if (node.anchor) byName.set(node.anchor, node);
        },
      });
      anchorsOf = found;
    }
    return anchorsOf.get(alias);
  };
  // Nodes being converted, outermost first: an alias to one of them is a recursive structure.
  const open = new Set<Node>();

  const fail = (code: 'ERR_DOCUMENT_ALIAS_LIMIT' | 'ERR_DOCUMENT_DUPLICATE_KEY' | 'ERR_DOCUMENT_SYNTAX' | 'ERR_DOCUMENT_TOO_DEEP', reason: string, offset: number, expected?: string): never => {
    const pos = positionOf(lines, offset);
    throw new DocumentError(code, reason, { file: displayName, line: pos.line, column: pos.column, expected });
  };

  // `aliasAt`: offset of the outermost alias being expanded (-1: none). Alias limits are
  // reported there, where the user wrote the alias, not inside the anchored node.
  const convert = (node: Node | null | undefined, pointer: string, depth: number, aliasAt: number, keyStart: number, keyEnd: number): unknown => {
    if (node === null || node === undefined) return null;
    if (depth > limits.maxDepth) fail('ERR_DOCUMENT_TOO_DEEP', `nesting deeper than ${limits.maxDepth} levels`, node.range?.[0] ?? 0);
    if (aliasAt >= 0 && ++aliasNodes > limits.maxAliasNodes) {
      fail('ERR_DOCUMENT_ALIAS_LIMIT', `aliases expand to more than ${limits.maxAliasNodes} nodes`, aliasAt, 'a document without exponential alias expansion');
    }
    const r = node.range;
    if (r && !ranges.has(pointer)) ranges.setOffsets(pointer, [r[0], r[1], keyStart, keyEnd]);
    if (isAlias(node)) {
      const at = aliasAt >= 0 ? aliasAt : (r?.[0] ?? 0);
      if (++aliases > limits.maxAliases) fail('ERR_DOCUMENT_ALIAS_LIMIT', `more than ${limits.maxAliases} aliases`, at, `at most ${limits.maxAliases} aliases`);
      const target = targetOf(node);
      if (target === undefined) return fail('ERR_DOCUMENT_SYNTAX', `alias *${node.source} has no anchor`, r?.[0] ?? 0);
      if (open.has(target)) return fail('ERR_DOCUMENT_SYNTAX', `alias *${node.source} refers to a node that contains it`, r?.[0] ?? 0, 'no recursive aliases (JSON has none)');
      return convert(target, pointer, depth, at, keyStart, keyEnd);
    }
    if (isScalar(node)) {
      const v = node.value;
      if (typeof v === 'bigint') return Number(v);
      if (v instanceof Uint8Array || v instanceof Date) return String(node.source ?? v);
      return v === undefined ? null : v;
    }
    if (isMap(node)) {
      open.add(node);
      const out: Record<string, unknown> = {};
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const k = pair.key as Node | null;
        let key: string;
        if (k === null) key = '';
        else if (isScalar(k)) key = String(k.value);
        else if (isAlias(k)) {
          const t = targetOf(k);
          if (!isScalar(t)) fail('ERR_DOCUMENT_SYNTAX', 'a mapping key is not a plain value', k.range?.[0] ?? 0, 'string keys');
          key = String((t as { value: unknown }).value);
        } else return fail('ERR_DOCUMENT_SYNTAX', 'a mapping key is not a plain value', k.range?.[0] ?? 0, 'string keys');
        const kr = k?.range;
        // Keys are compared as the strings they become (so `1` and '1' collide, as in JSON).
        // Done here, in linear time: the parser's own `uniqueKeys` check is quadratic.
        if (hasOwn.call(out, key)) fail('ERR_DOCUMENT_DUPLICATE_KEY', `the key '${shortKey(key)}' appears twice in this mapping`, kr ? kr[0] : (node.range?.[0] ?? 0), 'each key once per mapping');
        const value = convert(pair.value as Node | null, pointer + '/' + escapeToken(key), depth + 1, aliasAt, kr ? kr[0] : -1, kr ? kr[1] : -1);
        // __proto__ as a key must be data, not a prototype switch.
        Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      }
      open.delete(node);
      return out;
    }
    if (isSeq(node)) {
      open.add(node);
      const out: unknown[] = [];
      node.items.forEach((item, i) => {
        out.push(convert(item as Node, pointer + '/' + i, depth + 1, aliasAt, -1, -1));
      });
      open.delete(node);
      return out;
    }
    return null;
  };

  const value = convert(doc.contents as Node | null, '', 0, -1, -1, -1);
  return { uri, displayName, text, value, ranges };
}

const hasOwn = Object.prototype.hasOwnProperty;

/** A key as it may appear in a one-line message: control characters escaped, and short. */
function shortKey(key: string): string {
  const escaped = JSON.stringify(key.length > 60 ? key.slice(0, 60) : key).slice(1, -1);
  return key.length > 60 ? escaped + '…' : escaped;
}

/** Why parseYaml stopped early, and where (an offset into the text). */
class ParseStopped extends Error {
  readonly kind: 'depth' | 'tokens' | 'yaml';
  readonly offset: number;
  readonly yamlCode: string;
  constructor(kind: 'depth' | 'tokens' | 'yaml', offset: number, yamlCode = '', message: string = kind) {
    super(message);
    this.kind = kind;
    this.offset = offset;
    this.yamlCode = yamlCode;
  }
}

/** A `yaml` error code and message as our code, reason and expectation. */
function yamlError(yamlCode: string, message: string, maxDepth: number): { code: 'ERR_DOCUMENT_SYNTAX' | 'ERR_DOCUMENT_TOO_DEEP'; reason: string; expected: string | undefined } {
  // RESOURCE_EXHAUSTION: the composer ran out of stack (it catches that itself). The nesting
  // bound in parseYaml should make it unreachable; if not, it is still nesting, not syntax.
  if (yamlCode === 'RESOURCE_EXHAUSTION') return { code: 'ERR_DOCUMENT_TOO_DEEP', reason: 'nesting too deep for the YAML parser', expected: `at most ${maxDepth} nested levels` };
  return { code: 'ERR_DOCUMENT_SYNTAX', reason: firstLine(message), expected: undefined };
}

/**
 * `parseDocument`, taken apart so that the parser's work is bounded while it runs:
 * - nesting: the lexer and the CST parser are iterative, and the parser's stack holds exactly
 *   the collections still open, so a stack taller than the limit stops the parse at that
 *   token, before the (recursive) composer sees the tree. This holds whatever the depth
 *   pre-scan missed.
 * - size: at most `maxTokens` tokens are parsed.
 * - errors: the first error stops composing (only the first is reported). Without this,
 *   3 MB of `&a &a &a …` makes a million error objects (15 s, 1 GB).
 * Duplicate keys are left to the converter (the composer's `uniqueKeys` is quadratic).
 */
function parseYaml(body: string, lines: LineCounter, maxDepth: number, maxTokens: number, stats?: { tokens: number }): { doc: Document.Parsed; extraDocAt: number } {
  const parser = new Parser(lines.addNewLine);
  // The stack holds the document, the open collections, and at most one scalar.
  const maxStack = maxDepth + 3;
  function* tokens(): Generator<CST.Token> {
    lines.addNewLine(0);
    let count = 0;
    for (const lexeme of new Lexer().lex(body)) {
      const at = parser.offset;
      if (++count > maxTokens) throw new ParseStopped('tokens', at);
      yield* parser.next(lexeme);
      if (parser.stack.length > maxStack) throw new ParseStopped('depth', at);
    }
    if (stats) stats.tokens = count;
    yield* parser.end();
  }
  const composer = new Composer({ uniqueKeys: false, keepSourceTokens: false });
  // Stop at the first error. `onError` is internal to yaml's Composer (2.x); should it change,
  // errors are still collected in `doc.errors` and reported as before, only later.
  const internal = composer as unknown as { onError?: (source: unknown, code: string, message: string, warning?: boolean) => void };
  const report = internal.onError;
  if (typeof report === 'function') {
    // The composer catches exceptions around collections (to report stack overflows) and
    // reports them again: rethrow the first error each time, so that it is the one that ends up here.
    let first: ParseStopped | undefined;
    internal.onError = (source, code, message, warning) => {
      report(source, code, message, warning);
      if (!warning) throw (first ??= new ParseStopped('yaml', errorOffset(source), code, message));
    };
  }
  let doc: Document.Parsed | undefined;
  let extraDocAt = -1;
  for (const d of composer.compose(tokens(), true, body.length)) {
    if (doc === undefined) doc = d;
    else {
      extraDocAt = d.range[0];
      break;
    }
  }
  // compose(…, forceDoc = true) always yields a document.
  return { doc: doc as Document.Parsed, extraDocAt };
}

/** Where a composer error stands: its source is an offset, a [start, end] range or a token. */
function errorOffset(source: unknown): number {
  if (typeof source === 'number') return source;
  if (Array.isArray(source) && typeof source[0] === 'number') return source[0];
  if (source !== null && typeof source === 'object' && 'offset' in source && typeof source.offset === 'number') return source.offset;
  return 0;
}

/** A yaml message as a reason: its first line, without yaml's own position, and short (some
 * messages quote the offending token, which can be megabytes long). */
function firstLine(message: string): string {
  const line = (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
  return line.length > 200 ? line.slice(0, 200) + '…' : line;
}
