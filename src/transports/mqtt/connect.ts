// Connection admission and authentication: CONNECT → (room for one more?) → guard.authenticate →
// CONNACK. What the client presented (user name, password, TLS client certificate) becomes a
// `Presented`; a guard refusal becomes a CONNACK return code (connack.ts). An authenticated client
// gets its session (sessions.ts) and a client id scoped by principal.

import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { AedesOptions } from 'aedes';
import type { Presented } from '../../schemes/types.js';
import { peerCertificatesOf } from '../../schemes/x509.js';
import { CONNACK, connackCodeFor } from './connack.js';
import { remoteOf, type FrontContext } from './context.js';

export interface ConnectHooks {
  readonly preConnect: NonNullable<AedesOptions['preConnect']>;
  readonly authenticate: NonNullable<AedesOptions['authenticate']>;
}

function refusal(returnCode: number): Error & { returnCode: number } {
  // aedes reads `returnCode` (2–5) from the error it is handed and sends it in the CONNACK.
  return Object.assign(new Error('connection refused'), { returnCode });
}

/** `authenticated(socket)` is told of each connection that got a session (its handshake deadline ends). */
export function createConnectHooks(ctx: FrontContext, authenticated: (socket: Socket) => void): ConnectHooks {
  const { server, guard, limits, logger, secure, counters, sessions } = ctx;
  // CONNECTs being judged by the guard: they count against maxConnections too.
  let pendingAuth = 0;

  return {
    preConnect(_client, packet, callback) {
      // Sessions are not persisted: a CONNECT with CleanSession 0 is served as a new session
      // (CONNACK sessionPresent 0). Offline queues would grow without bound for subscribers that
      // never come back, and the bus (at most once) could not feed them across instances anyway.
      packet.clean = true;
      callback(null, !ctx.closing);
    },

    authenticate(client, username, password, callback) {
      if (ctx.closing || sessions.live.size + pendingAuth >= limits.maxConnections) {
        counters.refusedConnections++;
        logger.info({
          event: 'mqtt.connect.refused',
          remote: remoteOf(client),
          returnCode: CONNACK.serverUnavailable,
          reason: ctx.closing ? 'closing' : 'max_connections',
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
          sessions.admit(client, session);
          // MQTT-3.1.4-2 makes a CONNECT with a live client's id take that session over. Scoping
          // the id by principal keeps one principal from disconnecting another's clients.
          (client as { id: string }).id =
            `${encodeURIComponent(session.principal.scheme)}/${encodeURIComponent(session.principal.id)}/${client.id}`;
          authenticated(client.conn as Socket);
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
  };
}
