// Channel addresses, the channel table, request paths and the MQTT wildcard questions
// (src/address/template.ts, mqtt-topic.ts, filter-coverage.ts; src/guard/channel-table.ts,
// http-path.ts). Rules: docs/channels.md.
// Property tests print their fast-check seed; FC_SEED=<n> replays one.
// Micro-benchmark (segment plan vs precompiled RegExp): bench/channels.ts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { seed } from '../helpers/property.js';
import { compileAddress, isAddressError, type AddressMatcher, type ChannelParams } from '../../src/address/template.js';
import {
  coverageWork,
  explainFilterCoverage,
  filterCanMatch,
  filterCoveredBy,
} from '../../src/address/filter-coverage.js';
import {
  checkTopicName,
  isValidTopicName,
  parseTopicFilter,
  topicMatchesFilter,
} from '../../src/address/mqtt-topic.js';
import { createChannelTable } from '../../src/guard/channel-table.js';
import { createPathTable, pathToChannel } from '../../src/guard/http-path.js';

function compile(address: string): AddressMatcher {
  const m = compileAddress(address);
  assert.ok(m !== null && m.ok, `address ${JSON.stringify(address)} compiles`);
  return m;
}

/** Parameters as a plain object, for deepEqual (the matcher's inherits nothing). */
const plain = (p: ChannelParams | null): Record<string, string> | null => (p === null ? null : { ...p });
const match = (address: string, channel: string) => plain(compile(address).match(channel));

// ---------------------------------------------------------------- templates

test('address: a null address compiles to null, so it matches nothing (fail closed)', () => {
  assert.equal(compileAddress(null), null);
  const table = createChannelTable([{ key: 'unknown', address: null }]);
  assert.deepEqual(table.lookup(''), []);
  assert.deepEqual(table.lookup('anything'), []);
  assert.deepEqual(table.matchers, [null]);
  assert.deepEqual(table.invalid, []);
});

test('address: malformed templates are error values with a reason and an offset', () => {
  const cases: [string, string, number][] = [
    ['user/{id', 'unbalanced_brace', 5],
    ['user/id}', 'unbalanced_brace', 7],
    ['user/{a{b}}', 'unbalanced_brace', 5],
    ['user/{}', 'empty_parameter', 5],
    ['user/{a b}', 'bad_parameter_name', 7],
    ['user/{a/b}', 'bad_parameter_name', 7],
    ['user/{ä}', 'bad_parameter_name', 6],
    ['{id}/x/{id}', 'duplicate_parameter', 7],
    ['user/{a}{b}', 'adjacent_parameters', 8],
    ['user\0/x', 'nul_character', 4],
  ];
  for (const [address, reason, offset] of cases) {
    const r = compileAddress(address);
    assert.ok(isAddressError(r), address);
    assert.deepEqual(r, { ok: false, address, reason, offset }, address);
  }
});

test('address: parameter names may use letters, digits, `_`, `.` and `-`', () => {
  assert.deepEqual(compile('a/{user_id.v-2}/{X9}').parameters, ['user_id.v-2', 'X9']);
});

test('address: literal addresses match by exact, case-sensitive equality', () => {
  const m = compile('user/signedup');
  assert.equal(m.literal, true);
  assert.deepEqual(plain(m.match('user/signedup')), {});
  for (const miss of ['User/signedup', 'user/signedup/', '/user/signedup', 'user/signedu', 'user//signedup', ''])
    assert.equal(m.match(miss), null, miss);
});

test('address: a parameter takes one non-empty level and its value is returned', () => {
  assert.deepEqual(match('user/{userId}/signedup', 'user/42/signedup'), { userId: '42' });
  assert.equal(match('user/{userId}/signedup', 'user//signedup'), null, 'empty value');
  assert.equal(match('user/{userId}/signedup', 'user/4/2/signedup'), null, 'a value never crosses /');
  assert.equal(match('user/{userId}/signedup', 'user/42/signedup/'), null, 'trailing slash is one more level');
  assert.equal(match('user/{userId}', 'user/'), null);
  assert.equal(match('user/{userId}', 'user/a\0b'), null, 'no NUL in a value');
  assert.deepEqual(match('{a}/{b}', 'x/y'), { a: 'x', b: 'y' });
  assert.equal(match('{a}/{b}', 'x/y/z'), null);
  assert.equal(match('{a}/{b}', '/y'), null);
});

test('address: parameters inside a level (mixed) and dotted addresses', () => {
  const dotted = 'smartylighting.streetlights.1.0.event.{streetlightId}.lighting.measured';
  assert.deepEqual(match(dotted, 'smartylighting.streetlights.1.0.event.42.lighting.measured'), {
    streetlightId: '42',
  });
  // One level: a value may contain `.`, never `/`.
  assert.deepEqual(match(dotted, 'smartylighting.streetlights.1.0.event.a.b.lighting.measured'), {
    streetlightId: 'a.b',
  });
  assert.equal(match(dotted, 'smartylighting.streetlights.1.0.event.a/b.lighting.measured'), null);
  assert.deepEqual(match('devices/dev-{id}.json', 'devices/dev-7.json'), { id: '7' });
  assert.equal(match('devices/dev-{id}.json', 'devices/dev-.json'), null);
  // Ambiguous split: the earlier parameter takes the shortest value.
  assert.deepEqual(match('{a}.{b}', 'x.y.z'), { a: 'x', b: 'y.z' });
  assert.deepEqual(match('{a}-{b}/{c}', 'p-q-r/s'), { a: 'p', b: 'q-r', c: 's' });
  assert.equal(match('{a}-{b}/{c}', 'p-/s'), null);
});

