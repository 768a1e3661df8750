// The Kafka front (`kafka`, `kafka-secure`; docs/kafka.md): an embedded Kafka endpoint that enforces the document's
// security, not a Kafka cluster. This file assembles the parts and runs the lifecycle (listen, close, stats,
// endSessions): the listener (TCP, or TLS 1.2+ with the client certificate requested where X509 is declared), the
// connection limit, one connection handler per socket (connection.ts), the topic logs (log.ts), the group
// coordinator (groups.ts), and the bus in both directions: a produce is published on the bus (produce.ts), and
// every other bus message on a topic this front holds is appended to its log (one record, no key), so Kafka
// consumers get what MQTT, WebSocket and HTTP clients publish. With a NATS or Redis bus every `serve` instance
// keeps its own log of the same messages.

import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { invalidArgType, invalidArgValue } from '../../errors.js';
import type { BusMessage, BusSubscription } from '../../bus/types.js';
import type { Session } from '../../guard/types.js';
import type { Scheme } from '../../model/types.js';
import { createExpirySweep } from '../expiry.js';
import type { Front, FrontOptions, FrontStats } from '../types.js';
import { encodeRecordBatch } from './codec/index.js';
import { handleConnection, type ConnectionHandle } from './connection.js';
import type { KafkaFrontContext } from './context.js';
import { createEchoFilter } from './echo.js';
import { createGroupCoordinator, DEFAULT_GROUP_LIMITS } from './groups.js';
import { createTopicStore, DEFAULT_KAFKA_LOG_SETTINGS, type KafkaLogSettings } from './log.js';
import { kafkaAuthPlan } from './mechanisms.js';
import { topicOfChannel } from './topics.js';

export const KAFKA_PROTOCOLS: readonly string[] = Object.freeze(['kafka', 'kafka-secure']);

export interface KafkaFrontOptions extends FrontOptions {
  /**
   * The document's security schemes (`model.schemes`): which SASL mechanisms the server offers follows from the
   * types of the schemes it declares (mechanisms.ts). Default: the guard's SASL mechanisms only.
   */
  readonly schemes?: Readonly<Record<string, Scheme>>;
  /** Topics of the document's concrete channel addresses on this server (listed by Metadata). Default none. */
  readonly declaredTopics?: readonly string[];
  /** Storage bounds (`servers.<name>.kafka` in the config). */
  readonly log?: Partial<KafkaLogSettings>;
  /** Clock (ms since the epoch) for credential expiry and retention. Default Date.now. */
  readonly now?: () => number;
  /** How often expiring sessions are checked. Default 1000 ms. */
  readonly expiryCheckMs?: number;
}

export interface KafkaFront extends Front {
  /** What the front holds, for tests and benchmarks. */
  usage(): { readonly topics: number; readonly logBytes: number; readonly groups: number };
}

export const DEFAULT_KAFKA_CLOSE_GRACE_MS = 5_000;

function checkOptions(options: KafkaFrontOptions): KafkaLogSettings {
  if (options === null || typeof options !== 'object') throw invalidArgType('options', 'an object');
  const { server, guard, bus, limits, logger } = options;
  if (server === null || typeof server !== 'object' || typeof server.name !== 'string')
    throw invalidArgType('options.server', 'a model server');
  if (!KAFKA_PROTOCOLS.includes(server.protocol))
    throw invalidArgValue('options.server', `has protocol '${server.protocol}', expected kafka or kafka-secure`);
  if (guard === null || typeof guard !== 'object' || typeof guard.authenticate !== 'function')
    throw invalidArgType('options.guard', 'a Guard');
  if (bus === null || typeof bus !== 'object' || typeof bus.publish !== 'function')
    throw invalidArgType('options.bus', 'a Bus');
  if (logger === null || typeof logger !== 'object' || typeof logger.info !== 'function')
    throw invalidArgType('options.logger', 'a pino Logger');
  if (limits === null || typeof limits !== 'object') throw invalidArgType('options.limits', 'a FrontLimits object');
  for (const key of ['maxConnections', 'maxMessageBytes', 'handshakeTimeoutMs', 'idleTimeoutMs'] as const) {
    const v = limits[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
      throw invalidArgValue(`options.limits.${key}`, 'must be a positive integer');
  }
  const secure = server.protocol === 'kafka-secure';
  if (secure && (options.tls === undefined || options.tls === null))
    throw invalidArgValue('options.tls', "is required for protocol 'kafka-secure'");
  if (!secure && options.tls !== undefined)
    throw invalidArgValue('options.tls', "must be absent for protocol 'kafka' (plain TCP; use kafka-secure)");
  const log = { ...DEFAULT_KAFKA_LOG_SETTINGS, ...options.log };
  for (const [key, v] of Object.entries(log))
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1)
      throw invalidArgValue(`options.log.${key}`, 'must be a positive integer');
  return Object.freeze(log);
}

