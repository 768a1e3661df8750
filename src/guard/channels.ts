// Channel addresses → compiled matchers, the channel table the guard looks concrete channels up
// in, HTTP/WebSocket paths → channels, and the MQTT wildcard questions: can a subscription
// filter reach a channel, and is every topic it can reach an allowed channel.
// The rules, with examples, are in docs/channels.md.
//
// Hot path (STYLE.md): everything here is compiled before listening. `match` and `lookup`
// build no regex and allocate nothing on a miss except, in `lookup`, the Map keys it slices
// (one short substring per multi-way trie level or affix bucket visited).

import {
  checkTopicName,
  isValidTopicName,
  MQTT_MAX_STRING_BYTES,
  parseTopicFilter,
  utf8Length,
  type TopicFilter,
} from './mqtt-topic.js';

// ---------------------------------------------------------------- address templates

export type AddressProblem =
  | 'unbalanced_brace' // `{` without its `}`, a `}` without its `{`, or `{` inside a parameter
  | 'empty_parameter' // `{}`: a parameter needs a name
  | 'bad_parameter_name' // a name character outside [A-Za-z0-9_.-]
  | 'duplicate_parameter' // the same name twice: `{id}/{id}`
  | 'adjacent_parameters' // `{a}{b}`: no literal between them, so no single way to split a value
  | 'nul_character'; // U+0000 can be no part of a channel (MQTT §1.5.3; refused in paths)

/** A malformed address template: a value, never thrown. `offset` is a UTF-16 index into `address`. */
export interface AddressError {
  readonly ok: false;
  readonly address: string;
  readonly reason: AddressProblem;
  readonly offset: number;
}

/** One `/`-separated level of an address. */
export type AddressLevel =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'parameter'; readonly name: string }
  /** Literal text and parameters in one level: `user-{id}`, `{a}.{b}`. */
  | { readonly kind: 'mixed'; readonly text: string };

/**
 * Parameter name → value. The object inherits nothing (its prototype is a frozen, empty,
 * null-prototype object), so `__proto__` or `toString` are ordinary names.
 */
export type ChannelParams = Readonly<Record<string, string>>;

export interface AddressMatcher {
  readonly ok: true;
  readonly address: string;
  /** Parameter names in the order they appear. */
  readonly parameters: readonly string[];
  /** True when the address has no parameter (matching is string equality). */
  readonly literal: boolean;
  readonly levels: readonly AddressLevel[];
  /**
   * The parameter values when `channel` is a concrete channel of this address, else null.
   * Each value is one or more characters other than `/` and U+0000; literal text compares
   * exactly (case-sensitive, no Unicode normalization).
   */
  match(channel: string): ChannelParams | null;
}

export type CompiledAddress = AddressMatcher | AddressError;

// Not Object.create(null) itself: V8 keeps such objects in slow dictionary mode, which made a
// table hit ~2.5x slower (bench). An empty frozen null-prototype parent gives the same
// "inherits nothing" guarantee with fast properties.
const PARAMS_PROTO: object = Object.freeze(Object.create(null) as object);
const NO_PARAMS: ChannelParams = Object.freeze(Object.create(PARAMS_PROTO) as Record<string, string>);
const NAME_CHAR = /^[A-Za-z0-9_.-]$/;

/** What coverage needs beyond the public shape; kept off the object so it stays read-only data. */
interface MatcherInternals {
  /** Literal chunks around the parameters: lits[0] {p0} lits[1] … {pn-1} lits[n]. */
  lits: readonly string[];
  /** Per level: the level compiled on its own when it is mixed, else null. */
  levelMatchers: readonly (AddressMatcher | null)[];
  /** Can this address produce a valid MQTT topic name (no literal `+`/`#`, fits 65,535 bytes)? */
  mqtt: boolean;
}
const internals = new WeakMap<AddressMatcher, MatcherInternals>();