test('address: unicode literals compare code unit by code unit, without normalization', () => {
  assert.deepEqual(match('café/{id}', 'café/1'), { id: '1' });
  assert.equal(match('café/{id}', 'cafe\u0301/1'), null, 'NFD spelling is another channel');
  assert.deepEqual(match('😀/{id}/ü', '😀/Ω/ü'), { id: 'Ω' });
});

test('address: empty levels and leading or trailing slashes are literal levels', () => {
  assert.deepEqual(match('a//{x}', 'a//1'), { x: '1' });
  assert.equal(match('a//{x}', 'a/1'), null);
  assert.deepEqual(match('/finance/{x}', '/finance/1'), { x: '1' });
  assert.equal(match('/finance/{x}', 'finance/1'), null);
  assert.deepEqual(match('{x}/', 'a/'), { x: 'a' });
  assert.equal(match('{x}/', 'a'), null);
});

test('address: `__proto__` and `toString` are ordinary parameter names', () => {
  assert.deepEqual(Object.keys(compile('{toString}').match('x')!), ['toString']);
  const p = compile('a/{__proto__}').match('a/x');
  assert.ok(p !== null);
  assert.equal(Object.getPrototypeOf(Object.getPrototypeOf(p)), null, 'inherits nothing');
  assert.equal('toString' in p, false);
  assert.deepEqual(Object.keys(p), ['__proto__']);
  assert.equal(p['__proto__'], 'x');
  assert.equal(({} as Record<string, unknown>)['x'], undefined, 'Object.prototype untouched');
});

test('address: a miss allocates nothing: the same matcher serves interleaved calls', () => {
  const m = compile('{a}/x/{b}');
  assert.deepEqual(plain(m.match('1/x/2')), { a: '1', b: '2' });
  assert.equal(m.match('1/y/2'), null);
  assert.deepEqual(plain(m.match('3/x/4')), { a: '3', b: '4' });
});

// ---------------------------------------------------------------- the table

test('table: literal and templated entries, several matches, keys kept', () => {
  const table = createChannelTable([
    { key: 'all', address: 'devices/all/status' },
    { key: 'one', address: 'devices/{id}/status' },
    { key: 'any', address: '{kind}/{id}/status' },
    { key: 'again', address: 'devices/all/status' },
    { key: 'other', address: 'devices/{id}/config' },
    { key: 'bad', address: 'devices/{id' },
  ]);
  const keys = (t: string) =>
    table
      .lookup(t)
      .map((h) => h.key)
      .sort();
  assert.deepEqual(keys('devices/all/status'), ['again', 'all', 'any', 'one']);
  assert.deepEqual(keys('devices/7/status'), ['any', 'one']);
  assert.deepEqual(keys('lights/7/status'), ['any']);
  assert.deepEqual(keys('devices/7/config'), ['other']);
  assert.deepEqual(keys('devices//status'), []);
  assert.deepEqual(keys('devices/7/status/'), []);
  assert.deepEqual(
    table.lookup('lights/7/status').map((h) => plain(h.params)),
    [{ kind: 'lights', id: '7' }],
  );
  assert.deepEqual(
    table.invalid.map((e) => [e.key, e.error.reason]),
    [['bad', 'unbalanced_brace']],
  );
  assert.equal(table.matchers[5], null);
});

test('table: lookupTopic refuses what is not an MQTT topic name', () => {
  const table = createChannelTable([
    { key: 'k', address: 'a/{x}' },
    { key: 'w', address: 'a/+' },
  ]);
  assert.deepEqual(
    table.lookupTopic('a/1').map((h) => h.key),
    ['k'],
  );
  for (const bad of ['a/+', 'a/#', 'a/\0', '', 'a/\ud800'])
    assert.deepEqual(table.lookupTopic(bad), [], JSON.stringify(bad));
});

test('table: many similar templated entries are indexed, and still all found', () => {
  const entries = Array.from({ length: 300 }, (_, i) => ({ key: `op${i}`, address: `s.l.event.{id}.lighting.m${i}` }));
  entries.push({ key: 'head', address: 'org{id}.x.m7' }, { key: 'end', address: 's.l.event.{id}' });
  const table = createChannelTable(entries);
  assert.deepEqual(
    table
      .lookup('s.l.event.42.lighting.m7')
      .map((h) => h.key)
      .sort(),
    ['end', 'op7'],
  );
  assert.deepEqual(
    table.lookup('s.l.event.42.lighting.m300').map((h) => h.key),
    ['end'],
  );
  const heads = createChannelTable(
    Array.from({ length: 50 }, (_, i) => ({ key: `h${i}`, address: `org${i}.{id}.telemetry` })),
  );
  assert.deepEqual(
    heads.lookup('org12.7.telemetry').map((h) => h.key),
    ['h12'],
  );
  assert.deepEqual(
    heads.lookup('org1.7.telemetry').map((h) => h.key),
    ['h1'],
  );
});

// ---------------------------------------------------------------- paths

