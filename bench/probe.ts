// `probe` against the streetlights demo (issue 14's target: under 5 s): `node --import tsx bench/probe.ts [--quick]`,
// or `runProbeBench(say, quick)` from bench/run.ts (step 17).
//
// The demo as a user runs it: examples/streetlights copied to a temporary folder, setup.mjs creating its
// credentials, keys and certificates (the library from src/ through tsx), `serve` (in this process) on free loopback
// ports for all five servers (MQTT, MQTT with mutual TLS, WebSocket with a JWT, HTTP with an API key, Kafka with
// SCRAM over TLS), and the probe with examples/streetlights/probe-credentials.yaml and the demo CA: every check of
// every server, all five servers probed at once (4 at a time). The probe must find nothing (the bench stops
// otherwise). Baseline, in the same rounds: one mqtt.js CONNECT with sensor-1's API key on the demo's MQTT server,
// the unit a probe is made of; the ratio says how many logins' worth one whole probe costs. (Not the operator's
// password: the Kafka checks' one wrong SCRAM password per run is counted against `operator` by the guard's
// throttling, which a baseline of repeated operator logins would then meet.)
// Rounds alternate (the machine is shared); medians.

import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import mqtt from 'mqtt';
import pino from 'pino';
import { findingRegistry, loadProbeCredentials, probeDocument, probers, startServe } from '../src/index.js';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const DEMO_PASSWORD = 'streetlights-demo';
const SERVERS = ['mqtt', 'devices', 'dashboard', 'api', 'stream'];

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
};

function login(port: number, apiKey: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const client = mqtt.connect({
      host: '127.0.0.1',
      port,
      username: 'sensor-1',
      password: apiKey,
      reconnectPeriod: 0,
      clean: true,
    });
    client.once('connect', () => client.end(true, {}, () => resolvePromise()));
    client.on('error', (err) => {
      client.end(true);
      reject(err);
    });
  });
}

export async function runProbeBench(say: (line: string) => void, quick: boolean): Promise<void> {
  const rounds = quick ? 3 : 7;
  const dir = mkdtempSync(join(tmpdir(), 'bench-probe-'));
  cpSync(join(root, 'examples/streetlights'), dir, { recursive: true, filter: (src) => !src.includes('.demo') });
  const setupOut = execFileSync(process.execPath, ['--import', import.meta.resolve('tsx'), join(dir, 'setup.mjs')], {
    cwd: dir,
    env: { ...process.env, ASYNCAPI_GUARD_MODULE: pathToFileURL(join(root, 'src/index.ts')).href },
    encoding: 'utf8',
  });
  // The bench probes the demo again and again: each run's refused attempts (anonymous, one wrong credential per
  // scheme, about 15) would lock this address out after the second run at the default throttling (20 failures in
  // 15 minutes). The demo's config with throttling relaxed; what is measured is the probe, not the lockout.
  appendFileSync(join(dir, 'asyncapi-guard.yaml'), 'throttle: { freeFailures: 1000, lockoutAfter: 100000 }\n');
  const apiKey = /api key\s+(agk_\S+)/.exec(setupOut)?.[1];
  if (apiKey === undefined) throw new Error('setup.mjs printed no API key');
  const serve = await startServe({
    document: 'serve.asyncapi.yaml',
    config: 'asyncapi-guard.yaml',
    cwd: dir,
    logger: pino({ level: 'silent' }),
    auditStream: { write: () => {} },
    listen: Object.fromEntries(SERVERS.map((name) => [name, '127.0.0.1:0'])),
  });
  try {
    const hosts = Object.fromEntries(serve.servers.map((s) => [s.name, `127.0.0.1:${s.port}`]));
    const principals = await loadProbeCredentials('probe-credentials.yaml', {
      cwd: dir,
      env: { DEMO_PASSWORD, DEMO_API_KEY: apiKey },
    });
    const ca = readFileSync(join(dir, '.demo/ca.pem'), 'utf8');
    const mqttPort = serve.servers.find((s) => s.name === 'mqtt')!.port;
    const probe = async (): Promise<{ ms: number; checks: number; failed: number }> => {
      const t0 = performance.now();
      const report = await probeDocument('serve.asyncapi.yaml', { cwd: dir, probers, hosts, principals, ca });
      const ms = performance.now() - t0;
      const errors = report.servers.filter((s) => s.error !== undefined).map((s) => `${s.name}: ${s.error}`);
      if (errors.length > 0) throw new Error(`probe could not probe the demo: ${errors.join('; ')}`);
      const checks = report.servers.reduce((n, s) => n + s.outcomes.length, 0);
      return { ms, checks, failed: report.summary.failed };
    };
    const logins: number[] = [];
    const probes: number[] = [];
    let last = { ms: 0, checks: 0, failed: 0 };
    await login(mqttPort, apiKey); // warm-up: the lazy imports of both sides
    last = await probe();
    for (let round = 0; round < rounds; round++) {
      const timeLogin = async (): Promise<void> => {
        const t0 = performance.now();
        await login(mqttPort, apiKey);
        logins.push(performance.now() - t0);
      };
      const timeProbe = async (): Promise<void> => {
        last = await probe();
        if (last.failed > 0) throw new Error(`probe found ${last.failed} findings on the demo, expected none`);
        probes.push(last.ms);
      };
      if (round % 2 === 0) {
        await timeLogin();
        await timeProbe();
      } else {
        await timeProbe();
        await timeLogin();
      }
    }
    const loginMs = median(logins);
    const probeMs = median(probes);
    const ids = findingRegistry(probers).size;
    say(
      `Streetlights demo (${SERVERS.length} servers), ${last.checks} checks of ${ids} kinds, ` +
        `${rounds} rounds, medians.`,
    );
    say('');
    say('| what | median | ratio |');
    say('|---|---|---|');
    say(`| one MQTT login with an API key (baseline) | ${loginMs.toFixed(1)} ms | 1.0x |`);
    say(
      `| \`probe\` of the whole demo, no finding | ${(probeMs / 1000).toFixed(2)} s | ` +
        `${(probeMs / loginMs).toFixed(0)}x ` +
        `(target: under 5 s) |`,
    );
  } finally {
    await serve.close(0);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runProbeBench((line) => console.log(line), process.argv.includes('--quick'));
}
