// The load generator of the serve benchmarks: raw TCP sockets writing prebuilt MQTT / WebSocket
// bytes and counting frames by their headers, so the client side costs a small fraction of the
// server's work and the same generator drives the bare baselines and the guarded fronts.

import { connect, type Socket } from 'node:net';
import {
  connectFrame,
  createFrameCounter,
  DISCONNECT_FRAME,
  PACKET,
  publishFrame,
  subscribeFrame,
  type ConnectOptions,
} from './frames.js';

const TIMEOUT_MS = 15_000;

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`bench: ${what} timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, noDelay: true });
    s.once('connect', () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}

// ---------------------------------------------------------------- MQTT

export interface MqttConn {
  readonly socket: Socket;
  /** PUBLISH frames received since the last reset. */
  publishes: number;
}

/**
 * Opens a socket, sends CONNECT, waits for CONNACK; resolves with the return code (0 = accepted).
 * Frames after the CONNACK are counted in `publishes`.
 */
export async function mqttConnect(port: number, options: ConnectOptions): Promise<{ conn: MqttConn; code: number }> {
  const socket = await openSocket(port);
  const conn: MqttConn = { socket, publishes: 0 };
  let onConnack: ((code: number) => void) | null = null;
  let onSuback: ((code: number) => void) | null = null;
  socket.on(
    'data',
    createFrameCounter((type, buf, start) => {
      if (type === PACKET.PUBLISH) conn.publishes++;
      else if (type === PACKET.CONNACK) onConnack?.(buf[start + 1] ?? -1);
      else if (type === PACKET.SUBACK) onSuback?.(buf[start + 2] ?? -1);
    }),
  );
  socket.on('error', () => {});
  const code = await withTimeout(
    new Promise<number>((resolve, reject) => {
      onConnack = resolve;
      socket.once('close', () => reject(new Error('bench: closed before CONNACK')));
      socket.write(connectFrame(options));
    }),
    TIMEOUT_MS,
    'CONNACK',
  );
  socket.removeAllListeners('close');
  subscribers.set(conn, (filter: string) =>
    withTimeout(
      new Promise<number>((resolve) => {
        onSuback = resolve;
        socket.write(subscribeFrame(1, filter));
      }),
      TIMEOUT_MS,
      'SUBACK',
    ),
  );
  return { conn, code };
}

const subscribers = new WeakMap<MqttConn, (filter: string) => Promise<number>>();

/** SUBSCRIBE at QoS 0; resolves with the SUBACK return code (0x80 = refused). */
export function mqttSubscribe(conn: MqttConn, filter: string): Promise<number> {
  return subscribers.get(conn)!(filter);
}

export function mqttClose(conn: MqttConn): void {
  if (conn.socket.destroyed) return;
  conn.socket.end(DISCONNECT_FRAME);
  conn.socket.destroy();
}

async function mqttMustConnect(port: number, options: ConnectOptions): Promise<MqttConn> {
  const { conn, code } = await mqttConnect(port, options);
  if (code !== 0) throw new Error(`bench: CONNACK ${code} for ${options.clientId}`);
  return conn;
}

export interface Throughput {
  /** Deliveries per second at the subscriber over the measured window. */
  readonly rate: number;
  /** Messages that never arrived (the window was reset after a stall). */
  readonly lost: number;
  /** Server CPU time (user + system) over the measured window, as a fraction of one core; NaN without a probe. */
  readonly serverCpu: number;
}

/** The server process's CPU time so far, in microseconds (process.cpuUsage() user + system). */
export type CpuProbe = () => Promise<number>;

/**
 * A closed loop: the publishers keep at most `window` messages in flight (sent, not yet
 * delivered to the subscriber), written in batches of `batch` prebuilt frames, round-robin.
 * Without the window, QoS 0 would measure how fast a broker can buffer, not deliver (and a
 * broker that sheds load for a slow subscriber, as the memory bus does past its queue bound,
 * would be counted as slower for being safe). A stall (nothing delivered for 300 ms) counts
 * the in-flight messages as lost and reopens the window.
 */
export async function runClosedLoop(
  pubs: readonly { write(b: Buffer): void }[],
  frames: Buffer,
  batch: number,
  received: () => number,
  onProgress: (cb: () => void) => void,
  warmupMs: number,
  measureMs: number,
  window: number,
  cpu?: CpuProbe,
): Promise<Throughput> {
  let sent = 0;
  let lost = 0;
  let k = 0;
  const inFlight = () => sent - received() - lost;
  const pump = () => {
    while (inFlight() + batch <= window) {
      pubs[k++ % pubs.length]!.write(frames);
      sent += batch;
    }
  };
  onProgress(pump);
  let last = received();
  let lastChange = performance.now();
  const watchdog = setInterval(() => {
    const r = received();
    if (r !== last) {
      last = r;
      lastChange = performance.now();
    } else if (performance.now() - lastChange > 300 && inFlight() > 0) {
      lost += inFlight();
      lastChange = performance.now();
      pump();
    }
  }, 50);
  pump();
  await new Promise((r) => setTimeout(r, warmupMs));
  const c0 = cpu === undefined ? NaN : await cpu();
  const r0 = received();
  const lost0 = lost;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, measureMs));
  const r1 = received();
  const t1 = performance.now();
  const c1 = cpu === undefined ? NaN : await cpu();
  clearInterval(watchdog);
  onProgress(() => {});
  return { rate: ((r1 - r0) / (t1 - t0)) * 1000, lost: lost - lost0, serverCpu: (c1 - c0) / 1000 / (t1 - t0) };
}

export interface MqttThroughputOptions {
  readonly port: number;
  readonly publishers: number;
  /** username/password for every client; none for the bare broker. */
  readonly login?: { readonly username: string; readonly password: string };
  readonly topic: string;
  readonly payloadBytes: number;
  readonly warmupMs: number;
  readonly measureMs: number;
  readonly window: number;
  readonly batch: number;
  readonly cpu?: CpuProbe;
}

/** N publishers → 1 subscriber over QoS 0, deliveries per second at the subscriber. */
export async function mqttThroughput(o: MqttThroughputOptions): Promise<Throughput> {
  const login = o.login === undefined ? {} : { username: o.login.username, password: o.login.password };
  const sub = await mqttMustConnect(o.port, { clientId: 'bench-sub', ...login });
  const subCode = await mqttSubscribe(sub, o.topic);
  if (subCode === 0x80) throw new Error('bench: SUBACK refused the subscription');
  const pubs: MqttConn[] = [];
  try {
    for (let i = 0; i < o.publishers; i++)
      pubs.push(await mqttMustConnect(o.port, { clientId: `bench-pub-${i}`, ...login }));
    const one = publishFrame(o.topic, Buffer.alloc(o.payloadBytes, 0x61));
    const frames = Buffer.concat(Array.from({ length: o.batch }, () => one));
    let progress: () => void = () => {};
    sub.socket.on('data', () => progress());
    return await runClosedLoop(
      pubs.map((p) => p.socket),
      frames,
      o.batch,
      () => sub.publishes,
      (cb) => void (progress = cb),
      o.warmupMs,
      o.measureMs,
      o.window,
      o.cpu,
    );
  } finally {
    for (const p of pubs) mqttClose(p);
    mqttClose(sub);
  }
}

/**
 * Connection setups per second: `concurrency` loops, each opening a socket, sending CONNECT,
 * waiting for CONNACK, then resetting the socket (RST: no TIME_WAIT, so tens of thousands of
 * setups do not exhaust the ephemeral ports). Any CONNACK other than 0 is counted as a failure.
 */
export async function mqttConnectRate(
  port: number,
  options: () => ConnectOptions,
  concurrency: number,
  measureMs: number,
): Promise<{ rate: number; failures: number }> {
  return setupRate(concurrency, measureMs, async () => {
    const { conn, code } = await mqttConnect(port, options());
    conn.socket.resetAndDestroy();
    return code === 0;
  });
}

async function setupRate(
  concurrency: number,
  measureMs: number,
  once: () => Promise<boolean>,
): Promise<{ rate: number; failures: number }> {
  let done = 0;
  let failures = 0;
  let stop = false;
  const t0 = performance.now();
  const loop = async () => {
    while (!stop) {
      try {
        if (await once()) done++;
        else failures++;
      } catch {
        failures++;
      }
      if (performance.now() - t0 >= measureMs) stop = true;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return { rate: (done / (performance.now() - t0)) * 1000, failures };
}

// ---------------------------------------------------------------- WebSocket

const WS_KEY = 'dGhlIHNhbXBsZSBub25jZQ=='; // RFC 6455 §1.3's sample nonce: the server does not care

/** RFC 6455 §4.1 opening handshake on a raw socket; resolves with the status and the bytes after the head. */
async function wsHandshake(
  port: number,
  path: string,
  headers: Record<string, string>,
): Promise<{ socket: Socket; status: number; rest: Buffer }> {
  const socket = await openSocket(port);
  socket.on('error', () => {});
  const extra = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: ` +
      `Upgrade\r\nSec-WebSocket-Key: ${WS_KEY}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`,
  );
  return withTimeout(
    new Promise((resolve, reject) => {
      let head = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        socket.off('data', onData);
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head.subarray(0, 16).toString('latin1'))?.[1] ?? 0);
        resolve({ socket, status, rest: head.subarray(end + 4) });
      };
      socket.on('data', onData);
      socket.once('close', () => reject(new Error('bench: closed during the WebSocket handshake')));
    }),
    TIMEOUT_MS,
    'WebSocket handshake',
  );
}