function parseTemplate(address: string): { lits: string[]; names: string[] } | AddressError {
  const lits: string[] = [];
  const names: string[] = [];
  const seen = new Set<string>();
  const fail = (reason: AddressProblem, offset: number): AddressError => ({ ok: false, address, reason, offset });
  let litStart = 0;
  let i = 0;
  while (i < address.length) {
    const c = address.charCodeAt(i);
    if (c === 0) return fail('nul_character', i);
    if (c === 0x7d /* } */) return fail('unbalanced_brace', i);
    if (c !== 0x7b /* { */) {
      i++;
      continue;
    }
    const close = address.indexOf('}', i + 1);
    if (close < 0) return fail('unbalanced_brace', i);
    const name = address.slice(i + 1, close);
    if (name.length === 0) return fail('empty_parameter', i);
    for (let j = 0; j < name.length; j++) {
      const ch = name[j] as string;
      if (ch === '{') return fail('unbalanced_brace', i);
      if (!NAME_CHAR.test(ch)) return fail(ch === '\0' ? 'nul_character' : 'bad_parameter_name', i + 1 + j);
    }
    const lit = address.slice(litStart, i);
    if (lit.length === 0 && names.length > 0) return fail('adjacent_parameters', i);
    if (seen.has(name)) return fail('duplicate_parameter', i);
    seen.add(name);
    lits.push(lit);
    names.push(name);
    i = close + 1;
    litStart = i;
  }
  lits.push(address.slice(litStart));
  return { lits, names };
}

function levelOf(text: string): AddressLevel {
  if (!text.includes('{')) return { kind: 'literal', text };
  const close = text.indexOf('}');
  if (text.charCodeAt(0) === 0x7b && close === text.length - 1) return { kind: 'parameter', name: text.slice(1, -1) };
  return { kind: 'mixed', text };
}

/**
 * Compiles an AsyncAPI channel address (AsyncAPI 3.0 §Channel Object `address`, §Parameter
 * Object). Returns null for a null address (unknown at design time: it matches no channel,
 * so the guard fails closed), an `AddressError` for a malformed template, else a matcher.
 */
export function compileAddress(address: string | null): CompiledAddress | null {
  if (address === null) return null;
  const parsed = parseTemplate(address);
  if ('ok' in parsed) return parsed;
  const { lits, names } = parsed;
  const levels = address.split('/').map(levelOf);
  const matcher = names.length === 0 ? literalMatcher(address, levels) : templateMatcher(address, lits, names, levels);
  // A one-level address is its own level matcher (compiling it again would never end).
  const levelMatchers = levels.map((l) =>
    l.kind !== 'mixed' ? null : levels.length === 1 ? matcher : (compileAddress(l.text) as AddressMatcher),
  );
  // A topic name has no `+`/`#` (§4.7.1.1), no lone surrogate, and fits 65,535 bytes (§1.5.3).
  let minBytes = names.length;
  let mqtt = address.length > 0;
  for (const lit of lits) {
    if (lit.length > 0 && checkTopicName(lit) !== null) mqtt = false;
    else minBytes += utf8Length(lit);
  }
  if (minBytes > MQTT_MAX_STRING_BYTES) mqtt = false;
  internals.set(matcher, { lits, levelMatchers, mqtt });
  return matcher;
}

/** Narrows a `compileAddress` result to its error. */
export function isAddressError(compiled: CompiledAddress | null): compiled is AddressError {
  return compiled !== null && !compiled.ok;
}

function literalMatcher(address: string, levels: readonly AddressLevel[]): AddressMatcher {
  return Object.freeze({
    ok: true as const,
    address,
    parameters: Object.freeze([]),
    literal: true,
    levels: Object.freeze(levels),
    match: (channel: string): ChannelParams | null => (channel === address ? NO_PARAMS : null),
  });
}

/**
 * The plan: lits[0] {p0} lits[1] {p1} … {pn-1} lits[n]. The first and last literal are anchored
 * at the ends; each middle literal is found with `indexOf` at its leftmost position after at
 * least one character of the parameter before it. Leftmost is always right: a parameter cannot
 * cross `/`, so a later occurrence only leaves less room for what follows (docs/channels.md).
 */
