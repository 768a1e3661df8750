// MQTT steps for the prober, through mqtt.js (loaded on first use): connect with a login and say how the server
// answered, subscribe and say whether the filter was granted, publish and say whether it was refused, watch a
// topic for one payload. Every step is bounded by the step timeout and never reconnects; outcomes are values.

import { randomBytes } from 'node:crypto';
import type { IClientOptions, MqttClient } from 'mqtt';
import type { ProbeContext } from '../types.js';
import { serverName, trustAnchors } from '../wire.js';

/** What a client presents in CONNECT and the TLS handshake. */
export interface MqttLogin {
  readonly username?: string;
  readonly password?: string;
  readonly cert?: string;
  readonly key?: string;
}

export type Connected =
  | { readonly ok: true; readonly client: MqttClient; readonly answer: string }
  | {
      readonly ok: false;
      readonly answer: string;
      /** No CONNACK came in time: the server said nothing, which proves no refusal. */
      readonly silent?: boolean;
    };

/** MQTT 5 where the document says so (`protocolVersion: 5`), else 3.1.1. */
export function mqttVersion(ctx: ProbeContext): 4 | 5 {
  return /^5(\.0)?$/.test(ctx.server.protocolVersion ?? '') ? 5 : 4;
}

let loaded: Promise<typeof import('mqtt')> | undefined;

/**
 * Connects and waits for the CONNACK. `verify`: the server's certificate must verify (set when a secret is
 * presented); otherwise an unverified server is still spoken to, for checks that present nothing real.
 */
export async function connectMqtt(ctx: ProbeContext, login: MqttLogin, verify: boolean): Promise<Connected> {
  loaded ??= import('mqtt');
  const mqtt = (await loaded).default;
  const { host, port, tls } = ctx.target;
  const name = serverName(host);
  const options: IClientOptions = {
    protocol: tls ? 'mqtts' : 'mqtt',
    host,
    port,
    protocolVersion: mqttVersion(ctx),
    clientId: `asyncapi-guard-probe-${randomBytes(6).toString('hex')}`,
    clean: true,
    reconnectPeriod: 0,
    // Ours decides (below), so a silent server is told apart from one that closed the connection.
    connectTimeout: ctx.timeoutMs + 1000,
    keepalive: 30,
    ...(login.username === undefined ? {} : { username: login.username }),
    ...(login.password === undefined ? {} : { password: login.password }),
    ...(tls
      ? {
          ca: trustAnchors(ctx.ca),
          rejectUnauthorized: verify,
          ...(name === undefined ? {} : { servername: name }),
          ...(login.cert === undefined ? {} : { cert: login.cert }),
          ...(login.key === undefined ? {} : { key: login.key }),
        }
      : {}),
  };
  const client = mqtt.connect(options);
  return new Promise((resolve) => {
    let done = false;
    const finish = (result: Connected): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (!result.ok) client.end(true);
      resolve(result);
    };
    const timer = setTimeout(
      () => finish({ ok: false, answer: `no CONNACK within ${ctx.timeoutMs} ms`, silent: true }),
      ctx.timeoutMs,
    );
    client.on('error', (err: Error & { code?: number | string }) => {
      finish({ ok: false, answer: typeof err.code === 'number' ? connackText(err.code) : errorText(err) });
    });
    client.once('connect', (packet) => finish({ ok: true, client, answer: connackText(packet.reasonCode ?? 0) }));
    client.once('close', () => finish({ ok: false, answer: 'connection closed before a CONNACK' }));
  });
}

/** A CONNACK return code (3.1.1 §3.2.2.3) or reason code (5 §3.2.2.2) as evidence. */
export function connackText(code: number): string {
  const names: Record<number, string> = {
    0: 'accepted',
    1: 'unacceptable protocol version',
    2: 'identifier rejected',
    3: 'server unavailable',
    4: 'bad user name or password',
    5: 'not authorized',
    0x86: 'bad user name or password',
    0x87: 'not authorized',
    0x8c: 'bad authentication method',
  };
  return `CONNACK ${code} (${names[code] ?? 'refused'})`;
}