test('path: the server pathname is stripped, segments are decoded one by one', () => {
  assert.equal(pathToChannel('/ws/user/signedup', '/ws'), 'user/signedup');
  assert.equal(pathToChannel('/ws/user/signedup', '/ws/'), 'user/signedup');
  assert.equal(pathToChannel('/user/signedup'), 'user/signedup');
  assert.equal(pathToChannel('/user/signedup', '/'), 'user/signedup');
  assert.equal(pathToChannel('/ws/caf%C3%A9/a%20b', '/ws'), 'café/a b');
  assert.equal(pathToChannel('/ws', '/ws'), '');
  assert.equal(pathToChannel('/ws/', '/ws'), '');
  assert.equal(pathToChannel('/v1/api/x', '/v1/api'), 'x');
  assert.equal(pathToChannel('/ws//x', '/ws'), '/x', 'an empty segment stays an empty level');
});

test('path: rejects what would escape or smuggle a level', () => {
  const refused = [
    ['/ws/a%2Fb', '%2F inside a segment'],
    ['/ws/a%2fb', '%2f inside a segment'],
    ['/ws/..', '..'],
    ['/ws/a/../b', '.. in the middle'],
    ['/ws/%2E%2E/x', 'encoded ..'],
    ['/ws/./x', '.'],
    ['/ws/a%00', 'NUL'],
    ['/ws/a%', 'truncated escape'],
    ['/ws/%C3', 'invalid UTF-8'],
    ['/ws/%E0%80%AF', 'overlong UTF-8'],
    ['/ws/a%2B', 'encoded +'],
    ['/ws/a+b', '+'],
    ['/ws/a%23', 'encoded #'],
    ['/ws/a?x=1', 'query'],
    ['ws/a', 'no leading /'],
    ['/wss/a', 'other prefix'],
    ['/w', 'shorter than the prefix'],
  ];
  for (const [path, why] of refused) assert.equal(pathToChannel(path as string, '/ws'), null, why);
});

test('path: a path table matches addresses with or without their leading slash', () => {
  const table = createPathTable(
    [
      { key: 'root', address: '/' },
      { key: 'echo', address: '/echo' },
      { key: 'rooms', address: 'rooms/{room}' },
      { key: 'none', address: null },
      { key: 'bad', address: '/x/{' },
    ],
    { pathname: '/ws' },
  );
  const keys = (p: string) => table.matchPath(p).map((h) => h.key);
  assert.deepEqual(keys('/ws'), ['root']);
  assert.deepEqual(keys('/ws/'), ['root']);
  assert.deepEqual(keys('/ws/echo'), ['echo']);
  assert.deepEqual(keys('/ws//echo'), []);
  assert.deepEqual(keys('/ws/echo/'), [], 'trailing slash is another channel');
  assert.deepEqual(keys('/ws/rooms/lobby%201'), ['rooms']);
  assert.deepEqual(plain(table.matchPath('/ws/rooms/lobby%201')[0]!.params), { room: 'lobby 1' });
  assert.deepEqual(keys('/ws/rooms/a%2Fb'), []);
  assert.deepEqual(keys('/ws/rooms/..'), []);
  assert.deepEqual(keys('/echo'), []);
  assert.deepEqual(
    table.invalid.map((e) => [e.key, e.error.reason, e.error.offset]),
    [['bad', 'unbalanced_brace', 3]],
  );
});

// ---------------------------------------------------------------- MQTT topic names and filters

test('mqtt: topic filter validation follows §4.7.1 and §4.7.3', () => {
  const valid = [
    'sport/tennis/player1/#',
    'sport/#',
    '#',
    '+',
    '+/tennis/#',
    'sport/+/player1',
    '/+',
    '+/+',
    '$SYS/#',
    '$SYS/monitor/+',
    '/',
    'a//b',
    'é/😀',
  ];
  for (const f of valid) assert.equal(parseTopicFilter(f).ok, true, f);
  const invalid: [string, string][] = [
    ['sport/tennis#', 'multi_level_not_alone'],
    ['sport/tennis/#/ranking', 'multi_level_not_last'],
    ['#/a', 'multi_level_not_last'],
    ['sport+', 'single_level_not_alone'],
    ['sport/+tennis', 'single_level_not_alone'],
    ['++', 'single_level_not_alone'],
    ['', 'empty'],
    ['a\0b', 'nul_character'],
    ['a/\udc00', 'malformed_utf16'],
    ['a'.repeat(65_536), 'too_long'],
    ['é'.repeat(32_768), 'too_long'],
  ];
  for (const [f, reason] of invalid) {
    const r = parseTopicFilter(f);
    assert.ok(!r.ok, f.slice(0, 20));
    assert.equal(r.reason, reason, f.slice(0, 20));
  }
  assert.equal(parseTopicFilter('a'.repeat(65_535)).ok, true, 'exactly 65,535 bytes');
  assert.equal(parseTopicFilter('é'.repeat(32_767)).ok, true, '65,534 bytes');
  assert.equal(parseTopicFilter('😀'.repeat(16_383) + 'abc').ok, true, '65,535 bytes of 4-byte characters');
  assert.equal(parseTopicFilter('😀'.repeat(16_384)).ok, false, '65,536 bytes of 4-byte characters');
});

test('mqtt: topic names refuse wildcards, NUL, lone surrogates, empty and oversize', () => {
  for (const t of ['a/b', '/', 'a//b', '$SYS/x', 'é']) assert.equal(isValidTopicName(t), true, t);
  const bad: [string, string][] = [
    ['a/+', 'wildcard_in_topic_name'],
    ['a/#', 'wildcard_in_topic_name'],
    ['a+b', 'wildcard_in_topic_name'],
    ['', 'empty'],
    ['a\0', 'nul_character'],
    ['\ud800x', 'malformed_utf16'],
    ['b'.repeat(65_536), 'too_long'],
  ];
  for (const [t, reason] of bad) assert.equal(checkTopicName(t)?.reason, reason, t.slice(0, 10));
});

