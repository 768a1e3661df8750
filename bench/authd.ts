// authd decisions per second (issue 12): `node --import tsx bench/authd.ts [--quick]`, or
// `runAuthdBench(say, quick)` from bench/run.ts (step 13).
//
// RabbitMQ's HTTP backend asks `topic_path` on every publish to a topic exchange (and
// `resource_path` per channel), over keep-alive connections. This bench asks what it asks:
//   authd     `asyncapi-guard authd` (the CLI, a process of its own) with a userPassword server and
//             one user in a file store; one `/rabbitmq/user` login, then POST form-encoded
//             `/rabbitmq/topic` questions (write, concrete routing keys of a declared channel), each
//             answered `allow` from the kept session through guard.authorize
//   bare      a bare node:http server in its own process answering every request `allow` (the
//             floor any HTTP decision service pays: parse, respond)
// The same client drives both: node:http with a keep-alive Agent, 32 questions in flight. Figures:
// decisions per second of wall time, per second of the server process's CPU (Linux /proc: what one
// core answers), and p50/p99 latency as the client sees it; ratios authd/bare from the same run.
//
// Then AMQP publish throughput through RabbitMQ (`runRabbitAmqpBench`): two private nodes
// (test/helpers/rabbitmq.ts) started in the same run, one asking authd behind the cache backend
// (`auth_cache.cache_ttl = 2000`), one with an internal user allowed everything; one amqplib
// confirm channel publishes N 64-byte messages to `amq.topic` (a topic exchange: RabbitMQ checks
// the routing key on every publish) and waits for the broker's confirms. Rounds alternate.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import amqp from 'amqplib';
import { createFileStore } from '../src/credentials/file.js';
import { startRabbitmq, type StartedRabbit } from '../test/helpers/rabbitmq.js';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const CONCURRENCY = 32;
const USER = 'bench-user';
const PASSWORD = 'bench-authd-password-0123';

const DOCUMENT = `asyncapi: 3.0.0
info: { title: authd bench, version: 1.0.0 }
servers:
  broker:
    host: 127.0.0.1:5672
    protocol: amqp
    security: [{ $ref: '#/components/securitySchemes/userPass' }]
channels:
  reading: { address: 'sensors/{id}/reading' }
operations:
  sendReading: { action: send, channel: { $ref: '#/channels/reading' } }
components:
  securitySchemes:
    userPass: { type: userPassword }
`;

const CONFIG = `store: file:./credentials.yaml
schemes: { userPass: {} }
authd:
  listen: 127.0.0.1:0
  rabbitmq:
    - server: broker
`;

const BARE_SERVER = `
const http = require('node:http');
const s = http.createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => { res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 5 }); res.end('allow'); });
});
s.keepAliveTimeout = 60000;
s.listen(0, '127.0.0.1', () => process.stderr.write('listening ' + s.address().port + '\\n'));
`;

/** utime + stime of a process, µs, from /proc/PID/stat (clock ticks of 10 ms on Linux); NaN elsewhere. */
function procCpu(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return NaN;
  }
}

interface Server {
  readonly port: number;
  readonly proc: ChildProcess;
  stop(): Promise<void>;
}

