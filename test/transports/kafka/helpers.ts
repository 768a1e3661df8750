// Shared helpers of the Kafka front tests: a front on a free loopback port with a real guard, memory store and
// memory bus; kafkajs and kcat as real clients.

import { execFile } from 'node:child_process';
import pino from 'pino';
import { Kafka, logLevel, type KafkaConfig, type SASLOptions } from 'kafkajs';
import { createGuard, type Guard, type GuardOptions } from '../../../src/guard/index.js';
import { createMemoryStore, type MemoryStore } from '../../../src/credentials/memory.js';
import { createMemoryBus } from '../../../src/bus/memory.js';
import type { Bus } from '../../../src/bus/types.js';
import type { SecurityModel } from '../../../src/model/types.js';
import { createKafkaFront, type KafkaFront, type KafkaFrontOptions } from '../../../src/transports/kafka/index.js';
import { DEFAULT_FRONT_LIMITS, type FrontLimits } from '../../../src/transports/types.js';
import { modelFromYaml } from '../../guard/helpers.js';
import { requireBinary } from '../../helpers/binaries.js';

export const silent = pino({ level: 'silent' });

/** A logger whose JSON lines land in `lines`. */
export function captureLog() {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => void lines.push(s) });
  return { logger, lines };
}

// `sasl`: SCRAM-SHA-256 or SCRAM-SHA-512 or PLAIN (the `plain` scheme). `login`: userPassword or an API key as the
// PLAIN password. `open`: no security. `secure` (kafka-secure): SCRAM-SHA-256 or a client certificate.
// `certs` (kafka-secure): the client certificate only. `bearer`: a JWT (OAUTHBEARER). `mqtt`, `web` (ws), `api`
// (http): the same channels on the other fronts, for cross-front delivery. Status is sent and received; a command
// needs the `admin` scope (set in kafkaModel); `audit` is received only.
export const PLANT = `
asyncapi: 3.0.0
info: { title: Plant, version: '1' }
servers:
  sasl:
    host: 127.0.0.1:9093
    protocol: kafka
    security:
      - $ref: '#/components/securitySchemes/scram256'
      - $ref: '#/components/securitySchemes/scram512'
      - $ref: '#/components/securitySchemes/plain'
  login:
    host: 127.0.0.1:9094
    protocol: kafka
    security:
      - $ref: '#/components/securitySchemes/userPass'
      - $ref: '#/components/securitySchemes/apiKey'
  open:
    host: 127.0.0.1:9095
    protocol: kafka
  secure:
    host: 127.0.0.1:9096
    protocol: kafka-secure
    security:
      - $ref: '#/components/securitySchemes/scram256'
      - $ref: '#/components/securitySchemes/mtls'
  certs:
    host: 127.0.0.1:9097
    protocol: kafka-secure
    security:
      - $ref: '#/components/securitySchemes/mtls'
  bearer:
    host: 127.0.0.1:9098
    protocol: kafka
    security:
      - $ref: '#/components/securitySchemes/jwt'
  mqtt:
    host: 127.0.0.1:1883
    protocol: mqtt
    security:
      - $ref: '#/components/securitySchemes/userPass'
  web:
    host: 127.0.0.1:8080
    protocol: ws
    security:
      - $ref: '#/components/securitySchemes/userPass'
  api:
    host: 127.0.0.1:8081
    protocol: http
    security:
      - $ref: '#/components/securitySchemes/userPass'
channels:
  status:
    address: 'plant/{id}/status'
    parameters: { id: {} }
  command:
    address: 'plant/{id}/command'
    parameters: { id: {} }
  audit:
    address: audit.events
operations:
  sendStatus:
    action: send
    channel: { $ref: '#/channels/status' }
  receiveStatus:
    action: receive
    channel: { $ref: '#/channels/status' }
  sendCommand:
    action: send
    channel: { $ref: '#/channels/command' }
  receiveCommand:
    action: receive
    channel: { $ref: '#/channels/command' }
  receiveAudit:
    action: receive
    channel: { $ref: '#/channels/audit' }
components:
  securitySchemes:
    scram256: { type: scramSha256 }
    scram512: { type: scramSha512 }
    plain: { type: plain }
    userPass: { type: userPassword }
    apiKey: { type: apiKey, in: password }
    mtls: { type: X509 }
    jwt: { type: http, scheme: bearer, bearerFormat: JWT }
`;

/** The PLANT model with only the servers named, and `sendCommand` needing the `admin` scope. */
export async function kafkaModel(servers: readonly string[]): Promise<SecurityModel> {
  const full = structuredClone(await modelFromYaml(PLANT));
  const model: SecurityModel = {
    ...full,
    servers: full.servers.filter((s) => servers.includes(s.name)),
    operations: full.operations
      .map((o) => ({ ...o, servers: o.servers.filter((s) => servers.includes(s)) }))
      .filter((o) => o.servers.length > 0),
  };
  const command = model.operations.find((o) => o.id === 'sendCommand');
  if (command === undefined) throw new Error('no sendCommand');
  const schemes = [...new Set(model.servers.flatMap((s) => s.security.flat().map((e) => e.scheme)))];
  command.security = schemes.map((scheme) => [{ scheme, scopes: ['admin'] }]);
  return model;
}

