// Channel matching micro-benchmark: `node --import tsx bench/channels.ts`.
// Compares the precompiled segment plan of src/address/template.ts with an equivalent
// precompiled RegExp per address, on miss-heavy scans of a 1,000-channel table, and times
// the table lookup (Map for literal addresses, level trie for templated ones).
// Figures are ns per channel test (scan) or per lookup; the ratio is plan vs RegExp, measured
// in the same process.

import { compileAddress, type AddressMatcher } from '../src/address/template.js';
import { createChannelTable } from '../src/guard/channel-table.js';

const N = 1000;

function plan(address: string): AddressMatcher {
  const m = compileAddress(address);
  if (m === null || !m.ok) throw new Error(`bad address ${address}`);
  return m;
}

/** The RegExp the plan replaces: literals escaped, a parameter = one or more of [^/\0]. */
function regexFor(address: string): RegExp {
  const parts = address.split(/\{[A-Za-z0-9_.-]+\}/);
  const body = parts.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('([^/\\u0000]+?)');
  return new RegExp(`^${body.replace(/\+\?\)$/, '+)')}$`);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1] as number;
}

/** ns per call of fn(topic, i) over `tests` channel tests, median of 7 rounds after a warm-up. */
function time(label: string, tests: number, fn: () => number): number {
  let sink = 0;
  for (let i = 0; i < 3; i++) sink += fn();
  const rounds: number[] = [];
  for (let r = 0; r < 7; r++) {
    const t0 = process.hrtime.bigint();
    sink += fn();
    rounds.push(Number(process.hrtime.bigint() - t0) / tests);
  }
  const ns = median(rounds);
  console.log(`${label.padEnd(58)} ${ns.toFixed(1).padStart(7)} ns   (sink ${sink % 10})`);
  return ns;
}

const scenarios: { name: string; addresses: string[]; topics: string[] }[] = [
  {
    name: 'miss at the first level',
    addresses: Array.from({ length: N }, (_, i) => `org${i}/devices/{deviceId}/telemetry`),
    topics: ['orgX/devices/42/telemetry', 'other/devices/42/telemetry', 'org5/devices/42/telemetry/x'],
  },
  {
    name: 'miss at the last level (long shared prefix)',
    addresses: Array.from(
      { length: N },
      (_, i) => `smartylighting/streetlights/1/0/event/{streetlightId}/lighting/measured${i}`,
    ),
    topics: [
      'smartylighting/streetlights/1/0/event/42/lighting/measuredX',
      'smartylighting/streetlights/1/0/event/42/lighting/dimmed',
    ],
  },
  {
    name: 'dotted single level (AMQP/Kafka style), mixed template',
    addresses: Array.from(
      { length: N },
      (_, i) => `smartylighting.streetlights.1.0.event.{streetlightId}.lighting.m${i}`,
    ),
    topics: [
      'smartylighting.streetlights.1.0.event.42.lighting.measured',
      'smartylighting.streetlights.1.0.action.42.turn.on',
    ],
  },
];

const ROUNDS = 200;
for (const sc of scenarios) {
  console.log(`\n${sc.name}: ${N} templated addresses, ${sc.topics.length} missing topics`);
  const plans = sc.addresses.map(plan);
  const regexes = sc.addresses.map(regexFor);
  // Sanity: both agree on every (address, topic) pair and on a hit.
  for (const t of [...sc.topics, plans[7]!.address.replace(/\{[^}]+\}/g, '42')]) {
    for (let i = 0; i < N; i++) {
      if ((plans[i]!.match(t) !== null) !== regexes[i]!.test(t))
        throw new Error(`disagree: ${sc.addresses[i]} vs ${t}`);
    }
  }
  const tests = ROUNDS * sc.topics.length * N;
  const a = time('segment plan: match() per channel test', tests, () => {
    let hits = 0;
    for (let r = 0; r < ROUNDS; r++)
      for (const t of sc.topics) for (let i = 0; i < N; i++) if (plans[i]!.match(t) !== null) hits++;
    return hits;
  });
  const b = time('precompiled RegExp: test() per channel test', tests, () => {
    let hits = 0;
    for (let r = 0; r < ROUNDS; r++)
      for (const t of sc.topics) for (let i = 0; i < N; i++) if (regexes[i]!.test(t)) hits++;
    return hits;
  });
  console.log(`plan vs RegExp: ${(b / a).toFixed(2)}x`);
  const table = createChannelTable(sc.addresses.map((address, i) => ({ key: `op${i}`, address })));
  const lookups = ROUNDS * 50 * sc.topics.length;
  time('channel table: lookup() per missing topic (whole table)', lookups, () => {
    let hits = 0;
    for (let r = 0; r < ROUNDS * 50; r++) for (const t of sc.topics) hits += table.lookup(t).length;
    return hits;
  });
  const hit = plans[500]!.address.replace(/\{[^}]+\}/g, '42');
  time('channel table: lookup() per matching topic (whole table)', ROUNDS * 50, () => {
    let hits = 0;
    for (let r = 0; r < ROUNDS * 50; r++) hits += table.lookup(hit).length;
    return hits;
  });
}