function templateMatcher(
  address: string,
  lits: readonly string[],
  names: readonly string[],
  levels: readonly AddressLevel[],
): AddressMatcher {
  const n = names.length;
  const head = lits[0] as string;
  const tail = lits[n] as string;
  let minLength = n;
  for (const lit of lits) minLength += lit.length;
  // Value boundaries of the last attempt: reused across calls, so a miss allocates nothing.
  const marks = new Int32Array(2 * n);

  function match(s: string): ChannelParams | null {
    // V8: endsWith(x, at + x.length) is several times faster than startsWith(x, at) (bench).
    if (s.length < minLength || !s.endsWith(head, head.length) || !s.endsWith(tail)) return null;
    const limit = s.length - tail.length;
    let pos = head.length;
    for (let i = 0; i < n; i++) {
      const slash = s.indexOf('/', pos);
      let end: number;
      if (i === n - 1) {
        end = limit;
        if (end <= pos || (slash !== -1 && slash < end)) return null;
        marks[2 * i] = pos;
        marks[2 * i + 1] = end;
      } else {
        const lit = lits[i + 1] as string;
        end = s.indexOf(lit, pos + 1);
        if (end < 0 || end + lit.length > limit || (slash !== -1 && slash < end)) return null;
        marks[2 * i] = pos;
        marks[2 * i + 1] = end;
        pos = end + lit.length;
      }
    }
    for (let i = 0; i < n; i++) {
      for (let j = marks[2 * i] as number, e = marks[2 * i + 1] as number; j < e; j++)
        if (s.charCodeAt(j) === 0) return null;
    }
    const out = Object.create(PARAMS_PROTO) as Record<string, string>;
    for (let i = 0; i < n; i++) out[names[i] as string] = s.slice(marks[2 * i], marks[2 * i + 1]);
    return out;
  }

  return Object.freeze({
    ok: true as const,
    address,
    parameters: Object.freeze([...names]),
    literal: false,
    levels: Object.freeze(levels),
    match,
  });
}

// ---------------------------------------------------------------- the channel table

export interface ChannelEntry {
  key: string;
  address: string | null;
}

export interface ChannelHit {
  readonly key: string;
  readonly params: ChannelParams;
}

export interface ChannelTable {
  /** Every entry whose address matches this concrete channel (usually zero or one). */
  lookup(channel: string): readonly ChannelHit[];
  /** `lookup` for an MQTT PUBLISH topic name: nothing unless it is a valid topic name (§4.7.3). */
  lookupTopic(topic: string): readonly ChannelHit[];
  /** The compiled address of each entry, by position (null for a null address or an error). */
  readonly matchers: readonly (AddressMatcher | null)[];
  /**
   * Entries whose address is malformed. They match nothing; a caller that builds a guard
   * refuses to start while this is non-empty.
   */
  readonly invalid: readonly { readonly key: string; readonly error: AddressError }[];
}

const NO_HITS: readonly ChannelHit[] = Object.freeze([]);

interface TrieNode {
  /** Children by literal level text; `onlyKey`/`onlyChild` when there is exactly one. */
  lit: Map<string, TrieNode> | null;
  onlyKey: string | null;
  onlyChild: TrieNode | null;
  /** Child for a parameter or mixed level (non-empty value; the matcher checks the rest). */
  any: TrieNode | null;
  /** Templated entries whose last level ends here. */
  ends: End[];
  /** For a long `ends` list: the entries bucketed by their first or last literal chunk. */
  index: AffixIndex | null;
}

interface End {
  key: string;
  matcher: AddressMatcher;
}

/**
 * Entries that share their level structure often differ only in a literal at one end
 * (`…/lighting/measured` vs `…/lighting/dimmed`, or `org1.{id}` vs `org2.{id}` in one level).
 * Bucketing them by that chunk turns a scan into one Map lookup per distinct chunk length.
 */
interface AffixIndex {
  fromEnd: boolean;
  lengths: number[];
  buckets: Map<string, End[]>[];
}

const INDEX_THRESHOLD = 8;

const newNode = (): TrieNode => ({ lit: null, onlyKey: null, onlyChild: null, any: null, ends: [], index: null });

