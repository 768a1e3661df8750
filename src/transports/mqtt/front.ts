// The MQTT 3.1.1 front (`mqtt`, `secure-mqtt`, `mqtts`) on aedes: CONNECT credentials and the TLS
// client certificate go through `guard.authenticate`, every PUBLISH through `guard.authorize` and
// `guard.checkPayload`, every SUBSCRIBE filter through `guard.authorize` (wildcard coverage is the
// guard's). Decisions on the wire: src/transports/mqtt/README.md.
//
// Message path (one path, so a message reaches each local subscriber exactly once, and is routed
// once): aedes routes through `bus-mq.ts` instead of its own mqemitter. An allowed client PUBLISH
// goes to the bus only (here, in authorizePublish/published); the front subscribes on the bus to
// the filters its clients subscribed, and a bus message goes straight to the aedes listeners of
// its filter. So a client's own publish comes back to the local subscribers once, through the bus,
// like the publishes of every other front and `serve` instance.

import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { randomUUID } from 'node:crypto';
import { Aedes, type Client, type PublishPacket, type Subscription } from 'aedes';
import type { Decision, Session } from '../../guard/types.js';
import type { Presented } from '../../schemes/types.js';
import { peerCertificatesOf } from '../../schemes/x509.js';
import { invalidArgType, invalidArgValue } from '../../errors.js';
import { slowReaderLimitMs, type Front, type FrontOptions, type FrontStats } from '../types.js';
import { createBusMq, type FrameWriter, type Notify } from './bus-mq.js';
import { CONNACK, connackCodeFor } from './connack.js';
import { createFrameLimiter, PUBLISH_OVERHEAD_BYTES } from './frame-limit.js';
import { createExpirySweep } from '../expiry.js';
import { corkForTick } from '../cork.js';

/** The AsyncAPI protocols this front serves (reference: protocols.ts). */
export const MQTT_PROTOCOLS: readonly string[] = Object.freeze(['mqtt', 'secure-mqtt', 'mqtts']);

/**
 * Bytes a subscriber's socket may hold unsent before deliveries to it are dropped (counted in
 * `dropped`): at least 4 MiB, and room for four of the largest messages, so a burst to a reader
 * that keeps up is not cut.
 */
export function maxBufferedBytes(maxMessageBytes: number): number {
  return Math.max(4 * 1024 * 1024, 4 * (maxMessageBytes + PUBLISH_OVERHEAD_BYTES));
}

/** Bus publishes not yet settled beyond which a QoS 0 publisher waits for the bus too (back-pressure). */
export const MAX_UNSETTLED_QOS0 = 1024;

/** Default for `close(graceMs)`. */
export const DEFAULT_MQTT_CLOSE_GRACE_MS = 5_000;

export interface MqttFrontOptions extends FrontOptions {
  /** Clock (ms since the epoch) for credential expiry. Default Date.now. */
  readonly now?: () => number;
  /**
   * How often sessions whose credential expires (`session.expiresAt`: a token's exp, a client
   * certificate's notAfter) are checked; an expired one is disconnected. Default 1000 ms.
   */
  readonly expiryCheckMs?: number;
}

/** Why a PUBLISH was refused: the guard's decision reasons plus the front's own checks. */
export type PublishRefusal = Decision['reason'] | 'payload_too_large' | 'reserved_topic' | 'no_session';

const noop = () => {};

function refusal(returnCode: number): Error & { returnCode: number } {
  // aedes reads `returnCode` (2–5) from the error it is handed and sends it in the CONNACK.
  return Object.assign(new Error('connection refused'), { returnCode });
}

