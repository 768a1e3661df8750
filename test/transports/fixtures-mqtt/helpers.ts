// Shared helpers of the MQTT front tests: a front on a free loopback port with a real guard,
// memory store and memory bus; mqtt.js and mosquitto_pub/sub as real clients.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { requireBinary } from '../../helpers/binaries.js';
import mqtt, { type IClientOptions, type MqttClient, type Packet } from 'mqtt';
import pino from 'pino';
import { createGuard, type Guard, type GuardOptions } from '../../../src/guard/index.js';
import { createMemoryStore, type MemoryStore } from '../../../src/credentials/memory.js';
import { createMemoryBus } from '../../../src/bus/memory.js';
import type { Bus } from '../../../src/bus/types.js';
import type { SecurityModel } from '../../../src/model/types.js';
import { createMqttFront } from '../../../src/transports/mqtt/index.js';
import {
  DEFAULT_FRONT_LIMITS,
  type Front,
  type FrontLimits,
  type FrontOptions,
} from '../../../src/transports/types.js';

export const silent = pino({ level: 'silent' });

/** A logger whose JSON lines land in `lines`. */
export function captureLog() {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => void lines.push(s) });
  return { logger, lines };
}

export interface Harness {
  readonly front: Front;
  readonly guard: Guard;
  readonly store: MemoryStore;
  readonly bus: Bus;
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

export interface HarnessOptions {
  readonly server: string;
  readonly schemes: GuardOptions['schemes'];
  readonly servers?: GuardOptions['servers'];
  readonly store?: MemoryStore;
  readonly bus?: Bus;
  readonly limits?: Partial<FrontLimits>;
  readonly tls?: FrontOptions['tls'];
  readonly logger?: FrontOptions['logger'];
  readonly guardExtra?: Partial<GuardOptions>;
  /** The MQTT front's own options (clock, expiry check interval). */
  readonly frontExtra?: { readonly now?: () => number; readonly expiryCheckMs?: number };
}

export async function startFront(model: SecurityModel, o: HarnessOptions): Promise<Harness> {
  const store = o.store ?? createMemoryStore();
  const guard = await createGuard(model, {
    store,
    schemes: o.schemes,
    ...(o.servers ? { servers: o.servers } : {}),
    ...o.guardExtra,
  });
  const bus = o.bus ?? createMemoryBus();
  const serverModel = model.servers.find((s) => s.name === o.server);
  if (serverModel === undefined) throw new Error(`no server ${o.server}`);
  const front = createMqttFront({
    server: serverModel,
    guard,
    bus,
    limits: { ...DEFAULT_FRONT_LIMITS, ...o.limits },
    logger: o.logger ?? silent,
    ...(o.tls ? { tls: o.tls } : {}),
    ...o.frontExtra,
  });
  const { port } = await front.listen('127.0.0.1', 0);
  const scheme = o.tls ? 'mqtts' : 'mqtt';
  return {
    front,
    guard,
    store,
    bus,
    port,
    url: `${scheme}://127.0.0.1:${port}`,
    async close() {
      await front.close(100);
      await guard.close();
      if (o.bus === undefined) await bus.close();
    },
  };
}

/** Connects with mqtt.js (MQTT 3.1.1); resolves with the client or the CONNACK return code. */
export function connect(
  url: string,
  options: IClientOptions = {},
): Promise<{ client: MqttClient } | { returnCode: number; client: MqttClient }> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, {
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 5_000,
      rejectUnauthorized: false,
      ...options,
    });
    client.once('connect', () => resolve({ client }));
    client.once('error', (err: Error & { code?: number }) => {
      if (typeof err.code === 'number') resolve({ returnCode: err.code, client });
      else {
        client.end(true);
        reject(err);
      }
    });
  });
}

/** Connects and asserts success. */
export async function connected(url: string, options: IClientOptions = {}): Promise<MqttClient> {
  const r = await connect(url, options);
  if (!('returnCode' in r)) return r.client;
  r.client.end(true);
  throw new Error(`CONNACK ${r.returnCode}`);
}

export async function refusedWith(url: string, options: IClientOptions = {}): Promise<number> {
  const r = await connect(url, options);
  r.client.end(true);
  if ('returnCode' in r) return r.returnCode;
  throw new Error('connected, expected a refusal');
}

/**
 * Subscribes and resolves with the SUBACK's return codes as sent (128 = refused). Read from the raw
 * packet: mqtt.js turns any 0x80 into an error for the whole call.
 */
export function subscribe(client: MqttClient, filters: string[], qos: 0 | 1 | 2 = 0): Promise<number[]> {
  return new Promise((resolve) => {
    const onPacket = (packet: Packet) => {
      if (packet.cmd !== 'suback') return;
      client.off('packetreceive', onPacket);
      resolve(packet.granted.map((g) => (typeof g === 'number' ? g : (g as { qos: number }).qos)));
    };
    client.on('packetreceive', onPacket);
    client.subscribe(filters, { qos }, () => {});
  });
}

/** Collects the messages a client receives. */
export function inbox(client: MqttClient) {
  const messages: { topic: string; payload: string }[] = [];
  const waiters: (() => void)[] = [];
  client.on('message', (topic, payload) => {
    messages.push({ topic, payload: payload.toString('utf8') });
    for (const w of waiters.splice(0)) w();
  });
  return {
    messages,
    /**
     * Resolves when at least `n` messages arrived. Rejects after `ms`, which only catches a hang: a busy machine may
     * take seconds, so the default is generous.
     */
    async waitFor(n: number, ms = 30_000): Promise<void> {
      const deadline = Date.now() + ms;
      while (messages.length < n) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`expected ${n} messages, got ${messages.length}`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
    },
  };
}

/** Ends a client and waits for it. */
export const end = (client: MqttClient) => new Promise<void>((resolve) => client.end(true, {}, () => resolve()));

/** Resolves when the client's connection closes (rejects after `ms`, generous by default: it only catches a hang). */
export function closed(client: MqttClient, ms = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!client.connected && client.disconnected) return resolve();
    const t = setTimeout(() => reject(new Error('still connected')), ms);
    client.once('close', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

/** Runs mosquitto_pub (exits after one publish). */
export function mosquittoPub(args: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    execFile(
      requireBinary('mosquitto_pub', 'mosquitto-clients'),
      ['-h', '127.0.0.1', '-V', 'mqttv311', ...args],
      { timeout: 10_000 },
      (err, stdout, stderr) => {
        const code =
          err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/**
 * Starts mosquitto_sub; `lines` fills with what it prints; `ready` resolves once it printed nothing for a moment is not
 * observable, so callers wait via the front's stats.
 */
export function mosquittoSub(args: string[]): {
  child: ChildProcess;
  lines: string[];
  stderr: () => string;
  exited: Promise<number | null>;
  stop(): void;
} {
  const child = spawn(
    requireBinary('mosquitto_sub', 'mosquitto-clients'),
    ['-h', '127.0.0.1', '-V', 'mqttv311', ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines: string[] = [];
  let err = '';
  let buf = '';
  child.stdout?.on('data', (d: Buffer) => {
    buf += d.toString('utf8');
    const parts = buf.split('\n');
    buf = parts.pop() ?? '';
    lines.push(...parts);
  });
  child.stderr?.on('data', (d: Buffer) => void (err += d.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, lines, stderr: () => err, exited, stop: () => void child.kill('SIGTERM') };
}

/** Polls `check` every 10 ms until true (rejects after `ms`): for state another process changes. */
export async function until(check: () => boolean, ms = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
