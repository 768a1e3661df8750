// The Redis bus (ioredis@5, Redis pub/sub): two connections, one publishing, one subscribed
// (a subscribed Redis connection can do nothing else).
//
// Redis glob patterns cannot express MQTT filters (`*` also matches `/`, there is no "one
// level"), so exactness comes from us: a filter without wildcards SUBSCRIBEs to its channel
// exactly; a filter with wildcards PSUBSCRIBEs to the literal part before its first wildcard
// followed by `*`, and every message received through it is checked with topicMatchesFilter.
// The cost: a wildcard subscriber's connection also receives the messages under that literal
// prefix its filter does not match (`+/status` receives the whole prefix's traffic), filtered
// out on our side. Bus subscriptions with the same Redis channel/pattern share one.
//
// Delivery is at most once: Redis pub/sub keeps nothing. While disconnected, `publish` rejects
// with ERR_BUS_UNAVAILABLE (the offline queue is off, so nothing buffers without bound) and
// messages published meanwhile are never seen; ioredis reconnects and re-subscribes. Redis cuts
// a subscriber whose output buffer passes `client-output-buffer-limit pubsub` (slow consumer).

import { Redis, type RedisOptions } from 'ioredis';
import { ConfigError, invalidArgType, invalidArgValue } from '../errors.js';
import { topicMatchesFilter, type TopicFilter } from '../address/mqtt-topic.js';
import {
  checkChannel,
  checkCommonOptions,
  checkFilter,
  checkHandler,
  checkPayload,
  checkSubscribeOptions,
  type CommonBusOptions,
} from './arguments.js';
import { createDelivery, subscriptionOf, type Delivery } from './delivery.js';
import { decodeEnvelope, encodeEnvelope } from './envelope.js';
import { BusError } from './errors.js';
import type { Bus, BusHandler, BusMessage, BusSubscribeOptions, BusSubscription } from './types.js';
import { parseBrokerUrl } from './url.js';

export const DEFAULT_CHANNEL_PREFIX = 'agd:';

export interface RedisBusOptions extends CommonBusOptions {
  /** Put before every channel on Redis (default `agd:`): separates several deployments on one Redis. */
  readonly channelPrefix?: string;
  /** Time to the first connection in ms (default 5000); startup fails after it. */
  readonly connectTimeoutMs?: number;
}

interface Sub {
  readonly filter: TopicFilter;
  readonly delivery: Delivery;
}

/** Redis glob (util.c stringmatchlen): `*`, `?`, `[…]` and `\` are special; escape them. */
function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/** How a filter is subscribed on Redis: exactly, or through a pattern over-approximating it. */
export function redisInterest(
  prefix: string,
  filter: TopicFilter,
): { readonly kind: 'channel' | 'pattern'; readonly key: string } {
  const firstPlus = filter.levels.indexOf('+');
  if (firstPlus < 0 && !filter.multiLevel) return { kind: 'channel', key: prefix + filter.filter };
  const k = firstPlus < 0 ? filter.levels.length : firstPlus;
  const literal = filter.levels.slice(0, k).join('/');
  // `a/+/c` → `a/*`; `a/#` → `a*` (it matches `a` itself too); `+/x` and `#` → `*`.
  const slash = k > 0 && k < filter.levels.length ? '/' : '';
  return { kind: 'pattern', key: `${escapeGlob(prefix + literal)}${slash}*` };
}