function errorText(err: Error & { code?: number | string }): string {
  const text = err.message.length > 160 ? `${err.message.slice(0, 160)}…` : err.message;
  return typeof err.code === 'string' ? `${err.code}: ${text}` : text;
}

/** Ends a client, waiting at most the step timeout for its DISCONNECT to go out. */
export async function closeMqtt(ctx: ProbeContext, client: MqttClient): Promise<void> {
  // A timer that keeps the process alive: awaiting only an unref'd one would let Node exit mid-probe (code 13).
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    new Promise<void>((resolve) => client.end(false, {}, () => resolve())),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ctx.timeoutMs);
    }),
  ]);
  clearTimeout(timer);
  client.end(true);
}

export type Subscribed = { readonly granted: boolean; readonly answer: string };

/** SUBSCRIBE one filter at QoS 0: granted, or refused (SUBACK 0x80, a v5 reason ≥ 0x80, or the connection closed). */
export function subscribeMqtt(ctx: ProbeContext, client: MqttClient, filter: string): Promise<Subscribed> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (result: Subscribed): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      client.removeListener('close', onClose);
      resolve(result);
    };
    const onClose = (): void => finish({ granted: false, answer: 'the server closed the connection' });
    const timer = setTimeout(
      () => finish({ granted: false, answer: `no SUBACK within ${ctx.timeoutMs} ms` }),
      ctx.timeoutMs,
    );
    client.once('close', onClose);
    client.subscribe(filter, { qos: 0 }, (err, granted) => {
      if (err) {
        // mqtt.js reports a SUBACK failure (0x80, or a v5 reason ≥ 0x80) as an error named after it.
        const refusedByAck = /^Subscribe error/.test(err.message);
        finish({ granted: false, answer: refusedByAck ? `SUBACK refused (${err.message})` : errorText(err) });
        return;
      }
      const qos = granted?.[0]?.qos ?? 0x80;
      finish({ granted: qos < 0x80, answer: `SUBACK ${qos === 0x80 ? '0x80 (failure)' : `granted QoS ${qos}`}` });
    });
  });
}

export type Published = { readonly refused: boolean; readonly answer: string };

/**
 * PUBLISH at QoS 1: refused when the server closes the connection (what a 3.1.1 server may do, having no negative
 * PUBACK) or answers a v5 reason ≥ 0x80; a PUBACK is not proof of delivery (a 3.1.1 broker acknowledges and drops),
 * so the caller watches for the message with another connection.
 */
export function publishMqtt(ctx: ProbeContext, client: MqttClient, topic: string, payload: string): Promise<Published> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (result: Published): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      client.removeListener('close', onClose);
      resolve(result);
    };
    const onClose = (): void => finish({ refused: true, answer: 'the server closed the connection' });
    const timer = setTimeout(
      () => finish({ refused: false, answer: `no PUBACK within ${ctx.timeoutMs} ms` }),
      ctx.timeoutMs,
    );
    client.once('close', onClose);
    client.publish(topic, payload, { qos: 1 }, (err, packet) => {
      const reason = (packet as { reasonCode?: number } | undefined)?.reasonCode;
      if (err) finish({ refused: true, answer: errorText(err) });
      else if (reason !== undefined && reason >= 0x80) finish({ refused: true, answer: `PUBACK reason ${reason}` });
      else finish({ refused: false, answer: 'PUBACK' });
    });
  });
}

/** Resolves true when `payload` arrives on `client` within `ms` (the watcher subscribed beforehand). */
export function awaitDelivery(client: MqttClient, payload: string, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const onMessage = (_topic: string, message: Buffer): void => {
      if (message.toString('utf8') === payload) finish(true);
    };
    const finish = (arrived: boolean): void => {
      clearTimeout(timer);
      client.removeListener('message', onMessage);
      resolve(arrived);
    };
    const timer = setTimeout(() => finish(false), ms);
    client.on('message', onMessage);
  });
}
