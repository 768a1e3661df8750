// The SUBSCRIBE decision: each filter goes to `guard.authorize` (action subscribe; the guard
// decides whether a `+`/`#` filter is covered). A refused filter gets SUBACK 0x80, alone; `$`
// filters (`$SYS/#`, `$share/…`) always do. A granted one is tied to its client's frame writer
// (delivery.ts) when aedes registers it with bus-mq.ts.

import type { AedesOptions, Client } from 'aedes';
import type { Decision } from '../../guard/types.js';
import type { FrameWriter, Notify } from './bus-mq.js';
import { remoteOf, type FrontContext } from './context.js';

export interface SubscribeHooks {
  readonly authorizeSubscribe: NonNullable<AedesOptions['authorizeSubscribe']>;
  /**
   * bus-mq.ts's `writerFor`: the frame writer of the client whose subscription aedes is
   * registering with `mq.on(topic, notify)`, or null to deliver through aedes.
   */
  readonly writerFor: (topic: string, notify: Notify) => FrameWriter | null;
}

export function createSubscribeHooks(ctx: FrontContext, writerOf: (client: Client) => FrameWriter): SubscribeHooks {
  const { guard, logger } = ctx;
  const sessions = ctx.sessions.byClient;
  // The client whose SUBSCRIBE aedes is completing: aedes registers the subscription with
  // `mq.on` synchronously inside the authorizeSubscribe callback, so `writerFor` can tie the
  // listener to it (checked against aedes's record of the subscription, else aedes delivers).
  let subscribing: Client | null = null;

  return {
    authorizeSubscribe(client, subscription, callback) {
      const session = sessions.get(client);
      const filter = subscription.topic;
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