/** Creates the front for one document server. Nothing listens until `listen`. */
export function createKafkaFront(options: KafkaFrontOptions): KafkaFront {
  const logSettings = checkOptions(options);
  const { server, guard, bus, limits } = options;
  const now = options.now ?? Date.now;
  const logger = options.logger.child({ front: 'kafka', server: server.name });
  const ctx: KafkaFrontContext = {
    server,
    guard,
    bus,
    limits,
    logger,
    secure: server.protocol === 'kafka-secure',
    auth:
      options.schemes !== undefined
        ? kafkaAuthPlan(server, options.schemes)
        : Object.freeze({
            mechanisms: guard.saslMechanisms(server.name),
            plainScheme: guard.saslMechanisms(server.name).includes('PLAIN'),
            plainLogin: false,
            certificate: false,
            open: server.security.length === 0,
          }),
    topics: createTopicStore(logSettings, now),
    groups: createGroupCoordinator(DEFAULT_GROUP_LIMITS, now),
    echo: createEchoFilter(bus.origin, now),
    declaredTopics: Object.freeze([...(options.declaredTopics ?? [])]),
    counters: { messagesIn: 0, messagesOut: 0, refusedConnections: 0, dropped: 0 },
    now,
    closing: false,
  };
  const { counters } = ctx;
  const sockets = new Set<Socket>();
  const live = new Map<ConnectionHandle, Session>();
  const expiring = createExpirySweep<ConnectionHandle>({
    intervalMs: options.expiryCheckMs,
    now,
    onExpired: (conn) => conn.end('kafka.session.expired'),
  });
  const hooks = {
    admitted: (conn: ConnectionHandle, session: Session) => {
      live.set(conn, session);
      // Re-authentication (KIP-368) moves the end to the new credential's.
      expiring.delete(conn);
      expiring.add(conn, session.expiresAt);
    },
    closed: (conn: ConnectionHandle) => {
      live.delete(conn);
      expiring.delete(conn);
    },
  };

  // Bus → log: a message another front (or instance) published, on a topic this front holds.
  const roundRobin = new Map<string, number>();
  const onBusMessage = (message: BusMessage): void => {
    if (ctx.closing || ctx.echo.isEcho(message.origin, message.channel, message.payload)) return;
    const topic = topicOfChannel(message.channel);
    const logs = topic === null ? null : ctx.topics.topic(topic, false);
    if (topic === null || logs === null) return;
    const partition = (roundRobin.get(topic) ?? 0) % logs.length;
    roundRobin.set(topic, partition + 1);
    const timestamp = BigInt(now());
    const value = Buffer.from(message.payload.buffer, message.payload.byteOffset, message.payload.length);
    ctx.topics.append(topic, partition, 1, timestamp, (baseOffset) =>
      encodeRecordBatch({ baseOffset, baseTimestamp: timestamp, records: [{ value }], partitionLeaderEpoch: 0 }),
    );
  };
  let subscription: BusSubscription | null = null;
  let netServer: NetServer | null = null;

  const accept = (socket: Socket): void => {
    if (ctx.closing || sockets.size >= limits.maxConnections) {
      counters.refusedConnections++;
      logger.info({ event: 'kafka.connect.refused', remote: socket.remoteAddress ?? '', reason: 'too_many' });
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.setNoDelay(true);
    handleConnection(ctx, socket, hooks);
  };

  return {
    server: server.name,
    protocol: server.protocol,

    async listen(host, port) {
      if (netServer !== null) throw invalidArgValue('listen', 'was already called');
      if (typeof host !== 'string' || host === '') throw invalidArgType('host', 'a non-empty string');
      if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65_535)
        throw invalidArgValue('port', 'must be an integer from 0 to 65535');
      subscription = await bus.subscribe('#', onBusMessage, {
        maxQueued: 10_000,
        onDrop: () => void counters.dropped++,
      });
      let srv: NetServer;
      if (ctx.secure) {
        const { requestCert, ...tls } = options.tls ?? {};
        const tlsServer = createTlsServer(
          {
            ...tls,
            minVersion: 'TLSv1.2',
            requestCert: requestCert === true,
            // The X509 verifier judges the chain against its own CA bundle (src/schemes/x509.ts).
            rejectUnauthorized: false,
            handshakeTimeout: limits.handshakeTimeoutMs,
          },
          accept,
        );
        tlsServer.on('tlsClientError', (_error, socket) => {
          counters.refusedConnections++;
          socket.destroy();
        });
        srv = tlsServer;
      } else srv = createNetServer(accept);
      // Sockets still in the TLS handshake count too.
      srv.maxConnections = limits.maxConnections + Math.ceil(limits.maxConnections / 10) + 1;
      srv.on('drop', () => void counters.refusedConnections++);
      netServer = srv;
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(port, host, () => {
          srv.off('error', reject);
          resolve();
        });
      });
      srv.on('error', () => logger.warn({ event: 'kafka.server.error' }));
      const address = srv.address() as AddressInfo;
      logger.info({ event: 'kafka.listening', host: address.address, port: address.port, protocol: server.protocol });
      return { host: address.address, port: address.port };
    },

    async close(graceMs = DEFAULT_KAFKA_CLOSE_GRACE_MS) {
      if (ctx.closing) return;
      ctx.closing = true;
      expiring.close();
      const serverClosed =
        netServer === null ? Promise.resolve() : new Promise<void>((resolve) => netServer?.close(() => resolve()));
      // Long polls answer now; requests in progress get up to graceMs.
      ctx.topics.close();
      ctx.groups.close();
      if (sockets.size > 0 && graceMs > 0) {
        const deadline = Date.now() + Math.min(graceMs, 1_000);
        while (Date.now() < deadline && [...sockets].some((s) => s.writableLength > 0))
          await new Promise((r) => setTimeout(r, 20));
      }
      for (const socket of sockets) socket.destroy();
      await subscription?.unsubscribe().catch(() => {});
      await serverClosed;
    },

    stats(): FrontStats {
      return { connections: sockets.size, ...counters };
    },

    usage() {
      return { topics: ctx.topics.names().length, logBytes: ctx.topics.bytes, groups: ctx.groups.size };
    },

    endSessions(shouldEnd) {
      if (typeof shouldEnd !== 'function') throw invalidArgType('shouldEnd', 'a function');
      let ended = 0;
      for (const [conn, session] of [...live]) {
        if (!shouldEnd(session)) continue;
        live.delete(conn);
        conn.end('kafka.session.ended');
        ended++;
      }
      if (ended > 0) logger.info({ event: 'kafka.sessions.ended', count: ended });
      return ended;
    },
  };
}
