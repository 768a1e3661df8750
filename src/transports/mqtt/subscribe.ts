// The SUBSCRIBE decision: each filter goes to `guard.authorize` (action subscribe; the guard
// decides whether a `+`/`#` filter is covered). A refused filter gets SUBACK 0x80, alone; `$`
// filters (`$SYS/#`, `$share/…`) always do. A granted one is tied to its client's frame writer
// (delivery.ts) when aedes registers it with bus-mq.ts.
//
// Limits: a connection holds at most `limits.maxSubscriptionsPerConnection` filters and all the
// front's connections together at most `limits.maxSubscriptionsPerServer`, and at most
// `limits.maxSubscriptionBytesPerServer` of filter text (2 bytes a character: a filter may be 65,535
// characters); a new filter beyond any gets 0x80 before the guard is asked (bounded work), the
// filters already granted stay.
// Counted where aedes registers and drops its listeners (`counted` wraps bus-mq.ts's `on` and
// `removeListener`), so an UNSUBSCRIBE or a closed connection gives its filters back.

import type { AedesOptions, Client } from 'aedes';
import type { Decision } from '../../guard/types.js';
import type { BusMq, FrameWriter, Notify } from './bus-mq.js';
import { remoteOf, type FrontContext } from './context.js';

export interface SubscribeHooks {
  readonly authorizeSubscribe: NonNullable<AedesOptions['authorizeSubscribe']>;
  /**
   * bus-mq.ts's `writerFor`: the frame writer of the client whose subscription aedes is
   * registering with `mq.on(topic, notify)`, or null to deliver through aedes.
   */
  readonly writerFor: (topic: string, notify: Notify) => FrameWriter | null;
  /** bus-mq.ts as aedes is given it: the same router, with every client listener counted. */
  readonly counted: (mq: BusMq) => BusMq;
  /** Subscription filters held by all connections (aedes listeners registered for clients). */
  readonly subscriptions: () => number;
}

/** Why a new filter was refused for a limit (logged once per connection: `mqtt.subscribe.limit`). */
type SubscribeLimit = 'maxSubscriptionsPerConnection' | 'maxSubscriptionsPerServer' | 'maxSubscriptionBytesPerServer';

export function createSubscribeHooks(ctx: FrontContext, writerOf: (client: Client) => FrameWriter): SubscribeHooks {
  const { guard, logger } = ctx;
  const sessions = ctx.sessions.byClient;
  // The client whose SUBSCRIBE aedes is completing: aedes registers the subscription with
  // `mq.on` synchronously inside the authorizeSubscribe callback, so `writerFor` can tie the
  // listener to it (checked against aedes's record of the subscription, else aedes delivers).
  let subscribing: Client | null = null;
  const { maxSubscriptionsPerConnection: perConnection, maxSubscriptionsPerServer: perServer } = ctx.limits;
  const perServerBytes = ctx.limits.maxSubscriptionBytesPerServer;
  // The listener aedes registered → the client it is counted against (null: none was subscribing).
  const owners = new Map<Notify, Client | null>();
  const held = new WeakMap<Client, number>();
  let total = 0;
  let totalBytes = 0;
  const limitLogged = new WeakSet<Client>();

  const overLimit = (client: Client, filter: string): SubscribeLimit | null => {
    // A filter the client holds already (aedes re-subscribes it for a new QoS) takes no new room.
    const own = (client as unknown as { subscriptions?: Record<string, unknown> }).subscriptions;
    if (own !== undefined && Object.hasOwn(own, filter)) return null;
    if ((held.get(client) ?? 0) >= perConnection) return 'maxSubscriptionsPerConnection';
    if (total >= perServer) return 'maxSubscriptionsPerServer';
    return totalBytes + 2 * filter.length > perServerBytes ? 'maxSubscriptionBytesPerServer' : null;
  };

  const counted = (mq: BusMq): BusMq => {
    const wrapped: BusMq = {
      get filters() {
        return mq.filters;
      },
      on(topic, notify, done) {
        // aedes's own `$SYS` listeners belong to no client and are not counted.
        if (topic.charCodeAt(0) !== 36 && !owners.has(notify)) {
          const client = subscribing;
          owners.set(notify, client);
          total++;
          totalBytes += 2 * topic.length;
          if (client !== null) held.set(client, (held.get(client) ?? 0) + 1);
        }
        mq.on(topic, notify, done);
        return wrapped;
      },
      removeListener(topic, notify, done) {
        const client = owners.get(notify);
        if (client !== undefined) {
          owners.delete(notify);
          total--;
          totalBytes -= 2 * topic.length;
          if (client !== null) held.set(client, (held.get(client) ?? 1) - 1);
        }
        mq.removeListener(topic, notify, done);
        return wrapped;
      },
      emit(packet, cb) {
        mq.emit(packet, cb);
        return wrapped;
      },
      close(cb) {
        mq.close(cb);
        return wrapped;
      },
    };
    return wrapped;
  };

  return {
    counted,
    subscriptions: () => total,

    authorizeSubscribe(client, subscription, callback) {
      const session = sessions.get(client);
      const filter = subscription.topic;
      const limit = session === undefined ? null : overLimit(client, filter);
      if (limit !== null) {
        // One line per connection, not one per filter: a flood of filters must not flood the log.
        if (!limitLogged.has(client)) {
          limitLogged.add(client);
          logger.warn({
            event: 'mqtt.subscribe.limit',
            remote: remoteOf(client),
            principal: session === undefined ? null : session.principal.id,
            limit,
            max: ctx.limits[limit],
          });
        }
        callback(null, null);
        return;
      }
      // `$` filters (MQTT 3.1.1 §4.7.2, `$SYS`, `$share`) are never granted.
      let decision: Decision | null = null;
      if (session !== undefined && filter.charCodeAt(0) !== 36)
        decision = guard.authorize(session, { action: 'subscribe', channel: filter });
      if (decision === null || !decision.allowed) {
        logger.info({
          event: 'mqtt.subscribe.refused',
          remote: remoteOf(client),
          principal: session?.principal.id ?? null,
          filter,
          reason: decision?.reason ?? (session === undefined ? 'no_session' : 'reserved_topic'),
        });
        // A null subscription is a SUBACK 0x80 for this filter (MQTT 3.1.1 §3.9.3).
        callback(null, null);
        return;
      }
      subscribing = client;
      try {
        callback(null, subscription);
      } finally {
        subscribing = null;
      }
    },

    writerFor: (topic, notify) => {
      const client = subscribing;
      if (client === null || !sessions.has(client)) return null;
      // MQTT 3.1 and 3.1.1 share the PUBLISH layout the writer sends (aedes 1.x speaks nothing else).
      if (client.version !== 3 && client.version !== 4) return null;
      const record = (client as unknown as { subscriptions?: Record<string, { func?: unknown } | undefined> })
        .subscriptions?.[topic];
      return record?.func === notify ? writerOf(client) : null;
    },
  };
}