function affixIndex(ends: readonly End[], fromEnd: boolean): AffixIndex {
  const byLength = new Map<number, Map<string, End[]>>();
  for (const end of ends) {
    const lits = (internals.get(end.matcher) as MatcherInternals).lits;
    const affix = (fromEnd ? lits[lits.length - 1] : lits[0]) as string;
    let bucket = byLength.get(affix.length);
    if (bucket === undefined) byLength.set(affix.length, (bucket = new Map()));
    const list = bucket.get(affix);
    if (list === undefined) bucket.set(affix, [end]);
    else list.push(end);
  }
  const lengths = [...byLength.keys()].sort((a, b) => a - b);
  return { fromEnd, lengths, buckets: lengths.map((l) => byLength.get(l) as Map<string, End[]>) };
}

const bucketCount = (index: AffixIndex): number => index.buckets.reduce((sum, b) => sum + b.size, 0);

function childFor(node: TrieNode, level: AddressLevel): TrieNode {
  if (level.kind !== 'literal') return (node.any ??= newNode());
  node.lit ??= new Map();
  let child = node.lit.get(level.text);
  if (child === undefined) {
    child = newNode();
    node.lit.set(level.text, child);
  }
  return child;
}

function sealTrie(node: TrieNode): void {
  if (node.ends.length > INDEX_THRESHOLD) {
    const head = affixIndex(node.ends, false);
    const tail = affixIndex(node.ends, true);
    const best = bucketCount(tail) >= bucketCount(head) ? tail : head;
    if (bucketCount(best) > 1) node.index = best;
  }
  if (node.lit !== null && node.lit.size === 1) {
    const [key, child] = node.lit.entries().next().value as [string, TrieNode];
    node.onlyKey = key;
    node.onlyChild = child;
  }
  if (node.lit !== null) for (const child of node.lit.values()) sealTrie(child);
  if (node.any !== null) sealTrie(node.any);
}

function scan(ends: readonly End[], s: string, out: ChannelHit[] | null): ChannelHit[] | null {
  for (let i = 0; i < ends.length; i++) {
    const { key, matcher } = ends[i] as End;
    const params = matcher.match(s);
    if (params !== null) (out ??= []).push({ key, params });
  }
  return out;
}

function collect(node: TrieNode, s: string, out: ChannelHit[] | null): ChannelHit[] | null {
  const index = node.index;
  if (index === null) return scan(node.ends, s, out);
  for (let i = 0; i < index.lengths.length; i++) {
    const length = index.lengths[i] as number;
    if (length > s.length) break;
    const bucket = (index.buckets[i] as Map<string, End[]>).get(
      index.fromEnd ? s.slice(s.length - length) : s.slice(0, length),
    );
    if (bucket !== undefined) out = scan(bucket, s, out);
  }
  return out;
}

/** Walks the level trie; each node is visited at most once per lookup, so cost ≤ trie size. */
function walk(node: TrieNode, s: string, pos: number, out: ChannelHit[] | null): ChannelHit[] | null {
  const slash = s.indexOf('/', pos);
  const end = slash < 0 ? s.length : slash;
  let child: TrieNode | null | undefined = null;
  if (node.onlyKey !== null) {
    if (end - pos === node.onlyKey.length && s.endsWith(node.onlyKey, end)) child = node.onlyChild;
  } else if (node.lit !== null) {
    child = node.lit.get(s.slice(pos, end));
  }
  if (child != null) out = slash < 0 ? collect(child, s, out) : walk(child, s, slash + 1, out);
  if (node.any !== null && end > pos) out = slash < 0 ? collect(node.any, s, out) : walk(node.any, s, slash + 1, out);
  return out;
}

/**
 * Compiles every entry once. Literal addresses go into a Map (one lookup, no allocation when
 * nothing templated matches); templated ones into a trie of levels, so a lookup visits only
 * the branches the channel's own levels select, whatever the table size.
 */
