// Guard micro-benchmark: `node --import tsx bench/guard.ts [--quick]`, or `runGuardBench(say,
// quick)` from bench/run.ts. `guard.authorize` decisions per second on a model with 1,000
// channels (half literal addresses, half with a `{param}`; operations half send, half receive),
// over a fixed mix of requests: hits on literal and templated channels, misses, publish and
// subscribe, allowed and refused (scope_missing). Target: over 1,000,000 decisions/s on one core.
// Measured with audit off (silent logger) and audit on (every decision written as a JSON line to
// /dev/null through createAuditLogger: synchronously, as it does for real destinations, and
// buffered, to show what the serialization alone costs). Baselines, measured in the same run:
//   a. `Map.get(channel)` over the literal channels: the least any lookup can cost;
//   b. a naive matcher: one precompiled RegExp per channel, tested in turn until one matches
//      (what a guard without a channel table would do).

import { pathToFileURL } from 'node:url';
import pino from 'pino';
import { createAuditLogger } from '../src/guard/audit.js';
import { createGuard, type Guard, type Session } from '../src/guard/index.js';
import { createMemoryStore } from '../src/credentials/memory.js';
import type { ModelOperation, SecurityModel } from '../src/model/types.js';

const CHANNELS = 1000;

function buildModel(): { model: SecurityModel; addresses: string[] } {
  const operations: ModelOperation[] = [];
  const addresses: string[] = [];
  for (let i = 0; i < CHANNELS; i++) {
    const address = i % 2 === 0 ? `plant/${i}/line/${i % 7}/status` : `fleet/${i}/{deviceId}/telemetry`;
    addresses.push(address);
    operations.push({
      id: `op${i}`,
      action: i % 4 < 2 ? 'send' : 'receive',
      channel: `ch${i}`,
      address,
      servers: ['broker'],
      // One channel in ten needs a scope the benchmark user lacks: refused as scope_missing.
      security: i % 10 === 0 ? [[{ scheme: 'userPass', scopes: ['admin'] }]] : [],
    });
  }
  return {
    model: {
      asyncapi: '3.0.0',
      schemes: { userPass: { type: 'userPassword' } },
      servers: [
        { name: 'broker', host: 'localhost', protocol: 'mqtt', security: [[{ scheme: 'userPass', scopes: [] }]] },
      ],
      operations,
    },
    addresses,
  };
}

type Request = { action: 'publish' | 'subscribe'; channel: string };

function workload(): Request[] {
  const out: Request[] = [];
  for (let k = 0; k < 4096; k++) {
    const i = (k * 7919) % CHANNELS;
    // Mostly the action the channel's operation covers (send = publish); one in six the other one.
    const covered: Request['action'] = i % 4 < 2 ? 'publish' : 'subscribe';
    const action: Request['action'] = k % 6 === 5 ? (covered === 'publish' ? 'subscribe' : 'publish') : covered;
    let channel: string;
    if (k % 5 === 4)
      channel = `unknown/${k}/topic`; // a miss
    else if (i % 2 === 0) channel = `plant/${i}/line/${i % 7}/status`;
    else channel = `fleet/${i}/dev-${k}/telemetry`;
    out.push({ action, channel });
  }
  return out;
}

function rate(ms: number, ops: number): number {
  return (ops / ms) * 1000;
}

function measure(iterations: number, body: (n: number) => number): number {
  body(Math.min(iterations, 200_000)); // warm-up: JIT
  const t0 = performance.now();
  const sink = body(iterations);
  const ms = performance.now() - t0;
  if (sink === -1) console.log('unreachable');
  return rate(ms, iterations);
}

async function guardWith(model: SecurityModel, logger: pino.Logger): Promise<{ guard: Guard; session: Session }> {
  const store = createMemoryStore();
  await store.addPrincipal({ name: 'bench', password: 'bench-password', scopes: ['read'], iterations: 4096 });
  const guard = await createGuard(model, { store, schemes: { userPass: {} }, audit: { logger } });
  const r = await guard.authenticate('broker', { login: { username: 'bench', password: 'bench-password' } });
  if (!r.ok) throw new Error('bench: login failed');
  return { guard, session: r.session };
}

