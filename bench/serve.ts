// serve benchmarks (issue 5): `node --import tsx bench/serve.ts [--quick]`, or
// `runServeBench(say, quick)` from bench/run.ts. Every figure is a ratio against a baseline
// measured in the same run on the same machine; contenders alternate round by round so both
// sides see the same background load (the machine is shared), and the per-round ratios' median
// is reported. Each server runs in a child process of its own (bench/serve/server-child.ts), the
// load generator (bench/serve/load.ts: raw sockets, prebuilt frames) in this one.
//   1. MQTT QoS 0 deliveries/s, N publishers → 1 subscriber, through the guarded MQTT front
//      (userPassword session, memory bus, audit `warn` and `info` to /dev/null) vs bare aedes on
//      a plain net server with no authentication. Target ≥ 90% of bare.
//   2. WebSocket relay deliveries/s, 1 publisher → 1 subscriber on one channel, through the
//      guarded WebSocket front (httpApiKey) vs a bare `ws` relay. Target ≥ 90%.
//   3. Connection setups/s: MQTT CONNECT+CONNACK with userPassword (10,000 and 4096 PBKDF2
//      iterations), apiKey and anonymous vs bare aedes; WebSocket handshakes with httpApiKey and
//      a (cached) bearer JWT vs a bare `ws` server.
//   4. Memory per idle authenticated MQTT connection (apiKey) at 10,000 connections (2,000 with
//      --quick): RSS and heap delta / N of the server process, vs bare aedes.

import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ChildReady } from './serve/server-child.js';
import { CHANNEL } from './serve/constants.js';
import {
  mqttClose,
  mqttConnectRate,
  mqttThroughput,
  openIdleMqtt,
  wsHandshakeRate,
  wsRelay,
  type Throughput,
} from './serve/load.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = resolve(here, '..');

interface Child {
  readonly name: string;
  readonly ready: ChildReady;
  mem: () => Promise<NodeJS.MemoryUsage>;
  /** CPU time (user + system) of the server process so far, µs. */
  cpu: () => Promise<number>;
  stats: () => Promise<Record<string, { connections: number; refusedConnections: number; dropped: number }>>;
  stop: () => Promise<void>;
}