function startProcess(args: string[], cwd: string, portLine: RegExp): Promise<Server> {
  const proc = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  return new Promise((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${err}`)), 60_000);
    proc.stderr.setEncoding('utf8').on('data', (s: string) => {
      err += s;
      const m = portLine.exec(err);
      if (m === null) return;
      clearTimeout(timer);
      proc.stderr.removeAllListeners('data');
      proc.stderr.resume();
      resolvePort({
        port: Number(m[1]),
        proc,
        stop: async () => {
          if (proc.exitCode !== null || proc.signalCode !== null) return;
          const exited = new Promise((r) => proc.once('exit', r));
          proc.kill('SIGTERM');
          await exited;
        },
      });
    });
    proc.once('exit', (code) => reject(new Error(`server exited (${code}):\n${err}`)));
  });
}

function post(agent: Agent, port: number, path: string, body: string): Promise<string> {
  return new Promise((resolveBody, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolveBody(text));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

interface Round {
  readonly perSecond: number;
  readonly perCpuSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly denied: number;
}

async function drive(server: Server, total: number): Promise<Round> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const login = new URLSearchParams({ username: USER, password: PASSWORD }).toString();
  if ((await post(agent, server.port, '/rabbitmq/user', login)) !== 'allow') throw new Error('login refused');
  const bodies = Array.from({ length: 1000 }, (_, i) =>
    new URLSearchParams({
      username: USER,
      vhost: '/',
      resource: 'topic',
      name: 'amq.topic',
      permission: 'write',
      routing_key: `sensors.${i}.reading`,
    }).toString(),
  );
  const latencies = new Float64Array(total);
  let next = 0;
  let denied = 0;
  const worker = async (): Promise<void> => {
    while (next < total) {
      const i = next++;
      const t0 = performance.now();
      const answer = await post(agent, server.port, '/rabbitmq/topic', bodies[i % bodies.length]!);
      latencies[i] = performance.now() - t0;
      if (answer !== 'allow') denied++;
    }
  };
  // Warm-up (JIT, sockets), not counted.
  const warm = Math.min(2000, total >> 2);
  for (let i = 0; i < warm; i += CONCURRENCY)
    await Promise.all(
      Array.from({ length: CONCURRENCY }, (_, k) =>
        post(agent, server.port, '/rabbitmq/topic', bodies[(i + k) % 1000]!),
      ),
    );
  const cpu0 = procCpu(server.proc.pid);
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - t0) / 1000;
  const cpuSeconds = (procCpu(server.proc.pid) - cpu0) / 1e6;
  agent.destroy();
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    perSecond: total / seconds,
    perCpuSecond: total / cpuSeconds,
    p50Ms: sorted[Math.floor(total * 0.5)]!,
    p99Ms: sorted[Math.floor(total * 0.99)]!,
    denied,
  };
}

/** The upper bound of the histogram bucket holding the 99th percentile of an endpoint's decisions, e.g. `0.5 ms`. */
function histogramP99(metrics: string, endpoint: string): string {
  const buckets: [number, number][] = [];
  for (const line of metrics.split('\n')) {
    const m =
      /^asyncapi_guard_authd_decision_seconds_bucket\{part="rabbitmq",endpoint="([^"]+)",le="([^"]+)"\} (\d+)/.exec(
        line,
      );
    if (m !== null && m[1] === endpoint) buckets.push([m[2] === '+Inf' ? Infinity : Number(m[2]), Number(m[3])]);
  }
  const total = buckets.at(-1)?.[1] ?? 0;
  const hit = buckets.find(([, n]) => n >= total * 0.99);
  return hit === undefined || total === 0 ? 'n/a' : hit[0] === Infinity ? '> 2.5 s' : `${hit[0] * 1000} ms`;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** A folder with the bench document, config and user. */
async function benchProject(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'agd-bench-authd-'));
  writeFileSync(join(dir, 'asyncapi.yaml'), DOCUMENT);
  writeFileSync(join(dir, 'asyncapi-guard.yaml'), CONFIG);
  const store = await createFileStore(join(dir, 'credentials.yaml'), { watch: false });
  await store.addPrincipal({ name: USER, password: PASSWORD, scopes: [] });
  await store.close();
  return dir;
}

const startAuthdCli = (dir: string): Promise<Server> =>
  startProcess(
    ['--import', import.meta.resolve('tsx'), join(root, 'src/cli/main.ts'), 'authd', 'asyncapi.yaml'],
    dir,
    /authd: http:\/\/127\.0\.0\.1:(\d+)\//,
  );

export async function runAuthdBench(say: (line: string) => void, quick: boolean): Promise<void> {
  const dir = await benchProject();
  const total = quick ? 20_000 : 100_000;
  const rounds = quick ? 1 : 3;
  const authd = await startAuthdCli(dir);
  const bare = await startProcess(['-e', BARE_SERVER], dir, /listening (\d+)/);
  const ours: Round[] = [];
  const theirs: Round[] = [];
  let insideP99: string;
  try {
    for (let r = 0; r < rounds; r++) {
      // Alternate the order: the machine is shared.
      if (r % 2 === 0) {
        ours.push(await drive(authd, total));
        theirs.push(await drive(bare, total));
      } else {
        theirs.push(await drive(bare, total));
        ours.push(await drive(authd, total));
      }
    }
    insideP99 = histogramP99(await (await fetch(`http://127.0.0.1:${authd.port}/metrics`)).text(), '/rabbitmq/topic');
  } finally {
    await authd.stop();
    await bare.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const row = (name: string, rs: Round[]): string =>
    `| ${name} | ${median(rs.map((x) => x.perSecond)).toFixed(0)} | ` +
    `${median(rs.map((x) => x.perCpuSecond)).toFixed(0)} | ${median(rs.map((x) => x.p50Ms)).toFixed(2)} ms | ` +
    `${median(rs.map((x) => x.p99Ms)).toFixed(2)} ms |`;
  say(
    `${total.toLocaleString('en')} POST /rabbitmq/topic questions per round, ${CONCURRENCY} in flight over ` +
      `keep-alive, median of ${rounds} round(s); per CPU second = per second of the server process's CPU (one core).`,
  );
  say('');
  say('| server | decisions/s | decisions per CPU-second | p50 | p99 |');
  say('|---|---|---|---|---|');
  say(row('bare node:http answering `allow` (baseline)', theirs));
  say(row('asyncapi-guard authd (guard.authorize per question)', ours));
  const ratio = (f: (x: Round) => number): string => (median(ours.map(f)) / median(theirs.map(f))).toFixed(2) + 'x';
  say('');
  say(
    `Inside authd (its own asyncapi_guard_authd_decision_seconds histogram, read to answer, all rounds): ` +
      `p99 ≤ ${insideP99}; the client's p99 above adds the queueing of ${CONCURRENCY} requests in flight ` +
      'on a shared machine.',
  );
  say(
    `authd / bare: ${ratio((x) => x.perSecond)} decisions per second, ` +
      `${ratio((x) => x.perCpuSecond)} per CPU-second; ` +
      `denied answers: ${ours.reduce((n, x) => n + x.denied, 0)} (expected 0).`,
  );
}

/** Messages per second one confirm channel gets through `node` (publish all, then wait for every confirm). */
async function publishRate(node: StartedRabbit, messages: number): Promise<number> {
  const conn = await amqp.connect(node.amqpUrl(USER, PASSWORD));
  try {
    const ch = await conn.createConfirmChannel();
    const payload = Buffer.alloc(64, 1);
    for (let i = 0; i < 1000; i++) ch.publish('amq.topic', `sensors.${i % 10}.reading`, payload);
    await ch.waitForConfirms();
    const t0 = performance.now();
    for (let i = 0; i < messages; i++) {
      // Respect back-pressure as a user's code does.
      if (!ch.publish('amq.topic', `sensors.${i % 10}.reading`, payload)) await new Promise((r) => ch.once('drain', r));
    }
    await ch.waitForConfirms();
    return messages / ((performance.now() - t0) / 1000);
  } finally {
    await conn.close();
  }
}

export async function runRabbitAmqpBench(say: (line: string) => void, quick: boolean): Promise<void> {
  const dir = await benchProject();
  const messages = quick ? 20_000 : 100_000;
  const rounds = quick ? 1 : 3;
  const authd = await startAuthdCli(dir);
  let viaAuthd: StartedRabbit | null = null;
  let internal: StartedRabbit | null = null;
  try {
    viaAuthd = await startRabbitmq({ authdUrl: `http://127.0.0.1:${authd.port}`, cache: true, cacheTtlMs: 2000 });
    internal = await startRabbitmq({ internal: true });
    for (const args of [
      ['add_user', USER, PASSWORD],
      ['set_permissions', '-p', '/', USER, '.*', '.*', '.*'],
    ]) {
      const r = await internal.ctl(args);
      if (r.code !== 0) throw new Error(`rabbitmqctl ${args[0]} failed: ${r.output}`);
    }
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let r = 0; r < rounds; r++) {
      if (r % 2 === 0) {
        ours.push(await publishRate(viaAuthd, messages));
        theirs.push(await publishRate(internal, messages));
      } else {
        theirs.push(await publishRate(internal, messages));
        ours.push(await publishRate(viaAuthd, messages));
      }
    }
    say(
      `${messages.toLocaleString('en')} confirmed 64-byte publishes to amq.topic per round on one amqplib channel, ` +
        `median of ${rounds} round(s), RabbitMQ 3.10 private nodes started in this run.`,
    );
    say('');
    say('| node | messages/s |');
    say('|---|---|');
    say(`| internal user, all permissions (baseline) | ${median(theirs).toFixed(0)} |`);
    say(`| authd behind the cache backend (cache_ttl 2 s) | ${median(ours).toFixed(0)} |`);
    say('');
    const ratios = ours.map((o, i) => o / theirs[i]!);
    say(
      `authd-backed / internal: ${median(ratios).toFixed(2)}x ` +
        `(per-round ratios ${ratios.map((x) => x.toFixed(2)).join(', ')}).`,
    );
  } finally {
    await viaAuthd?.stop();
    await internal?.stop();
    await authd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const say = (line: string): void => console.log(line);
  await runAuthdBench(say, process.argv.includes('--quick'));
  say('');
  await runRabbitAmqpBench(say, process.argv.includes('--quick'));
}