export const ITERATIONS = 4096;

/** alice (status only), root (admin), both with password `<name>-pw`. */
export async function plantStore(): Promise<MemoryStore> {
  const store = createMemoryStore();
  await store.addPrincipal({ name: 'alice', password: 'alice-pw', scopes: [], iterations: ITERATIONS });
  await store.addPrincipal({ name: 'root', password: 'root-pw', scopes: ['admin'], iterations: ITERATIONS });
  return store;
}

export interface Harness {
  readonly front: KafkaFront;
  readonly guard: Guard;
  readonly store: MemoryStore;
  readonly bus: Bus;
  readonly port: number;
  readonly broker: string;
  close(): Promise<void>;
}

export interface HarnessOptions {
  readonly server: string;
  readonly schemes: GuardOptions['schemes'];
  readonly store?: MemoryStore;
  readonly bus?: Bus;
  readonly limits?: Partial<FrontLimits>;
  readonly tls?: KafkaFrontOptions['tls'];
  readonly logger?: KafkaFrontOptions['logger'];
  readonly guardExtra?: Partial<GuardOptions>;
  readonly frontExtra?: Partial<Pick<KafkaFrontOptions, 'now' | 'expiryCheckMs' | 'log' | 'declaredTopics'>>;
}

export async function startKafkaFront(model: SecurityModel, o: HarnessOptions): Promise<Harness> {
  const store = o.store ?? (await plantStore());
  const guard = await createGuard(model, { store, schemes: o.schemes, ...o.guardExtra });
  const bus = o.bus ?? createMemoryBus();
  const serverModel = model.servers.find((s) => s.name === o.server);
  if (serverModel === undefined) throw new Error(`no server ${o.server}`);
  const front = createKafkaFront({
    server: serverModel,
    guard,
    bus,
    schemes: model.schemes,
    limits: { ...DEFAULT_FRONT_LIMITS, ...o.limits },
    logger: o.logger ?? silent,
    ...(o.tls ? { tls: o.tls } : {}),
    ...o.frontExtra,
  });
  const { port } = await front.listen('127.0.0.1', 0);
  return {
    front,
    guard,
    store,
    bus,
    port,
    broker: `127.0.0.1:${port}`,
    async close() {
      await front.close(100);
      await guard.close();
      if (o.bus === undefined) await bus.close();
    },
  };
}

/** A kafkajs client with logs off and no retries (a refusal is seen at once). */
export function kafkajs(broker: string, sasl?: SASLOptions, extra: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({
    clientId: 'test',
    brokers: [broker],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 10_000,
    ...(sasl !== undefined ? { sasl } : {}),
    ...extra,
  });
}

/** Produces `values` to `topic` and disconnects. */
export async function produce(kafka: Kafka, topic: string, values: readonly string[]): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  await producer.connect();
  try {
    await producer.send({ topic, messages: values.map((value) => ({ value })) });
  } finally {
    await producer.disconnect();
  }
}

/** Consumes `n` values of `topic` from the beginning with a consumer group; rejects after `ms` (a hang catcher). */
export async function consume(kafka: Kafka, topic: string, n: number, group: string, ms = 60_000): Promise<string[]> {
  const consumer = kafka.consumer({ groupId: group, sessionTimeout: 10_000, rebalanceTimeout: 10_000 });
  await consumer.connect();
  const values: string[] = [];
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`expected ${n} messages, got ${values.length}`)), ms);
      void consumer
        .run({
          eachMessage: async ({ message }) => {
            values.push(message.value?.toString('utf8') ?? '');
            if (values.length >= n) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return values;
}

/**
 * The Kafka error kafkajs reports: its `type` (e.g. TOPIC_AUTHORIZATION_FAILED) on a protocol error. A protocol
 * error kafkajs gave up retrying is re-thrown as KafkaJSNonRetriableError with only the message kafkajs gives the
 * code (src/protocol/error.js), so that message is mapped back for the codes the tests expect.
 */
export function kafkaErrorType(err: unknown): string {
  const e = err as { type?: unknown; name?: unknown; message?: unknown };
  if (typeof e?.type === 'string') return e.type;
  const message = typeof e?.message === 'string' ? e.message : '';
  if (message.includes('Not authorized to access topics: [Topic authorization failed]'))
    return 'TOPIC_AUTHORIZATION_FAILED';
  return typeof e?.name === 'string' ? e.name : String(err);
}

/** Runs kcat (librdkafka) with `args`; resolves with its exit code and output. */
export function kcat(
  args: readonly string[],
  input?: string,
  timeoutMs = 60_000,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      requireBinary('kcat', 'kcat'),
      [...args],
      { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code =
          err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1;
        resolve({ code, stdout, stderr });
      },
    );
    if (input !== undefined) child.stdin?.end(input);
    else child.stdin?.end();
  });
}

export const SCHEMES = { scram256: {}, scram512: {}, plain: {}, userPass: {}, apiKey: {}, mtls: {}, jwt: {} } as const;

/** Bindings for the schemes of `servers` only. */
export function bindingsFor(model: SecurityModel): GuardOptions['schemes'] {
  const used = new Set(model.servers.flatMap((s) => s.security.flat().map((e) => e.scheme)));
  return Object.fromEntries([...used].map((s) => [s, {}]));
}
