// Text → SourceFile: YAML 1.2 (JSON included) into plain JSON values, remembering where
// every node stands. Fatal problems throw DocumentError with file, line and column.
//
// js-yaml parses: on the 2.7 MiB benchmark document it takes ~0.3 s where the `yaml` package
// (Lexer → Parser → Composer, with a node object per value) took ~3 s. Its listener reports
// where each node opens and closes; positions.ts keeps that as a compact tree and computes a
// range only when one is asked for.

import { CORE_SCHEMA, Type, YAMLException, load, type EventType, type LoadOptions, type State } from 'js-yaml';
import { DocumentError, type ErrorCode } from '../errors.js';
import { scanNestingDepth } from './depth.js';
import { LineIndex, NodeTree, TreeRanges, aliasEnd, contentStart, entriesOf, skipSpace } from './positions.js';
import type { SourceFile } from './types.js';

export interface ParseLimits {
  maxDepth: number;
  maxAliases: number;
  /** Nodes that alias expansion may add in one file (bounds "billion laughs"). */
  maxAliasNodes: number;
  /**
   * YAML tokens one file may hold, counted as two per node (the node and the indicator before
   * it) and two per line (the break and the indentation): close to what the `yaml` lexer
   * counted (720k against 770k on the benchmark document), so limits keep their meaning. It
   * bounds the parse's time and memory where `maxBytes` alone does not: 16 MiB of `a,` is 8M
   * nodes, 4.4 s and 500 MB to parse (and as much again for every walk of the value after).
   * Default 2,000,000: 2.8 times the benchmark document of 10,000 operations (2.7 MiB).
   */
  maxTokens?: number;
}

export const defaultParseLimits: Required<ParseLimits> = {
  maxDepth: 200,
  maxAliases: 100,
  maxAliasNodes: 100_000,
  maxTokens: 2_000_000,
};

/**
 * YAML 1.2 core schema (no timestamps, merge keys or binary), as before with `yaml`. A node
 * whose tag the schema does not know (`!include x`, `!!binary …`) keeps its plain value, as
 * `yaml` kept it, instead of failing the whole document: '' matches every tag not found.
 * Except `!!merge`: js-yaml would merge under a key so tagged, whatever the schema.
 */
const schema = CORE_SCHEMA.extend(
  (['scalar', 'sequence', 'mapping'] as const).map(
    (kind) =>
      new Type('', {
        kind,
        multi: true,
        resolve: (_data: unknown, tag?: string) => tag !== 'tag:yaml.org,2002:merge',
        construct: (data: unknown) => (kind === 'scalar' ? (data ?? '') : data),
      }),
  ),
);

/** What the listener reads of js-yaml's state (4.x; `anchor` and a null `kind` are missing from its types). */
interface ParserState {
  readonly position: number;
  readonly line: number;
  readonly result: unknown;
  /** 'scalar', 'sequence', 'mapping'; null for an empty node and for an alias. */
  readonly kind: string | null;
  readonly anchor: string | null;
}

type StopCode = Extract<
  ErrorCode,
  'ERR_DOCUMENT_ALIAS_LIMIT' | 'ERR_DOCUMENT_SYNTAX' | 'ERR_DOCUMENT_TOO_DEEP' | 'ERR_DOCUMENT_TOO_LARGE'
>;

/** Why the listener stopped the parse, and where (an offset into the text). */
class ParseStopped extends Error {
  readonly code: StopCode;
  readonly reason: string;
  readonly offset: number;
  readonly expected: string | undefined;
  constructor(code: StopCode, reason: string, offset: number, expected?: string) {
    super(reason);
    this.code = code;
    this.reason = reason;
    this.offset = offset;
    this.expected = expected;
  }
}

const isObject = (v: unknown): v is object => v !== null && typeof v === 'object';

/**
 * Work done by the parses so far, counted so that tests bound it by counting instead of by the
 * clock: characters the nesting pre-scan covered, nodes the parser opened, collections alias
 * sizing visited. Module state for tests only (src/index.ts does not export it).
 */
export const parseWork = { scanned: 0, opened: 0, measured: 0 };

/**
 * Parse one file. `stats`, when given, receives the number of YAML tokens parsed (load.ts
 * keeps a budget for a document and all the files it references).
 */