export async function createRedisBus(url: string, options: RedisBusOptions = {}): Promise<Bus> {
  if (typeof url !== 'string') throw invalidArgType('url', 'a string');
  const common = checkCommonOptions(options);
  const prefix = options.channelPrefix ?? DEFAULT_CHANNEL_PREFIX;
  if (typeof prefix !== 'string') throw invalidArgType('options.channelPrefix', 'a string');
  if (prefix.length > 128) throw invalidArgValue('options.channelPrefix', 'must be at most 128 characters');
  const connectTimeoutMs = options.connectTimeoutMs ?? 5000;
  const parsed = parseBrokerUrl(url, ['redis:', 'rediss:'], 6379);
  if (parsed === null) {
    throw new ConfigError('ERR_CONFIG_INVALID', 'not a Redis URL', {
      pointer: 'bus',
      expected: 'redis://[[USER]:PASSWORD@]HOST[:PORT][/DB] or rediss://…',
    });
  }
  const { description } = parsed;
  // The path is a database number or nothing: anything else would silently mean database 0.
  const path = parsed.url.pathname;
  if (path !== '' && path !== '/' && !/^\/[0-9]{1,2}$/.test(path)) {
    throw new ConfigError('ERR_CONFIG_INVALID', 'the path of a Redis URL is a database number', {
      pointer: 'bus',
      expected: 'redis://[[USER]:PASSWORD@]HOST[:PORT][/DB] with DB from 0 to 99',
    });
  }
  const db = /^\/([0-9]{1,2})$/.exec(path)?.[1];
  const redisOptions: RedisOptions = {
    host: parsed.url.hostname.replace(/^\[|\]$/g, ''),
    port: parsed.url.port === '' ? 6379 : Number(parsed.url.port),
    ...(parsed.username !== undefined ? { username: parsed.username } : {}),
    ...(parsed.password !== undefined ? { password: parsed.password } : {}),
    ...(db !== undefined ? { db: Number(db) } : {}),
    ...(parsed.url.protocol === 'rediss:' ? { tls: {} } : {}),
    lazyConnect: true,
    // Nothing buffers while disconnected: publish fails fast (ERR_BUS_UNAVAILABLE) instead.
    enableOfflineQueue: false,
    connectTimeout: connectTimeoutMs,
    maxRetriesPerRequest: 0,
    autoResubscribe: true,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  };
  const publisher = new Redis({ ...redisOptions, connectionName: 'asyncapi-guard-pub' });
  const subscriber = new Redis({ ...redisOptions, connectionName: 'asyncapi-guard-sub' });
  let closed = false;
  let wasReady = false;
  // Without an 'error' listener ioredis prints to the console; errors are reported by code only.
  for (const client of [publisher, subscriber]) {
    client.on('error', (error: unknown) => {
      const code = (error as { code?: unknown }).code;
      common.emit({ type: 'error', code: typeof code === 'string' ? code : 'REDIS_ERROR' });
    });
  }

  try {
    await Promise.all([connectWithin(publisher, connectTimeoutMs), connectWithin(subscriber, connectTimeoutMs)]);
  } catch {
    publisher.disconnect();
    subscriber.disconnect();
    throw new BusError('ERR_BUS_UNAVAILABLE', `Redis at ${description} did not accept a connection`);
  }
  wasReady = true;
  const isReady = (): boolean => publisher.status === 'ready' && subscriber.status === 'ready';
  for (const client of [publisher, subscriber]) {
    client.on('close', () => {
      if (!closed && wasReady) {
        wasReady = false;
        common.emit({ type: 'disconnected' });
      }
    });
    client.on('ready', () => {
      if (!closed && !wasReady && isReady()) {
        wasReady = true;
        common.emit({ type: 'reconnected' });
      }
    });
  }

  const byChannel = new Map<string, Set<Sub>>();
  const byPattern = new Map<string, Set<Sub>>();
  // The SUBSCRIBE / PSUBSCRIBE of each key while it is in use, so every subscriber of a shared
  // key waits for that one command and fails with it: a later subscriber must not resolve while
  // nothing stands behind it at the server.
  const subscribed = new Map<string, Promise<unknown>>();
  // Keys released while the connection was down: ioredis re-subscribes them on reconnect
  // (autoResubscribe), so they are unsubscribed once it is ready again.
  const releasedOffline = { channel: new Set<string>(), pattern: new Set<string>() };
  subscriber.on('ready', () => {
    for (const key of releasedOffline.channel)
      if (!byChannel.has(key)) subscriber.unsubscribe(key).catch(() => undefined);
    for (const key of releasedOffline.pattern)
      if (!byPattern.has(key)) subscriber.punsubscribe(key).catch(() => undefined);
    releasedOffline.channel.clear();
    releasedOffline.pattern.clear();
  });

  function deliver(subs: Set<Sub> | undefined, data: Buffer): void {
    if (subs === undefined || subs.size === 0) return;
    const envelope = decodeEnvelope(data);
    if (envelope === null) {
      common.emit({ type: 'malformed' });
      return;
    }
    let message: BusMessage | null = null;
    for (const sub of subs) {
      if (!topicMatchesFilter(sub.filter, envelope.channel)) continue;
      message ??= { channel: envelope.channel, payload: envelope.payload, id: null, origin: envelope.origin };
      sub.delivery.push(message);
    }
  }
  subscriber.on('messageBuffer', (channel: Buffer, data: Buffer) =>
    deliver(byChannel.get(channel.toString('utf8')), data),
  );
  subscriber.on('pmessageBuffer', (pattern: string | Buffer, _channel: Buffer, data: Buffer) =>
    deliver(byPattern.get(typeof pattern === 'string' ? pattern : pattern.toString('utf8')), data),
  );

  const bus: Bus = {
    kind: 'redis',
    description,
    origin: common.origin,
    get ready() {
      return !closed && isReady();
    },
    async publish(channel, payload) {
      checkChannel(channel);
      checkPayload(payload);
      if (closed) throw new BusError('ERR_BUS_CLOSED', `Redis bus ${description}: closed`);
      if (publisher.status !== 'ready')
        throw new BusError('ERR_BUS_UNAVAILABLE', `Redis at ${description} is not connected`);
      const data = encodeEnvelope(common.originBytes, channel, payload) as Buffer; // origin and channel already checked
      try {
        await publisher.publish(prefix + channel, data);
      } catch {
        throw new BusError('ERR_BUS_UNAVAILABLE', `Redis at ${description} did not take the publish`);
      }
    },
    async subscribe(
      filter: string,
      handler: BusHandler,
      subscribeOptions?: BusSubscribeOptions,
    ): Promise<BusSubscription> {
      const topicFilter = checkFilter(filter);
      checkHandler(handler);
      const opts = checkSubscribeOptions(subscribeOptions, common.maxQueued);
      if (closed) throw new BusError('ERR_BUS_CLOSED', `Redis bus ${description}: closed`);
      const interest = redisInterest(prefix, topicFilter);
      const table = interest.kind === 'channel' ? byChannel : byPattern;
      const delivery = createDelivery(handler, {
        maxQueued: opts.maxQueued,
        onDrop: opts.onDrop,
        onHandlerError: (error) => common.emit({ type: 'handler_error', error }),
      });
      const sub: Sub = { filter: topicFilter, delivery };
      // Bookkeeping first, synchronously, so concurrent subscribe/unsubscribe of one key keep
      // their commands in order on the connection.
      const pendingKey = `${interest.kind}:${interest.key}`;
      let set = table.get(interest.key);
      if (set === undefined) {
        table.set(interest.key, (set = new Set()));
        subscribed.set(
          pendingKey,
          interest.kind === 'channel' ? subscriber.subscribe(interest.key) : subscriber.psubscribe(interest.key),
        );
      }
      set.add(sub);
      const command = subscribed.get(pendingKey) as Promise<unknown>;
      const release = (): void => {
        delivery.close();
        const current = table.get(interest.key);
        if (current === undefined || !current.delete(sub) || current.size > 0) return;
        table.delete(interest.key);
        subscribed.delete(pendingKey);
        if (closed) return;
        if (subscriber.status !== 'ready') {
          releasedOffline[interest.kind].add(interest.key);
          return;
        }
        const unsubscribe =
          interest.kind === 'channel' ? subscriber.unsubscribe(interest.key) : subscriber.punsubscribe(interest.key);
        unsubscribe.catch(() => undefined);
      };
      try {
        // Shared or not, wait for the key's own command: it may still be in flight, or have failed.
        await command;
      } catch {
        release();
        throw new BusError('ERR_BUS_UNAVAILABLE', `Redis at ${description} refused the subscription`);
      }
      return subscriptionOf(delivery, release);
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const table of [byChannel, byPattern]) {
        for (const set of table.values()) for (const sub of set) sub.delivery.close();
        table.clear();
      }
      // quit waits for replies to commands already sent (publishes in flight get through).
      await Promise.all([
        publisher.quit().catch(() => publisher.disconnect()),
        subscriber.quit().catch(() => subscriber.disconnect()),
      ]);
    },
  };
  return bus;
}

async function connectWithin(client: Redis, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
