// AMQP 0-9-1 steps for the prober through amqplib (loaded on first use): open a connection as a principal, then
// publish, subscribe or bind, each on a channel of its own: RabbitMQ answers a refused publish, bind or consume by
// closing the channel with 403 ACCESS_REFUSED (AMQP 0-9-1 §1.4.2.9 reply codes), so every step ends in an answer,
// never in silence. A publish uses publisher confirms: an ack says the broker took it. Every step has the step
// timeout; nothing reconnects; a queue probe declares is server-named, exclusive and deleted after.

import type { ChannelModel, ConfirmChannel, SocketOptions } from 'amqplib';
import type { AmqpDestination } from './destination.js';

/** What a principal presents: PLAIN user and password, or EXTERNAL with the TLS client certificate. */
export type AmqpLogin =
  | { readonly mechanism: 'PLAIN'; readonly username: string; readonly password: string }
  | { readonly mechanism: 'EXTERNAL'; readonly cert: string; readonly key: string };

export interface AmqpEndpoint {
  readonly host: string;
  readonly port: number;
  readonly vhost: string;
  /** TLS options for `amqps` (trust anchors, server name, whether to verify); absent in cleartext. */
  readonly tls?: SocketOptions;
  readonly timeoutMs: number;
}

export type Opened =
  { readonly ok: true; readonly connection: ChannelModel } | { readonly ok: false; readonly answer: string };

/** A step's answer: `accepted`, `refused` (403), or `other` (404, a timeout, a closed connection), with its text. */
export interface StepAnswer {
  readonly verdict: 'accepted' | 'refused' | 'other';
  readonly answer: string;
}

let loaded: Promise<typeof import('amqplib')> | undefined;

function load(): Promise<typeof import('amqplib')> {
  loaded ??= import('amqplib');
  return loaded;
}

/** An error's text, bounded; amqplib's texts name the reply code and the broker's reason, never a password. */
export function errorText(err: unknown): string {
  const e = err as { message?: unknown; code?: unknown };
  const text = typeof e?.message === 'string' ? e.message : String(err);
  return text.length > 240 ? `${text.slice(0, 240)}…` : text;
}

function replyCode(err: unknown): number | null {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'number' ? code : null;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer to ${what} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** Opens a connection (heartbeats off, no recovery). A refused login or an unreachable server is `ok: false`. */
export async function openAmqp(endpoint: AmqpEndpoint, login: AmqpLogin): Promise<Opened> {
  const amqp = await load();
  const socket: SocketOptions = {
    ...endpoint.tls,
    timeout: endpoint.timeoutMs,
    ...(login.mechanism === 'EXTERNAL'
      ? { credentials: amqp.credentials.external(), cert: login.cert, key: login.key }
      : { credentials: amqp.credentials.plain(login.username, login.password) }),
  };
  try {
    const connection = await withTimeout(
      amqp.connect(
        {
          protocol: endpoint.tls === undefined ? 'amqp' : 'amqps',
          hostname: endpoint.host,
          port: endpoint.port,
          vhost: endpoint.vhost,
          heartbeat: 0,
        },
        socket,
      ),
      endpoint.timeoutMs,
      'the AMQP handshake',
    );
    // A connection the broker closes later (an operator, a revocation) must not crash the process.
    connection.on('error', () => undefined);
    return { ok: true, connection };
  } catch (err) {
    return { ok: false, answer: errorText(err) };
  }
}

export async function closeAmqp(connection: ChannelModel): Promise<void> {
  try {
    await connection.close();
  } catch {
    // Already closed by the broker.
  }
}

/**
 * Runs `step` on a fresh confirm channel. A channel error (the broker's channel.close) decides the verdict: 403
 * is refused, anything else is `other`; a step that resolves is accepted.
 */
async function onChannel(
  connection: ChannelModel,
  timeoutMs: number,
  what: string,
  step: (ch: ConfirmChannel) => Promise<string>,
): Promise<StepAnswer> {
  let channel: ConfirmChannel;
  try {
    channel = await withTimeout(connection.createConfirmChannel(), timeoutMs, 'channel.open');
  } catch (err) {
    return { verdict: 'other', answer: `channel.open: ${errorText(err)}` };
  }
  let closedWith: unknown = null;
  channel.on('error', (err: unknown) => {
    closedWith = err;
  });
  try {
    const answer = await withTimeout(step(channel), timeoutMs, what);
    await channel.close().catch(() => undefined);
    return { verdict: 'accepted', answer };
  } catch (err) {
    const cause = closedWith ?? err;
    return { verdict: replyCode(cause) === 403 ? 'refused' : 'other', answer: `${what}: ${errorText(cause)}` };
  }
}

/** Publishes `payload` to the destination and waits for the broker's confirm. */
export function publishAmqp(
  connection: ChannelModel,
  destination: Exclude<AmqpDestination, { kind: 'unusable' }>,
  payload: string,
  timeoutMs: number,
): Promise<StepAnswer> {
  const exchange = destination.kind === 'queue' ? (destination.exchange ?? '') : destination.exchange;
  const routingKey =
    destination.kind === 'queue' && destination.exchange === null ? destination.queue : destination.routingKey;
  return onChannel(connection, timeoutMs, `basic.publish to '${exchange}' with '${routingKey}'`, async (ch) => {
    ch.publish(exchange, routingKey, Buffer.from(payload, 'utf8'));
    await ch.waitForConfirms();
    return 'basic.ack (publisher confirm)';
  });
}

/**
 * Subscribes: for a routing key, declares a server-named exclusive queue and binds it to the exchange with the
 * key (`pattern`, for the all-topics check `#`), then deletes it; for a queue, consumes from it and cancels.
 */
export function subscribeAmqp(
  connection: ChannelModel,
  destination: Exclude<AmqpDestination, { kind: 'unusable' }>,
  timeoutMs: number,
): Promise<StepAnswer> {
  if (destination.kind === 'queue') {
    return onChannel(connection, timeoutMs, `basic.consume from '${destination.queue}'`, async (ch) => {
      const { consumerTag } = await ch.consume(destination.queue, () => undefined, { noAck: true, exclusive: false });
      await ch.cancel(consumerTag);
      return 'basic.consume-ok';
    });
  }
  return bindAmqp(connection, destination.exchange, destination.routingKey, timeoutMs);
}

/** Binds a server-named exclusive queue to `exchange` with `pattern`, then deletes the queue. */
export function bindAmqp(
  connection: ChannelModel,
  exchange: string,
  pattern: string,
  timeoutMs: number,
): Promise<StepAnswer> {
  return onChannel(connection, timeoutMs, `queue.bind to '${exchange}' with '${pattern}'`, async (ch) => {
    const { queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
    try {
      await ch.bindQueue(queue, exchange, pattern);
    } finally {
      // Deleting needs no permission of the binding; a closed channel (refused bind) lost the exclusive queue anyway.
      await ch.deleteQueue(queue).catch(() => undefined);
    }
    return 'queue.bind-ok';
  });
}
