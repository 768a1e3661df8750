// Channel address templates (AsyncAPI `address` with `{param}` levels) → compiled matchers that
// tell whether a concrete channel belongs to an address and with which parameter values.
// The rules, with examples, are in docs/channels.md.
//
// Hot path: every address is compiled before listening. `match` builds no regex and allocates
// nothing on a miss.

import { checkTopicName, MQTT_MAX_STRING_BYTES, utf8Length } from './mqtt-topic.js';

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
/** The parameters of a literal address: none. Shared, frozen. */
export const NO_PARAMS: ChannelParams = Object.freeze(Object.create(PARAMS_PROTO) as Record<string, string>);
const NAME_CHAR = /^[A-Za-z0-9_.-]$/;

/**
 * What the channel table and filter coverage need beyond the public shape; kept off the object
 * so it stays read-only data.
 */
export interface MatcherInternals {
  /** Literal chunks around the parameters: lits[0] {p0} lits[1] … {pn-1} lits[n]. */
  lits: readonly string[];
  /** Per level: the level compiled on its own when it is mixed, else null. */
  levelMatchers: readonly (AddressMatcher | null)[];
  /** Can this address produce a valid MQTT topic name (no literal `+`/`#`, fits 65,535 bytes)? */
  mqtt: boolean;
}
const internals = new WeakMap<AddressMatcher, MatcherInternals>();

/** The internals of a matcher `compileAddress` made (every `AddressMatcher` comes from it). */
export function matcherInternals(matcher: AddressMatcher): MatcherInternals {
  return internals.get(matcher) as MatcherInternals;
}

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