export function createChannelTable(entries: readonly ChannelEntry[]): ChannelTable {
  const literal = new Map<string, ChannelHit[]>();
  const root = newNode();
  let templated = 0;
  const matchers: (AddressMatcher | null)[] = [];
  const invalid: { key: string; error: AddressError }[] = [];
  for (const { key, address } of entries) {
    const compiled = compileAddress(address);
    if (compiled === null || !compiled.ok) {
      if (compiled !== null) invalid.push(Object.freeze({ key, error: compiled }));
      matchers.push(null);
      continue;
    }
    matchers.push(compiled);
    if (compiled.literal) {
      const hits = literal.get(compiled.address) ?? [];
      hits.push(Object.freeze({ key, params: NO_PARAMS }));
      literal.set(compiled.address, hits);
      continue;
    }
    let node = root;
    for (const level of compiled.levels) node = childFor(node, level);
    node.ends.push({ key, matcher: compiled });
    templated++;
  }
  for (const hits of literal.values()) Object.freeze(hits);
  sealTrie(root);

  function lookup(channel: string): readonly ChannelHit[] {
    const fixed = literal.get(channel);
    const found = templated === 0 ? null : walk(root, channel, 0, null);
    if (found === null) return fixed ?? NO_HITS;
    return fixed === undefined ? found : fixed.concat(found);
  }

  return Object.freeze({
    lookup,
    lookupTopic: (topic: string) => (isValidTopicName(topic) ? lookup(topic) : NO_HITS),
    matchers: Object.freeze(matchers),
    invalid: Object.freeze(invalid),
  });
}

// ---------------------------------------------------------------- HTTP / WebSocket paths

/**
 * Maps a request path to the concrete channel it names, or null when it names none.
 *
 * `rawPath` is the path as received (percent-encoded, no query or fragment). It must start
 * with `/`, then begin with the server's `pathname` segments (compared after decoding; a
 * trailing `/` on `pathname` is ignored). What follows, minus its one leading `/`, is the
 * channel, each segment percent-decoded on its own. Refused (null): a segment that fails to
 * decode, that is `.` or `..`, or that decodes to something containing `/` (`%2F`), U+0000,
 * `+` or `#` — a channel reached over HTTP is always a valid MQTT topic level, since every
 * transport shares one bus. `/ws` and `/ws/` both name the empty channel (address `/` or ``).
 */
export function pathToChannel(rawPath: string, serverPathname?: string): string | null {
  if (rawPath.charCodeAt(0) !== 0x2f || rawPath.includes('?') || rawPath.includes('#')) return null;
  const segments = rawPath.slice(1).split('/');
  for (let i = 0; i < segments.length; i++) {
    let seg = segments[i] as string;
    if (seg.includes('%')) {
      try {
        seg = decodeURIComponent(seg);
      } catch {
        return null; // malformed escape or invalid UTF-8
      }
      segments[i] = seg;
    }
    if (seg === '.' || seg === '..') return null;
    for (let j = 0; j < seg.length; j++) {
      const c = seg.charCodeAt(j);
      if (c === 0x2f || c === 0 || c === 0x2b || c === 0x23) return null;
    }
  }
  const prefix = prefixSegments(serverPathname);
  if (segments.length < prefix.length) return null;
  for (let i = 0; i < prefix.length; i++) if (segments[i] !== prefix[i]) return null;
  return segments.slice(prefix.length).join('/');
}

function prefixSegments(pathname: string | undefined): string[] {
  if (pathname === undefined) return [];
  let p = pathname.startsWith('/') ? pathname.slice(1) : pathname;
  if (p.endsWith('/')) p = p.slice(0, -1);
  return p.length === 0 ? [] : p.split('/');
}

export interface PathTable {
  /** Every entry whose address matches the channel the request path names (`pathToChannel`). */
  matchPath(rawPath: string): readonly ChannelHit[];
  readonly invalid: ChannelTable['invalid'];
}

/**
 * A channel table for an HTTP or WebSocket server. An address's one leading `/` is dropped,
 * so `/echo` and `echo` both name `GET <pathname>/echo`.
 */
export function createPathTable(entries: readonly ChannelEntry[], options: { pathname?: string } = {}): PathTable {
  const invalid: { key: string; error: AddressError }[] = [];
  const normalized: ChannelEntry[] = [];
  for (const { key, address } of entries) {
    const compiled = compileAddress(address);
    if (compiled !== null && !compiled.ok) invalid.push(Object.freeze({ key, error: compiled }));
    else normalized.push({ key, address: address !== null && address.startsWith('/') ? address.slice(1) : address });
  }
  const table = createChannelTable(normalized);
  const pathname = options.pathname;
  return Object.freeze({
    matchPath(rawPath: string): readonly ChannelHit[] {
      const channel = pathToChannel(rawPath, pathname);
      return channel === null ? NO_HITS : table.lookup(channel);
    },
    invalid: Object.freeze(invalid),
  });
}

