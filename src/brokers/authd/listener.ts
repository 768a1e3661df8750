// authd's one HTTP(S) listener: the brokers' decision routes (each part's), plus `/healthz`,
// `/readyz` and `/metrics` as on serve's admin listener (docs/authd.md, "Endpoints").
// Brokers are clients we do not trust with our memory: the request line and headers are bounded
// by Node's parser (`maxHeaderSize`), a form body by MAX_BODY_BYTES, slow senders by the header
// and request timeouts; anything malformed is answered `deny` with an audit line, never a crash.
// Keep-alive stays on (RabbitMQ's HTTP client reuses its connections); answers are `200
// text/plain` with `allow …` / `deny` as the HTTP auth backend expects, and a non-200 status for
// what is not a question at all (unknown path 404, wrong method 405, body too large 413), which
// the broker treats as a refusal too.

import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { SecureContextOptions } from 'node:tls';
import type { Logger } from 'pino';
import { createAuditRate } from '../../guard/audit-rate.js';
import type { AuthdMetrics } from './metrics.js';
import type { AuthdRoute } from './types.js';

/** Largest form body read. A RabbitMQ question is under 1 KiB; a bearer token as the password may be a few KiB. */
export const MAX_BODY_BYTES = 16 * 1024;
/** Request line plus headers (Node's parser refuses more with 431). */
export const MAX_HEADER_BYTES = 16 * 1024;
/** Headers read per request; Node ignores those beyond. */
export const MAX_HEADERS = 32;
/** Bad-request audit lines a second at most (a broker gone mad must not flood the log). */
const BAD_REQUEST_LINES_PER_SECOND = 20;

export interface ListenerRoute {
  readonly part: string;
  readonly handle: AuthdRoute;
}

export interface ListenerHandlers {
  readonly routes: ReadonlyMap<string, ListenerRoute>;
  ready(): boolean;
  notReadyBecause(): string | null;
  metrics(): string;
}

export interface ListenerOptions {
  readonly host: string;
  readonly port: number;
  readonly tls?: SecureContextOptions;
  readonly audit: Logger;
  readonly logger: Logger;
  readonly metrics: AuthdMetrics;
  readonly now: () => number;
}

export interface AuthdListener {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

const TEXT = 'text/plain; charset=utf-8';
const HEADERS = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' } as const;

export async function startListener(options: ListenerOptions, handlers: ListenerHandlers): Promise<AuthdListener> {
  const rate = createAuditRate(options.audit, BAD_REQUEST_LINES_PER_SECOND, options.now);
  const badRequest = (req: IncomingMessage, part: string, endpoint: string, why: string): void => {
    options.metrics.record(part, endpoint, 'bad_request', 0);
    if (!options.audit.isLevelEnabled('warn') || !rate.admit('authd.bad_request')) return;
    // The endpoint is a route we know or `other`: an unknown path is never echoed (it may carry anything).
    options.audit.warn({ part, endpoint, remote: req.socket.remoteAddress ?? null, why }, 'authd.bad_request');
  };
  const serverOptions = {
    requestTimeout: 10_000,
    headersTimeout: 5_000,
    maxHeaderSize: MAX_HEADER_BYTES,
  };
  const listener = (req: IncomingMessage, res: ServerResponse): void =>
    void handle(req, res, handlers, badRequest, options).catch((err: unknown) => {
      options.logger.error({ err: err instanceof Error ? err.name : 'error' }, 'authd.request_failed');
      if (!res.headersSent) send(res, 500, 'deny\n', false);
      else res.destroy();
    });
  const server: Server =
    options.tls !== undefined
      ? createHttpsServer({ ...serverOptions, ...options.tls, minVersion: 'TLSv1.2' }, listener)
      : createHttpServer(serverOptions, listener);
  server.maxHeadersCount = MAX_HEADERS;
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  return {
    host: options.host,
    port: bound.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function send(res: ServerResponse, status: number, body: string, head: boolean, extra: Record<string, string> = {}) {
  res.writeHead(status, { ...HEADERS, 'content-type': TEXT, 'content-length': Buffer.byteLength(body), ...extra });
  res.end(head ? undefined : body);
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  h: ListenerHandlers,
  badRequest: (req: IncomingMessage, part: string, endpoint: string, why: string) => void,
  options: ListenerOptions,
): Promise<void> {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const head = req.method === 'HEAD';
  switch (path) {
    case '/healthz':
    case '/readyz':
    case '/metrics':
      if (req.method !== 'GET' && !head) return send(res, 405, 'method not allowed\n', false, { allow: 'GET, HEAD' });
      if (path === '/healthz') return send(res, 200, 'ok\n', head);
      if (path === '/metrics') {
        res.writeHead(200, { ...HEADERS, 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
        return void res.end(head ? undefined : h.metrics());
      }
      if (h.ready()) return send(res, 200, 'ready\n', head);
      return send(res, 503, `not ready${notReadyDetail(h)}\n`, head);
  }
  const route = h.routes.get(path);
  if (route === undefined) {
    badRequest(req, 'other', 'other', 'unknown_path');
    return send(res, 404, 'deny\n', head);
  }
  const started = process.hrtime.bigint();
  let params: URLSearchParams;
  if (req.method === 'GET') {
    params = new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
  } else if (req.method === 'POST') {
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded') {
      badRequest(req, route.part, path, 'content_type');
      return send(res, 415, 'deny\n', false);
    }
    const body = await readBody(req, MAX_BODY_BYTES);
    if (body === null) {
      badRequest(req, route.part, path, 'body_too_large');
      // The rest of an oversized body is not read: the connection ends with the answer.
      return send(res, 413, 'deny\n', false, { connection: 'close' });
    }
    params = new URLSearchParams(body);
  } else {
    badRequest(req, route.part, path, 'method');
    return send(res, 405, 'deny\n', false, { allow: 'GET, POST' });
  }
  const answer = await route.handle({ path, params, peer: req.socket.remoteAddress ?? null });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  options.metrics.record(route.part, path, answer.allowed ? 'allow' : 'deny', seconds);
  send(res, 200, answer.body, false);
}

/** The body as text, or null when it is longer than `max` bytes (declared or sent). */
function readBody(req: IncomingMessage, max: number): Promise<string | null> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (Number.isFinite(declared) && declared > max) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > max) {
        done = true;
        req.pause();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', (err) => {
      if (done) return;
      done = true;
      reject(err);
    });
  });
}

function notReadyDetail(h: ListenerHandlers): string {
  const why = h.notReadyBecause();
  return why === null ? '' : `: ${why}`;
}
