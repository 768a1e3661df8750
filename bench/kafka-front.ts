// The Kafka front of `serve` (issue 13): `node --import tsx bench/kafka-front.ts [--quick]`, or
// `runKafkaFrontBench(say, quick)` from bench/run.ts. Every figure is a ratio against a baseline measured in the
// same process and run:
//   1. kafkajs produce + consume throughput through the front with SCRAM-SHA-256 vs the same front with no
//      security (a server that declares none: no SASL, authorization still asked per topic). A consumer group
//      member joins, then one producer sends 100-byte records in batches of 500; rounds alternate.
//   2. SCRAM-SHA-256 handshakes per second through the front (SaslHandshake and two SaslAuthenticate round trips
//      on a raw loopback socket, through guard.startSasl) vs the bare state machine (the scheme verifier's
//      exchange in-process, as bench/sasl.ts drives it). Only the server's part is timed in both: the client's
//      PBKDF2 and proof run outside the timed sections; the front's figure includes the loopback round trips.

import { connect, type Socket } from 'node:net';
import { pathToFileURL } from 'node:url';
import pino from 'pino';
import { Kafka, logLevel } from 'kafkajs';
import { createMemoryBus } from '../src/bus/memory.js';
import { createMemoryStore, type MemoryStore } from '../src/credentials/memory.js';
import { loadDocumentFromText } from '../src/document/load.js';
import { createGuard } from '../src/guard/index.js';
import { buildModel } from '../src/model/index.js';
import { createScramClient } from '../src/sasl/scram-client.js';
import { scramSha256 } from '../src/schemes/scram-sha256.js';
import type { Verifier } from '../src/schemes/types.js';
import { createKafkaFront } from '../src/transports/kafka/index.js';
import { decodeResponse, encodeRequest, type KafkaStruct } from '../src/transports/kafka/codec/index.js';
import { DEFAULT_FRONT_LIMITS } from '../src/transports/types.js';

const DOC = `asyncapi: 3.0.0
info: { title: bench, version: '1' }
servers:
  scram: { host: '127.0.0.1:1', protocol: kafka, security: [{ $ref: '#/components/securitySchemes/scram' }] }
  open: { host: '127.0.0.1:2', protocol: kafka }
channels:
  data: { address: 'bench/{id}/data' }
operations:
  send: { action: send, channel: { $ref: '#/channels/data' } }
  receive: { action: receive, channel: { $ref: '#/channels/data' } }
components:
  securitySchemes:
    scram: { type: scramSha256 }
`;
const PASSWORD = 'bench-password';
const ITERATIONS = 4096;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

async function startFronts(store: MemoryStore) {
  const model = buildModel(await loadDocumentFromText(DOC, { file: 'bench.yaml' }));
  const guard = await createGuard(model, { store, schemes: { scram: {} } });
  const bus = createMemoryBus();
  const logger = pino({ level: 'silent' });
  const make = (name: string) =>
    createKafkaFront({
      server: model.servers.find((s) => s.name === name)!,
      guard,
      bus,
      limits: DEFAULT_FRONT_LIMITS,
      logger,
      schemes: model.schemes,
      log: { retentionBytes: 256 * 1024 * 1024, maxLogBytes: 1024 * 1024 * 1024 },
    });
  const scram = make('scram');
  const open = make('open');
  const ports = {
    scram: (await scram.listen('127.0.0.1', 0)).port,
    open: (await open.listen('127.0.0.1', 0)).port,
  };
  return {
    ports,
    async close() {
      await Promise.all([scram.close(0), open.close(0)]);
      await guard.close();
      await bus.close();
    },
  };
}

/**
 * One round: a consumer group member joins first, then one producer sends every record; records per second of the
 * send loop (produce) and from the first send to the last record consumed (end to end).
 */