test('mqtt: concrete matching follows the §4.7.1.2, §4.7.1.3 and §4.7.2 examples', () => {
  const yes: [string, string][] = [
    ['sport/tennis/player1/#', 'sport/tennis/player1'],
    ['sport/tennis/player1/#', 'sport/tennis/player1/ranking'],
    ['sport/tennis/player1/#', 'sport/tennis/player1/score/wimbledon'],
    ['sport/#', 'sport'],
    ['#', 'sport/tennis'],
    ['#', '/'],
    ['sport/tennis/+', 'sport/tennis/player1'],
    ['sport/+', 'sport/'],
    ['+/+', '/finance'],
    ['/+', '/finance'],
    ['+/tennis/#', 'sport/tennis'],
    ['$SYS/#', '$SYS/monitor/Clients'],
    ['$SYS/monitor/+', '$SYS/monitor/Clients'],
    ['+/monitor/Clients', 'x$/monitor/Clients'],
  ];
  const no: [string, string][] = [
    ['sport/tennis/+', 'sport/tennis/player1/ranking'],
    ['sport/+', 'sport'],
    ['+', '/finance'],
    ['#', '$SYS/monitor/Clients'],
    ['#', '$SYS'],
    ['+/monitor/Clients', '$SYS/monitor/Clients'],
    ['sport/tennis#', 'sport/tennis'],
    ['sport', 'Sport'],
    ['a/b', 'a/+'],
  ];
  for (const [f, t] of yes) assert.equal(topicMatchesFilter(f, t), true, `${f} ~ ${t}`);
  for (const [f, t] of no) assert.equal(topicMatchesFilter(f, t), false, `${f} !~ ${t}`);
});

test('mqtt: filterCanMatch answers per address', () => {
  const can: [string, string][] = [
    ['sport/+/player1', 'sport/{game}/player1'],
    ['sport/tennis/player1', 'sport/{game}/player1'],
    ['sport/#', 'sport'],
    ['sport/#', 'sport/{game}/{player}'],
    ['#', '{a}/b'],
    ['+/b', '/b'],
    ['sport/tennis', 'sport/ten{x}'],
    ['$SYS/#', '$SYS/{x}'],
    ['+/x', '{a}/x'],
  ];
  const cannot: [string, string][] = [
    ['sport/+', 'sport/{game}/player1'],
    ['sport/tennis/player1', 'sport/{game}'],
    ['sport/tennis/#', 'sport'],
    ['sport/golf', 'sport/ten{x}'],
    ['sport//x', 'sport/{game}/x'],
    ['#', '$SYS/{x}'],
    ['+/{x}', '$SYS/{x}'],
    ['+/x', '$SYS/x'],
    ['#', 'a/+'],
    ['a/b', 'a/+'],
    ['sport+', 'sport'],
  ];
  for (const [f, a] of can) assert.equal(filterCanMatch(f, compile(a)), true, `${f} can reach ${a}`);
  for (const [f, a] of cannot) assert.equal(filterCanMatch(f, compile(a)), false, `${f} cannot reach ${a}`);
  assert.equal(filterCanMatch('#', null), false, 'a null address is reached by nothing');
  assert.equal(filterCanMatch('#', compile('')), false, 'the empty address is no topic name');
  assert.equal(filterCanMatch('#', compile('a/\ud800{x}')), false, 'a lone surrogate is in no topic name');
});

test('coverage: `+` needs a parameter for non-empty values and an empty literal level for the empty one', () => {
  const one = [compile('devices/{id}/status')];
  assert.deepEqual(explainFilterCoverage('devices/+/status', one), {
    covered: false,
    reason: 'uncovered',
    example: 'devices//status',
  });
  assert.equal(filterCoveredBy('devices/+/status', [...one, compile('devices//status')]), true);
  assert.equal(filterCoveredBy('devices/7/status', one), true);
  assert.equal(filterCoveredBy('devices/7/status', [compile('devices/7/status')]), true);
  assert.equal(filterCoveredBy('devices/7/config', one), false);
  // A literal level covers only itself, never `+`.
  const literal = explainFilterCoverage('devices/+/status', [
    compile('devices/all/status'),
    compile('devices//status'),
  ]);
  assert.deepEqual(literal, { covered: false, reason: 'uncovered', example: 'devices/x/status' });
  // A mixed level misses values without its literal text.
  const mixed = explainFilterCoverage('devices/+', [compile('devices/x{id}'), compile('devices/')]);
  assert.deepEqual(mixed, { covered: false, reason: 'uncovered', example: 'devices/y' });
  assert.equal(filterCoveredBy('devices/x-1', [compile('devices/x-{id}')]), true);
  assert.equal(filterCoveredBy('devices/y-1', [compile('devices/x-{id}')]), false);
});

test('coverage: unions of addresses count, level by level', () => {
  const four = ['{a}/{b}', '{a}/', '/{b}', '/'].map(compile);
  assert.equal(filterCoveredBy('+/+', four), true);
  for (let drop = 0; drop < 4; drop++) {
    const r = explainFilterCoverage(
      '+/+',
      four.filter((_, i) => i !== drop),
    );
    assert.equal(r.covered, false, `without ${four[drop]!.address}`);
    assert.ok(!r.covered && r.example !== null && topicMatchesFilter('+/+', r.example));
  }
  // `+` alone: the empty value would be the empty topic, which is no topic name (§4.7.3).
  assert.equal(filterCoveredBy('+', [compile('{a}')]), true);
  // §4.7.2: `+/x` never matches `$…/x`, so the parameter's `$` values need no cover and
  // a `$SYS/x` address adds nothing.
  assert.equal(filterCoveredBy('+/x', [compile('{a}/x'), compile('/x')]), true);
  assert.equal(filterCoveredBy('$SYS/+', [compile('$SYS/{x}'), compile('$SYS/')]), true);
  assert.equal(filterCoveredBy('$SYS/+', [compile('{a}/{x}'), compile('{a}/')]), true);
});

