// MQTT QoS 0 end to end, measured the way a user would (issue 11): `node --import tsx
// bench/serve-e2e.ts [--quick]`, or `runServeE2eBench(say, quick)` from bench/run.ts (step 12).
//
// The same harness drives both servers: one mqtt.js subscriber connects and subscribes to a
// concrete topic, one mqtt.js publisher connects and publishes N QoS 0 messages of 64 bytes as
// fast as mqtt.js lets it (`await publishAsync(...)` in a loop: mqtt.js calls back at once, or on
// the socket's 'drain' when its buffer is full, so the publisher respects back-pressure as a user's
// code does). The clock runs from the first publish until the subscriber counted the last message;
// a message that never arrives does not hang the bench: after STALL_MS without progress the round
// ends and reports it as lost. Connects and subscribes are outside the timed part.
//   guarded   `asyncapi-guard serve` (the CLI, a process of its own) with the document below: one
//             MQTT server secured by userPassword, the user in a temporary file store (default
//             PBKDF2 iterations), the default config otherwise (audit at `info` to stderr, which
//             goes to a file whose growth this bench counts)
//   log-each  the same with every allowed publish logged (`audit: { level: debug,
//             maxLinesPerSecond: 0 }`), as the default `info` did before issue 11
//   bare      aedes on a plain net server, no authentication (bench/serve/server-child.ts)
// Rounds alternate the order of the two (the machine is shared); per server the median rate, and
// the median of the per-round ratios guarded/bare. Clients run in this process, the servers in
// their own: the server CPU (Linux /proc) per message is the figure that holds on a loaded machine.
// BENCH_E2E_PROF=DIR: a V8 CPU profile of the serve process into DIR (written when it stops).
// BENCH_E2E_CLI=dist|src: run the bundled CLI (bin/, what `npm run bench` builds) or the sources
// through tsx; default dist when it is newer than every file under src/, else src.

import { fork, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import mqtt, { type MqttClient } from 'mqtt';
import { createFileStore } from '../src/credentials/file.js';
import type { ChildReady } from './serve/server-child.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = resolve(here, '..');
const TOPIC = 'bench/e2e';
const USER = 'bench-user';
const PASSWORD = 'bench-e2e-password-0123';
const PAYLOAD_BYTES = 64;
/** A round with no message received for this long ends; what is missing is reported as lost. */
const STALL_MS = 10_000;

const DOCUMENT = `asyncapi: 3.0.0
info: { title: serve end-to-end bench, version: 1.0.0 }
servers:
  broker:
    host: 127.0.0.1:1883
    protocol: mqtt
    security: [{ $ref: '#/components/securitySchemes/userPass' }]
channels:
  data: { address: ${TOPIC} }
operations:
  sendData: { action: send, channel: { $ref: '#/channels/data' } }
  receiveData: { action: receive, channel: { $ref: '#/channels/data' } }
components:
  securitySchemes:
    userPass: { type: userPassword }
`;

// Everything else at its default (audit.level info, destination stderr, default limits).
const CONFIG = `store: file:./credentials.yaml
schemes:
  userPass: {}
`;

// The third contender: every allowed publish logged, one line each (the default before issue 11
// moved allowed message decisions to \`debug\` and bounded the lines per second).
const CONFIG_LOG_EACH = `${CONFIG}audit: { level: debug, maxLinesPerSecond: 0 }
`;

interface Server {
  readonly label: string;
  readonly port: number;
  readonly login: { username?: string; password?: string };
  /** CPU time (user + system) of the server process so far, µs; NaN where /proc is not there. */
  readonly cpu: () => number;
  /** Bytes the server wrote to stderr so far (the guarded one's audit and operational log). */
  readonly logBytes: () => number;
  stop(): Promise<void>;
}

/** utime + stime of a process, µs, from /proc/PID/stat (clock ticks of 10 ms on Linux). */
function procCpu(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at `) `: state is field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return NaN;
  }
}