async function throughputRound(port: number, secure: boolean, round: number, messages: number, batch: number) {
  const kafka = new Kafka({
    clientId: 'bench',
    brokers: [`127.0.0.1:${port}`],
    logLevel: logLevel.NOTHING,
    ...(secure ? { sasl: { mechanism: 'scram-sha-256' as const, username: 'bench', password: PASSWORD } } : {}),
  });
  const topic = `bench/${secure ? 's' : 'o'}${round}/data`;
  const value = Buffer.alloc(100, 0x61);
  const consumer = kafka.consumer({ groupId: `bench-${topic}`, maxBytesPerPartition: 4 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let got = 0;
  let done: () => void = () => {};
  const all = new Promise<void>((resolve) => (done = resolve));
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  void consumer.run({
    eachBatch: ({ batch: b }) => {
      got += b.messages.length;
      if (got >= messages) done();
      return Promise.resolve();
    },
  });
  await joined;
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  await producer.connect();
  const t0 = performance.now();
  for (let sent = 0; sent < messages; sent += batch)
    await producer.send({
      topic,
      messages: Array.from({ length: Math.min(batch, messages - sent) }, () => ({ value })),
    });
  const produceMs = performance.now() - t0;
  await all;
  const e2eMs = performance.now() - t0;
  await producer.disconnect();
  await consumer.disconnect();
  return { produce: (messages / produceMs) * 1000, e2e: (messages / e2eMs) * 1000 };
}

/** One SCRAM handshake through the front on a raw socket; returns the server-side ms (round trips included). */
async function frontHandshake(port: number, wireOnly = false): Promise<number> {
  const socket: Socket = connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => socket.once('connect', () => resolve()).once('error', reject));
  let buf = Buffer.alloc(0);
  const waiters: ((frame: Buffer) => void)[] = [];
  socket.on('data', (c: Buffer) => {
    buf = Buffer.concat([buf, c]);
    while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
      const frame = buf.subarray(4, 4 + buf.readInt32BE(0));
      buf = buf.subarray(4 + frame.length);
      waiters.shift()?.(frame);
    }
  });
  const call = async (apiKey: number, body: KafkaStruct): Promise<KafkaStruct> => {
    const reply = new Promise<Buffer>((resolve) => waiters.push(resolve));
    const version = apiKey === 18 ? 0 : 1;
    socket.write(encodeRequest(apiKey, version, 1, 'bench', body));
    const decoded = decodeResponse(apiKey, version, await reply);
    if (!decoded.ok) throw new Error('undecodable response');
    return decoded.body;
  };
  if (wireOnly) {
    // The wire alone: three ApiVersions round trips (answered before authentication, no guard work).
    const t = performance.now();
    for (let i = 0; i < 3; i++) await call(18, {});
    const wire = performance.now() - t;
    socket.destroy();
    return wire;
  }
  const client = createScramClient({ hash: 'SHA-256', username: 'bench', password: PASSWORD });
  const first = client.first();
  if (!first.ok) throw new Error('client-first');
  let t0 = performance.now();
  await call(17, { mechanism: 'SCRAM-SHA-256' });
  const challenge = await call(36, { authBytes: Buffer.from(first.message) });
  let ms = performance.now() - t0;
  const final = await client.final(new Uint8Array(challenge.authBytes as Buffer));
  if (!final.ok) throw new Error('client-final');
  t0 = performance.now();
  const done = await call(36, { authBytes: Buffer.from(final.message) });
  ms += performance.now() - t0;
  if (done.errorCode !== 0) throw new Error('handshake refused');
  socket.destroy();
  return ms;
}

/** The scheme verifier the guard would use, made once (its creation is startup work, not a handshake's). */
async function scramVerifier(store: MemoryStore): Promise<Verifier> {
  const create = scramSha256.createVerifier;
  if (create === undefined) throw new Error('scramSha256 has no verifier');
  return Promise.resolve(
    create({
      name: 'scram',
      scheme: { type: 'scramSha256' },
      options: {},
      store,
      now: Date.now,
      realm: 'scram',
      baseDir: '.',
    }),
  );
}

