// The NATS bus (nats@2, core NATS, no JetStream): several `serve` instances on one NATS server
// (or cluster) see each other's messages. Channels map onto subjects token by token
// (nats-subject.ts) so NATS does the wildcard routing; every received message is still checked
// against the MQTT filter (the `$` rule, foreign publishers). Payloads travel in a small binary
// envelope (envelope.ts) with the origin and channel.
//
// Delivery is at most once: core NATS keeps nothing. While the connection is down, `publish`
// rejects with ERR_BUS_UNAVAILABLE (we do not let the client buffer without bound) and messages
// others publish meanwhile are never seen; nats.js reconnects forever and re-subscribes.
// nats-server itself cuts a subscriber connection that cannot keep up (slow consumer) — our
// per-subscription queues sit after that and drop per subscriber.

import { connect, type ConnectionOptions, type NatsConnection, type Subscription } from 'nats';
import { ConfigError, invalidArgType } from '../errors.js';
import { topicMatchesFilter } from '../address/mqtt-topic.js';
import {
  checkChannel,
  checkCommonOptions,
  checkFilter,
  checkHandler,
  checkPayload,
  checkSubscribeOptions,
  type CommonBusOptions,
} from './arguments.js';
import { createDelivery, subscriptionOf } from './delivery.js';
import { decodeEnvelope, encodeEnvelope } from './envelope.js';
import { BusError } from './errors.js';
import { channelSubject, DEFAULT_SUBJECT_PREFIX, filterSubjects, isValidSubjectPrefix } from './nats-subject.js';
import type { Bus, BusHandler, BusMessage, BusSubscribeOptions, BusSubscription } from './types.js';
import { parseBrokerUrl } from './url.js';

export interface NatsBusOptions extends CommonBusOptions {
  /** First token(s) of every subject (default `agd`): separates several deployments on one NATS. */
  readonly subjectPrefix?: string;
  /** Time to the first connection in ms (default 5000); startup fails after it. */
  readonly connectTimeoutMs?: number;
  /** Connection name shown by the NATS monitoring (default `asyncapi-guard`). */
  readonly name?: string;
}

