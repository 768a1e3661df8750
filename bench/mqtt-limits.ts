// What one authenticated MQTT client can make the front hold at the default limits (issue 11):
// `node --import tsx bench/mqtt-limits.ts`. The front runs in a child process of its own
// (`--child`), so its RSS and heap are its own, measured after two full GCs:
//   1. one connection holding maxSubscriptionsPerConnection distinct filters (each its own bus
//      subscription: the costly case), against the same connection holding none; the next filter
//      gets SUBACK 0x80;
//   2. one connection holding maxInboundQos2PerConnection QoS 2 messages of maxMessageBytes each,
//      never sending PUBREL (raw mqtt-packet client), against the same connection before; the
//      next one disconnects it.
// Prints one JSON line per figure and a summary table.

import { fork, type ChildProcess } from 'node:child_process';
import { connect as netConnect } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import mqtt from 'mqtt';
import mqttPacket from 'mqtt-packet';
import pino from 'pino';
import { buildModel, loadDocumentFromText } from '../src/index.js';
import { createMemoryBus } from '../src/bus/memory.js';
import { createMemoryStore } from '../src/credentials/memory.js';
import { createGuard } from '../src/guard/index.js';
import { createMqttFront, type MqttFrontUsage } from '../src/transports/mqtt/index.js';
import { DEFAULT_FRONT_LIMITS } from '../src/transports/types.js';

const DOCUMENT = `
asyncapi: 3.0.0
info: { title: mqtt limits bench, version: 1.0.0 }
servers:
  broker:
    host: 127.0.0.1:1883
    protocol: mqtt
    security: [{ $ref: '#/components/securitySchemes/userPass' }]
channels:
  readings:
    address: 'plant/{line}/readings'
    parameters: { line: {} }
operations:
  send: { action: send, channel: { $ref: '#/channels/readings' } }
  receive: { action: receive, channel: { $ref: '#/channels/readings' } }
components:
  securitySchemes:
    userPass: { type: userPassword }
`;
const LOGIN = { username: 'bench', password: 'bench-password' };

interface Memory {
  readonly rss: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly arrayBuffers: number;
  readonly usage: MqttFrontUsage;
}

