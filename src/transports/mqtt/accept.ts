// What happens to an accepted (and, for TLS, handshaken) connection before aedes takes it: the
// handshake deadline (to an authenticated session within handshakeTimeoutMs), the idle timeout, and
// the packet size limit on aedes's parser (frame-limit.ts), so nothing larger is ever buffered.

import type { Socket } from 'node:net';
import type { Client } from 'aedes';
import { noop, type FrontContext } from './context.js';
import { createFrameLimiter, PUBLISH_OVERHEAD_BYTES } from './frame-limit.js';

export interface Acceptor {
  /** The listener's connection handler. */
  readonly accept: (socket: Socket) => void;
  /** The connection got a session: its handshake deadline ends. */
  readonly authenticated: (socket: Socket) => void;
  /** Open sockets, from accept to close. */
  readonly sockets: ReadonlySet<Socket>;
}

/** `handle` is aedes's: it takes the socket over and returns its client. */
export function createAcceptor(ctx: FrontContext, handle: (socket: Socket) => Client): Acceptor {
  const { limits, logger, counters } = ctx;
  const maxFrame = limits.maxMessageBytes + PUBLISH_OVERHEAD_BYTES;
  const sockets = new Set<Socket>();
  const handshakeTimers = new WeakMap<Socket, NodeJS.Timeout>();

  const authenticated = (socket: Socket) => {
    const timer = handshakeTimers.get(socket);
    if (timer !== undefined) clearTimeout(timer);
    handshakeTimers.delete(socket);
  };

  const accept = (socket: Socket) => {
    if (ctx.closing) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    // From here to an authenticated session: handshakeTimeoutMs (for TLS, the TLS handshake had its
    // own handshakeTimeoutMs before this).
    handshakeTimers.set(
      socket,
      setTimeout(() => {
        counters.refusedConnections++;
        logger.info({ event: 'mqtt.connect.timeout', remote: socket.remoteAddress ?? '' });
        socket.destroy();
      }, limits.handshakeTimeoutMs),
    );
    socket.setTimeout(limits.idleTimeoutMs, () => socket.destroy());
    socket.on('error', noop);
    const client = handle(socket);
    socket.once('close', () => {
      authenticated(socket);
      sockets.delete(socket);
      ctx.sessions.disconnected(client);
    });
    // Bound what the parser buffers: a packet larger than the limit closes the connection as soon
    // as its fixed header arrives (aedes has no packet size limit of its own).
    const parser = (client as unknown as { _parser?: { parse?: (buf: Buffer) => unknown } })._parser;
    if (parser === undefined || typeof parser.parse !== 'function') {
      // Fail closed if aedes's internals change under us.
      logger.error({ event: 'mqtt.frame_limit.unavailable' });
      socket.destroy();
      return;
    }
    const parse = parser.parse.bind(parser);
    const limiter = createFrameLimiter(maxFrame);
    parser.parse = (buf: Buffer) => {
      if (limiter.feed(buf)) return parse(buf);
      logger.info({ event: 'mqtt.packet.too_large', remote: socket.remoteAddress ?? '' });
      counters.dropped++;
      socket.destroy();
      return 0;
    };
  };

  return { accept, authenticated, sockets };
}