test('coverage: a `#` filter is never covered, with an example deeper than every address', () => {
  const allowed = ['sport', 'sport/{a}', 'sport/{a}/{b}', 'sport//', 'sport/{a}/'].map(compile);
  for (const f of ['sport/#', '#', '+/#', 'sport/tennis/#']) {
    const r = explainFilterCoverage(f, allowed);
    assert.equal(r.covered, false, f);
    assert.ok(!r.covered && r.reason === 'multi_level' && r.example !== null, f);
    assert.ok(topicMatchesFilter(f, r.example), `${f} matches ${r.example}`);
    assert.ok(
      allowed.every((m) => m.match(r.example!) === null),
      `${r.example} uncovered`,
    );
  }
});

test('coverage: refuses invalid filters, ignores null and non-topic addresses', () => {
  assert.deepEqual(explainFilterCoverage('sport+', [compile('{a}')]), {
    covered: false,
    reason: 'invalid_filter',
    example: null,
  });
  assert.equal(filterCoveredBy('a/b', [null, compile('a/b')]), true);
  assert.equal(filterCoveredBy('a/b', [null]), false);
  assert.equal(filterCoveredBy('a/b', []), false);
  assert.equal(filterCoveredBy('a/x', [compile('a/+')]), false, 'a literal `+` address produces no topic name');
  const parsed = parseTopicFilter('a/+');
  assert.ok(parsed.ok);
  assert.equal(filterCoveredBy(parsed, [compile('a/{x}'), compile('a/')]), true, 'a parsed filter is accepted');
});

test('coverage: a search past its depth limit answers not covered (too_complex)', () => {
  const levels = 1100;
  const filter = Array.from({ length: levels }, () => '+').join('/');
  const address = Array.from({ length: levels }, (_, i) => `{p${i}}`).join('/');
  const r = explainFilterCoverage(filter, [compile(address)]);
  assert.deepEqual(r, { covered: false, reason: 'too_complex', example: null });
  // The longest filter there is (32,768 levels, 65,535 bytes) stays cheap and stack-safe.
  const longest = Array.from({ length: 32_768 }, () => '+').join('/');
  assert.equal(parseTopicFilter(longest).ok, true);
  const before = coverageWork.steps;
  assert.equal(filterCoveredBy(longest, [compile(address)]), false);
  // Cheap: no address has that many levels, so the search ends at its first step.
  assert.ok(coverageWork.steps - before <= 1, `search steps: ${coverageWork.steps - before}`);
});

// ---------------------------------------------------------------- property tests

/** Literal pieces shared by addresses, filters and sampled values, so they collide often. */
const PIECES = ['a', 'b', 'dev', '', '$SYS', 'é', '😀', 'x-y', 'a.b'];
type LevelSpec = { kind: 'lit'; text: string } | { kind: 'param' } | { kind: 'mixed'; before: string; after: string };

const levelSpec: fc.Arbitrary<LevelSpec> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...PIECES).map((text) => ({ kind: 'lit' as const, text })) },
  { weight: 3, arbitrary: fc.constant({ kind: 'param' as const }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('', 'x-', 'a.'), fc.constantFrom('', '.json', '-y'))
      .filter(([b, a]) => b.length + a.length > 0)
      .map(([before, after]) => ({ kind: 'mixed' as const, before, after })),
  },
);

function addressOf(levels: readonly LevelSpec[]): string {
  let n = 0;
  return levels
    .map((l) => (l.kind === 'lit' ? l.text : l.kind === 'param' ? `{p${n++}}` : `${l.before}{p${n++}}${l.after}`))
    .join('/');
}

/** Level values: pieces, values that fit the mixed levels, `$` values, long and odd ones. */
const value = fc.oneof(
  fc.constantFrom(...PIECES, 'x-1', 'a.1', '1.json', '1-y', '$x', 'z', 'é😀'),
  fc.string({ unit: fc.constantFrom('a', '-', '.', '$', 'é', '😀', 'x', 'y'), maxLength: 6 }),
  fc.integer({ min: 1, max: 3000 }).map((n) => 'L'.repeat(n)),
);

/** A concrete channel of an address: each parameter replaced by a value (maybe invalid: empty). */
function instantiate(levels: readonly LevelSpec[], values: readonly string[]): string {
  let j = 0;
  return levels
    .map((l) =>
      l.kind === 'lit'
        ? l.text
        : l.kind === 'param'
          ? (values[j++ % values.length] as string)
          : l.before + (values[j++ % values.length] as string) + l.after,
    )
    .join('/');
}

const filterSpec = fc
  .record({
    levels: fc.array(
      fc.oneof({ weight: 2, arbitrary: fc.constant('+') }, { weight: 3, arbitrary: fc.constantFrom(...PIECES) }),
      { minLength: 1, maxLength: 4 },
    ),
    multi: fc.boolean(),
  })
  .filter((f) => filterText(f).length > 0); // `` is no filter (§4.7.3)