async function child(): Promise<void> {
  const store = createMemoryStore();
  await store.addPrincipal({ name: LOGIN.username, password: LOGIN.password, iterations: 4096 });
  const loaded = await loadDocumentFromText(DOCUMENT, { file: 'bench.yaml' });
  const model = buildModel(loaded);
  const guard = await createGuard(model, { store, schemes: { userPass: {} } });
  const server = model.servers.find((s) => s.name === 'broker');
  if (server === undefined) throw new Error('no broker');
  const front = createMqttFront({
    server,
    guard,
    // No replay history: the bus's own bounded ring (16 MiB by default) is not the front's cost.
    bus: createMemoryBus({ historySize: 0 }),
    limits: DEFAULT_FRONT_LIMITS,
    logger: pino({ level: 'silent' }),
  });
  const { port } = await front.listen('127.0.0.1', 0);
  const gc = (globalThis as { gc?: () => void }).gc;
  process.on('message', (m: { cmd: string }) => {
    if (m.cmd === 'mem') {
      gc?.();
      gc?.();
      const u = process.memoryUsage();
      const reply: Memory = {
        rss: u.rss,
        heapUsed: u.heapUsed,
        external: u.external,
        arrayBuffers: u.arrayBuffers,
        usage: front.usage(),
      };
      process.send?.(reply);
    } else if (m.cmd === 'exit') {
      void front.close(100).then(() => process.exit(0));
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.send?.({ port });
}

function ask(proc: ChildProcess, cmd: string): Promise<Memory> {
  return new Promise((resolve) => {
    proc.once('message', (m) => resolve(m as Memory));
    proc.send({ cmd });
  });
}

const MiB = (n: number) => Math.round((n / 1024 / 1024) * 100) / 100;

function delta(before: Memory, after: Memory) {
  return {
    rssMiB: MiB(after.rss - before.rss),
    heapMiB: MiB(after.heapUsed - before.heapUsed),
    externalMiB: MiB(after.external - before.external),
  };
}

async function subscriptions(port: number, proc: ChildProcess) {
  const max = DEFAULT_FRONT_LIMITS.maxSubscriptionsPerConnection;
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
    protocolVersion: 4,
    reconnectPeriod: 0,
    clientId: 'subscriber',
    ...LOGIN,
  });
  const before = await ask(proc, 'mem');
  const granted: number[] = [];
  client.on('packetreceive', (p) => {
    if (p.cmd === 'suback')
      for (const g of p.granted) granted.push(typeof g === 'number' ? g : (g as { qos: number }).qos);
  });
  const filters = Array.from({ length: max + 1 }, (_, i) => `plant/line-${String(i).padStart(4, '0')}/readings`);
  await new Promise<void>((resolve) => client.subscribe(filters, { qos: 0 }, () => resolve()));
  while (granted.length < filters.length) await new Promise((r) => setTimeout(r, 10));
  const after = await ask(proc, 'mem');
  await client.endAsync(true);
  return {
    figure: 'one connection at maxSubscriptionsPerConnection',
    filters: after.usage.subscriptions,
    refused: granted.filter((g) => g === 128).length,
    ...delta(before, after),
  };
}

async function inboundQos2(port: number, proc: ChildProcess, round = 0) {
  const max = DEFAULT_FRONT_LIMITS.maxInboundQos2PerConnection;
  const payload = Buffer.alloc(DEFAULT_FRONT_LIMITS.maxMessageBytes, 1);
  const socket = netConnect({ host: '127.0.0.1', port });
  socket.on('error', () => {});
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  let connack = false;
  let pubrecs = 0;
  let closed = false;
  parser.on('packet', (p: mqttPacket.Packet) => {
    if (p.cmd === 'connack') connack = true;
    if (p.cmd === 'pubrec') pubrecs++;
  });
  socket.on('data', (d: Buffer) => void parser.parse(d));
  socket.on('close', () => void (closed = true));
  const send = (p: object) => socket.write(mqttPacket.generate(p as mqttPacket.Packet, { protocolVersion: 4 }));
  send({
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clean: true,
    clientId: `qos2-${round}`,
    keepalive: 0,
    ...LOGIN,
  });
  while (!connack) await new Promise((r) => setTimeout(r, 10));
  const before = await ask(proc, 'mem');
  const topic = 'plant/line-0001/readings';
  for (let id = 1; id <= max; id++) {
    if (!send({ cmd: 'publish', qos: 2, dup: false, retain: false, messageId: id, topic, payload }))
      await new Promise((r) => socket.once('drain', r));
  }
  while (pubrecs < max && !closed) await new Promise((r) => setTimeout(r, 10));
  const after = await ask(proc, 'mem');
  send({ cmd: 'publish', qos: 2, dup: false, retain: false, messageId: max + 1, topic, payload });
  const deadline = Date.now() + 10_000;
  while (!closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  const released = await ask(proc, 'mem');
  socket.destroy();
  return {
    figure: 'one connection at maxInboundQos2PerConnection, payloads of maxMessageBytes, no PUBREL',
    messages: after.usage.inboundQos2.messages,
    countedBytes: after.usage.inboundQos2.bytes,
    payloadBytesSent: max * payload.length,
    disconnectedOnNext: closed,
    messagesAfterDisconnect: released.usage.inboundQos2.messages,
    ...delta(before, after),
    afterDisconnect: delta(before, released),
  };
}

type Result = Awaited<ReturnType<typeof subscriptions>> | Awaited<ReturnType<typeof inboundQos2>>;

/** The results as a Markdown table (bench/run.ts prints it; so does a run of this file). */
export function mqttLimitsTable(results: readonly Result[]): string[] {
  const rows = results.map((r) => {
    const held =
      'filters' in r
        ? `${r.filters} filters held, the next ${r.refused} refused (0x80)`
        : `${r.messages} messages held (${r.countedBytes} bytes counted), the next one ` +
          `${r.disconnectedOnNext ? 'disconnected' : 'NOT disconnected'}, ${r.messagesAfterDisconnect} left after`;
    return `| ${r.figure} | ${held} | ${r.heapMiB} | ${r.externalMiB} | ${r.rssMiB} |`;
  });
  return [
    '| one client at | what the server holds | heap Δ MiB | external Δ MiB | RSS Δ MiB |',
    '|---|---|---|---|---|',
    ...rows,
  ];
}

export async function runMqttLimitsBench(): Promise<Result[]> {
  const here = fileURLToPath(import.meta.url);
  const proc = fork(here, ['--child'], { execArgv: ['--expose-gc', '--import', 'tsx'], stdio: 'inherit' });
  const { port } = await new Promise<{ port: number }>((resolve) =>
    proc.once('message', (m) => resolve(m as { port: number })),
  );
  try {
    const results: Result[] = [await subscriptions(port, proc), await inboundQos2(port, proc)];
    // MQTT_LIMITS_ROUNDS=n repeats the QoS 2 figure (a new connection each): what stays after a
    // disconnect must not grow round after round.
    for (let round = 1; round < Number(process.env.MQTT_LIMITS_ROUNDS ?? 1); round++)
      results.push(await inboundQos2(port, proc, round));
    return results;
  } finally {
    proc.send({ cmd: 'exit' });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv.includes('--child')) await child();
  else {
    const results = await runMqttLimitsBench();
    for (const r of results) console.log(JSON.stringify(r));
    console.log(mqttLimitsTable(results).join('\n'));
  }
}
