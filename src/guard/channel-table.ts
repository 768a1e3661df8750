// The channel table the guard looks concrete channels up in: every channel address of a
// document compiled once, so a lookup finds the entries a channel belongs to, with their
// parameter values. The rules, with examples, are in docs/channels.md.
//
// Hot path: the table is built before listening. `lookup` builds no regex and allocates
// nothing on a miss except the Map keys it slices (one short substring per multi-way trie
// level or affix bucket visited).

import { isValidTopicName } from '../address/mqtt-topic.js';
import {
  compileAddress,
  matcherInternals,
  NO_PARAMS,
  type AddressError,
  type AddressLevel,
  type AddressMatcher,
  type ChannelParams,
} from '../address/template.js';

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

/** No hit. Shared, frozen. */
export const NO_HITS: readonly ChannelHit[] = Object.freeze([]);

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
    const lits = matcherInternals(end.matcher).lits;
    const affix = (fromEnd ? lits[lits.length - 1] : lits[0]) as string;
    let bucket = byLength.get(affix.length);
    if (bucket === undefined) byLength.set(affix.length, (bucket = new Map<string, End[]>()));
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
