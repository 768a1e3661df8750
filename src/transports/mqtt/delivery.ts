// Writing bus messages to subscribers, and the slow-subscriber limit. bus-mq.ts encodes a bus
// message once as a QoS 0 PUBLISH frame and hands it to each subscriber's frame writer (one per
// client); a listener without one goes through aedes and its authorizeForward hook. Both make the
// same checks: a live session, a channel the session may receive (`guard.mayReceive`, cached per
// requirement set and channel; skipped for a topic that is exactly a granted literal filter), and
// a socket not over its buffer bound; a message refused by either check is counted in `dropped`.
// So whatever the bus carries, a wildcard subscriber gets only the channels its session may
// receive (docs/guard.md "MQTT wildcard subscriptions"). A reader that does not keep up loses
// messages (at most once, like the bus) instead of buffering without bound, and one whose socket
// stays over its high-water mark for min(idleTimeoutMs, 10 s) is disconnected.

import type { Socket } from 'node:net';
import type { AedesOptions, Client } from 'aedes';
import { corkForTick } from '../cork.js';
import { slowReaderLimitMs } from '../types.js';
import type { FrameWriter } from './bus-mq.js';
import type { FrontContext } from './context.js';
import { PUBLISH_OVERHEAD_BYTES } from './frame-limit.js';

/**
 * Bytes a subscriber's socket may hold unsent before deliveries to it are dropped (counted in
 * `dropped`): at least 4 MiB, and room for four of the largest messages, so a burst to a reader
 * that keeps up is not cut.
 */
export function maxBufferedBytes(maxMessageBytes: number): number {
  return Math.max(4 * 1024 * 1024, 4 * (maxMessageBytes + PUBLISH_OVERHEAD_BYTES));
}

export interface Delivery {
  /** The client's frame writer, made on its first subscription and kept for the connection. */
  readonly writerOf: (client: Client) => FrameWriter;
  /** aedes's hook, for the listeners bus-mq.ts could not give a frame writer. */
  readonly authorizeForward: NonNullable<AedesOptions['authorizeForward']>;
}

export function createDelivery(ctx: FrontContext): Delivery {
  const { logger, counters, guard } = ctx;
  const sessions = ctx.sessions.byClient;
  const maxBuffered = maxBufferedBytes(ctx.limits.maxMessageBytes);
  const drainMs = slowReaderLimitMs(ctx.limits);
  const writers = new WeakMap<Client, FrameWriter>();

  return {
    /**
     * What authorizeForward checks (a live session, a socket not over its buffer bound), then one
     * write, corked until the end of the tick so a burst of deliveries is one socket write. A
     * socket that stays over its high-water mark for the drain time is closed (as aedes's
     * drainTimeout does for its own writes).
     */
    writerOf: (client) => {
      const existing = writers.get(client);
      if (existing !== undefined) return existing;
      const socket = client.conn as Socket;
      let drainTimer: NodeJS.Timeout | null = null;
      const drained = () => {
        if (drainTimer !== null) clearTimeout(drainTimer);
        drainTimer = null;
      };
      socket.once('close', drained);
      const writer: FrameWriter = (frame, channel, granted) => {
        if (!socket.writable) return;
        const session = sessions.get(client);
        if (session === undefined) return;
        if (!granted && !guard.mayReceive(session, channel)) {
          counters.dropped++;
          return;
        }
        if (socket.writableLength > maxBuffered) {
          counters.dropped++;
          return;
        }
        counters.messagesOut++;
        corkForTick(socket);
        if (!socket.write(frame) && drainTimer === null) {
          drainTimer = setTimeout(() => {
            drainTimer = null;
            logger.info({ event: 'mqtt.subscriber.slow', remote: socket.remoteAddress ?? '' });
            socket.destroy();
          }, drainMs);
          socket.once('drain', drained);
        }
      };
      writers.set(client, writer);
      return writer;
    },

    authorizeForward(client, packet) {
      // Every packet reaching here came from the bus (bus-mq.ts routes nothing else to clients);
      // a client whose session was ended gets nothing more.
      const session = sessions.get(client);
      if (session === undefined) return null;
      // A channel the session may not receive (a wildcard filter's empty level, a bus that routes
      // more than was subscribed) is not forwarded.
      if (!guard.mayReceive(session, (packet as { topic: string }).topic)) {
        counters.dropped++;
        return null;
      }
      // Over the bound, drop rather than buffer until aedes's drain timeout closes the socket.
      if ((client.conn as Socket).writableLength > maxBuffered) {
        counters.dropped++;
        return null;
      }
      counters.messagesOut++;
      return packet;
    },
  };
}