/** WebSocket handshakes per second (101 counted; anything else is a failure), socket reset after. */
export async function wsHandshakeRate(
  port: number,
  path: string,
  headers: Record<string, string>,
  concurrency: number,
  measureMs: number,
): Promise<{ rate: number; failures: number }> {
  return setupRate(concurrency, measureMs, async () => {
    const { socket, status } = await wsHandshake(port, path, headers);
    socket.removeAllListeners('close');
    socket.resetAndDestroy();
    return status === 101;
  });
}

/** A masked client frame (RFC 6455 §5.2, §5.3), binary, payload under 126 bytes. */
function wsClientFrame(payload: Buffer): Buffer {
  if (payload.length >= 126) throw new RangeError('bench frames stay under 126 bytes');
  const mask = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  const masked = Buffer.from(payload.map((b, i) => b ^ (mask[i & 3] as number)));
  return Buffer.concat([Buffer.from([0x82, 0x80 | payload.length]), mask, masked]);
}

/** Counts data frames (text, binary) in a server→client stream (unmasked, §5.2). */
function createWsFrameCounter(onData: () => void): (chunk: Buffer) => void {
  let pending: Buffer | null = null;
  return (chunk) => {
    const buf = pending === null ? chunk : Buffer.concat([pending, chunk]);
    pending = null;
    let i = 0;
    while (i < buf.length) {
      if (i + 2 > buf.length) break;
      const opcode = (buf[i] as number) & 0x0f;
      const len7 = (buf[i + 1] as number) & 0x7f;
      const masked = ((buf[i + 1] as number) & 0x80) !== 0;
      let header = 2;
      let len = len7;
      if (len7 === 126) {
        if (i + 4 > buf.length) break;
        len = buf.readUInt16BE(i + 2);
        header = 4;
      } else if (len7 === 127) {
        if (i + 10 > buf.length) break;
        len = Number(buf.readBigUInt64BE(i + 2));
        header = 10;
      }
      if (masked) header += 4;
      if (i + header + len > buf.length) break;
      if (opcode === 1 || opcode === 2) onData();
      i += header + len;
    }
    if (i < buf.length) pending = buf.subarray(i);
  };
}