export function parseSource(
  text: string,
  uri: string,
  displayName: string,
  limits: ParseLimits = defaultParseLimits,
  stats?: { tokens: number },
): SourceFile {
  // A UTF-8 BOM is allowed (editors on Windows write one); it is not part of the content,
  // and editors do not count it as a column. (All of them: js-yaml drops one more itself,
  // which would shift its offsets against this text.)
  let bom = 0;
  while (text.charCodeAt(bom) === 0xfeff) bom++;
  const body = bom === 0 ? text : text.slice(bom);
  const lines = new LineIndex(body);
  const maxTokens = limits.maxTokens ?? defaultParseLimits.maxTokens;
  const tooDeep = {
    reason: `nesting deeper than ${limits.maxDepth} levels`,
    expected: `at most ${limits.maxDepth} nested levels`,
  };
  const fail = (code: ErrorCode, reason: string, offset: number | undefined, expected?: string): never => {
    const pos = offset === undefined ? undefined : lines.position(Math.max(0, Math.min(offset, body.length)));
    throw new DocumentError(code, reason, { file: displayName, line: pos?.line, column: pos?.column, expected });
  };

  // The pre-scan rejects deep nesting with an exact position before the (recursive) parser
  // runs; js-yaml's own `maxDepth` below is the second net, for text that fools the scan.
  const deep = scanNestingDepth(body, limits.maxDepth);
  parseWork.scanned += deep === null ? body.length : deep.offset;
  if (deep !== null) fail('ERR_DOCUMENT_TOO_DEEP', tooDeep.reason, deep.offset, tooDeep.expected);

  // Nodes as js-yaml composes them (positions.ts): about one per 12 characters; the arrays grow.
  const tree = new NodeTree(Math.min(body.length >> 4, 1 << 16));
  const open: number[] = [];
  let rootEnd = -1;

  // Aliases. js-yaml gives every alias of a collection the same object: the value is a DAG, but
  // whoever walks it walks the expanded tree. So that expansion is bounded as before: at most
  // `maxAliases` alias uses (those inside expanded aliases count again), at most
  // `maxAliasNodes` nodes added, and no deeper than `maxDepth`. Reported at the alias written
  // in the file. Sizes are memoized by identity: linear in the distinct nodes.
  const anchors = new Map<object, number>(); // anchored collection → its node
  const usesInside = new Map<object, number>(); // anchored collection → alias uses in its expansion
  const aliasStarts: number[] = []; // where each alias node opened, in document order
  const aliasUses: number[] = []; // alias uses so far, up to and including each alias node
  let aliasNodes = 0;
  const sizes = new Map<object, number>();
  const heights = new Map<object, number>();
  const measure = (v: object): void => {
    if (sizes.has(v)) return;
    parseWork.measured++;
    let size = 1;
    let height = 1;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (isObject(child)) {
        measure(child);
        size += sizes.get(child)!;
        height = Math.max(height, 1 + heights.get(child)!);
      } else size++;
    }
    sizes.set(v, size);
    heights.set(v, height);
  };
  /** Alias uses among the alias nodes opened at or after `offset`. */
  const usesSince = (offset: number): number => {
    let lo = 0;
    let hi = aliasStarts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (aliasStarts[mid]! < offset) lo = mid + 1;
      else hi = mid;
    }
    const total = aliasUses.length === 0 ? 0 : aliasUses[aliasUses.length - 1]!;
    return total - (lo === 0 ? 0 : aliasUses[lo - 1]!);
  };

  const closeAlias = (node: number, at: number, target: unknown): void => {
    const name = body.slice(at, Math.min(aliasEnd(body, at), at + 60));
    let inside = 0;
    let size = 1;
    if (isObject(target)) {
      // The anchored collection is still open: the alias is inside it.
      if (!anchors.has(target))
        throw new ParseStopped(
          'ERR_DOCUMENT_SYNTAX',
          `alias ${name} refers to a node that contains it`,
          at,
          'no recursive aliases (JSON has none)',
        );
      inside = usesInside.get(target)!;
      measure(target);
      size = sizes.get(target)! + inside;
      // The open nodes are the alias's ancestors (a few of them wrappers: at most two more).
      if (open.length + heights.get(target)! > limits.maxDepth + 1)
        throw new ParseStopped(
          'ERR_DOCUMENT_TOO_DEEP',
          `alias ${name} expands ${tooDeep.reason}`,
          at,
          tooDeep.expected,
        );
    }
    const uses = (aliasUses.length === 0 ? 0 : aliasUses[aliasUses.length - 1]!) + 1 + inside;
    if (uses > limits.maxAliases)
      throw new ParseStopped(
        'ERR_DOCUMENT_ALIAS_LIMIT',
        `more than ${limits.maxAliases} aliases`,
        at,
        `at most ${limits.maxAliases} aliases`,
      );
    aliasNodes += size;
    if (aliasNodes > limits.maxAliasNodes)
      throw new ParseStopped(
        'ERR_DOCUMENT_ALIAS_LIMIT',
        `aliases expand to more than ${limits.maxAliasNodes} nodes`,
        at,
        'a document without exponential alias expansion',
      );
    aliasStarts.push(tree.start[node]!);
    aliasUses.push(uses);
  };

  // js-yaml turns a collection used as a mapping key into a string ('[object Object]');
  // JSON has no such keys, and before they were refused. Checked where a collection is among
  // a node's children.
  const checkKeys = (node: number, value: object): void => {
    let key = 0;
    if (!Array.isArray(value) && tree.count[node] === 2 * Object.keys(value).length) {
      // key, value, key, value…: the keys are the even children.
      for (let k = tree.first[node]!, i = 0; k !== 0 && key === 0; k = tree.next[k]!, i++)
        if (i % 2 === 0 && isObject(tree.values[k])) key = k;
    } else if (!Array.isArray(value) || value.length !== tree.count[node]) key = collectionKey(tree, node, value);
    if (key !== 0)
      throw new ParseStopped(
        'ERR_DOCUMENT_SYNTAX',
        'a mapping key is not a plain value',
        contentStart(body, tree.start[key]!),
        'string keys',
      );
  };

  const listener = (event: EventType, raw: State): void => {
    const state = raw as unknown as ParserState;
    if (event === 'open') {
      if (2 * (tree.opened + 1 + state.line) > maxTokens) {
        throw new ParseStopped(
          'ERR_DOCUMENT_TOO_LARGE',
          `the document has more than ${maxTokens} YAML tokens`,
          state.position,
          'a smaller document',
        );
      }
      if (open.length === 0 && rootEnd >= 0) {
        throw new ParseStopped(
          'ERR_DOCUMENT_SYNTAX',
          'the file holds several YAML documents',
          nextDocumentAt(body, rootEnd),
          'exactly one document',
        );
      }
      parseWork.opened++;
      open.push(tree.open(state.position));
      return;
    }
    const id = open.pop()!;
    const value = state.result;
    const node = tree.close(id, state.position, value);
    if (node === id) {
      if (isObject(value) && tree.collectionChild[id] === 1) checkKeys(id, value);
      // An alias: no content of its own (null kind), written `*name` (before the node's end:
      // an empty node ends where the next one starts).
      if (state.kind === null && tree.count[id] === 0) {
        const at = contentStart(body, tree.start[id]!);
        if (at < tree.end[id]! && body.charCodeAt(at) === 42 /* * */) closeAlias(id, at, value);
      }
    }
    if (isObject(value) && state.anchor !== null) {
      anchors.set(value, node);
      usesInside.set(value, aliasStarts.length === 0 ? 0 : usesSince(tree.start[node]!));
    }
    const parent = open.length === 0 ? 0 : open[open.length - 1]!;
    if (parent === 0) {
      tree.root = node;
      rootEnd = state.position;
    } else {
      tree.attach(parent, node);
      if (isObject(value)) tree.collectionChild[parent] = 1;
    }
  };

  const options: LoadOptions & { maxDepth: number } = {
    schema,
    // false: duplicate keys are errors (compared as the strings they become: `1` and '1' collide).
    json: false,
    // js-yaml counts the nodes it composes, one or two more than our levels (the root of a JSON
    // document, a block value it first tried as a key).
    maxDepth: limits.maxDepth + 2,
    listener,
    filename: displayName,
  };
  let value: unknown;
  try {
    value = load(body, options);
  } catch (err) {
    if (err instanceof ParseStopped) fail(err.code, err.reason, err.offset, err.expected);
    if (err instanceof YAMLException) {
      const offset: number | undefined = err.mark?.position;
      const reason = typeof err.reason === 'string' ? err.reason : '';
      if (reason === 'duplicated mapping key') {
        // The mapping is the innermost open node; its key node opened where js-yaml points.
        let key: number | undefined;
        if (open.length > 0)
          for (const k of tree.children(open[open.length - 1]!)) if (tree.start[k] === offset) key = k;
        const at = key === undefined ? offset : contentStart(body, tree.start[key]!);
        const what = key === undefined ? 'a key' : `the key '${shortKey(String(tree.values[key]))}'`;
        fail('ERR_DOCUMENT_DUPLICATE_KEY', `${what} appears twice in this mapping`, at, 'each key once per mapping');
      }
      if (reason.startsWith('nesting exceeded maxDepth'))
        fail('ERR_DOCUMENT_TOO_DEEP', tooDeep.reason, offset, tooDeep.expected);
      // js-yaml points after the backslash; the sequence starts at it (where `yaml` pointed).
      fail(
        'ERR_DOCUMENT_SYNTAX',
        firstLine(reason) || 'not valid YAML or JSON',
        reason === 'unknown escape sequence' && offset !== undefined ? offset - 1 : offset,
      );
    }
    if (err instanceof RangeError && /call stack/i.test(err.message)) {
      // Out of stack (js-yaml recurses per level): still nesting, not syntax.
      fail(
        'ERR_DOCUMENT_TOO_DEEP',
        'nesting too deep for the YAML parser',
        open.length === 0 ? undefined : tree.start[open[open.length - 1]!],
        tooDeep.expected,
      );
    }
    // The parser itself failed (should not happen): still a user-file error, and no stack trace.
    fail('ERR_DOCUMENT_SYNTAX', `not valid YAML or JSON (${(err as Error)?.name ?? typeof err})`, undefined);
  }

  // Lines after the last node count too (a file of blank lines or comments is still work).
  const tokens = 2 * (tree.opened + lines.breaks);
  if (tokens > maxTokens) {
    fail(
      'ERR_DOCUMENT_TOO_LARGE',
      `the document has more than ${maxTokens} YAML tokens`,
      lines.lineStart(Math.floor(maxTokens / 2) - tree.opened + 1),
      'a smaller document',
    );
  }
  if (stats) stats.tokens = tokens;
  // An empty file (or only comments) has no document: null, as an empty document.
  return {
    uri,
    displayName,
    text,
    value: value === undefined ? null : value,
    ranges: new TreeRanges(tree, body, lines, anchors),
  };
}