export async function createNatsBus(url: string, options: NatsBusOptions = {}): Promise<Bus> {
  if (typeof url !== 'string') throw invalidArgType('url', 'a string');
  const common = checkCommonOptions(options);
  const prefix = options.subjectPrefix ?? DEFAULT_SUBJECT_PREFIX;
  if (typeof prefix !== 'string' || !isValidSubjectPrefix(prefix))
    throw invalidArgType('options.subjectPrefix', 'dot-separated tokens of letters, digits, - and _');
  const parsed = parseBrokerUrl(url, ['nats:'], 4222);
  if (parsed === null) {
    throw new ConfigError('ERR_CONFIG_INVALID', 'not a NATS URL', {
      pointer: 'bus',
      expected: 'nats://[USER:PASSWORD@]HOST[:PORT]',
    });
  }
  const { description } = parsed;
  const connectOptions: ConnectionOptions = {
    servers: [`${parsed.url.hostname}:${parsed.url.port === '' ? 4222 : parsed.url.port}`],
    name: options.name ?? 'asyncapi-guard',
    timeout: options.connectTimeoutMs ?? 5000,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1000,
    waitOnFirstConnect: false,
    // Credentials go in as options, never inside a URL nats.js might echo in an error.
    ...(parsed.username !== undefined && parsed.password !== undefined
      ? { user: parsed.username, pass: parsed.password }
      : {}),
    ...(parsed.username !== undefined && parsed.password === undefined ? { token: parsed.username } : {}),
  };
  let nc: NatsConnection;
  try {
    nc = await connect(connectOptions);
  } catch (error) {
    // nats.js error text may carry the server list: report by code only.
    const code = (error as { code?: unknown }).code;
    throw new BusError(
      'ERR_BUS_UNAVAILABLE',
      `NATS at ${description} did not accept a connection (${typeof code === 'string' ? code : 'error'})`,
    );
  }

  let connected = true;
  let closed = false;
  const subscriptions = new Set<{ close(): void }>();
  void (async () => {
    for await (const status of nc.status()) {
      // nats.js's Events enum holds these strings; comparing as strings keeps nats loaded lazily.
      const type: string = status.type;
      if (type === 'disconnect') {
        connected = false;
        common.emit({ type: 'disconnected' });
      } else if (type === 'reconnect') {
        connected = true;
        common.emit({ type: 'reconnected' });
      } else if (type === 'error') {
        const code = (status.data as { code?: unknown } | undefined)?.code;
        common.emit({ type: 'error', code: typeof code === 'string' ? code : 'NATS_ERROR' });
      }
    }
  })().catch(() => undefined);
  void nc.closed().then(() => {
    connected = false;
  });

  const bus: Bus = {
    kind: 'nats',
    description,
    origin: common.origin,
    get ready() {
      return connected && !closed && !nc.isClosed();
    },
    // eslint-disable-next-line @typescript-eslint/require-await -- async: a throw becomes a rejection (Bus contract)
    async publish(channel, payload) {
      checkChannel(channel);
      checkPayload(payload);
      if (closed) throw new BusError('ERR_BUS_CLOSED', `NATS bus ${description}: closed`);
      if (!connected || nc.isClosed())
        throw new BusError('ERR_BUS_UNAVAILABLE', `NATS at ${description} is not connected`);
      const subject = channelSubject(prefix, channel);
      if (subject === null) throw new BusError('ERR_BUS_REFUSED', 'the channel has too many levels for a NATS subject');
      const data = encodeEnvelope(common.originBytes, channel, payload) as Buffer; // origin and channel already checked
      const maxPayload = nc.info?.max_payload ?? 1024 * 1024;
      if (data.length > maxPayload)
        throw new BusError(
          'ERR_BUS_REFUSED',
          `the message is larger than the NATS server max_payload (${maxPayload} bytes)`,
        );
      try {
        nc.publish(subject, data);
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        throw new BusError(
          'ERR_BUS_UNAVAILABLE',
          `NATS at ${description} refused the publish (${typeof code === 'string' ? code : 'error'})`,
        );
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
      if (closed) throw new BusError('ERR_BUS_CLOSED', `NATS bus ${description}: closed`);
      if (nc.isClosed()) throw new BusError('ERR_BUS_UNAVAILABLE', `NATS at ${description} is closed`);
      const subjects = filterSubjects(prefix, topicFilter);
      if (subjects === null) throw new BusError('ERR_BUS_REFUSED', 'the filter has too many levels for a NATS subject');
      const delivery = createDelivery(handler, {
        maxQueued: opts.maxQueued,
        onDrop: opts.onDrop,
        onHandlerError: (error) => common.emit({ type: 'handler_error', error }),
      });
      const onMessage = (error: unknown, msg: { data: Uint8Array }): void => {
        if (error !== null && error !== undefined) {
          const code = (error as { code?: unknown }).code;
          common.emit({ type: 'error', code: typeof code === 'string' ? code : 'NATS_ERROR' });
          return;
        }
        const envelope = decodeEnvelope(msg.data);
        if (envelope === null) {
          common.emit({ type: 'malformed' });
          return;
        }
        if (!topicMatchesFilter(topicFilter, envelope.channel)) return; // §4.7.2 `$` rule; foreign subjects
        const message: BusMessage = {
          channel: envelope.channel,
          payload: envelope.payload,
          id: null,
          origin: envelope.origin,
        };
        delivery.push(message);
      };
      const natsSubs: Subscription[] = [];
      try {
        for (const subject of subjects) natsSubs.push(nc.subscribe(subject, { callback: onMessage }));
        // The server has the interest once flush returns: a publish from anywhere after this is seen.
        await nc.flush();
      } catch (error) {
        delivery.close();
        // The subscriptions already made would otherwise be re-made by nats.js on reconnect and
        // pull traffic (for `#`, all of it) to a subscriber that was told it failed.
        for (const s of natsSubs) {
          try {
            s.unsubscribe();
          } catch {
            // the connection is closed: nothing is left at the server
          }
        }
        const code = (error as { code?: unknown }).code;
        throw new BusError(
          'ERR_BUS_UNAVAILABLE',
          `NATS at ${description} refused the subscription (${typeof code === 'string' ? code : 'error'})`,
        );
      }
      const entry = {
        close() {
          delivery.close();
          for (const s of natsSubs) {
            try {
              s.unsubscribe();
            } catch {
              // already closed with the connection
            }
          }
        },
      };
      subscriptions.add(entry);
      return subscriptionOf(delivery, () => {
        subscriptions.delete(entry);
        entry.close();
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const entry of subscriptions) entry.close();
      subscriptions.clear();
      if (nc.isClosed()) return;
      if (connected) {
        // drain: what was published is flushed to the server before the socket closes.
        await nc.drain().catch(() => undefined);
      }
      // While reconnecting, drain resolves without closing (nats.js 2.29): close for certain.
      if (!nc.isClosed()) await nc.close().catch(() => undefined);
    },
  };
  return bus;
}