async function stopProcess(proc: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill(signal);
  await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** How to run the CLI: the bundle `npm run build` makes, or the sources through tsx. */
function cliCommand(): { args: string[]; which: string } {
  const bundle = join(root, 'dist/cli/asyncapi-guard.mjs');
  let choice = process.env['BENCH_E2E_CLI'];
  if (choice !== 'dist' && choice !== 'src') {
    let fresh: boolean;
    try {
      fresh = statSync(bundle).mtimeMs >= newestMtime(join(root, 'src'));
    } catch {
      fresh = false;
    }
    choice = fresh ? 'dist' : 'src';
  }
  return choice === 'dist'
    ? { args: [join(root, 'bin/asyncapi-guard.js')], which: 'the bundled CLI (bin/asyncapi-guard.js)' }
    : {
        args: ['--import', import.meta.resolve('tsx'), join(root, 'src/cli/main.ts')],
        which: 'the CLI from the sources through tsx (src/cli/main.ts)',
      };
}

/** `asyncapi-guard serve` in a temporary project; resolves once it printed `serving;`. */
async function startServe(dir: string, cli: string[], config: string, label: string): Promise<Server> {
  const prof = process.env['BENCH_E2E_PROF'];
  const logPath = join(dir, `${config}.log`);
  const logFd = openSync(logPath, 'w');
  const proc = spawn(
    process.execPath,
    [
      ...(prof ? ['--cpu-prof', `--cpu-prof-dir=${resolve(prof)}`] : []),
      ...cli,
      'serve',
      'asyncapi.yaml',
      '--config',
      config,
      '--listen',
      'broker=127.0.0.1:0',
    ],
    // stderr (the startup lines, the audit log, the operational log) to a file, as `2> serve.log`.
    { cwd: dir, stdio: ['ignore', 'ignore', logFd] },
  );
  closeSync(logFd);
  const logBytes = () => statSync(logPath).size;
  const port = await new Promise<number>((resolvePort, reject) => {
    let text = '';
    const poll = setInterval(() => {
      text = readFileSync(logPath, 'utf8');
      const m = /broker\s+mqtt\s+127\.0\.0\.1:(\d+)/.exec(text);
      if (m !== null && text.includes('serving;')) {
        clearInterval(poll);
        clearTimeout(timer);
        resolvePort(Number(m[1]));
      }
    }, 50);
    const timer = setTimeout(() => {
      clearInterval(poll);
      reject(new Error(`bench: serve did not start: ${text}`));
    }, 60_000);
    proc.once('exit', (code) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`bench: serve exited (${code}): ${readFileSync(logPath, 'utf8')}`));
    });
  });
  return {
    label,
    port,
    login: { username: USER, password: PASSWORD },
    cpu: () => procCpu(proc.pid),
    logBytes,
    // SIGINT: serve shuts down and exits, so a --cpu-prof profile gets written.
    stop: () => stopProcess(proc, 'SIGINT'),
  };
}

/** Bare aedes in a child of its own (the serve bench's server-child.ts, role bare-mqtt). */
async function startBare(): Promise<Server> {
  const proc = fork(resolve(here, 'serve/server-child.ts'), ['bare-mqtt'], {
    cwd: root,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<ChildReady>((res, rej) => {
    const timer = setTimeout(() => rej(new Error('bench: bare aedes did not start')), 60_000);
    proc.once('message', (m) => {
      clearTimeout(timer);
      res(m as ChildReady);
    });
    proc.once('exit', (code) => rej(new Error(`bench: bare aedes exited (${code})`)));
  });
  return {
    label: 'bare aedes, no authentication (baseline)',
    port: ready.ports['bare']!,
    login: {},
    cpu: () => procCpu(proc.pid),
    logBytes: () => 0,
    async stop() {
      if (proc.connected) proc.send({ cmd: 'exit' });
      await stopProcess(proc, 'SIGTERM');
    },
  };
}

export interface E2eRound {
  /** Messages received per second, first publish to last message received. */
  readonly rate: number;
  readonly lost: number;
  /** Server CPU µs per message received over the timed part (NaN without /proc). */
  readonly serverUsPerMessage: number;
  /** This process's (both clients') CPU µs per message. */
  readonly clientUsPerMessage: number;
  /** Bytes the server logged during the timed part. */
  readonly logBytes: number;
}

let clientSeq = 0;

/** One round: connect both clients, publish `messages`, wait for the last one or a stall. */
export async function e2eRound(server: Server, messages: number): Promise<E2eRound> {
  const url = `mqtt://127.0.0.1:${server.port}`;
  const options = { ...server.login, reconnectPeriod: 0, clean: true, connectTimeout: 30_000 };
  const sub: MqttClient = await mqtt.connectAsync(url, {
    ...options,
    clientId: `e2e-sub-${process.pid}-${clientSeq++}`,
  });
  const pub: MqttClient = await mqtt.connectAsync(url, {
    ...options,
    clientId: `e2e-pub-${process.pid}-${clientSeq++}`,
  });
  try {
    const granted = await sub.subscribeAsync(TOPIC, { qos: 0 });
    if (granted.some((g) => g.qos === 128)) throw new Error(`bench: ${server.label} refused the subscription`);
    const payload = Buffer.alloc(PAYLOAD_BYTES, 0x61);
    let received = 0;
    let lastAt = 0;
    let onLast: (() => void) | null = null;
    sub.on('message', () => {
      lastAt = performance.now();
      if (++received === messages) onLast?.();
    });
    const all = new Promise<void>((r) => (onLast = r));

    const cpu0 = server.cpu();
    const log0 = server.logBytes();
    const client0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < messages; i++) await pub.publishAsync(TOPIC, payload, { qos: 0 });
    // Until the last message, or until nothing arrived for STALL_MS.
    for (;;) {
      const before = received;
      const stalled = await Promise.race([
        all.then(() => false),
        new Promise<boolean>((r) => setTimeout(() => r(true), STALL_MS).unref()),
      ]);
      if (!stalled || received === messages || received === before) break;
    }
    const client = process.cpuUsage(client0);
    const cpu = server.cpu() - cpu0;
    const elapsedMs = (received === messages ? lastAt : received === 0 ? performance.now() : lastAt) - t0;
    return {
      rate: received / (elapsedMs / 1000),
      lost: messages - received,
      serverUsPerMessage: received === 0 ? NaN : cpu / received,
      clientUsPerMessage: received === 0 ? NaN : (client.user + client.system) / received,
      logBytes: server.logBytes() - log0,
    };
  } finally {
    await Promise.all([sub.endAsync(), pub.endAsync()]);
  }
}

const median = (xs: readonly number[]): number => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const int = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–');
const us = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '–');

