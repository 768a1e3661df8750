// The MQTT 3.1.1 front (`mqtt`, `secure-mqtt`, `mqtts`) on aedes: this file assembles the parts
// and runs the front's lifecycle (listen, close with its grace time, stats, endSessions). Each
// aedes hook lives in the module named for its job (README.md lists them): CONNECT in connect.ts,
// PUBLISH in publish.ts, SUBSCRIBE in subscribe.ts, deliveries in delivery.ts.
//
// Message path (one path, so a message reaches each local subscriber exactly once, and is routed
// once): aedes routes through `bus-mq.ts` instead of its own mqemitter. An allowed client PUBLISH
// goes to the bus only (publish.ts); the front subscribes on the bus to the filters its clients
// subscribed, and a bus message goes straight to the aedes listeners of its filter. So a client's
// own publish comes back to the local subscribers once, through the bus, like the publishes of
// every other front and `serve` instance.

import type { Server as NetServer } from 'node:net';
import { randomUUID } from 'node:crypto';
import { Aedes } from 'aedes';
import { invalidArgType, invalidArgValue } from '../../errors.js';
import { slowReaderLimitMs, type Front, type FrontStats } from '../types.js';
import { createAcceptor } from './accept.js';
import { createBusHandoff } from './bus-handoff.js';
import { createBusMq } from './bus-mq.js';
import { createConnectHooks } from './connect.js';
import { noop, type FrontContext } from './context.js';
import { createDelivery } from './delivery.js';
import { createInboundQos2 } from './inbound-qos2.js';
import { bindListener, createListener } from './listener.js';
import { checkOptions, type MqttFrontOptions } from './options.js';
import { createPublishHooks } from './publish.js';
import { createSessionTable } from './sessions.js';
import { createSubscribeHooks } from './subscribe.js';

export { MQTT_PROTOCOLS, type MqttFrontOptions } from './options.js';
export { maxBufferedBytes } from './delivery.js';
export { MAX_UNSETTLED_QOS0 } from './bus-handoff.js';
export type { PublishRefusal } from './publish.js';
export { STORED_PACKET_OVERHEAD_BYTES } from './inbound-qos2.js';

/** What the MQTT front holds against its per-server limits (`FrontLimits`), for tests and benchmarks. */
export interface MqttFrontUsage {
  /** Subscription filters held by all connections. */
  readonly subscriptions: number;
  /** Inbound QoS 2 messages awaiting PUBREL, all connections, and the bytes counted for them. */
  readonly inboundQos2: { readonly messages: number; readonly bytes: number };
}

export interface MqttFront extends Front {
  usage(): MqttFrontUsage;
}

/** Default for `close(graceMs)`. */
export const DEFAULT_MQTT_CLOSE_GRACE_MS = 5_000;

/** Creates the front for one document server. Nothing listens until `listen`. */
export function createMqttFront(options: MqttFrontOptions): MqttFront {
  checkOptions(options);
  const { server, guard, bus, limits } = options;
  const logger = options.logger.child({ front: 'mqtt', server: server.name });
  const ctx: FrontContext = {
    server,
    guard,
    bus,
    limits,
    logger,
    secure: server.protocol !== 'mqtt',
    counters: { messagesIn: 0, messagesOut: 0, refusedConnections: 0, dropped: 0 },
    sessions: createSessionTable(logger, options),
    closing: false,
  };
  const { counters, sessions } = ctx;

  const handoff = createBusHandoff(ctx);
  const delivery = createDelivery(ctx);
  const subscribe = createSubscribeHooks(ctx, delivery.writerOf);
  const publish = createPublishHooks(ctx, handoff);
  const inboundQos2 = createInboundQos2(ctx);
  // `aedes` is made below with the hooks; the acceptor hands it sockets only once listening.
  const acceptor = createAcceptor(ctx, (socket) => aedes.handle(socket));
  const connect = createConnectHooks(ctx, acceptor.authenticated);

  const brokerId = randomUUID();
  const mq = createBusMq({
    writerFor: subscribe.writerFor,
    bus,
    brokerId,
    isClosing: () => ctx.closing,
    onDrop: () => void counters.dropped++,
    onBusError: (event) => logger.warn({ event: `mqtt.bus.${event}_failed`, bus: bus.description }),
  });

  const aedes = new Aedes({
    id: brokerId,
    // Every client listener counted against the subscription limits (subscribe.ts).
    mq: subscribe.counted(mq),
    // inbound-qos2.ts bounds these (count and bytes, per connection and per server, with a log
    // line); aedes's own count of reserved packet ids stays one above as a second fence.
    maxInflightInbound: limits.maxInboundQos2PerConnection + 1,
    // No CONNECT within the handshake time: aedes closes the connection.
    connectTimeout: limits.handshakeTimeoutMs,
    // $SYS heartbeats never reach a client (authorizeForward), so send them rarely.
    heartbeatInterval: 3_600_000,
    // A subscriber whose socket does not drain holds one of aedes's delivery slots; with every slot
    // held, delivery stops for all. So a stuck subscriber is dropped after at most 10 s.
    drainTimeout: slowReaderLimitMs(limits),
    preConnect: connect.preConnect,
    authenticate: connect.authenticate,
    authorizePublish: publish.authorizePublish,
    authorizeSubscribe: subscribe.authorizeSubscribe,
    authorizeForward: delivery.authorizeForward,
    published: publish.published,
  });
  // aedes emits 'error' for failures it cannot pin on a client; never let one crash the process.
  (aedes as unknown as NodeJS.EventEmitter).on('error', () => logger.warn({ event: 'mqtt.broker.error' }));

  let listening = false;
  let netServer: NetServer | null = null;

  return {
    server: server.name,
    protocol: server.protocol,

    async listen(host, port) {
      if (netServer !== null) throw invalidArgValue('listen', 'was already called');
      if (typeof host !== 'string' || host === '') throw invalidArgType('host', 'a non-empty string');
      if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65_535)
        throw invalidArgValue('port', 'must be an integer from 0 to 65535');
      await aedes.listen();
      // aedes makes its persistence (in memory) in listen(); its type does not declare it.
      inboundQos2.attach((aedes as unknown as { persistence: unknown }).persistence);
      listening = true;
      const srv = createListener(ctx, options.tls, acceptor.accept);
      netServer = srv;
      return bindListener(ctx, srv, host, port);
    },

    async close(graceMs = DEFAULT_MQTT_CLOSE_GRACE_MS) {
      if (ctx.closing) return;
      ctx.closing = true;
      sessions.close();
      const serverClosed =
        netServer === null ? Promise.resolve() : new Promise<void>((resolve) => netServer?.close(() => resolve()));
      // From here bus messages are ignored (bus-mq.ts); aedes.close() drops the bus subscriptions.
      // In-flight publishes get up to graceMs to reach the bus.
      if (handoff.inflight > 0) await handoff.drain(graceMs);
      if (listening) await new Promise<void>((resolve) => aedes.close(() => resolve()));
      else mq.close(noop);
      for (const socket of acceptor.sockets) socket.destroy();
      await serverClosed;
    },

    stats(): FrontStats {
      return { connections: acceptor.sockets.size, ...counters };
    },

    usage() {
      return {
        subscriptions: subscribe.subscriptions(),
        inboundQos2: { messages: inboundQos2.messages, bytes: inboundQos2.bytes },
      };
    },

    endSessions(shouldEnd) {
      if (typeof shouldEnd !== 'function') throw invalidArgType('shouldEnd', 'a function');
      return sessions.endMatching(shouldEnd);
    },
  };
}