// ---------------------------------------------------------------- MQTT wildcard questions

function asFilter(filter: string | TopicFilter): TopicFilter | null {
  const f = typeof filter === 'string' ? parseTopicFilter(filter) : filter;
  return f.ok ? f : null;
}

/** Can address level `i` of `m` be exactly `value` (a valid topic level, possibly empty)? */
function levelContains(m: AddressMatcher, i: number, value: string): boolean {
  const level = m.levels[i] as AddressLevel;
  if (level.kind === 'literal') return level.text === value;
  if (level.kind === 'parameter') return value.length > 0;
  return (internals.get(m) as MatcherInternals).levelMatchers[i]!.match(value) !== null;
}

function mqttProducible(m: AddressMatcher): boolean {
  return (internals.get(m) as MatcherInternals).mqtt;
}

/** A filter whose first level is `+` or `#` matches no topic starting with `$` (§4.7.2). */
function startsWithWildcard(f: TopicFilter): boolean {
  return f.levels.length === 0 ? f.multiLevel : f.levels[0] === '+';
}

/**
 * Can this subscription filter match at least one concrete topic name the address can
 * produce? Exact, except that the 65,535-byte limit is only checked on the address's literal
 * text (so it may answer true for a topic that would be too long). False for an invalid
 * filter, a null address, or an address no topic name can have (a literal `+` or `#`).
 */
export function filterCanMatch(filter: string | TopicFilter, matcher: AddressMatcher | null): boolean {
  const f = asFilter(filter);
  if (f === null || matcher === null || !mqttProducible(matcher)) return false;
  const n = matcher.levels.length;
  const k = f.levels.length;
  if (f.multiLevel ? n < k : n !== k) return false; // `#` also matches the parent level (§4.7.1.2)
  for (let i = 0; i < k; i++) {
    const want = f.levels[i] as string;
    if (want !== '+' && !levelContains(matcher, i, want)) return false;
  }
  // A parameter can always start with something else than `$`; a literal start cannot change.
  if (startsWithWildcard(f) && (internals.get(matcher) as MatcherInternals).lits[0]!.charCodeAt(0) === 0x24)
    return false;
  return true;
}

export type FilterCoverage =
  | { readonly covered: true }
  | {
      readonly covered: false;
      /**
       * invalid_filter: not a valid filter (§4.7.1). multi_level: it ends in `#`, which reaches
       * deeper than any address. uncovered: `example` is a topic it matches that no allowed
       * address matches. too_complex: the search hit its step budget; refused to stay sound.
       */
      readonly reason: 'invalid_filter' | 'multi_level' | 'uncovered' | 'too_complex';
      /** A valid topic name the filter matches and no allowed address matches, when one is known. */
      readonly example: string | null;
    };

/**
 * Limits of the coverage search, past which it answers "not covered" (too_complex). The
 * address sets searched at one depth are disjoint, so the steps never exceed twice the number
 * of `+` levels times the number of addresses; the limits only bound absurd inputs and the
 * recursion depth (one frame per `+` level).
 */
const COVERAGE_STEPS = 1_000_000;
const COVERAGE_DEPTH = 1024;
const FRESH = 'xyzqwvkjXYZQ0123456789';

/** A one-character level value that no literal or mixed level at `i` among `s` can be. */
function freshValue(s: readonly AddressMatcher[], i: number): string {
  let used = '';
  for (const m of s) {
    const level = m.levels[i] as AddressLevel;
    if (level.kind !== 'parameter') used += level.text;
  }
  for (const ch of FRESH) if (!used.includes(ch)) return ch;
  for (let cp = 0x4e00; ; cp++) {
    const ch = String.fromCharCode(cp);
    if (!used.includes(ch)) return ch;
  }
}

/**
 * Is every topic name the filter can match also matched by at least one of the allowed
 * addresses? (DESIGN.md: a wildcard subscription is allowed only if every channel it can
 * match is allowed.) Sound: it never answers "covered" while some matching topic is not.
 *
 * Per level, a literal filter level keeps the addresses whose level can be that literal. A `+`
 * level matches every value, so two classes of values must each be covered: the empty value
 * (only a literal empty level, as in `a//b`, can be empty — a parameter cannot) and every
 * non-empty value (a parameter level takes them all; a literal or mixed level misses a value
 * made of a character it does not use, so only parameter levels count). A filter ending in
 * `#` matches topics of every depth, deeper than any address, so it is never covered.
 */