export async function runServeE2eBench(say: (line: string) => void, quick: boolean): Promise<void> {
  const rounds = quick ? 3 : 5;
  const messages = quick ? 20_000 : 50_000;
  const cli = cliCommand();
  const dir = mkdtempSync(join(tmpdir(), 'bench-e2e-'));
  const servers: Server[] = [];
  try {
    writeFileSync(join(dir, 'asyncapi.yaml'), DOCUMENT);
    writeFileSync(join(dir, 'asyncapi-guard.yaml'), CONFIG);
    writeFileSync(join(dir, 'log-each.yaml'), CONFIG_LOG_EACH);
    const store = await createFileStore(join(dir, 'credentials.yaml'), { watch: false });
    await store.addPrincipal({ name: USER, password: PASSWORD, scopes: [] });
    await store.close();

    servers.push(await startBare());
    servers.push(
      await startServe(dir, cli.args, 'asyncapi-guard.yaml', '`asyncapi-guard serve`, userPassword, default config'),
    );
    servers.push(
      await startServe(
        dir,
        cli.args,
        'log-each.yaml',
        'the same, `audit: { level: debug, maxLinesPerSecond: 0 }` (a line per allowed publish, to the same file)',
      ),
    );
    // One unmeasured round each: JIT, first connections.
    for (const s of servers) await e2eRound(s, Math.min(messages, 10_000));

    const results: E2eRound[][] = servers.map(() => []);
    for (let r = 0; r < rounds; r++)
      for (let j = 0; j < servers.length; j++) {
        const i = (j + r) % servers.length;
        results[i]!.push(await e2eRound(servers[i]!, messages));
      }

    say(
      `### MQTT QoS 0 end to end: 1 mqtt.js publisher → 1 mqtt.js subscriber, topic \`${TOPIC}\`, ` +
        `${int(messages)} messages of ${PAYLOAD_BYTES} bytes, ${rounds} interleaved rounds`,
    );
    say('');
    say(
      `Clients in the bench process (\`await publishAsync\` per message), each server in a process of its own; ` +
        `serve runs as ${cli.which}. Time from the first publish to the last message received.`,
    );
    say('');
    say(
      '| server | messages/s (median) | ratio to bare (median of rounds) | server CPU µs / message | ' +
        'clients’ CPU µs / message | log bytes / message | lost |',
    );
    say('|---|---|---|---|---|---|---|');
    const base = results[0]!;
    for (const [i, s] of servers.entries()) {
      const rs = results[i]!;
      const ratio = median(rs.map((x, r) => x.rate / base[r]!.rate));
      const target = i === 1 ? ` (target ≥ 0.90x: ${ratio >= 0.9 ? 'met' : 'NOT met'})` : '';
      say(
        `| ${s.label} | ${int(median(rs.map((x) => x.rate)))} | **${ratio.toFixed(2)}x**${target} | ` +
          `${us(median(rs.map((x) => x.serverUsPerMessage)))} | ${us(median(rs.map((x) => x.clientUsPerMessage)))} | ` +
          `${median(rs.map((x) => x.logBytes / messages)).toFixed(2)} | ${int(rs.reduce((n, x) => n + x.lost, 0))} |`,
      );
    }
    say('');
    say(
      'Per round (messages/s, in the order of the table): ' +
        base.map((_, r) => results.map((rs) => int(rs[r]!.rate)).join(' / ')).join('; '),
    );
    say('');
  } finally {
    for (const s of servers) await s.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runServeE2eBench((line) => console.log(line), process.argv.includes('--quick'));
}
