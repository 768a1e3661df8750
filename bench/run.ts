// `npm run bench`: every figure is a ratio against a baseline measured in the same run,
// on the same machine, so the numbers travel between machines.
//   1. check on a generated 10,000-operation document vs @asyncapi/parser's parse of it
//   2. check on each official example vs @asyncapi/parser's parse of it
//   3. a whole `asyncapi-guard check` process vs a bare `node -e ''`
//   4. peak memory (max RSS) of both on the big document, each in its own process
//   5. guard.authorize decisions/s on 1,000 channels vs a Map.get and a RegExp-per-channel baseline
//   6. SCRAM server handshakes/s and password checks vs the bare crypto they need (bench/sasl.ts)
//   7. JWT verification vs jose alone, and through the verified-token cache (bench/tokens.ts)
//   8. X.509 chain verification and identity mapping vs a bare X509Certificate parse (bench/x509.ts)
//   9. JWE seal/open vs jose alone, inspectPayload vs bare AES-GCM (bench/jwe.ts)
//  10. serve: guarded MQTT / WebSocket throughput vs bare aedes / a bare ws relay, connection
//      setup per scheme, memory per idle connection (bench/serve.ts)
//  11. serve: memory one MQTT client can make the front hold at the default limits
//      (subscriptions, inbound QoS 2 without PUBREL; bench/mqtt-limits.ts)
//  12. serve end to end: one mqtt.js publisher → one mqtt.js subscriber through `asyncapi-guard
//      serve` (userPassword) vs bare aedes, QoS 0, 50,000 messages (bench/serve-e2e.ts)
//  13. Kafka codec: a Produce request with 100 records, encode and decode, vs kafkajs's protocol
//      code (bench/kafka-codec.ts)
//  14. authd: RabbitMQ /rabbitmq/topic decisions per second and per CPU-second over keep-alive vs a bare
//      node:http server; AMQP publish throughput through RabbitMQ with authd behind the cache backend
//      vs internal users (bench/authd.ts)
//  15. authd: NATS connection setup through the auth callout vs the same nats-server with static users,
//      and vs guard.authenticate alone (bench/nats-callout.ts)
//  16. Kafka front: kafkajs produce + consume through `serve`'s Kafka front with SCRAM-SHA-256 vs no security,
//      and SCRAM handshakes through it vs the bare state machine (bench/kafka-front.ts)
//  17. probe: every check of `asyncapi-guard probe` against the streetlights demo served by `serve`, vs one
//      MQTT login (bench/probe.ts)

import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Parser } from '@asyncapi/parser';
import { checkLoaded, loadDocumentFromText } from '../src/index.js';
import { generateLargeDocument } from './generate.js';
import { runGuardBench } from './guard.js';
import { runSaslBench } from './sasl.js';
import { runTokensBench } from './tokens.js';
import { runX509Bench } from './x509.js';
import { runJweBench } from './jwe.js';
import { runServeBench } from './serve.js';
import { mqttLimitsTable, runMqttLimitsBench } from './mqtt-limits.js';
import { runServeE2eBench } from './serve-e2e.js';
import { runAuthdBench, runRabbitAmqpBench } from './authd.js';
import { runNatsCalloutBench } from './nats-callout.js';
import { runKafkaCodecBench } from './kafka-codec.js';
import { runKafkaFrontBench } from './kafka-front.js';
import { runProbeBench } from './probe.js';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const examplesDir = resolve(root, 'test/fixtures/asyncapi-security-corpus/spec-examples');
const quick = process.argv.includes('--quick');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

async function timeIt(runs: number, fn: () => Promise<unknown>): Promise<number> {
  await fn(); // warm-up: JIT, lazy validator import
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

async function ourCheck(text: string, file: string): Promise<number> {
  const doc = await loadDocumentFromText(text, { file });
  const result = await checkLoaded(doc);
  return result.diagnostics.length;
}

const parser = new Parser();
async function parserParse(text: string, file: string): Promise<number> {
  const out = await parser.parse(text, { source: file });
  return out.diagnostics.length;
}

const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1)) + ' ms';
const lines: string[] = [];
const say = (s: string) => {
  lines.push(s);
  console.log(s);
};

say(
  `# asyncapi-guard benchmarks (${new Date().toISOString().slice(0, 10)}, node ${process.version}, ` +
    `${quick ? 'quick' : 'full'} run)`,
);
say('');

// 1. Big document
{
  const ops = 10_000;
  const text = generateLargeDocument(ops);
  const ours = await timeIt(quick ? 2 : 5, () => ourCheck(text, 'big.yaml'));
  const theirs = await timeIt(quick ? 1 : 3, () => parserParse(text, 'big.yaml'));
  say(`## check on a generated document (${ops} operations, ${(text.length / 1024 / 1024).toFixed(1)} MiB)`);
  say('');
  say('| what | median | ratio |');
  say('|---|---|---|');
  say(`| @asyncapi/parser parse (baseline) | ${fmt(theirs)} | 1.0x |`);
  say(`| asyncapi-guard check | ${fmt(ours)} | **${(theirs / ours).toFixed(1)}x faster** (target ≥ 10x) |`);
  say('');
}