/** The same exchange on the bare state machine (the scheme verifier, no wire, no guard). */
async function bareHandshake(verifier: Verifier): Promise<number> {
  const client = createScramClient({ hash: 'SHA-256', username: 'bench', password: PASSWORD });
  const first = client.first();
  if (!first.ok) throw new Error('client-first');
  let t0 = performance.now();
  const exchange = verifier.startSasl?.({ remote: '127.0.0.1' });
  if (exchange === undefined) throw new Error('no SASL exchange');
  const challenge = await exchange.step(new Uint8Array(Buffer.from(first.message)));
  let ms = performance.now() - t0;
  if (challenge.kind !== 'challenge') throw new Error('server-first');
  const final = await client.final(challenge.message);
  if (!final.ok) throw new Error('client-final');
  t0 = performance.now();
  const done = await exchange.step(new Uint8Array(Buffer.from(final.message)));
  ms += performance.now() - t0;
  if (done.kind !== 'success') throw new Error('exchange failed');
  return ms;
}

export async function runKafkaFrontBench(say: (line: string) => void, quick: boolean): Promise<void> {
  const store = createMemoryStore();
  await store.addPrincipal({ name: 'bench', password: PASSWORD, scopes: [], iterations: ITERATIONS });
  const fronts = await startFronts(store);
  try {
    const messages = quick ? 20_000 : 100_000;
    const batch = 500;
    const rounds = quick ? 2 : 3;
    const open = { produce: [] as number[], e2e: [] as number[] };
    const scram = { produce: [] as number[], e2e: [] as number[] };
    await throughputRound(fronts.ports.open, false, -1, 2_000, batch); // warm-up
    for (let r = 0; r < rounds; r++) {
      const o = await throughputRound(fronts.ports.open, false, r, messages, batch);
      const s = await throughputRound(fronts.ports.scram, true, r, messages, batch);
      open.produce.push(o.produce);
      open.e2e.push(o.e2e);
      scram.produce.push(s.produce);
      scram.e2e.push(s.e2e);
    }
    const k = (x: number) => `${Math.round(x).toLocaleString('en-US')}/s`;
    say(
      `kafkajs through the Kafka front, ${messages.toLocaleString('en-US')} records of 100 bytes in batches of ` +
        `${batch}, ${rounds} alternating rounds (median):`,
    );
    say('');
    say('| what | no security (baseline) | SCRAM-SHA-256 | ratio (target ≥ 0.9x) |');
    say('|---|---|---|---|');
    for (const [what, label] of [
      ['produce', 'produce (the send loop)'],
      ['e2e', 'produce + consume (first send to last record consumed)'],
    ] as const) {
      const base = median(open[what]);
      const ours = median(scram[what]);
      say(`| ${label} | ${k(base)} | ${k(ours)} | **${(ours / base).toFixed(2)}x** |`);
    }
    say('');

    const n = quick ? 100 : 400;
    const verifier = await scramVerifier(store);
    await frontHandshake(fronts.ports.scram);
    await bareHandshake(verifier);
    const front: number[] = [];
    const bare: number[] = [];
    const wire: number[] = [];
    for (let i = 0; i < n; i++) {
      front.push(await frontHandshake(fronts.ports.scram));
      bare.push(await bareHandshake(verifier));
      wire.push(await frontHandshake(fronts.ports.scram, true));
    }
    const perSecond = (ms: number[]) => 1000 / median(ms);
    say(`SCRAM-SHA-256 handshakes, server side only, ${n} each, interleaved (${ITERATIONS} iterations):`);
    say('');
    say('| what | handshakes/s | ratio |');
    say('|---|---|---|');
    say(`| bare state machine (scheme verifier, in-process; baseline) | ${perSecond(bare).toFixed(0)} | 1.0x |`);
    say(
      `| through the Kafka front (raw socket, guard.startSasl, 3 round trips) | ${perSecond(front).toFixed(0)} | ` +
        `**${(perSecond(front) / perSecond(bare)).toFixed(2)}x** |`,
    );
    say(
      `| (the wire alone: 3 ApiVersions round trips on the same kind of socket, per second) | ` +
        `${perSecond(wire).toFixed(0)} | ${(perSecond(wire) / perSecond(bare)).toFixed(2)}x |`,
    );
  } finally {
    await fronts.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runKafkaFrontBench((line) => console.log(line), process.argv.includes('--quick'));
}
