// The admin listener (off by default; loopback unless `admin.allowNonLoopbackListen`):
// `GET /healthz` 200 while the process runs; `GET /readyz` 200 when every front listens, the
// bus is ready and the credential store is in step, else 503 (naming a stale store); `GET /metrics`
// Prometheus text; `GET /` the status page. Anything else is 404, a method other than GET/HEAD
// 405. Requests carry no body we read, headers are bounded by Node's parser (16 KiB), and slow
// clients are cut off by the request timeout.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { STATUS_PAGE_CSP } from './status-page.js';

export interface AdminHandlers {
  ready(): boolean;
  /** Why not ready, when it is a lasting condition worth naming (a stale credential store); null otherwise. */
  notReadyBecause?(): string | null;
  metrics(): string;
  statusPage(): string;
}

export interface AdminListener {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

const COMMON_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
} as const;

export async function startAdmin(host: string, port: number, handlers: AdminHandlers): Promise<AdminListener> {
  const server: Server = createServer(
    { requestTimeout: 10_000, headersTimeout: 5_000, maxHeaderSize: 16 * 1024 },
    (req, res) => handle(req, res, handlers),
  );
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  return {
    host,
    port: bound.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  head: boolean,
  extra: Record<string, string> = {},
): void {
  res.writeHead(status, {
    ...COMMON_HEADERS,
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    ...extra,
  });
  res.end(head ? undefined : body);
}

function handle(req: IncomingMessage, res: ServerResponse, h: AdminHandlers): void {
  const head = req.method === 'HEAD';
  if (req.method !== 'GET' && !head)
    return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n', false, { allow: 'GET, HEAD' });
  // Only the path matters; a query string is ignored (and never logged).
  const path = (req.url ?? '/').split('?')[0];
  const text = 'text/plain; charset=utf-8';
  try {
    switch (path) {
      case '/healthz':
        return send(res, 200, text, 'ok\n', head);
      case '/readyz':
        if (h.ready()) return send(res, 200, text, 'ready\n', head);
        return send(res, 503, text, `not ready${notReadyDetail(h)}\n`, head);
      case '/metrics':
        return send(res, 200, 'text/plain; version=0.0.4; charset=utf-8', h.metrics(), head);
      case '/':
        return send(res, 200, 'text/html; charset=utf-8', h.statusPage(), head, {
          'content-security-policy': STATUS_PAGE_CSP,
        });
      default:
        return send(res, 404, text, 'not found\n', head);
    }
  } catch {
    return send(res, 500, text, 'internal error\n', head);
  }
}

function notReadyDetail(h: AdminHandlers): string {
  const why = h.notReadyBecause?.() ?? null;
  return why === null ? '' : `: ${why}`;
}