export interface WsRelayOptions {
  readonly port: number;
  readonly path: string;
  readonly subHeaders: Record<string, string>;
  readonly pubHeaders: Record<string, string>;
  readonly payloadBytes: number;
  readonly warmupMs: number;
  readonly measureMs: number;
  readonly window: number;
  readonly batch: number;
  readonly cpu?: CpuProbe;
}

/** One publisher → one subscriber on the same path; deliveries per second at the subscriber. */
export async function wsRelay(o: WsRelayOptions): Promise<Throughput & { echoed: number }> {
  let received = 0;
  let echoed = 0;
  let progress: () => void = () => {};
  const sub = await wsHandshake(o.port, o.path, o.subHeaders);
  const pub = await wsHandshake(o.port, o.path, o.pubHeaders);
  try {
    if (sub.status !== 101 || pub.status !== 101)
      throw new Error(`bench: WebSocket handshake answered ${sub.status} / ${pub.status}`);
    const subCount = createWsFrameCounter(() => received++);
    sub.socket.on('data', (c: Buffer) => {
      subCount(c);
      progress();
    });
    subCount(sub.rest);
    // Whatever the server sends the publisher (an echo of its own messages, if the front
    // delivers to the sender too) is read and counted, never left to back up.
    const pubCount = createWsFrameCounter(() => echoed++);
    pub.socket.on('data', pubCount);
    // Let the server finish registering both subscriptions before the first publish.
    await new Promise((r) => setTimeout(r, 100));
    const frames = Buffer.concat(
      Array.from({ length: o.batch }, () => wsClientFrame(Buffer.alloc(o.payloadBytes, 0x61))),
    );
    const echoed0 = echoed;
    const r = await runClosedLoop(
      [pub.socket],
      frames,
      o.batch,
      () => received,
      (cb) => void (progress = cb),
      o.warmupMs,
      o.measureMs,
      o.window,
      o.cpu,
    );
    return { ...r, echoed: echoed - echoed0 };
  } finally {
    sub.socket.destroy();
    pub.socket.destroy();
  }
}

// ---------------------------------------------------------------- idle connections

/**
 * Opens `count` MQTT connections (CONNECT, CONNACK 0), `concurrency` at a time, and keeps them
 * open (keep-alive off). Resolves with the sockets; throws on the first refusal.
 */
export async function openIdleMqtt(
  port: number,
  count: number,
  concurrency: number,
  options: (i: number) => ConnectOptions,
): Promise<MqttConn[]> {
  const conns: MqttConn[] = [];
  let next = 0;
  const loop = async () => {
    while (next < count) {
      const i = next++;
      conns.push(await mqttMustConnect(port, options(i)));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return conns;
}