function filterText(f: { levels: string[]; multi: boolean }): string {
  return f.multi ? [...f.levels, '#'].join('/') : f.levels.join('/');
}

/** Topics the filter matches: `+` → sampled values (empty ones included), `#` → 0–3 more levels. */
function sampleTopics(f: { levels: string[]; multi: boolean }, fills: readonly string[][]): string[] {
  const out: string[] = [];
  for (const fill of fills) {
    const levels = f.levels.map((l, i) => (l === '+' ? (fill[i] as string) : l));
    if (f.multi) levels.push(...fill.slice(4, 4 + ((fill[7]?.length ?? 0) % 4)));
    out.push(levels.join('/'));
  }
  return out;
}

/** Allowed sets biased towards covering the filter: its own shape with `{p}` for `+`, and the empty-level variants. */
function allowedFor(f: { levels: string[] }, extra: readonly LevelSpec[][], emptyMask: number): string[] {
  const own: LevelSpec[] = f.levels.map((l) => (l === '+' ? { kind: 'param' } : { kind: 'lit', text: l }));
  const variants: string[] = [addressOf(own)];
  f.levels.forEach((l, i) => {
    if (l === '+' && emptyMask & (1 << i))
      variants.push(addressOf(own.map((s, j) => (j === i ? { kind: 'lit', text: '' } : s))));
  });
  if (emptyMask & 16) variants.push(f.levels.map((l) => (l === '+' ? '' : l)).join('/'));
  return [...variants, ...extra.map(addressOf)];
}

test('property: match agrees with a RegExp oracle and its values rebuild the channel', (t) => {
  t.diagnostic(`fast-check seed ${seed}`);
  fc.assert(
    fc.property(
      fc.array(levelSpec, { minLength: 1, maxLength: 4 }),
      fc.array(value, { minLength: 1, maxLength: 4 }),
      fc.boolean(),
      (levels, values, mutate) => {
        const address = addressOf(levels);
        const m = compile(address);
        let channel = instantiate(levels, values);
        if (mutate) channel = channel.slice(1);
        const parts = address.split(/\{[A-Za-z0-9_.-]+\}/);
        const oracle = new RegExp(
          `^${parts.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('([^/\\u0000]+)')}$`,
          'u',
        );
        const got = m.match(channel);
        assert.equal(got !== null, oracle.test(channel), `${address} vs ${JSON.stringify(channel)}`);
        if (got !== null) {
          for (const name of m.parameters) assert.ok(got[name]!.length > 0 && !got[name]!.includes('/'));
          let i = 0;
          assert.equal(
            address.replace(/\{[A-Za-z0-9_.-]+\}/g, () => got[m.parameters[i++]!]!),
            channel,
          );
        }
      },
    ),
    { seed, numRuns: 400 },
  );
});

test('property: the table finds exactly the entries a brute-force scan finds', (t) => {
  t.diagnostic(`fast-check seed ${seed}`);
  fc.assert(
    fc.property(
      fc.array(fc.array(levelSpec, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 24 }),
      fc.array(fc.tuple(fc.nat(), fc.array(value, { minLength: 1, maxLength: 3 })), { minLength: 1, maxLength: 6 }),
      (specs, probes) => {
        const entries = specs.map((s, i) => ({ key: `k${i}`, address: addressOf(s) }));
        const table = createChannelTable(entries);
        const matchers = entries.map((e) => compile(e.address));
        for (const [pick, values] of probes) {
          const channel = instantiate(specs[pick % specs.length]!, values);
          const expected = matchers.flatMap((m, i) => (m.match(channel) === null ? [] : [`k${i}`]));
          assert.deepEqual(
            table
              .lookup(channel)
              .map((h) => h.key)
              .sort(),
            expected.sort(),
            channel,
          );
        }
      },
    ),
    { seed, numRuns: 300 },
  );
});

test('property: coverage is sound against sampled topics, and its examples are real', (t) => {
  t.diagnostic(`fast-check seed ${seed}`);
  const seen = { covered: 0, uncovered: 0, multi: 0, samplesChecked: 0 };
  fc.assert(
    fc.property(
      filterSpec,
      fc.array(fc.array(levelSpec, { minLength: 1, maxLength: 4 }), { maxLength: 4 }),
      fc.nat({ max: 31 }),
      fc.array(fc.array(fc.oneof(value, fc.constant('')), { minLength: 8, maxLength: 8 }), {
        minLength: 12,
        maxLength: 12,
      }),
      (f, extra, emptyMask, fills) => {
        const filter = filterText(f);
        const allowed = allowedFor(f, extra, emptyMask).map(compile);
        const r = explainFilterCoverage(filter, allowed);
        const covers = (topic: string) => allowed.some((m) => m.match(topic) !== null);
        if (r.covered) {
          seen.covered++;
          // Soundness: every sampled topic the filter really matches is matched by an allowed address.
          for (const topic of sampleTopics(f, fills)) {
            if (!isValidTopicName(topic) || !topicMatchesFilter(filter, topic)) continue;
            seen.samplesChecked++;
            assert.ok(covers(topic), `${filter} claimed covered, ${JSON.stringify(topic)} is not`);
          }
          assert.equal(f.multi, false);
        } else {
          if (r.reason === 'multi_level') seen.multi++;
          else seen.uncovered++;
          assert.ok(r.reason === 'uncovered' || r.reason === 'multi_level', r.reason);
          // Exactness where it answers no: the example is a matching topic nobody covers.
          assert.ok(r.example !== null, filter);
          assert.ok(isValidTopicName(r.example), r.example);
          assert.ok(topicMatchesFilter(filter, r.example), `${filter} ~ ${r.example}`);
          assert.ok(!covers(r.example), `${r.example} is covered after all`);
        }
      },
    ),
    { seed, numRuns: 400 },
  );
  t.diagnostic(`coverage outcomes ${JSON.stringify(seen)}`);
  assert.ok(seen.covered > 10 && seen.uncovered > 10 && seen.multi > 10, 'the generators reach every outcome');
});

