// The WebSocket front (`ws`, `wss`; issue 5; docs/architecture.md, "Wire conventions").
// One document server: the URL path (after the server's `pathname`) is the channel; credentials
// are read at the handshake (Authorization, httpApiKey header/query/cookie, the TLS client
// certificate, a bearer token in Sec-WebSocket-Protocol: see ../web/presented.ts). Everything is
// decided BEFORE the upgrade completes; a refusal is an HTTP response on the socket (401, 403,
// 404, 429, 503). A handshake from another origin to a server that accepts browser-ambient
// credentials is refused first (403 `origin_not_allowed`, ../web/origin.ts).
//
// After the upgrade:
//   * the connection may subscribe if `authorize(subscribe, channel)` allowed it: it then receives
//     every bus message on the channel (its own publishes included, as MQTT 3.1.1 does), as a text
//     frame when the payload is valid UTF-8, else a binary frame;
//   * every frame in (text or binary) is a publish on the channel, through `authorize(publish)` and
//     `checkPayload`. A refused frame closes the connection with 1008 (policy violation, RFC 6455
//     §7.4.1) and the decision reason as close reason — a client that sends what it may not is
//     not trusted with the rest of its stream (WebSocket has no per-message refusal);
//   * the handshake is refused (403) only when the connection may neither subscribe nor publish.
// Writes: deliveries made in one turn of the event loop are corked on the client's socket and
// flushed together on the next tick, one writev instead of one per frame (../cork.ts).
// Back-pressure: deliveries to a client whose `bufferedAmount` exceeds `maxBufferedBytes` are
// DROPPED for that client and counted (`stats().dropped`), at-most-once like the bus; the
// connection stays open. Memory per client is thereby bounded.
// Keep-alive: a ping every `pingIntervalMs`; a client from which nothing (message, ping, pong)
// arrived for `idleTimeoutMs` is terminated (a dead peer). A session whose credential expired
// (`session.expiresAt`) is closed with 1008 `credentials_expired`, checked every `expiryCheckMs`
// (default 1 s, src/transports/expiry.ts).

import { isUtf8 } from 'node:buffer';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { BusMessage, BusSubscription } from '../../bus/types.js';
import type { Decision, Session } from '../../guard/types.js';
import type { Front, FrontOptions, FrontStats } from '../types.js';
import {
  channelOfTarget,
  parseProtocolHeader,
  presentedOf,
  readOfferedProtocols,
  requestTargetOf,
} from '../web/presented.js';
import { decisionResponse, errorResponse, refusalResponse, sendResponse, writeRawResponse } from '../web/respond.js';
import { checkSecure, createWebServer } from '../web/server.js';
import { isOriginAllowed, logOriginRefused, NO_ORIGIN_CHECK } from '../web/origin.js';
import { createExpirySweep } from '../expiry.js';
import { corkForTick } from '../cork.js';

export interface WsFrontOptions extends FrontOptions {
  /** Keep-alive ping interval. Default min(30 s, idleTimeoutMs / 2). */
  readonly pingIntervalMs?: number;
  /**
   * Bytes buffered for one client above which deliveries to it are dropped. Default max(1 MiB, 4 × maxMessageBytes).
   */
  readonly maxBufferedBytes?: number;
  /** Bus messages queued per subscription before the bus drops (BusSubscribeOptions.maxQueued). Default 1024. */
  readonly maxQueued?: number;
  /** Clock (ms since the epoch), for idle and expiry checks. Default Date.now. */
  readonly now?: () => number;
  /** How often connections are checked for an expired credential (`session.expiresAt`). Default 1000 ms. */
  readonly expiryCheckMs?: number;
}

/** RFC 6455 §7.4.1 close codes used here. */
export const WS_CLOSE = Object.freeze({ goingAway: 1001, policyViolation: 1008, internalError: 1011 });

interface Client {
  readonly ws: WebSocket;
  /** The upgraded socket `ws` writes to (corked per tick: ../cork.ts). */
  readonly socket: Duplex;
  readonly session: Session;
  readonly channel: string;
  readonly canPublish: boolean;
  readonly subscription: BusSubscription | null;
  lastSeen: number;
  ended: boolean;
}

const noop = () => {};

// Text or binary is decided once per bus message, not once per subscriber: a message is handed
// to every matching subscriber in a row, so remembering the last one answers the fan-out.
let lastMessage: BusMessage | null = null;
let lastBinary = false;

function isBinary(message: BusMessage): boolean {
  if (message !== lastMessage) {
    lastBinary = !isUtf8(message.payload);
    lastMessage = message;
  }
  return lastBinary;
}

function bytesOf(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}

/** Picks the refusal to show when neither publish nor subscribe is allowed: a specific reason over "uncovered". */
function pickRefusal(sub: Decision, pub: Decision): Decision {
  if (sub.reason === 'uncovered_channel' && pub.reason !== 'uncovered_channel') return pub;
  return sub;
}