// 2. Official examples
{
  say('## check on each official example (in-process, median)');
  say('');
  say('| example | @asyncapi/parser | asyncapi-guard check | ratio |');
  say('|---|---|---|---|');
  const files = readdirSync(examplesDir)
    .filter((f) => f.endsWith('.yml') && !f.includes('schema-invalid'))
    .sort();
  const ratios: number[] = [];
  for (const f of files) {
    const text = readFileSync(join(examplesDir, f), 'utf8');
    const ours = await timeIt(quick ? 5 : 20, () => ourCheck(text, f));
    const theirs = await timeIt(quick ? 3 : 10, () => parserParse(text, f));
    ratios.push(theirs / ours);
    say(`| ${f} | ${fmt(theirs)} | ${fmt(ours)} | ${(theirs / ours).toFixed(1)}x |`);
  }
  say(`| **median** | | | **${median(ratios).toFixed(1)}x faster** |`);
  say('');
}

// 3. Start-up: whole processes
{
  const example = join(examplesDir, '3.0.0__streetlights-mqtt-asyncapi.yml');
  const runs = quick ? 5 : 15;
  const wall = (args: string[]) => {
    const times: number[] = [];
    for (let i = 0; i < runs + 1; i++) {
      const t0 = performance.now();
      const r = spawnSync(process.execPath, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
      const dt = performance.now() - t0;
      if (r.status !== 0 && r.status !== 1)
        throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr.toString('utf8')}`);
      if (i > 0) times.push(dt); // the first run warms the OS file cache
    }
    return median(times);
  };
  const bare = wall(['-e', '']);
  const check = wall([join(root, 'bin/asyncapi-guard.js'), 'check', example, '--format', 'json']);
  say('## a whole `check` process on an official example (wall time, median)');
  say('');
  say('| what | median | ratio |');
  say('|---|---|---|');
  say(`| \`node -e ''\` (baseline) | ${fmt(bare)} | 1.0x |`);
  say(
    `| \`asyncapi-guard check 3.0.0__streetlights-mqtt-asyncapi.yml --format json\` | ${fmt(check)} | ` +
      `**${(check / bare).toFixed(2)}x** (target ≤ 3x) |`,
  );
  say('');
}

// 4. Peak memory, each in a fresh process
{
  const dir = join(root, '.bench-tmp');
  mkdirSync(dir, { recursive: true });
  const big = join(dir, 'big.yaml');
  writeFileSync(big, generateLargeDocument(10_000));
  const rss = (who: string) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bench/memory-child.ts'), who, big], {
      cwd: root,
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`memory child ${who} failed: ${r.stderr}`);
    return Number(r.stdout.trim());
  };
  const baseline = rss('none');
  const ours = rss('ours');
  const theirs = rss('parser');
  const mib = (kb: number) => (kb / 1024).toFixed(0) + ' MiB';
  say('## peak memory on the 10,000-operation document (max RSS of a fresh process)');
  say('');
  say('| what | max RSS | above an idle process |');
  say('|---|---|---|');
  say(`| idle process with the same imports (baseline) | ${mib(baseline)} | – |`);
  say(`| @asyncapi/parser parse | ${mib(theirs)} | ${mib(theirs - baseline)} |`);
  say(`| asyncapi-guard check | ${mib(ours)} | ${mib(ours - baseline)} |`);
  say('');
}

// 5. The guard's hot path
say('## guard: authorize');
say('');
await runGuardBench(say, quick);
say('');

// 6. SASL handshakes and password checks
say('## SASL: SCRAM handshakes and password checks');
say('');
await runSaslBench(say, quick);
say('');

// 7–9. Tokens, client certificates, payload encryption
say('## tokens: JWT verification');
say('');
await runTokensBench(say, quick);
say('');
say('## X.509 client certificates');
say('');
await runX509Bench(say, quick);
say('');
say('## JWE: seal, open, inspectPayload');
say('');
await runJweBench(say, quick);
say('');

// 10. serve
say('## serve: throughput, connection setup, memory per connection');
say('');
await runServeBench(say, quick);

// 11. What one MQTT client can make the front hold at the default limits (bench/mqtt-limits.ts)
say('## serve: MQTT limits, one client at each maximum');
say('');
for (const line of mqttLimitsTable(await runMqttLimitsBench())) say(line);
say('');

// 12. MQTT end to end with real clients, the way a user measures (bench/serve-e2e.ts)
say('## serve: MQTT QoS 0 end to end with mqtt.js clients');
say('');
await runServeE2eBench(say, quick);

// 13. The Kafka protocol codec against kafkajs's own encoders and decoders (bench/kafka-codec.ts)
say('');
say('## Kafka codec: Produce encode and decode');
say('');
await runKafkaCodecBench(say, quick);

// 14. authd answering RabbitMQ's questions, and RabbitMQ publishing with authd behind it (bench/authd.ts)
say('');
say('## authd: RabbitMQ decisions');
say('');
await runAuthdBench(say, quick);
say('');
say('## authd: AMQP publish throughput through RabbitMQ');
say('');
await runRabbitAmqpBench(say, quick);

// 15. NATS connection setup through authd's auth callout (bench/nats-callout.ts)
say('');
say('## authd: NATS connection setup through the auth callout');
say('');
await runNatsCalloutBench(say, quick);

// 16. The Kafka front of serve with kafkajs, and SCRAM handshakes through it (bench/kafka-front.ts)
say('');
say('## serve: the Kafka front');
say('');
await runKafkaFrontBench(say, quick);

// 17. probe against the streetlights demo (bench/probe.ts)
say('');
say('## probe: the streetlights demo');
say('');
await runProbeBench(say, quick);

writeFileSync(join(root, '.bench-tmp/last-run.md'), lines.join('\n') + '\n');