function checkOptions(options: FrontOptions): void {
  if (options === null || typeof options !== 'object') throw invalidArgType('options', 'an object');
  const { server, guard, bus, limits, logger } = options;
  if (server === null || typeof server !== 'object' || typeof server.name !== 'string')
    throw invalidArgType('options.server', 'a model server');
  if (!MQTT_PROTOCOLS.includes(server.protocol))
    throw invalidArgValue(
      'options.server',
      `has protocol '${server.protocol}', expected one of ${MQTT_PROTOCOLS.join(', ')}`,
    );
  if (guard === null || typeof guard !== 'object' || typeof guard.authenticate !== 'function')
    throw invalidArgType('options.guard', 'a Guard');
  if (
    bus === null ||
    typeof bus !== 'object' ||
    typeof bus.publish !== 'function' ||
    typeof bus.subscribe !== 'function'
  )
    throw invalidArgType('options.bus', 'a Bus');
  if (logger === null || typeof logger !== 'object' || typeof logger.info !== 'function')
    throw invalidArgType('options.logger', 'a pino Logger');
  if (limits === null || typeof limits !== 'object') throw invalidArgType('options.limits', 'a FrontLimits object');
  for (const key of ['maxConnections', 'maxMessageBytes', 'handshakeTimeoutMs', 'idleTimeoutMs'] as const) {
    const v = limits[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
      throw invalidArgValue(`options.limits.${key}`, 'must be a positive integer');
  }
  const secure = server.protocol !== 'mqtt';
  if (secure && (options.tls === undefined || options.tls === null))
    throw invalidArgValue('options.tls', `is required for protocol '${server.protocol}'`);
  // Refusing rather than ignoring: a TLS configuration that silently does nothing is a surprise.
  if (!secure && options.tls !== undefined)
    throw invalidArgValue('options.tls', "must be absent for protocol 'mqtt' (plain TCP; use secure-mqtt or mqtts)");
}

/** Creates the front for one document server. Nothing listens until `listen`. */
export function createMqttFront(options: MqttFrontOptions): Front {
  checkOptions(options);
  const { server, guard, bus, limits } = options;
  const logger = options.logger.child({ front: 'mqtt', server: server.name });
  const secure = server.protocol !== 'mqtt';
  const maxFrame = limits.maxMessageBytes + PUBLISH_OVERHEAD_BYTES;
  const maxBuffered = maxBufferedBytes(limits.maxMessageBytes);
  const drainMs = slowReaderLimitMs(limits);

  // The session lives beside the aedes client, not on it: a plug-in or a later hook reading client
  // properties cannot see or forge it.
  const sessions = new WeakMap<Client, Session>();
  const live = new Set<Client>();
  // A session lasts no longer than its credential: a token past its exp, a certificate past its
  // notAfter, ends the connection (src/transports/expiry.ts).
  const expiring = createExpirySweep<Client>({
    intervalMs: options.expiryCheckMs,
    now: options.now ?? Date.now,
    onExpired: (client) => {
      const session = sessions.get(client);
      if (session === undefined) return;
      logger.info({
        event: 'mqtt.session.expired',
        remote: remoteOf(client),
        principal: session.principal.id,
        scheme: session.principal.scheme,
      });
      endSession(client);
    },
  });
  const sockets = new Set<Socket>();
  // QoS 2 publishes allowed in authorizePublish, handed to the bus in `published` (see there).
  const qos2Allowed = new WeakSet<object>();

  let pendingAuth = 0;
  let closing = false;
  let listening = false;
  let netServer: NetServer | null = null;
  const counters = { messagesIn: 0, messagesOut: 0, refusedConnections: 0, dropped: 0 };

  // Bus publishes not yet accepted (close() gives them graceMs); a counter, not a set of promises.
  let inflight = 0;
  let onIdle: (() => void) | null = null;
  const settled = () => {
    if (--inflight === 0 && onIdle !== null) onIdle();
  };
  /** Hands a publish to the bus; `callback` (aedes's) runs once the bus took it or refused it. */
  const toBus = (topic: string, payload: Buffer, callback: (error?: Error | null) => void) => {
    inflight++;
    bus.publish(topic, payload).then(
      () => {
        settled();
        callback(null);
      },
      () => {
        settled();
        logger.warn({ event: 'mqtt.bus.publish_failed', bus: bus.description });
        callback(new Error('bus unavailable'));
      },
    );
  };

  // QoS 0 (no acknowledgement to wait for): aedes goes on at once while the bus takes it; these
  // two are shared so such a publish allocates no closure. A failure drops the message (at most
  // once) and is counted.
  const qos0Accepted = settled;
  const qos0Failed = () => {
    settled();
    counters.dropped++;
    logger.warn({ event: 'mqtt.bus.publish_failed', bus: bus.description });
  };

  const remoteOf = (client: Client): string => (client.conn as Socket).remoteAddress ?? '';

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

  // The client whose SUBSCRIBE aedes is completing: aedes registers the subscription with
  // `mq.on` synchronously inside the authorizeSubscribe callback, so `writerFor` can tie the
  // listener to it (checked against aedes's record of the subscription, else aedes delivers).
  let subscribing: Client | null = null;
  const writers = new WeakMap<Client, FrameWriter>();

  /**
   * The client's frame writer: what authorizeForward checks (a live session, a socket not over
   * its buffer bound), then one write, corked until the end of the tick so a burst of deliveries
   * is one socket write. A socket that stays over its high-water mark for the drain time is closed
   * (as aedes's drainTimeout does for its own writes).
   */
  const writerOf = (client: Client): FrameWriter => {
    const existing = writers.get(client);
    if (existing !== undefined) return existing;
    const socket = client.conn as Socket;
    let drainTimer: NodeJS.Timeout | null = null;
    const drained = () => {
      if (drainTimer !== null) clearTimeout(drainTimer);
      drainTimer = null;
    };
    socket.once('close', drained);
    const writer: FrameWriter = (frame) => {
      if (!socket.writable || !sessions.has(client)) return;
      // A reader that does not keep up loses messages (at most once, like the bus) instead of
      // buffering without bound.
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
  };

  const writerFor = (topic: string, notify: Notify): FrameWriter | null => {
    const client = subscribing;
    if (client === null || !sessions.has(client)) return null;
    // MQTT 3.1 and 3.1.1 share the PUBLISH layout the writer sends (aedes 1.x speaks nothing else).
    if (client.version !== 3 && client.version !== 4) return null;
    const record = (client as unknown as { subscriptions?: Record<string, { func?: unknown } | undefined> })
      .subscriptions?.[topic];
    return record?.func === notify ? writerOf(client) : null;
  };

  const brokerId = randomUUID();
  const mq = createBusMq({
    writerFor,
    bus,
    brokerId,
    isClosing: () => closing,
    onDrop: () => void counters.dropped++,
    onBusError: (event) => logger.warn({ event: `mqtt.bus.${event}_failed`, bus: bus.description }),
  });

  const aedes = new Aedes({
    id: brokerId,
    mq,
    // No CONNECT within the handshake time: aedes closes the connection.
    connectTimeout: limits.handshakeTimeoutMs,
    // $SYS heartbeats never reach a client (authorizeForward), so send them rarely.
    heartbeatInterval: 3_600_000,
    // A subscriber whose socket does not drain holds one of aedes's delivery slots; with every slot
    // held, delivery stops for all. So a stuck subscriber is dropped after at most 10 s.
    drainTimeout: drainMs,

    preConnect(_client, packet, callback) {
      // Sessions are not persisted: a CONNECT with CleanSession 0 is served as a new session
      // (CONNACK sessionPresent 0). Offline queues would grow without bound for subscribers that
      // never come back, and the bus (at most once) could not feed them across instances anyway.
      packet.clean = true;
      callback(null, !closing);
    },

    authenticate(client, username, password, callback) {
      if (closing || live.size + pendingAuth >= limits.maxConnections) {
        counters.refusedConnections++;
        logger.info({
          event: 'mqtt.connect.refused',
          remote: remoteOf(client),
          returnCode: CONNACK.serverUnavailable,
          reason: closing ? 'closing' : 'max_connections',
        });
        callback(refusal(CONNACK.serverUnavailable), null);
        return;
      }
      pendingAuth++;
      const presented: { -readonly [K in keyof Presented]: Presented[K] } = { remote: remoteOf(client) };
      if (username !== undefined || password !== undefined) {
        presented.login = {
          ...(username !== undefined ? { username } : {}),
          ...(password !== undefined
            ? { password: new Uint8Array(password.buffer, password.byteOffset, password.byteLength) }
            : {}),
        };
      }
      if (secure) presented.peerCertificates = peerCertificatesOf(client.conn as TLSSocket);
      guard.authenticate(server.name, presented).then(
        (result) => {
          pendingAuth--;
          if (!result.ok) {
            counters.refusedConnections++;
            const returnCode = connackCodeFor(result.refusal.reason);
            logger.info({
              event: 'mqtt.connect.refused',
              remote: presented.remote,
              returnCode,
              reason: result.refusal.reason,
            });
            callback(refusal(returnCode), null);
            return;
          }
          const session = result.session;
          sessions.set(client, session);
          live.add(client);
          expiring.add(client, session.expiresAt);
          // MQTT-3.1.4-2 makes a CONNECT with a live client's id take that session over. Scoping
          // the id by principal keeps one principal from disconnecting another's clients.
          (client as { id: string }).id =
            `${encodeURIComponent(session.principal.scheme)}/${encodeURIComponent(session.principal.id)}/${client.id}`;
          connected(client.conn as Socket);
          callback(null, true);
        },
        () => {
          // authenticate never rejects on wire input; anything else fails closed.
          pendingAuth--;
          counters.refusedConnections++;
          callback(refusal(CONNACK.serverUnavailable), null);
        },
      );
    },

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
      // QoS 0/1: handed to the bus here, in arrival order.
      if (packet.qos === 0 && inflight < MAX_UNSETTLED_QOS0) {
        inflight++;
        bus.publish(packet.topic, packet.payload as Buffer).then(qos0Accepted, qos0Failed);
        callback(null);
        return;
      }
      // QoS 1 (and QoS 0 while the bus lags, so the publisher waits: bounded work): the PUBACK
      // is sent once the bus took it; a bus failure disconnects the publisher.
      toBus(packet.topic, packet.payload as Buffer, callback);
    },

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
        callback(null, subscription as Subscription);
      } finally {
        subscribing = null;
      }
    },

    authorizeForward(client, packet) {
      // Only for listeners bus-mq could not give a frame writer (the writer makes these checks).
      // Every packet reaching here came from the bus (bus-mq.ts routes nothing else to clients);
      // a client whose session was ended gets nothing more.
      if (!sessions.has(client)) return null;
      // A reader that does not keep up loses messages (at most once, like the bus) instead of
      // buffering without bound until the drain timeout closes it.
      if ((client.conn as Socket).writableLength > maxBuffered) {
        counters.dropped++;
        return null;
      }
      counters.messagesOut++;
      return packet;
    },

    published(packet, _client, callback) {
      if (!qos2Allowed.has(packet)) {
        callback();
        return;
      }
      qos2Allowed.delete(packet);
      // The PUBREC follows once the bus took it.
      toBus(packet.topic, packet.payload as Buffer, callback);
    },
  });
  // aedes emits 'error' for failures it cannot pin on a client; never let one crash the process.
  (aedes as unknown as NodeJS.EventEmitter).on('error', () => logger.warn({ event: 'mqtt.broker.error' }));

  const handshakeTimers = new WeakMap<Socket, NodeJS.Timeout>();
  const connected = (socket: Socket) => {
    const timer = handshakeTimers.get(socket);
    if (timer !== undefined) clearTimeout(timer);
    handshakeTimers.delete(socket);
  };

  /** Hands an accepted (and, for TLS, handshaken) connection to aedes, with the front's limits. */
  const accept = (socket: Socket) => {
    if (closing) {
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
    const client = aedes.handle(socket);
    socket.once('close', () => {
      connected(socket);
      sockets.delete(socket);
      live.delete(client);
      expiring.delete(client);
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

  /** Forgets the client's session first (a will message published on close is then refused), then disconnects it. */
  const endSession = (client: Client): void => {
    sessions.delete(client);
    live.delete(client);
    expiring.delete(client);
    (client.conn as Socket).destroy();
  };

  return {
    server: server.name,
    protocol: server.protocol,

    async listen(host, port) {
      if (netServer !== null) throw invalidArgValue('listen', 'was already called');
      if (typeof host !== 'string' || host === '') throw invalidArgType('host', 'a non-empty string');
      if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65_535)
        throw invalidArgValue('port', 'must be an integer from 0 to 65535');
      await aedes.listen();
      listening = true;
      let srv: NetServer;
      if (secure) {
        const { requestCert, ...tls } = options.tls ?? {};
        srv = createTlsServer(
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
        // A handshake that fails or times out (handshakeTimeout): Node reports it but leaves the
        // socket open, and each one holds a slot of maxConnections. Close it.
        srv.on('tlsClientError', (_error, socket) => {
          counters.refusedConnections++;
          socket.destroy();
        });
      } else {
        srv = createNetServer(accept);
      }
      // Sockets still in the handshake are bounded too (the CONNACK 3 refusal needs a CONNECT).
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
      srv.on('error', () => logger.warn({ event: 'mqtt.server.error' }));
      const address = srv.address() as AddressInfo;
      logger.info({ event: 'mqtt.listening', host: address.address, port: address.port, protocol: server.protocol });
      return { host: address.address, port: address.port };
    },

    async close(graceMs = DEFAULT_MQTT_CLOSE_GRACE_MS) {
      if (closing) return;
      closing = true;
      expiring.close();
      const serverClosed =
        netServer === null ? Promise.resolve() : new Promise<void>((resolve) => netServer?.close(() => resolve()));
      // From here bus messages are ignored (bus-mq.ts); aedes.close() drops the bus subscriptions.
      // In-flight publishes get up to graceMs to reach the bus.
      if (inflight > 0) {
        let timer: NodeJS.Timeout | undefined;
        await new Promise<void>((resolve) => {
          onIdle = resolve;
          timer = setTimeout(resolve, Math.max(0, graceMs));
        });
        onIdle = null;
        clearTimeout(timer);
      }
      if (listening) await new Promise<void>((resolve) => aedes.close(() => resolve()));
      else mq.close(noop);
      for (const socket of sockets) socket.destroy();
      await serverClosed;
    },

    stats(): FrontStats {
      return { connections: sockets.size, ...counters };
    },

    endSessions(shouldEnd) {
      if (typeof shouldEnd !== 'function') throw invalidArgType('shouldEnd', 'a function');
      let ended = 0;
      for (const client of [...live]) {
        const session = sessions.get(client);
        if (session === undefined || !shouldEnd(session)) continue;
        endSession(client);
        ended++;
      }
      if (ended > 0) logger.info({ event: 'mqtt.sessions.ended', count: ended });
      return ended;
    },
  };
}
