// MQTT 3.1.1 topic names and topic filters (§4.7): validation and concrete matching.
// Pure string functions, no I/O; the coverage questions (can a filter reach a channel, is a
// wildcard subscription covered by the allowed channels) live in filter-coverage.ts.

/** §1.5.3: every UTF-8 encoded string is at most 65,535 bytes. */
export const MQTT_MAX_STRING_BYTES = 65_535;

export type TopicProblem =
  | 'empty' // §4.7.3: topic names and filters are at least one character long
  | 'too_long' // §1.5.3: more than 65,535 bytes once UTF-8 encoded
  | 'nul_character' // §1.5.3: U+0000 must not appear
  | 'malformed_utf16' // a lone surrogate: no UTF-8 encoding exists (§1.5.3 forbids U+D800..U+DFFF)
  | 'wildcard_in_topic_name' // §4.7.1.1: wildcards are for filters, never in a topic name
  | 'multi_level_not_last' // §4.7.1.2: `#` must be the last character of the filter
  | 'multi_level_not_alone' // §4.7.1.2: `#` must be alone in its level (`sport/tennis#`)
  | 'single_level_not_alone'; // §4.7.1.3: `+` must occupy an entire level (`sport+`)

/** A validated topic filter, split into levels. `+` levels are the string `'+'`. */
export interface TopicFilter {
  readonly ok: true;
  readonly filter: string;
  /** The levels before a trailing `#` (the whole filter when there is none). */
  readonly levels: readonly string[];
  /** True when the filter ends with the multi-level wildcard `#`. */
  readonly multiLevel: boolean;
}

export interface TopicFilterError {
  readonly ok: false;
  readonly reason: TopicProblem;
  /** UTF-16 offset of the offending character, when there is one. */
  readonly offset: number;
}

/** UTF-8 length of a well-formed string, without allocating a Buffer. */
export function utf8Length(s: string): number {
  let bytes = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) bytes += 1;
    else if (c >= 0xd800 && c <= 0xdbff) {
      bytes += 2; // a surrogate pair: 2 code units, 4 bytes
      i++;
    } else bytes += 2;
  }
  return bytes;
}

/** The first NUL or lone surrogate, or null. */
function badCharacter(s: string): { offset: number; reason: TopicProblem } | null {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0) return { offset: i, reason: 'nul_character' };
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = s.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) i++;
      else return { offset: i, reason: 'malformed_utf16' };
    }
  }
  return null;
}

function checkString(s: string): TopicFilterError | null {
  if (s.length === 0) return { ok: false, reason: 'empty', offset: 0 };
  const bad = badCharacter(s);
  if (bad !== null) return { ok: false, reason: bad.reason, offset: bad.offset };
  // Each UTF-16 unit is at most 3 UTF-8 bytes, so short strings skip the count.
  if (s.length * 3 > MQTT_MAX_STRING_BYTES && utf8Length(s) > MQTT_MAX_STRING_BYTES) {
    return { ok: false, reason: 'too_long', offset: 0 };
  }
  return null;
}

/**
 * Checks a PUBLISH topic name (§4.7.1.1, §4.7.3, §1.5.3): non-empty, at most 65,535 bytes,
 * no NUL, no lone surrogate, no `+` or `#`. Returns null when it is valid.
 */
export function checkTopicName(topic: string): TopicFilterError | null {
  const problem = checkString(topic);
  if (problem !== null) return problem;
  for (let i = 0; i < topic.length; i++) {
    const c = topic.charCodeAt(i);
    if (c === 0x2b /* + */ || c === 0x23 /* # */) return { ok: false, reason: 'wildcard_in_topic_name', offset: i };
  }
  return null;
}

export function isValidTopicName(topic: string): boolean {
  return checkTopicName(topic) === null;
}

/** Validates a SUBSCRIBE topic filter (§4.7.1, §4.7.3) and splits it into levels. */
export function parseTopicFilter(filter: string): TopicFilter | TopicFilterError {
  const problem = checkString(filter);
  if (problem !== null) return problem;
  const raw = filter.split('/');
  let offset = 0;
  for (let i = 0; i < raw.length; i++) {
    const level = raw[i] as string;
    const hash = level.indexOf('#');
    if (hash >= 0) {
      if (level.length !== 1) return { ok: false, reason: 'multi_level_not_alone', offset: offset + hash };
      if (i !== raw.length - 1) return { ok: false, reason: 'multi_level_not_last', offset };
    }
    const plus = level.indexOf('+');
    if (plus >= 0 && level.length !== 1) return { ok: false, reason: 'single_level_not_alone', offset: offset + plus };
    offset += level.length + 1;
  }
  const multiLevel = raw[raw.length - 1] === '#';
  return { ok: true, filter, levels: multiLevel ? raw.slice(0, -1) : raw, multiLevel };
}

/**
 * Does the filter match this concrete topic name (§4.7.1, §4.7.2)? `#` also matches the parent
 * level (`sport/#` matches `sport`); `+` matches exactly one level, which may be empty; a filter
 * whose first level is a wildcard does not match a topic that starts with `$`. An invalid
 * filter or topic name matches nothing.
 */
export function topicMatchesFilter(filter: string | TopicFilter, topic: string): boolean {
  const f = typeof filter === 'string' ? parseTopicFilter(filter) : filter;
  if (!f.ok || !isValidTopicName(topic)) return false;
  const firstIsWildcard = f.levels.length === 0 ? f.multiLevel : f.levels[0] === '+';
  if (firstIsWildcard && topic.charCodeAt(0) === 0x24 /* $ */) return false; // §4.7.2
  const levels = topic.split('/');
  const k = f.levels.length;
  if (f.multiLevel ? levels.length < k : levels.length !== k) return false;
  for (let i = 0; i < k; i++) {
    const want = f.levels[i] as string;
    if (want !== '+' && want !== levels[i]) return false;
  }
  return true;
}