export async function runGuardBench(say: (line: string) => void, quick: boolean): Promise<void> {
  const iterations = quick ? 500_000 : 5_000_000;
  const { model, addresses } = buildModel();
  const requests = workload();
  const mask = requests.length - 1;

  // Baseline a: Map.get over the literal channels.
  const literal = new Map(addresses.filter((a) => !a.includes('{')).map((a, i) => [a, i]));
  const mapRate = measure(iterations, (n) => {
    let s = 0;
    for (let k = 0; k < n; k++) s += literal.get(requests[k & mask]!.channel) ?? 0;
    return s;
  });
  // Baseline b: one RegExp per channel, tested in turn.
  const regexes = addresses.map(
    (a) => new RegExp(`^${a.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
  );
  const regexIterations = Math.max(20_000, iterations / 100);
  const regexRate = measure(regexIterations, (n) => {
    let s = 0;
    for (let k = 0; k < n; k++) {
      const c = requests[k & mask]!.channel;
      for (let j = 0; j < regexes.length; j++) {
        if (regexes[j]!.test(c)) {
          s += j;
          break;
        }
      }
    }
    return s;
  });

  const silent = await guardWith(model, pino({ level: 'silent' }));
  const counts = new Map<string, number>();
  for (const r of requests) {
    const d = silent.guard.authorize(silent.session, r);
    counts.set(d.reason, (counts.get(d.reason) ?? 0) + 1);
  }
  const offRate = measure(iterations, (n) => {
    let s = 0;
    for (let k = 0; k < n; k++) if (silent.guard.authorize(silent.session, requests[k & mask]!).allowed) s++;
    return s;
  });

  const audited = await guardWith(
    model,
    createAuditLogger({ level: 'info' }, '/tmp', { stream: pino.destination({ dest: '/dev/null', sync: true }) }),
  );
  const onIterations = Math.max(100_000, iterations / 10);
  const onRate = measure(onIterations, (n) => {
    let s = 0;
    for (let k = 0; k < n; k++) if (audited.guard.authorize(audited.session, requests[k & mask]!).allowed) s++;
    return s;
  });

  const buffered = await guardWith(
    model,
    createAuditLogger({ level: 'info' }, '/tmp', {
      stream: pino.destination({ dest: '/dev/null', sync: false, minLength: 8192 }),
    }),
  );
  const bufferedRate = measure(onIterations, (n) => {
    let s = 0;
    for (let k = 0; k < n; k++) if (buffered.guard.authorize(buffered.session, requests[k & mask]!).allowed) s++;
    return s;
  });

  const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
  say(
    `guard.authorize on ${CHANNELS} channels (${addresses.filter((a) => a.includes('{')).length} with a ` +
      `{param}), ${requests.length} requests cycled`,
  );
  say(`  request mix: ${[...counts].map(([r, c]) => `${r} ${((c / requests.length) * 100).toFixed(0)}%`).join(', ')}`);
  say(`  baseline a, Map.get(channel) over the literal channels: ${fmt(mapRate)} lookups/s`);
  say(`  baseline b, a RegExp per channel tested in turn:        ${fmt(regexRate)} decisions/s`);
  say(
    `  authorize, audit off: ${fmt(offRate)} decisions/s (${(offRate / mapRate).toFixed(2)}x baseline a, ` +
      `${(offRate / regexRate).toFixed(0)}x baseline b)  target ` +
      `> 1,000,000/s: ${offRate > 1_000_000 ? 'met' : 'NOT met'}`,
  );
  say(
    `  authorize, audit on (JSON line per decision, sync write to /dev/null, as createAuditLogger does): ` +
      `${fmt(onRate)} decisions/s (${(onRate / offRate).toFixed(3)}x audit off, ` +
      `${(onRate / regexRate).toFixed(1)}x baseline b)`,
  );
  say(
    `  authorize, audit on (buffered 8 KiB writes to /dev/null): ${fmt(bufferedRate)} decisions/s ` +
      `(${(bufferedRate / offRate).toFixed(3)}x audit off, ${(bufferedRate / regexRate).toFixed(1)}x baseline b)`,
  );
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runGuardBench((line) => console.log(line), process.argv.includes('--quick'));
}