test('property: filterCanMatch is true whenever a concrete channel of the address matches the filter', (t) => {
  t.diagnostic(`fast-check seed ${seed}`);
  let positives = 0;
  fc.assert(
    fc.property(
      filterSpec,
      fc.array(levelSpec, { minLength: 1, maxLength: 5 }),
      fc.array(fc.array(value, { minLength: 1, maxLength: 4 }), { minLength: 6, maxLength: 6 }),
      (f, levels, fills) => {
        const filter = filterText(f);
        const m = compile(addressOf(levels));
        const can = filterCanMatch(filter, m);
        // Channels from the address, plus the filter's own sampled topics tried against the address.
        const topics = [
          ...fills.map((v) => instantiate(levels, v)),
          ...sampleTopics(
            f,
            fills.map((v) => [...v, ...v, ...v, ...v].slice(0, 8)),
          ),
        ];
        for (const topic of topics) {
          if (m.match(topic) !== null && topicMatchesFilter(filter, topic)) {
            positives++;
            assert.ok(can, `${filter} reaches ${m.address} via ${JSON.stringify(topic)}`);
          }
        }
      },
    ),
    { seed, numRuns: 400 },
  );
  t.diagnostic(`witnessed reachable pairs ${positives}`);
});

/** A topic both the filter and the address match, built level by level, or null when there is none. */
function witness(f: { levels: string[]; multi: boolean }, levels: readonly LevelSpec[]): string | null {
  if (f.multi ? levels.length < f.levels.length : levels.length !== f.levels.length) return null;
  const out: string[] = [];
  for (let i = 0; i < levels.length; i++) {
    const want = i < f.levels.length ? (f.levels[i] as string) : '+';
    const l = levels[i] as LevelSpec;
    if (want === '+') out.push(l.kind === 'lit' ? l.text : l.kind === 'param' ? 'q' : `${l.before}q${l.after}`);
    else if (l.kind === 'lit') out.push(l.text === want ? want : '\0');
    else if (l.kind === 'param') out.push(want.length > 0 ? want : '\0');
    else {
      const ok = want.startsWith(l.before) && want.endsWith(l.after) && want.length > l.before.length + l.after.length;
      out.push(ok ? want : '\0');
    }
  }
  const topic = out.join('/');
  return isValidTopicName(topic) && topicMatchesFilter(filterText(f), topic) ? topic : null;
}

test('property: filterCanMatch is exact: true exactly when a witness topic exists', (t) => {
  t.diagnostic(`fast-check seed ${seed}`);
  fc.assert(
    fc.property(filterSpec, fc.array(levelSpec, { minLength: 1, maxLength: 5 }), (f, levels) => {
      const m = compile(addressOf(levels));
      const w = witness(f, levels);
      assert.equal(filterCanMatch(filterText(f), m), w !== null, `${filterText(f)} vs ${m.address}`);
      if (w !== null) assert.ok(m.match(w) !== null, w);
    }),
    { seed, numRuns: 1000 },
  );
});

test(
  'property: pathToChannel never yields a dot segment or ' + 'a smuggled separator, and round-trips encoded segments',
  (t) => {
    t.diagnostic(`fast-check seed ${seed}`);
    const segment = fc.string({
      unit: fc.constantFrom('a', '.', '%', '2', 'F', 'e', '/', '+', '#', '?', ' ', 'é', '\0', '\\'),
      maxLength: 5,
    });
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 4 }), fc.array(segment, { maxLength: 4 }), (raw, clean) => {
        const got = pathToChannel('/ws/' + raw.join('/'), '/ws');
        if (got !== null) {
          for (const s of got.split('/')) {
            assert.ok(s !== '.' && s !== '..', JSON.stringify(got));
            assert.ok(!/[\0+#]/.test(s), JSON.stringify(got));
          }
          const path = '/ws/' + raw.join('/');
          assert.equal(got.split('/').length, path.split('/').length - 2, 'one level per segment');
        }
        const levels = clean.filter((s) => s !== '.' && s !== '..' && !/[/\0+#]/.test(s));
        if (levels.length > 0)
          assert.equal(pathToChannel('/ws/' + levels.map(encodeURIComponent).join('/'), '/ws'), levels.join('/'));
      }),
      { seed, numRuns: 400 },
    );
  },
);

// ---------------------------------------------------- the wildcardsIgnoreEmptyLevels reading (the guard's default)

test('coverage: ignoreEmptyLevels lets {param} levels alone cover `+` (the empty level is not asked for)', () => {
  const one = [compile('devices/{id}/status')];
  assert.deepEqual(explainFilterCoverage('devices/+/status', one, { ignoreEmptyLevels: true }), { covered: true });
  assert.equal(filterCoveredBy('devices/+/status', one), false, 'off by default in the pure function');
  // Still refused: a literal or mixed level never covers `+`, and `#` is never covered.
  assert.equal(
    filterCoveredBy('devices/+/status', [compile('devices/all/status')], { ignoreEmptyLevels: true }),
    false,
  );
  assert.equal(filterCoveredBy('devices/+', [compile('devices/x{id}')], { ignoreEmptyLevels: true }), false);
  assert.equal(filterCoveredBy('devices/#', one, { ignoreEmptyLevels: true }), false);
  // The empty-level channel itself is still no channel of the address.
  assert.equal(one[0]!.match('devices//status'), null);
});