/** Forks one server under test and waits until it listens. */
async function startChild(
  role: 'bare-mqtt' | 'bare-ws' | 'guarded',
  audit: 'warn' | 'info' = 'warn',
  servers: readonly string[] = [],
): Promise<Child> {
  const proc: ChildProcess = fork(resolve(here, 'serve/server-child.ts'), [role, audit, servers.join(',')], {
    cwd: root,
    // BENCH_SERVE_PROF=DIR: a V8 CPU profile of each server process into DIR (diagnosis only).
    execArgv: [
      '--expose-gc',
      '--import',
      'tsx',
      ...(process.env['BENCH_SERVE_PROF'] ? ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_SERVE_PROF']}`] : []),
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiters: { res: (m: Record<string, unknown>) => void; rej: (e: Error) => void }[] = [];
  proc.on('message', (m: Record<string, unknown>) => waiters.shift()?.res(m));
  proc.once('exit', (code) => {
    for (const w of waiters.splice(0)) w.rej(new Error(`bench: ${role} child exited (${code})`));
  });
  const next = () =>
    new Promise<Record<string, unknown>>((res, rej) => {
      const t = setTimeout(() => rej(new Error(`bench: ${role} child did not answer`)), 60_000);
      waiters.push({
        res: (m) => {
          clearTimeout(t);
          res(m);
        },
        rej,
      });
    });
  const ready = (await next()) as unknown as ChildReady;
  return {
    name: role,
    ready,
    async mem() {
      const p = next();
      proc.send({ cmd: 'mem' });
      return (await p)['mem'] as NodeJS.MemoryUsage;
    },
    async cpu() {
      const p = next();
      proc.send({ cmd: 'cpu' });
      return (await p)['cpu'] as number;
    },
    async stats() {
      const p = next();
      proc.send({ cmd: 'stats' });
      return (await p)['stats'] as Record<string, { connections: number; refusedConnections: number; dropped: number }>;
    },
    async stop() {
      if (proc.exitCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.send({ cmd: 'exit' });
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (proc.exitCode === null) proc.kill('SIGKILL');
    },
  };
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const int = (x: number) => Math.round(x).toLocaleString('en-US');
const pct = (r: number) => `${(r * 100).toFixed(0)}%`;

interface Contender<T> {
  readonly label: string;
  readonly run: () => Promise<T>;
}

/**
 * Runs every contender once per round, rotating the order each round; per contender the median
 * rate, and the median of its per-round ratio to the first contender (the baseline).
 */
async function interleave<T extends { rate: number }>(
  rounds: number,
  contenders: readonly Contender<T>[],
): Promise<{ label: string; rate: number; ratio: number; all: T[] }[]> {
  const results = contenders.map(() => [] as T[]);
  for (let r = 0; r < rounds; r++) {
    for (let j = 0; j < contenders.length; j++) {
      const i = (j + r) % contenders.length;
      results[i]!.push(await contenders[i]!.run());
    }
  }
  return contenders.map((c, i) => ({
    label: c.label,
    rate: median(results[i]!.map((x) => x.rate)),
    ratio: median(results[i]!.map((x, r) => x.rate / results[0]![r]!.rate)),
    all: results[i]!,
  }));
}

/** Median server CPU over the rounds, as a share of one core. */
function cpuCell(all: readonly Throughput[]): string {
  const xs = all.map((x) => x.serverCpu).filter((x) => Number.isFinite(x));
  return xs.length === 0 ? '–' : pct(median(xs));
}

/** Median server CPU time per delivery (µs): comparable even when the shared machine's load differs. */
function cpuPerMessage(all: readonly Throughput[]): number {
  const xs = all.filter((x) => Number.isFinite(x.serverCpu) && x.rate > 0).map((x) => (x.serverCpu * 1e6) / x.rate);
  return xs.length === 0 ? NaN : median(xs);
}

/** `µs (ratio)`: this contender's CPU per delivery, and the baseline's divided by it (1.0 = as cheap as bare). */
function perMessage(all: readonly Throughput[], base: readonly Throughput[]): string {
  const mine = cpuPerMessage(all);
  const theirs = cpuPerMessage(base);
  if (!Number.isFinite(mine)) return '–';
  return `${mine.toFixed(1)} (${pct(theirs / mine)})`;
}

/** Sections to run: all, or those listed in BENCH_SERVE_ONLY (mqtt, ws, setup, memory). */
function wanted(section: string): boolean {
  const only = process.env['BENCH_SERVE_ONLY'];
  return only === undefined || only === '' || only.split(',').includes(section);
}

function ulimits(): string {
  const out = spawnSync('sh', ['-c', 'echo "$(ulimit -Sn) soft, $(ulimit -Hn) hard"'], { encoding: 'utf8' });
  return out.stdout.trim();
}

export async function runServeBench(say: (line: string) => void, quick: boolean): Promise<void> {
  const rounds = quick ? 3 : 5;
  const measureMs = quick ? 1000 : 3000;
  const warmupMs = quick ? 300 : 1000;
  const idleCount = quick ? 2000 : 10_000;

  say(
    `serve benchmarks: servers in child processes, the load generator (raw sockets, prebuilt frames) in ` +
      `this one; ${rounds} interleaved rounds of ${measureMs} ms each; open files ${ulimits()}`,
  );
  say('');

  const bareMqtt = await startChild('bare-mqtt');
  const bareWs = await startChild('bare-ws');
  // One process per front measured for throughput (see server-child.ts), one with every front
  // for the setup rates (no traffic flows there).
  const mqttWarn = await startChild('guarded', 'warn', ['mqttUser']);
  const mqttInfo = await startChild('guarded', 'info', ['mqttUser']);
  const wsWarn = await startChild('guarded', 'warn', ['wsKey']);
  const wsInfo = await startChild('guarded', 'info', ['wsKey']);
  const guarded = await startChild('guarded', 'warn');
  const children = [bareMqtt, bareWs, mqttWarn, mqttInfo, wsWarn, wsInfo, guarded];
  try {
    if (guarded.ready.missing.length > 0)
      say(
        `**not measured yet** (modules missing: ${guarded.ready.missing.join(', ')}): only what those need is skipped.`,
      );
    const g = guarded.ready;
    const login = { username: 'bench4k', password: mqttWarn.ready.creds.password };
    const loginInfo = { username: 'bench4k', password: mqttInfo.ready.creds.password };

    // 1. MQTT QoS 0 throughput.
    if (wanted('mqtt')) {
      const publishers = 4;
      const common = { publishers, topic: CHANNEL, payloadBytes: 64, warmupMs, measureMs, window: 1000, batch: 50 };
      const contenders: Contender<Throughput>[] = [
        {
          label: 'bare aedes, no authentication (baseline)',
          run: () => mqttThroughput({ ...common, port: bareMqtt.ready.ports['bare']!, cpu: bareMqtt.cpu }),
        },
      ];
      if (mqttWarn.ready.ports['mqttUser'] !== undefined) {
        contenders.push({
          label: 'guarded MQTT front, userPassword, audit `warn`',
          run: () => mqttThroughput({ ...common, port: mqttWarn.ready.ports['mqttUser']!, login, cpu: mqttWarn.cpu }),
        });
        contenders.push({
          label: 'guarded MQTT front, userPassword, audit `info` (the default: allowed publishes counted, not logged)',
          run: () =>
            mqttThroughput({ ...common, port: mqttInfo.ready.ports['mqttUser']!, login: loginInfo, cpu: mqttInfo.cpu }),
        });
      }
      const res = await interleave(rounds, contenders);
      say(`### MQTT QoS 0: ${publishers} publishers → 1 subscriber, 64-byte payloads, at most 1,000 in flight`);
      say('');
      say(
        '| server | deliveries/s (median) | ratio to bare (median of rounds) | server CPU (one core = 100%) ' +
          '| server CPU µs / delivery (bare’s as a share) | lost |',
      );
      say('|---|---|---|---|---|---|');
      for (const [i, r] of res.entries()) {
        const lost = r.all.reduce((s, x) => s + x.lost, 0);
        const target = i === 1 ? ` (target ≥ 90%: ${r.ratio >= 0.9 ? 'met' : 'NOT met'})` : '';
        say(
          `| ${r.label} | ${int(r.rate)} | **${pct(r.ratio)}**${target} | ${cpuCell(r.all)} | ` +
            `${perMessage(r.all, res[0]!.all)} | ${int(lost)} |`,
        );
      }
      if (g.ports['mqttUser'] === undefined)
        say('| guarded MQTT front | not measured: no createMqttFront yet | | | | |');
      say('');
    }

    // 2. WebSocket relay.
    if (wanted('ws')) {
      const common = { path: `/${CHANNEL}`, payloadBytes: 64, warmupMs, measureMs, window: 1000, batch: 50 };
      const contenders: Contender<Throughput & { echoed: number }>[] = [
        {
          label: 'bare `ws` relay, no authentication (baseline)',
          run: () =>
            wsRelay({ ...common, port: bareWs.ready.ports['bare']!, subHeaders: {}, pubHeaders: {}, cpu: bareWs.cpu }),
        },
      ];
      if (wsWarn.ready.ports['wsKey'] !== undefined) {
        const keys = (c: ChildReady, echo = false) => ({
          subHeaders: { 'X-API-Key': c.creds.apiKey },
          pubHeaders: { 'X-API-Key': echo ? c.creds.apiKey : c.creds.pubKey },
        });
        contenders.push({
          label: 'guarded WebSocket front, httpApiKey, audit `warn`',
          run: () => wsRelay({ ...common, port: wsWarn.ready.ports['wsKey']!, ...keys(wsWarn.ready), cpu: wsWarn.cpu }),
        });
        contenders.push({
          label: 'guarded WebSocket front, httpApiKey, audit `info`',
          run: () => wsRelay({ ...common, port: wsInfo.ready.ports['wsKey']!, ...keys(wsInfo.ready), cpu: wsInfo.cpu }),
        });
        contenders.push({
          label: 'guarded, audit `warn`, publisher may also subscribe (gets its own messages: 2 deliveries each)',
          run: () =>
            wsRelay({ ...common, port: wsWarn.ready.ports['wsKey']!, ...keys(wsWarn.ready, true), cpu: wsWarn.cpu }),
        });
      }
      const res = await interleave(rounds, contenders);
      say(
        '### WebSocket relay: 1 publisher → 1 subscriber on one channel, 64-byte binary frames, at most ' +
          '1,000 in flight',
      );
      say('');
      say(
        '| server | deliveries/s (median) | ratio to bare (median of rounds) | server CPU (one core = 100%) ' +
          '| server CPU µs / delivery (bare’s as a share) | lost | echoed to the publisher |',
      );
      say('|---|---|---|---|---|---|---|');
      for (const [i, r] of res.entries()) {
        const lost = r.all.reduce((s, x) => s + x.lost, 0);
        const echoed = r.all.reduce((s, x) => s + x.echoed, 0);
        const target = i === 1 ? ` (target ≥ 90%: ${r.ratio >= 0.9 ? 'met' : 'NOT met'})` : '';
        say(
          `| ${r.label} | ${int(r.rate)} | **${pct(r.ratio)}**${target} | ${cpuCell(r.all)} | ` +
            `${perMessage(r.all, res[0]!.all)} | ${int(lost)} | ${int(echoed)} |`,
        );
      }
      if (g.ports['wsKey'] === undefined)
        say('| guarded WebSocket front | not measured: no createWsFront yet | | | | | |');
      say('');
    }

    // 3. Connection setup rate per scheme.
    if (wanted('setup')) {
      const concurrency = 16;
      const setupMs = quick ? 1000 : 2000;
      const setupRounds = quick ? 1 : 3;
      type R = { rate: number; failures: number };
      // A fresh clientId per connection (a repeated one would make aedes take the old session over).
      let id = 0;
      const setups = (port: number, login: { username?: string; password?: string }) => () =>
        mqttConnectRate(port, () => ({ clientId: `bench-c${id++}`, ...login }), concurrency, setupMs);
      const mqtt: Contender<R>[] = [
        { label: 'bare aedes, no authentication (baseline)', run: setups(bareMqtt.ready.ports['bare']!, {}) },
      ];
      if (g.ports['mqttAnon'] !== undefined) {
        mqtt.push({ label: 'guarded, anonymous (server without security)', run: setups(g.ports['mqttAnon'], {}) });
        mqtt.push({
          label: 'guarded, apiKey (`in: password`)',
          run: setups(g.ports['mqttKey']!, { username: 'bench', password: g.creds.apiKey }),
        });
        mqtt.push({
          label: 'guarded, userPassword, 4096 PBKDF2 iterations',
          run: setups(g.ports['mqttUser']!, { username: 'bench4k', password: g.creds.password }),
        });
        mqtt.push({
          label: 'guarded, userPassword, 10,000 iterations (the default)',
          run: setups(g.ports['mqttUser']!, { username: 'bench10k', password: g.creds.password }),
        });
      }
      const mres = await interleave(setupRounds, mqtt);
      say(`### Connection setup: MQTT CONNECT → CONNACK 0, ${concurrency} concurrent clients, new TCP connection each`);
      say('');
      say('| server | setups/s (median) | ratio to bare | failures |');
      say('|---|---|---|---|');
      for (const r of mres)
        say(
          `| ${r.label} | ${int(r.rate)} | ${r.ratio.toFixed(2)}x | ` +
            `${int(r.all.reduce((s, x) => s + x.failures, 0))} |`,
        );
      if (g.ports['mqttAnon'] === undefined) say('| guarded MQTT front | not measured: no createMqttFront yet | | |');
      say('');

      const path = `/${CHANNEL}`;
      const ws: Contender<R>[] = [
        {
          label: 'bare `ws` server, no authentication (baseline)',
          run: () => wsHandshakeRate(bareWs.ready.ports['bare']!, path, {}, concurrency, setupMs),
        },
      ];
      if (g.ports['wsKey'] !== undefined) {
        ws.push({
          label: 'guarded, httpApiKey (header)',
          run: () => wsHandshakeRate(g.ports['wsKey']!, path, { 'X-API-Key': g.creds.apiKey }, concurrency, setupMs),
        });
        ws.push({
          label: 'guarded, bearer JWT (ES256, verified-token cache hit)',
          run: () =>
            wsHandshakeRate(g.ports['wsJwt']!, path, { Authorization: `Bearer ${g.creds.jwt}` }, concurrency, setupMs),
        });
      }
      const wres = await interleave(setupRounds, ws);
      say(
        `### Connection setup: WebSocket opening handshake → 101, ${concurrency} concurrent clients, new ` +
          `TCP connection each`,
      );
      say('');
      say('| server | handshakes/s (median) | ratio to bare | failures |');
      say('|---|---|---|---|');
      for (const r of wres)
        say(
          `| ${r.label} | ${int(r.rate)} | ${r.ratio.toFixed(2)}x | ` +
            `${int(r.all.reduce((s, x) => s + x.failures, 0))} |`,
        );
      if (g.ports['wsKey'] === undefined) say('| guarded WebSocket front | not measured: no createWsFront yet | | |');
      say('');
    }
  } finally {
    for (const c of children) await c.stop();
  }

  // 4. Memory per idle connection, each server in a fresh process.
  if (wanted('memory')) {
    const rows: { label: string; rss: number; heap: number; connections: number }[] = [];
    const measure = async (
      label: string,
      role: 'bare-mqtt' | 'guarded',
      servers: readonly string[],
      port: (c: Child) => number | undefined,
      creds: (c: Child, i: number) => { username?: string; password?: string },
    ) => {
      const child = await startChild(role, 'warn', servers);
      try {
        const p = port(child);
        if (p === undefined) return;
        const before = await child.mem();
        const conns = await openIdleMqtt(p, idleCount, 100, (i) => ({
          clientId: `idle-${i}`,
          keepalive: 0,
          ...creds(child, i),
        }));
        await new Promise((r) => setTimeout(r, 1000));
        const after = await child.mem();
        const stats =
          role === 'guarded' ? Object.values(await child.stats()).reduce((s, x) => s + x.connections, 0) : conns.length;
        rows.push({
          label,
          rss: (after.rss - before.rss) / idleCount,
          heap: (after.heapUsed + after.external - before.heapUsed - before.external) / idleCount,
          connections: stats,
        });
        for (const c of conns) mqttClose(c);
      } finally {
        await child.stop();
      }
    };
    await measure(
      'bare aedes, no authentication (baseline)',
      'bare-mqtt',
      [],
      (c) => c.ready.ports['bare'],
      () => ({}),
    );
    await measure(
      'guarded MQTT front, apiKey',
      'guarded',
      ['mqttKey'],
      (c) => c.ready.ports['mqttKey'],
      (c) => ({ username: 'bench', password: c.ready.creds.apiKey }),
    );
    say(
      `### Memory per idle MQTT connection (${int(idleCount)} connections, keep-alive off; server ` +
        `after two full GCs, minus before)`,
    );
    say('');
    say('| server | live connections | RSS / connection | heap + external / connection | RSS ratio to bare |');
    say('|---|---|---|---|---|');
    const base = rows[0];
    for (const r of rows)
      say(
        `| ${r.label} | ${int(r.connections)} | ${(r.rss / 1024).toFixed(1)} KiB | ` +
          `${(r.heap / 1024).toFixed(1)} KiB | ` +
          `${base === undefined ? '–' : (r.rss / base.rss).toFixed(2) + 'x'} |`,
      );
    if (rows.length < 2) say('| guarded MQTT front | not measured: no createMqttFront yet | | | |');
    say('');
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runServeBench((line) => console.log(line), process.argv.includes('--quick'));
}
