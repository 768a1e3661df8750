// The PUBLISH decision: `guard.authorize` (action publish) and `guard.checkPayload` for every
// PUBLISH, will messages included (aedes hands a will to authorizePublish when a connection is lost
// without DISCONNECT, so it reaches the bus only if the session may publish it; a session the
// server ended leaves none). Then the hand-off to the bus (bus-handoff.ts): QoS 0 and 1 here, in
// arrival order; QoS 2 in `published`, once per message.

import type { AedesOptions, Client, PublishPacket } from 'aedes';
import type { Decision } from '../../guard/types.js';
import type { BusHandoff } from './bus-handoff.js';
import { remoteOf, type FrontContext } from './context.js';

/** Why a PUBLISH was refused: the guard's decision reasons plus the front's own checks. */
export type PublishRefusal = Decision['reason'] | 'payload_too_large' | 'reserved_topic' | 'no_session';

export interface PublishHooks {
  readonly authorizePublish: NonNullable<AedesOptions['authorizePublish']>;
  readonly published: NonNullable<AedesOptions['published']>;
}

export function createPublishHooks(ctx: FrontContext, handoff: BusHandoff): PublishHooks {
  const { guard, limits, logger, counters } = ctx;
  const sessions = ctx.sessions.byClient;
  // QoS 2 publishes allowed in authorizePublish, handed to the bus in `published` (see there).
  const qos2Allowed = new WeakSet<object>();

  const checkPublish = (client: Client | null, packet: PublishPacket): PublishRefusal | null => {
    const session = client === null ? undefined : sessions.get(client);
    if (session === undefined) return 'no_session';
    // MQTT 3.1.1 §4.7.2: topics starting with `$` are the server's; none are offered here.
    if (packet.topic.charCodeAt(0) === 36) return 'reserved_topic';
    const payload = packet.payload;
    if (payload.length > limits.maxMessageBytes) return 'payload_too_large';
    const decision = guard.authorize(session, { action: 'publish', channel: packet.topic });
    if (!decision.allowed) return decision.reason;
    // aedes's payload is a Buffer (a Uint8Array) or a string: handed over as is, no view per publish.
    const sealed = guard.checkPayload(session, { channel: packet.topic, payload });
    return sealed.allowed ? null : sealed.reason;
  };

  return {
    authorizePublish(client, packet, callback) {
      // Retained messages are not kept: a retained message would have to live on the bus to be
      // seen by other fronts and instances (documented deviation from MQTT 3.1.1 §3.3.1.3).
      packet.retain = false;
      const refused = checkPublish(client, packet);
      if (refused !== null) {
        logger.info({
          event: 'mqtt.publish.refused',
          remote: client === null ? null : remoteOf(client),
          principal: client === null ? null : (sessions.get(client)?.principal.id ?? null),
          channel: packet.topic,
          qos: packet.qos,
          reason: refused,
        });
        if (packet.qos === 0 && refused !== 'credentials_expired') {
          // MQTT 3.1.1 has no negative acknowledgement; QoS 0 is dropped silently.
          counters.dropped++;
          callback(null);
        } else {
          // QoS 1/2: there is no negative PUBACK/PUBREC in 3.1.1, so the client is disconnected
          // (aedes closes the connection on an authorizePublish error, MQTT-3.3.5-2); so is a
          // client whose credential expired, whatever the QoS.
          callback(new Error('publish refused'));
        }
        return;
      }
      counters.messagesIn++;
      if (packet.qos === 2) {
        // A QoS 2 PUBLISH may arrive again (DUP) while its PUBREL is pending; aedes calls
        // `published` only for the first copy, so the bus hand-off happens there.
        qos2Allowed.add(packet);
        callback(null);
        return;
      }
      // QoS 0/1: handed to the bus here, in arrival order. QoS 0 does not wait for the bus.
      if (packet.qos === 0 && handoff.publishUnacknowledged(packet.topic, packet.payload as Buffer)) {
        callback(null);
        return;
      }
      // QoS 1 (and QoS 0 while the bus lags, so the publisher waits: bounded work): the PUBACK
      // is sent once the bus took it; a bus failure disconnects the publisher.
      handoff.publish(packet.topic, packet.payload as Buffer, callback);
    },

    published(packet, _client, callback) {
      if (!qos2Allowed.has(packet)) {
        callback();
        return;
      }
      qos2Allowed.delete(packet);
      // The PUBREC follows once the bus took it.
      handoff.publish(packet.topic, packet.payload as Buffer, callback);
    },
  };
}