test('coverage: with ignoreEmptyLevels, a forbidden address reached through an empty level is still uncovered', () => {
  const allowed = [compile('devices/{id}/status')];
  const forbidden = [compile('devices//status')];
  const options = { ignoreEmptyLevels: true, forbidden };
  assert.deepEqual(explainFilterCoverage('devices/+/status', allowed, options), {
    covered: false,
    reason: 'uncovered',
    example: 'devices//status',
  });
  assert.equal(filterCoveredBy('devices/+/+', allowed, options), false);
  // Allowed too (another operation covers it): covered.
  assert.equal(filterCoveredBy('devices/+/status', [...allowed, compile('devices//status')], options), true);
  // A forbidden address the filter cannot reach, or reaches only through non-empty levels the
  // allowed ones cover, changes nothing.
  assert.equal(
    filterCoveredBy('devices/+/status', allowed, { ignoreEmptyLevels: true, forbidden: [compile('x//y')] }),
    true,
  );
  assert.equal(
    filterCoveredBy('devices/+/status', allowed, {
      ignoreEmptyLevels: true,
      forbidden: [compile('devices/{id}/status'), null],
    }),
    true,
  );
  // Only asked for with ignoreEmptyLevels (the strict reading already asks for every empty level).
  assert.equal(filterCoveredBy('devices/+/status', allowed, { forbidden }), false);
});

test('property: with ignoreEmptyLevels and forbidden, covered means every declared topic reached is allowed', (t) => {
  t.diagnostic(`fast-check seed ${seed}`);
  let checked = 0;
  fc.assert(
    fc.property(
      filterSpec,
      fc.array(fc.array(levelSpec, { minLength: 1, maxLength: 4 }), { maxLength: 4 }),
      fc.nat({ max: 31 }),
      fc.nat({ max: 255 }),
      fc.array(fc.array(fc.oneof(value, fc.constant('')), { minLength: 8, maxLength: 8 }), {
        minLength: 12,
        maxLength: 12,
      }),
      (f, extra, emptyMask, forbidMask, fills) => {
        const filter = filterText(f);
        const addresses = allowedFor(f, extra, emptyMask).map(compile);
        const allowed = addresses.filter((_, i) => (forbidMask & (1 << i)) === 0);
        const forbidden = addresses.filter((_, i) => (forbidMask & (1 << i)) !== 0);
        const answer = explainFilterCoverage(filter, allowed, { ignoreEmptyLevels: true, forbidden });
        if (!answer.covered) return;
        const plus = filter.split('/').flatMap((l, i) => (l === '+' ? [i] : []));
        for (const topic of sampleTopics(f, fills)) {
          if (!isValidTopicName(topic) || !topicMatchesFilter(filter, topic)) continue;
          const levels = topic.split('/');
          const declaredForbidden = forbidden.some((m) => m.match(topic) !== null);
          const nonEmpty = !plus.some((i) => levels[i] === '');
          if (!declaredForbidden && !nonEmpty) continue; // an empty level no address declares: left to delivery
          checked++;
          assert.ok(
            allowed.some((m) => m.match(topic) !== null),
            `${filter} claimed covered, ${JSON.stringify(topic)} is not allowed`,
          );
        }
      },
    ),
    { seed, numRuns: 300 },
  );
  assert.ok(checked > 50, `checked ${checked} topics`);
});

test(
  'property: with ignoreEmptyLevels, coverage is a superset ' + 'of the strict answer and sound for non-empty levels',
  (t) => {
    t.diagnostic(`fast-check seed ${seed}`);
    let checked = 0;
    fc.assert(
      fc.property(
        filterSpec,
        fc.array(fc.array(levelSpec, { minLength: 1, maxLength: 4 }), { maxLength: 4 }),
        fc.nat({ max: 31 }),
        fc.array(fc.array(fc.oneof(value, fc.constant('')), { minLength: 8, maxLength: 8 }), {
          minLength: 12,
          maxLength: 12,
        }),
        (f, extra, emptyMask, fills) => {
          const filter = filterText(f);
          const allowed = allowedFor(f, extra, emptyMask).map(compile);
          const strict = explainFilterCoverage(filter, allowed);
          const loose = explainFilterCoverage(filter, allowed, { ignoreEmptyLevels: true });
          if (strict.covered) assert.ok(loose.covered, `${filter}: strict covered, loose not`);
          if (!loose.covered) return;
          const plus = filter.split('/').flatMap((l, i) => (l === '+' ? [i] : []));
          for (const topic of sampleTopics(f, fills)) {
            if (!isValidTopicName(topic) || !topicMatchesFilter(filter, topic)) continue;
            const levels = topic.split('/');
            if (plus.some((i) => levels[i] === '')) continue; // the reading leaves the empty level out on purpose
            checked++;
            assert.ok(
              allowed.some((m) => m.match(topic) !== null),
              `${filter} claimed covered, ${JSON.stringify(topic)} is not`,
            );
          }
        },
      ),
      { seed, numRuns: 300 },
    );
    assert.ok(checked > 50, `checked ${checked} topics`);
  },
);
