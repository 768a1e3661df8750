// The listening socket: plain TCP for `mqtt`; TLS for `secure-mqtt` and `mqtts`, at least TLS 1.2,
// the handshake bounded by handshakeTimeoutMs, and a failed or timed-out handshake closed at once.
// Sockets still before CONNECT are capped too (110 % of maxConnections, plus one).

import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { FrontOptions } from '../types.js';
import type { FrontContext } from './context.js';

/** A server handing each accepted (and, for TLS, handshaken) connection to `accept`; not yet listening. */
export function createListener(
  ctx: FrontContext,
  tlsOptions: FrontOptions['tls'],
  accept: (socket: Socket) => void,
): NetServer {
  const { limits, counters } = ctx;
  let srv: NetServer;
  if (ctx.secure) {
    const { requestCert, ...tls } = tlsOptions ?? {};
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
    // A handshake that fails or times out (handshakeTimeout): Node reports it but leaves the
    // socket open, and each one holds a slot of maxConnections. Close it.
    tlsServer.on('tlsClientError', (_error, socket) => {
      counters.refusedConnections++;
      socket.destroy();
    });
    srv = tlsServer;
  } else {
    srv = createNetServer(accept);
  }
  // Sockets still in the handshake are bounded too (the CONNACK 3 refusal needs a CONNECT).
  srv.maxConnections = limits.maxConnections + Math.ceil(limits.maxConnections / 10) + 1;
  srv.on('drop', () => void counters.refusedConnections++);
  return srv;
}

/** Binds `srv` to host:port; once bound, a later server error is logged, never thrown. */
export async function bindListener(
  ctx: FrontContext,
  srv: NetServer,
  host: string,
  port: number,
): Promise<{ host: string; port: number }> {
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(port, host, () => {
      srv.off('error', reject);
      resolve();
    });
  });
  srv.on('error', () => ctx.logger.warn({ event: 'mqtt.server.error' }));
  const address = srv.address() as AddressInfo;
  ctx.logger.info({
    event: 'mqtt.listening',
    host: address.address,
    port: address.port,
    protocol: ctx.server.protocol,
  });
  return { host: address.address, port: address.port };
}