export interface FilterCoverageOptions {
  /**
   * Risky (config `servers.<name>.wildcardsIgnoreEmptyLevels`): treat `+` as matching only
   * non-empty levels, so `devices/+/status` counts as covered by `devices/{id}/status` alone.
   * A subscriber to such a filter can then still receive messages published to the empty
   * level (`devices//status`) if anything may publish there; the guard keeps publishing to an
   * uncovered channel denied either way. Default false: `+` also matches the empty level.
   */
  readonly ignoreEmptyLevels?: boolean;
}

export function explainFilterCoverage(
  filter: string | TopicFilter,
  allowed: readonly (AddressMatcher | null)[],
  options: FilterCoverageOptions = {},
): FilterCoverage {
  const ignoreEmptyLevels = options.ignoreEmptyLevels === true;
  const f = asFilter(filter);
  if (f === null) return { covered: false, reason: 'invalid_filter', example: null };
  const k = f.levels.length;
  const producible = allowed.filter((m): m is AddressMatcher => m !== null && mqttProducible(m));

  if (f.multiLevel) {
    let depth = Math.max(k, 1);
    for (const m of producible) depth = Math.max(depth, m.levels.length + 1);
    const levels = f.levels.map((l) => (l === '+' ? 'x' : l));
    while (levels.length < depth) levels.push('x');
    if (levels.length === 1 && levels[0] === '') levels.push('x'); // `/#`: the empty topic is no topic name
    const example = levels.join('/');
    return { covered: false, reason: 'multi_level', example: checkTopicName(example) === null ? example : null };
  }

  const candidates = producible.filter((m) => m.levels.length === k);
  const witness: string[] = new Array<string>(k).fill('');
  let steps = 0;

  type Outcome = 'covered' | 'uncovered' | 'too_complex';
  function search(start: number, s: readonly AddressMatcher[], depth: number): Outcome {
    if (++steps > COVERAGE_STEPS || depth > COVERAGE_DEPTH) return 'too_complex';
    let i = start;
    for (; i < k && s.length > 0; i++) {
      const want = f!.levels[i] as string;
      if (want === '+') break;
      witness[i] = want;
      s = s.filter((m) => levelContains(m, i, want));
    }
    if (s.length === 0) {
      for (; i < k; i++) witness[i] = f!.levels[i] === '+' ? 'x' : (f!.levels[i] as string);
      return 'uncovered';
    }
    if (i === k) return 'covered';
    // `+`: every non-empty value, represented by one no literal or mixed level can be …
    witness[i] = freshValue(s, i);
    const nonEmpty = search(
      i + 1,
      s.filter((m) => (m.levels[i] as AddressLevel).kind === 'parameter'),
      depth + 1,
    );
    if (nonEmpty !== 'covered') return nonEmpty;
    // … and the empty value, except where it would make the empty topic, which is no topic name,
    // or where the operator chose to read `+` as "one non-empty level" (ignoreEmptyLevels).
    if (k === 1 || ignoreEmptyLevels) return 'covered';
    witness[i] = '';
    return search(
      i + 1,
      s.filter((m) => {
        const level = m.levels[i] as AddressLevel;
        return level.kind === 'literal' && level.text === '';
      }),
      depth + 1,
    );
  }

  const outcome = search(0, candidates, 0);
  if (outcome === 'covered') return { covered: true };
  if (outcome === 'too_complex') return { covered: false, reason: 'too_complex', example: null };
  const example = witness.join('/');
  return { covered: false, reason: 'uncovered', example: checkTopicName(example) === null ? example : null };
}

/** `explainFilterCoverage(…).covered`. */
export function filterCoveredBy(
  filter: string | TopicFilter,
  allowed: readonly (AddressMatcher | null)[],
  options: FilterCoverageOptions = {},
): boolean {
  return explainFilterCoverage(filter, allowed, options).covered;
}