const BINARY = Object.freeze({ binary: true });
const TEXT = Object.freeze({ binary: false });

export function createWsFront(options: WsFrontOptions): Front {
  const { server, guard, bus, limits, logger } = options;
  const secure = checkSecure(server.protocol, 'ws', 'wss', options.tls);
  const now = options.now ?? Date.now;
  const pingIntervalMs = options.pingIntervalMs ?? Math.max(10, Math.min(30_000, Math.floor(limits.idleTimeoutMs / 2)));
  const maxBuffered = options.maxBufferedBytes ?? Math.max(1024 * 1024, 4 * limits.maxMessageBytes);
  const maxQueued = options.maxQueued ?? 1024;

  const clients = new Set<Client>();
  let closing = false;
  let messagesIn = 0;
  let messagesOut = 0;
  let refused = 0;
  let dropped = 0;
  let refusedOrigins = 0;
  const onDrop = () => void dropped++;
  const origins = options.origins ?? NO_ORIGIN_CHECK;

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: limits.maxMessageBytes,
    // Compression makes the memory per message unbounded by maxPayload and invites CRIME-style
    // attacks on mixed secret/attacker data: off.
    perMessageDeflate: false,
    clientTracking: false,
    handleProtocols: (protocols) => readOfferedProtocols(protocols).selected ?? false,
  });

  const web = createWebServer({
    secure,
    tls: options.tls,
    limits,
    logger,
    onRequest: (_req: IncomingMessage, res: ServerResponse) => {
      refused++;
      sendResponse(res, errorResponse(426, 'upgrade_required', [['Upgrade', 'websocket']]));
    },
    onUpgrade: (req, socket, head) => {
      upgrade(req, socket, head).catch((err: unknown) => {
        // A bug of ours, not the client's: answer 500 and keep serving (never crash on one connection).
        logger.error(
          { event: 'ws.handshake_failed', server: server.name, code: (err as { code?: unknown }).code ?? null },
          'websocket handshake failed',
        );
        refuse(socket, errorResponse(500, 'internal_error'));
      });
    },
  });

  function refuse(socket: Duplex, response: Parameters<typeof writeRawResponse>[1]): void {
    refused++;
    writeRawResponse(socket, response);
  }

  async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    // After 'upgrade' Node no longer watches the socket: a reset must not crash the process.
    socket.on('error', noop);
    if (closing) return refuse(socket, errorResponse(503, 'shutting_down'));
    if (web.isOverLimit(socket)) return refuse(socket, errorResponse(503, 'too_many_connections'));
    // Cross-site WebSocket hijacking: refused before any credential is read (../web/origin.ts).
    if (!isOriginAllowed(req, secure, origins)) {
      refusedOrigins++;
      logOriginRefused(logger, 'ws.origin_refused', server.name, req);
      return refuse(socket, errorResponse(403, 'origin_not_allowed'));
    }
    const target = requestTargetOf(req.url);
    const channel = target === null ? null : channelOfTarget(target, server.pathname);
    if (target === null || channel === null) return refuse(socket, errorResponse(404, 'not_found'));
    if (String(req.headers.upgrade).toLowerCase() !== 'websocket' || req.headers['sec-websocket-key'] === undefined) {
      return refuse(socket, errorResponse(400, 'bad_handshake'));
    }
    const offered = readOfferedProtocols(parseProtocolHeader(req.headers['sec-websocket-protocol']));
    const presented = presentedOf(req, target, offered.token);
    const deadline = setTimeout(() => {
      refused++;
      socket.destroy();
    }, limits.handshakeTimeoutMs);
    deadline.unref();
    try {
      const auth = await guard.authenticate(server.name, presented);
      if (socket.destroyed) return;
      if (!auth.ok) return refuse(socket, refusalResponse(auth.refusal, presented));
      const session = auth.session;
      const sub = guard.authorize(session, { action: 'subscribe', channel });
      const pub = guard.authorize(session, { action: 'publish', channel });
      if (!sub.allowed && !pub.allowed) return refuse(socket, decisionResponse(pickRefusal(sub, pub), presented));

      // Subscribe before the upgrade completes, so that once the client sees `open` it misses nothing.
      let client: Client | null = null;
      let subscription: BusSubscription | null = null;
      if (sub.allowed) {
        try {
          subscription = await bus.subscribe(channel, (m) => deliver(client, m), { maxQueued, onDrop });
        } catch (err) {
          logger.warn(
            { event: 'ws.bus_subscribe_failed', server: server.name, code: (err as { code?: unknown }).code ?? null },
            'bus subscribe failed',
          );
          return refuse(socket, errorResponse(503, 'bus_unavailable'));
        }
      }
      if (socket.destroyed || closing) {
        void subscription?.unsubscribe().catch(noop);
        if (!socket.destroyed) refuse(socket, errorResponse(503, 'shutting_down'));
        return;
      }
      // ws aborts invalid handshakes itself (400) without calling back: release the subscription then.
      socket.once('close', () => {
        if (client === null) void subscription?.unsubscribe().catch(noop);
      });
      wss.handleUpgrade(req, socket, head, (ws) => {
        client = { ws, socket, session, channel, canPublish: pub.allowed, subscription, lastSeen: now(), ended: false };
        attach(client);
      });
    } finally {
      clearTimeout(deadline);
    }
  }

  function deliver(client: Client | null, message: BusMessage): void {
    if (client === null || client.ended || client.ws.readyState !== WebSocket.OPEN) return;
    // Whatever the bus carries, only the channel the subscribe decision allowed is sent.
    if (message.channel !== client.channel) {
      dropped++;
      return;
    }
    if (client.ws.bufferedAmount > maxBuffered) {
      dropped++;
      return;
    }
    messagesOut++;
    corkForTick(client.socket);
    client.ws.send(message.payload, isBinary(message) ? BINARY : TEXT);
  }

  function end(client: Client, code: number, reason: string): void {
    if (client.ended) return;
    client.ended = true;
    clients.delete(client);
    expiring.delete(client);
    void client.subscription?.unsubscribe().catch(noop);
    if (code === 0) client.ws.terminate();
    else client.ws.close(code, reason);
  }

  function attach(client: Client): void {
    const { ws, session, channel } = client;
    clients.add(client);
    expiring.add(client, session.expiresAt);
    ws.on('error', (err: Error & { code?: string }) => {
      // Protocol errors (oversized frame → 1009, invalid UTF-8 → 1007): ws closes the connection itself.
      logger.debug({ event: 'ws.client_error', server: server.name, code: err.code ?? null }, 'websocket client error');
    });
    ws.on('close', () => end(client, 0, ''));
    ws.on('pong', () => void (client.lastSeen = now()));
    ws.on('ping', () => void (client.lastSeen = now()));
    // One rejection handler per connection, not a closure per frame.
    const onPublishFailed = (err: unknown): void => {
      logger.warn(
        { event: 'ws.bus_publish_failed', server: server.name, code: (err as { code?: unknown }).code ?? null },
        'bus publish failed',
      );
      end(client, WS_CLOSE.internalError, 'bus_unavailable');
    };
    ws.on('message', (data: RawData) => {
      client.lastSeen = now();
      if (client.ended) return;
      if (!client.canPublish) {
        // Authorization is a frozen-table lookup: ask again so the close reason is the real one.
        end(client, WS_CLOSE.policyViolation, guard.authorize(session, { action: 'publish', channel }).reason);
        return;
      }
      const payload = bytesOf(data);
      const decision = guard.authorize(session, { action: 'publish', channel });
      if (!decision.allowed) return end(client, WS_CLOSE.policyViolation, decision.reason);
      const checked = guard.checkPayload(session, { channel, payload });
      if (!checked.allowed) return end(client, WS_CLOSE.policyViolation, checked.reason);
      messagesIn++;
      bus.publish(channel, payload).then(undefined, onPublishFailed);
    });
  }

  // A session whose credential expired is closed with 1008 `credentials_expired` (checked every expiryCheckMs).
  const expiring = createExpirySweep<Client>({
    intervalMs: options.expiryCheckMs,
    now,
    onExpired: (client) => end(client, WS_CLOSE.policyViolation, 'credentials_expired'),
  });

  const sweep = setInterval(() => {
    const t = now();
    for (const client of clients) {
      if (t - client.lastSeen > limits.idleTimeoutMs) end(client, 0, '');
      else if (client.ws.readyState === WebSocket.OPEN) client.ws.ping();
    }
  }, pingIntervalMs);
  sweep.unref();

  const stats = (): FrontStats => ({
    connections: web.connections(),
    messagesIn,
    messagesOut,
    refusedConnections: refused,
    dropped,
    refusedOrigins,
  });

  return {
    server: server.name,
    protocol: server.protocol,
    listen: (host, port) => web.listen(host, port),
    async close(graceMs = 5000) {
      closing = true;
      clearInterval(sweep);
      expiring.close();
      await web.close(graceMs, () => {
        for (const client of [...clients]) end(client, WS_CLOSE.goingAway, 'server_closing');
      });
      for (const client of [...clients]) end(client, 0, '');
      wss.close();
    },
    stats,
    endSessions(shouldEnd) {
      let n = 0;
      for (const client of [...clients]) {
        if (!shouldEnd(client.session)) continue;
        end(client, WS_CLOSE.policyViolation, 'session_ended');
        n++;
      }
      return n;
    },
  };
}
