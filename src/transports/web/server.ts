// The listening side both web fronts share: an `http` or `https` server with the front limits
// applied (docs/architecture.md, "Limits and slow readers"), connection counts for `maxConnections`, the answers Node's
// parser gives on its own (431, 408, 400), and a bounded graceful close.
//
// Limits, and where each is enforced:
//   maxHeaderBytes      `maxHeaderSize` on the server: Node's parser refuses more → 431
//   handshakeTimeoutMs  `headersTimeout` + `requestTimeout` (whole request, body included) → 408;
//                       the TLS handshake (`handshakeTimeout`); the front's own timer covers the
//                       time the guard takes before a WebSocket upgrade
//   idleTimeoutMs       socket inactivity (`server.timeout`) for HTTP; the WebSocket front pings
//   maxConnections      counted per accepted socket (after the TLS handshake for https/wss); a
//                       request on a socket over the limit is answered 503 and the socket closed
//                       (TLS sockets cannot be answered in HTTP before the handshake; a plain one is
//                       answered as soon as its request arrives)

import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { invalidArgValue } from '../../errors.js';
import type { FrontLimits, FrontOptions } from '../types.js';
import { errorResponse, writeRawResponse } from './respond.js';

export interface WebServer {
  readonly server: Server;
  /** Live accepted sockets (HTTP keep-alive, SSE streams, WebSockets). */
  connections(): number;
  /** True when the socket was accepted beyond `maxConnections`. */
  isOverLimit(socket: Duplex): boolean;
  listen(host: string, port: number): Promise<{ host: string; port: number }>;
  /** Stops accepting; waits until every socket closed or `graceMs` passed; then destroys the rest. */
  close(graceMs: number, beforeWait?: () => void): Promise<void>;
}

export interface WebServerOptions {
  readonly secure: boolean;
  readonly tls: FrontOptions['tls'];
  readonly limits: FrontLimits;
  readonly logger: Logger;
  readonly onRequest: (req: IncomingMessage, res: ServerResponse) => void;
  readonly onUpgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
}

/** Checks the protocol / TLS pairing a front was given (library misuse → TypeError). */
export function checkSecure(protocol: string, plain: string, secure: string, tls: FrontOptions['tls']): boolean {
  if (protocol !== plain && protocol !== secure)
    throw invalidArgValue('options.server.protocol', `must be '${plain}' or '${secure}'`);
  const isSecure = protocol === secure;
  if (isSecure && (tls === undefined || tls === null))
    throw invalidArgValue('options.tls', `is required for protocol '${secure}'`);
  if (!isSecure && tls !== undefined)
    throw invalidArgValue('options.tls', `must be absent for protocol '${plain}' (use '${secure}')`);
  return isSecure;
}

export function createWebServer(options: WebServerOptions): WebServer {
  const { limits } = options;
  const handshake = limits.handshakeTimeoutMs;
  const common = {
    maxHeaderSize: limits.maxHeaderBytes,
    headersTimeout: handshake,
    requestTimeout: handshake,
    keepAliveTimeout: Math.min(5000, limits.idleTimeoutMs),
    // Node checks headers/request timeouts on this interval (default 30 s): keep it a fraction of the limit.
    connectionsCheckingInterval: Math.max(50, Math.min(30_000, Math.floor(handshake / 4))),
  };
  let server: Server;
  if (options.secure) {
    const { requestCert, ...tls } = options.tls ?? {};
    server = createHttpsServer({
      ...tls,
      // The X509 verifier checks the chain against its own CA bundle; the TLS layer only asks for
      // it, so a client without a certificate can still use another alternative (docs/guard.md).
      requestCert: requestCert === true,
      rejectUnauthorized: false,
      minVersion: 'TLSv1.2',
      handshakeTimeout: handshake,
      ...common,
    });
  } else {
    server = createHttpServer(common);
  }
  server.timeout = limits.idleTimeoutMs;

  const all = new Set<Socket>();
  const counted = new Set<Duplex>();
  const over = new WeakSet<Duplex>();
  const count = (socket: Socket) => {
    if (counted.size >= limits.maxConnections) over.add(socket);
    counted.add(socket);
    socket.once('close', () => counted.delete(socket));
  };
  server.on('connection', (socket: Socket) => {
    all.add(socket);
    socket.once('close', () => all.delete(socket));
    if (!options.secure) count(socket);
  });
  if (options.secure) server.on('secureConnection', count);
  server.on('request', options.onRequest);
  if (options.onUpgrade !== undefined) server.on('upgrade', options.onUpgrade);
  server.on('clientError', (err: Error & { code?: string }, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const code = status === 431 ? 'headers_too_large' : status === 408 ? 'request_timeout' : 'bad_request';
    writeRawResponse(socket, errorResponse(status, code));
  });
  // A TLS handshake failure (wrong version, garbage) is the client's problem: never a crash.
  server.on('tlsClientError', () => {});

  return {
    server,
    connections: () => counted.size,
    isOverLimit: (socket) => over.has(socket),
    listen(host, port) {
      return new Promise((resolve, reject) => {
        const onError = (err: Error) => reject(err);
        server.once('error', onError);
        server.listen(port, host, () => {
          server.off('error', onError);
          const a = server.address() as AddressInfo;
          resolve({ host: a.address, port: a.port });
        });
      });
    },
    async close(graceMs, beforeWait) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      beforeWait?.();
      if (all.size > 0 && graceMs > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, graceMs);
          const poll = setInterval(
            () => {
              server.closeIdleConnections();
              if (all.size === 0) done();
            },
            Math.min(50, graceMs),
          );
          function done() {
            clearTimeout(timer);
            clearInterval(poll);
            resolve();
          }
        });
      }
      for (const socket of all) socket.destroy();
      server.closeAllConnections();
      await closed;
    },
  };
}

/** Does the Accept header name `text/event-stream` (any parameters, q > 0)? */
export function acceptsEventStream(accept: string | undefined): boolean {
  if (accept === undefined || accept.length > 4096) return false;
  for (const range of accept.split(',')) {
    const [type, ...params] = range.split(';').map((s) => s.trim().toLowerCase());
    if (type !== 'text/event-stream') continue;
    const q = params.find((p) => p.startsWith('q='));
    if (q === undefined || Number(q.slice(2)) > 0) return true;
  }
  return false;
}