/**
 * A child of `node` that is a collection used as a key (0: none), where its children are not
 * simply key, value, key, value… (a key without a value node, `key: value` items in a flow
 * sequence): matched by position where they can be, else a collection child that is none of
 * the values is a key.
 */
function collectionKey(tree: NodeTree, node: number, value: object): number {
  if (!Array.isArray(value)) {
    const entries = entriesOf(tree, node, value as Record<string, unknown>);
    if (entries !== null) {
      for (let i = 0; i < entries.nodes.length; i += 2)
        if (isObject(tree.values[entries.nodes[i]!])) return entries.nodes[i]!;
      return 0;
    }
  }
  const values = new Set<unknown>();
  for (const v of Array.isArray(value) ? value : Object.values(value)) {
    values.add(v);
    // A single-pair item of a flow sequence holds its value node's value.
    if (Array.isArray(value) && isObject(v) && !Array.isArray(v)) for (const w of Object.values(v)) values.add(w);
  }
  for (const k of tree.children(node)) if (isObject(tree.values[k]) && !values.has(tree.values[k])) return k;
  return 0;
}

/** Where the next document starts after one that ended at `from` (past any `...` end marker). */
function nextDocumentAt(text: string, from: number): number {
  let i = skipSpace(text, from);
  while (text.startsWith('...', i) && (i + 3 >= text.length || /\s/.test(text[i + 3] as string)))
    i = skipSpace(text, i + 3);
  return i;
}

/** A key as it may appear in a one-line message: control characters escaped, and short. */
function shortKey(key: string): string {
  const escaped = JSON.stringify(key.length > 60 ? key.slice(0, 60) : key).slice(1, -1);
  return key.length > 60 ? escaped + '…' : escaped;
}

/** A js-yaml reason as ours: its first line, and short (some quote a tag, which can be long). */
function firstLine(message: string): string {
  const line = message.split('\n')[0] ?? message;
  return line.length > 200 ? line.slice(0, 200) + '…' : line;
}
