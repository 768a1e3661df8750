// Inbound QoS 2 messages awaiting PUBREL, bounded. aedes keeps each one in its persistence
// (`incomingStorePacket`, keyed by client id and packet id) from the PUBLISH until the PUBREL
// (`incomingDelPacket`) or the end of the clean session (`cleanIncoming`, on CONNECT and on close).
// A client that never sends PUBREL pins them: with aedes's defaults, 1,000 of up to 256 KiB each.
//
// The front wraps those three methods of aedes's persistence (`attach`, once aedes made it), so
// it counts exactly what is stored:
// - the payload is not kept: aedes uses the stored copy only to know the packet id was seen (a
//   duplicate PUBLISH gets its PUBREC again, a PUBREL finds it), never its contents. What is kept
//   is the topic plus a fixed overhead (`STORED_PACKET_OVERHEAD_BYTES`), and that is what is counted;
// - a store over `limits.maxInboundQos2PerConnection` / `maxInboundQos2BytesPerConnection`, or over
//   the front's `maxInboundQos2PerServer` / `maxInboundQos2BytesPerServer`, is refused: the
//   client is disconnected (MQTT 3.1.1 has no negative PUBREC) and a line logged
//   (`mqtt.publish.inflight_limit`). The check and the count are one synchronous step, so a burst
//   of PUBLISHes in one socket read cannot pass it together.

import type { Client } from 'aedes';
import { remoteOf, type FrontContext } from './context.js';

/** What a stored QoS 2 packet costs besides its topic: the packet object and the store's entries. */
export const STORED_PACKET_OVERHEAD_BYTES = 256;

/** The part of aedes's persistence that holds inbound QoS 2 packets (aedes-persistence's contract). */
interface IncomingStore {
  incomingStorePacket(client: Client, packet: StoredPacket): Promise<void>;
  incomingDelPacket(client: Client, packet: { messageId?: number }): Promise<void>;
  cleanIncoming?(client: Client): Promise<void>;
}

interface StoredPacket {
  readonly topic: string;
  readonly messageId?: number;
  readonly payload?: unknown;
}

export interface InboundQos2 {
  /** Wraps aedes's persistence (`aedes.persistence`, made by `aedes.listen()`); call once. */
  attach(persistence: unknown): void;
  /** Inbound QoS 2 messages stored, all connections. */
  readonly messages: number;
  /** Bytes counted for them (topic + `STORED_PACKET_OVERHEAD_BYTES` each). */
  readonly bytes: number;
}

/** One client id's stored packets: packet id → bytes counted. */
interface Held {
  readonly ids: Map<number, number>;
  bytes: number;
}

const EMPTY = Buffer.alloc(0);

export function createInboundQos2(ctx: FrontContext): InboundQos2 {
  const { limits, logger, sessions } = ctx;
  const byClientId = new Map<string, Held>();
  let messages = 0;
  let bytes = 0;

  const release = (held: Held, id: number): void => {
    const size = held.ids.get(id);
    if (size === undefined) return;
    held.ids.delete(id);
    held.bytes -= size;
    messages--;
    bytes -= size;
  };

  const releaseAll = (clientId: string): void => {
    const held = byClientId.get(clientId);
    if (held === undefined) return;
    byClientId.delete(clientId);
    messages -= held.ids.size;
    bytes -= held.bytes;
    // A store still in progress for it that fails later then finds nothing to give back.
    held.ids.clear();
    held.bytes = 0;
  };

  /** The limit a new stored packet of `size` bytes would exceed, or null. */
  const exceeded = (held: Held | undefined, size: number): string | null => {
    const count = held?.ids.size ?? 0;
    const own = held?.bytes ?? 0;
    if (count >= limits.maxInboundQos2PerConnection) return 'maxInboundQos2PerConnection';
    if (own + size > limits.maxInboundQos2BytesPerConnection) return 'maxInboundQos2BytesPerConnection';
    if (messages >= limits.maxInboundQos2PerServer) return 'maxInboundQos2PerServer';
    if (bytes + size > limits.maxInboundQos2BytesPerServer) return 'maxInboundQos2BytesPerServer';
    return null;
  };

  return {
    get messages() {
      return messages;
    },
    get bytes() {
      return bytes;
    },

    attach(persistence) {
      const store = persistence as IncomingStore;
      const storePacket = store.incomingStorePacket.bind(store);
      const delPacket = store.incomingDelPacket.bind(store);
      const clean = typeof store.cleanIncoming === 'function' ? store.cleanIncoming.bind(store) : null;

      store.incomingStorePacket = (client, packet) => {
        const id = packet.messageId;
        if (typeof id !== 'number') return Promise.reject(new Error('QoS 2 packet without an id'));
        // Strings are at most two bytes per UTF-16 unit in V8: a bound that needs no encoding pass.
        const size = 2 * packet.topic.length + STORED_PACKET_OVERHEAD_BYTES;
        let held = byClientId.get(client.id);
        if (held?.ids.has(id) === true) release(held, id);
        const limit = exceeded(held, size);
        if (limit !== null) {
          logger.warn({
            event: 'mqtt.publish.inflight_limit',
            remote: remoteOf(client),
            principal: sessions.byClient.get(client)?.principal.id ?? null,
            limit,
            messages: held?.ids.size ?? 0,
          });
          // Ends the session first (a will is then refused), then the connection; aedes gets the
          // error too and stores nothing.
          sessions.end(client);
          return Promise.reject(new Error(`inbound QoS 2 limit ${limit} reached`));
        }
        if (held === undefined) {
          held = { ids: new Map(), bytes: 0 };
          byClientId.set(client.id, held);
        }
        held.ids.set(id, size);
        held.bytes += size;
        messages++;
        bytes += size;
        const counted = held;
        // The payload is left out: only the packet id's presence is ever read back.
        return storePacket(client, { ...packet, payload: EMPTY }).catch((error: unknown) => {
          release(counted, id);
          throw error;
        });
      };

      store.incomingDelPacket = (client, packet) =>
        delPacket(client, packet).then(() => {
          const held = byClientId.get(client.id);
          if (held !== undefined && typeof packet.messageId === 'number') {
            release(held, packet.messageId);
            if (held.ids.size === 0 && byClientId.get(client.id) === held) byClientId.delete(client.id);
          }
        });

      if (clean !== null) {
        store.cleanIncoming = (client) => {
          // What the store drops, synchronously, is no longer counted (the store's own delete is
          // synchronous too, inside its async method).
          releaseAll(client.id);
          return clean(client);
        };
      }
    },
  };
}
