// MQTT wildcard questions about channel addresses: can a subscription filter reach a channel
// of an address, and is every topic a filter can match a channel of the allowed addresses.
// Pure functions of filters and compiled addresses. The rules, with examples, are in
// docs/channels.md.

import { checkTopicName, parseTopicFilter, type TopicFilter } from './mqtt-topic.js';
import { matcherInternals, type AddressLevel, type AddressMatcher } from './template.js';

function asFilter(filter: string | TopicFilter): TopicFilter | null {
  const f = typeof filter === 'string' ? parseTopicFilter(filter) : filter;
  return f.ok ? f : null;
}

/** Can address level `i` of `m` be exactly `value` (a valid topic level, possibly empty)? */
function levelContains(m: AddressMatcher, i: number, value: string): boolean {
  const level = m.levels[i] as AddressLevel;
  if (level.kind === 'literal') return level.text === value;
  if (level.kind === 'parameter') return value.length > 0;
  return matcherInternals(m).levelMatchers[i]!.match(value) !== null;
}

function mqttProducible(m: AddressMatcher): boolean {
  return matcherInternals(m).mqtt;
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
  if (startsWithWildcard(f) && matcherInternals(matcher).lits[0]!.charCodeAt(0) === 0x24) return false;
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

/** Search steps taken so far, so that tests bound the work by counting, not timing (not exported by src/index.ts). */
export const coverageWork = { steps: 0 };
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
 * addresses? (A wildcard subscription is allowed only if every channel it can match is
 * allowed.) Sound: it never answers "covered" while some matching topic is not.
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
   * Treat `+` as matching only non-empty levels, so `devices/+/status` counts as covered by
   * `devices/{id}/status` alone: a `{param}` never binds the empty string (template.ts), so the
   * empty-level topic `devices//status` is no channel those addresses declare. The guard's
   * default (config `servers.<name>.wildcardsIgnoreEmptyLevels`, true unless set false); it is
   * sound there only because every delivery is checked again against the channels the session
   * may receive (guard `mayReceive`). Default false here: `+` also matches the empty level.
   */
  readonly ignoreEmptyLevels?: boolean;
  /**
   * With `ignoreEmptyLevels`: addresses the subscriber may not receive. A filter that reaches one
   * of them through an empty level (a literal empty level such as `a//b` at a `+` of the filter)
   * is still uncovered, unless the allowed addresses cover those topics: an empty level a
   * document declares is a channel like any other.
   */
  readonly forbidden?: readonly (AddressMatcher | null)[];
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
    coverageWork.steps++;
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
    // or where `+` is read as "one non-empty level" (ignoreEmptyLevels: no {param} binds it).
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
  if (outcome === 'covered' && ignoreEmptyLevels && options.forbidden !== undefined) {
    return forbiddenThroughEmptyLevels(f, allowed, options.forbidden);
  }
  if (outcome === 'covered') return { covered: true };
  if (outcome === 'too_complex') return { covered: false, reason: 'too_complex', example: null };
  const example = witness.join('/');
  return { covered: false, reason: 'uncovered', example: checkTopicName(example) === null ? example : null };
}

/**
 * With empty levels ignored, a forbidden address whose level is a literal empty one where the
 * filter has `+` is reachable through that empty level. Each such address is narrowed to the
 * topics of the filter it can match (the `+` levels where it is a literal become that literal,
 * empty or not), and those must be covered by the allowed addresses (empty levels still ignored
 * at the `+` that remain, which only a parameter or mixed level of the address can fill). Sound
 * for the declared channels; it may refuse when an allowed address covers only part of them.
 */
function forbiddenThroughEmptyLevels(
  f: TopicFilter,
  allowed: readonly (AddressMatcher | null)[],
  forbidden: readonly (AddressMatcher | null)[],
): FilterCoverage {
  for (const m of forbidden) {
    if (m === null || m.levels.length !== f.levels.length || !filterCanMatch(f, m)) continue;
    let viaEmpty = false;
    const narrowed = f.levels.map((want, i) => {
      const level = m.levels[i] as AddressLevel;
      if (want !== '+' || level.kind !== 'literal') return want;
      if (level.text === '') viaEmpty = true;
      return level.text;
    });
    if (!viaEmpty) continue;
    const sub = explainFilterCoverage(narrowed.join('/'), allowed, { ignoreEmptyLevels: true });
    if (!sub.covered) return sub;
  }
  return { covered: true };
}

/** `explainFilterCoverage(…).covered`. */
export function filterCoveredBy(
  filter: string | TopicFilter,
  allowed: readonly (AddressMatcher | null)[],
  options: FilterCoverageOptions = {},
): boolean {
  return explainFilterCoverage(filter, allowed, options).covered;
}
