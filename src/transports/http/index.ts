// The HTTP front (`http`, `https`; issue 5; docs/architecture.md, "Wire conventions").
// One document server; the URL path (after the server's `pathname`) is the channel.
//
//   POST /{address}   publishes the body: authenticate → authorize(publish) → read the body (at
//                     most maxMessageBytes, else 413) → checkPayload → bus → 202 Accepted, empty body
//   GET  /{address}   with `Accept: text/event-stream`: authenticate → authorize(subscribe) → an
//                     SSE stream of the channel's bus messages (./sse.ts for the framing), with a
//                     heartbeat comment every `heartbeatMs` (default 15 s) and `Last-Event-ID`
//                     replayed through `bus.replay` when the bus keeps history
//   GET without text/event-stream in Accept → 406; any other method → 405 with `Allow: GET, POST`;
//   a path that names no channel → 404. Refusals: ../web/respond.ts. A request from another
//   origin to a server that accepts browser-ambient credentials is refused first (403
//   `origin_not_allowed`, ../web/origin.ts).
// The checks that need no credentials (method, Accept, path, Content-Length) come first, so they
// cost no store access; they reveal nothing a client could not learn from the document.
// Back-pressure: events for a stream whose unsent output exceeds `maxBufferedBytes` are dropped for
// that stream and counted (`stats().dropped`); heartbeats too. `refusedConnections` counts refused
// requests. A stream whose output stays over that bound for min(idleTimeoutMs, 10 s) is ended
// (a reader that stopped reading; checked at each event or heartbeat). A stream whose credential
// expired (`session.expiresAt`) ends, checked every `expiryCheckMs` (default 1 s).

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BusMessage, BusSubscription } from '../../bus/types.js';
import type { Session } from '../../guard/types.js';
import type { Presented } from '../../schemes/types.js';
import { slowReaderLimitMs, type Front, type FrontOptions, type FrontStats } from '../types.js';
import { channelOfTarget, presentedOf, requestTargetOf } from '../web/presented.js';
import { decisionResponse, errorResponse, refusalResponse, sendResponse, type WebResponse } from '../web/respond.js';
import { acceptsEventStream, checkSecure, createWebServer } from '../web/server.js';
import { isOriginAllowed, logOriginRefused, NO_ORIGIN_CHECK } from '../web/origin.js';
import { formatSseEvent, lastEventIdOf, SSE_HEARTBEAT } from './sse.js';
import { createExpirySweep } from '../expiry.js';

export interface HttpFrontOptions extends FrontOptions {
  /** Interval of the SSE heartbeat comment. Default 15,000 ms. */
  readonly heartbeatMs?: number;
  /** Unsent bytes per SSE stream above which its events are dropped. Default max(1 MiB, 4 × maxMessageBytes). */
  readonly maxBufferedBytes?: number;
  /** Bus messages queued per subscription before the bus drops. Default 1024. */
  readonly maxQueued?: number;
  /** Most messages replayed for one Last-Event-ID. Default 1000. */
  readonly maxReplay?: number;
  /** Clock (ms since the epoch), for credential expiry. Default Date.now. */
  readonly now?: () => number;
  /** How often SSE streams are checked for an expired credential (`session.expiresAt`). Default 1000 ms. */
  readonly expiryCheckMs?: number;
}

export const DEFAULT_SSE_HEARTBEAT_MS = 15_000;

interface Stream {
  readonly res: ServerResponse;
  readonly session: Session;
  /** The concrete channel the stream was authorized for: the only one it is ever sent. */
  readonly channel: string;
  subscription: BusSubscription | null;
  /** Messages that arrived while the replay was being written; null once live. */
  pending: BusMessage[] | null;
  ended: boolean;
  /** Since when (ms) the stream's output has been over maxBufferedBytes; null while it drains. */
  stalledSince: number | null;
}

const noop = () => {};

type BodyRead = { kind: 'ok'; bytes: Uint8Array } | { kind: 'too_large' } | { kind: 'aborted' };

function readBody(req: IncomingMessage, max: number): Promise<BodyRead> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (r: BodyRead) => {
      if (done) return;
      done = true;
      req.off('data', onData);
      resolve(r);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        chunks.length = 0;
        finish({ kind: 'too_large' });
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => finish({ kind: 'ok', bytes: Buffer.concat(chunks, size) }));
    req.once('aborted', () => finish({ kind: 'aborted' }));
    req.once('error', () => finish({ kind: 'aborted' }));
    req.once('close', () => finish({ kind: 'aborted' }));
  });
}

export function createHttpFront(options: HttpFrontOptions): Front {
  const { server, guard, bus, limits, logger } = options;
  const secure = checkSecure(server.protocol, 'http', 'https', options.tls);
  const now = options.now ?? Date.now;
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_SSE_HEARTBEAT_MS;
  const maxBuffered = options.maxBufferedBytes ?? Math.max(1024 * 1024, 4 * limits.maxMessageBytes);
  const stallLimitMs = slowReaderLimitMs(limits);
  const maxQueued = options.maxQueued ?? 1024;
  const maxReplay = options.maxReplay ?? 1000;

  const streams = new Set<Stream>();
  let closing = false;
  let messagesIn = 0;
  let messagesOut = 0;
  let refused = 0;
  let dropped = 0;
  let refusedOrigins = 0;
  const onDrop = () => void dropped++;
  const origins = options.origins ?? NO_ORIGIN_CHECK;

  const web = createWebServer({
    secure,
    tls: options.tls,
    limits,
    logger,
    onRequest: (req, res) => {
      handle(req, res).catch((err: unknown) => {
        // A bug of ours, not the client's: answer 500 and keep serving (never crash on one request).
        logger.error(
          { event: 'http.request_failed', server: server.name, code: (err as { code?: unknown }).code ?? null },
          'request failed',
        );
        if (!res.headersSent) sendResponse(res, errorResponse(500, 'internal_error'), true);
        else res.destroy();
      });
    },
  });

  function refuse(res: ServerResponse, response: WebResponse, close = false): void {
    refused++;
    sendResponse(res, response, close);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.on('error', noop);
    if (closing) return refuse(res, errorResponse(503, 'shutting_down'), true);
    if (web.isOverLimit(req.socket)) return refuse(res, errorResponse(503, 'too_many_connections'), true);
    // Cross-site request forgery: refused before any credential is read (../web/origin.ts).
    if (!isOriginAllowed(req, secure, origins)) {
      refusedOrigins++;
      logOriginRefused(logger, 'http.origin_refused', server.name, req);
      return refuse(res, errorResponse(403, 'origin_not_allowed'), true);
    }
    const method = req.method;
    if (method !== 'GET' && method !== 'POST')
      return refuse(res, errorResponse(405, 'method_not_allowed', [['Allow', 'GET, POST']]), true);
    const target = requestTargetOf(req.url);
    const channel = target === null ? null : channelOfTarget(target, server.pathname);
    if (target === null || channel === null) return refuse(res, errorResponse(404, 'not_found'), method === 'POST');
    if (method === 'GET' && !acceptsEventStream(req.headers.accept))
      return refuse(res, errorResponse(406, 'not_acceptable'));
    if (method === 'POST') {
      const declared = req.headers['content-length'];
      if (declared !== undefined && Number(declared) > limits.maxMessageBytes)
        return refuse(res, errorResponse(413, 'payload_too_large'), true);
    }
    const presented = presentedOf(req, target);
    const auth = await guard.authenticate(server.name, presented);
    if (res.destroyed) return;
    // A refused POST leaves its body unread: close the connection rather than read it for nothing.
    if (!auth.ok) return refuse(res, refusalResponse(auth.refusal, presented), method === 'POST');
    if (method === 'POST') await publish(req, res, auth.session, channel, presented);
    else await subscribe(req, res, auth.session, channel, presented);
  }

  async function publish(
    req: IncomingMessage,
    res: ServerResponse,
    session: Session,
    channel: string,
    presented: Presented,
  ): Promise<void> {
    const decision = guard.authorize(session, { action: 'publish', channel });
    if (!decision.allowed) return refuse(res, decisionResponse(decision, presented), true);
    const body = await readBody(req, limits.maxMessageBytes);
    if (body.kind === 'aborted') return;
    if (body.kind === 'too_large') return refuse(res, errorResponse(413, 'payload_too_large'), true);
    const checked = guard.checkPayload(session, { channel, payload: body.bytes });
    if (!checked.allowed) return refuse(res, decisionResponse(checked, presented));
    try {
      await bus.publish(channel, body.bytes);
    } catch (err) {
      logger.warn(
        { event: 'http.bus_publish_failed', server: server.name, code: (err as { code?: unknown }).code ?? null },
        'bus publish failed',
      );
      return sendResponse(res, errorResponse(503, 'bus_unavailable'));
    }
    messagesIn++;
    res.statusCode = 202;
    res.setHeader('Content-Length', 0);
    res.end();
  }

  function write(stream: Stream, text: string, counts: boolean): void {
    if (stream.ended) return;
    if (stream.res.writableLength > maxBuffered) {
      if (counts) dropped++;
      // A reader that stopped reading loses events; one that stays stopped loses the stream, so
      // it cannot hold a connection and its buffer for ever.
      const t = now();
      stream.stalledSince ??= t;
      if (t - stream.stalledSince > stallLimitMs) {
        logger.info({ event: 'sse.stream.stalled', server: server.name });
        end(stream);
        // Its output will never drain: drop the connection rather than wait for it.
        stream.res.destroy();
      }
      return;
    }
    stream.stalledSince = null;
    if (counts) messagesOut++;
    stream.res.write(text);
  }

  function onMessage(stream: Stream, message: BusMessage): void {
    // Whatever the bus carries, only the channel the subscribe decision allowed is sent.
    if (message.channel !== stream.channel) {
      dropped++;
      return;
    }
    if (stream.pending !== null) {
      // Bounded like the bus queue: a replay never takes long, but a flood meanwhile must not grow this.
      if (stream.pending.length < maxQueued) stream.pending.push(message);
      else dropped++;
      return;
    }
    write(stream, formatSseEvent(message), true);
  }

  async function subscribe(
    req: IncomingMessage,
    res: ServerResponse,
    session: Session,
    channel: string,
    presented: Presented,
  ): Promise<void> {
    const decision = guard.authorize(session, { action: 'subscribe', channel });
    if (!decision.allowed) return refuse(res, decisionResponse(decision, presented));
    const stream: Stream = { res, session, channel, subscription: null, pending: [], ended: false, stalledSince: null };
    try {
      stream.subscription = await bus.subscribe(channel, (m) => onMessage(stream, m), { maxQueued, onDrop });
    } catch (err) {
      logger.warn(
        { event: 'http.bus_subscribe_failed', server: server.name, code: (err as { code?: unknown }).code ?? null },
        'bus subscribe failed',
      );
      return sendResponse(res, errorResponse(503, 'bus_unavailable'));
    }
    if (res.destroyed || closing) {
      void stream.subscription.unsubscribe().catch(noop);
      if (!res.destroyed) sendResponse(res, errorResponse(503, 'shutting_down'), true);
      return;
    }
    streams.add(stream);
    expiring.add(stream, stream.session.expiresAt);
    res.once('close', () => end(stream));
    // An SSE stream is never idle while heartbeats flow; the heartbeat, not the socket timeout, keeps it.
    req.socket.setTimeout(0);
    res.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache',
      'X-Accel-Buffering': 'no',
      Connection: 'keep-alive',
    });
    res.flushHeaders();
    const lastId = lastEventIdOf(req.headers['last-event-id']);
    const replayed = new Set<string>();
    if (lastId !== null && bus.replay !== undefined) {
      const history = bus.replay(channel, lastId, maxReplay);
      for (const m of history ?? []) {
        if (m.channel !== channel) continue; // only the authorized channel, whatever the bus returns
        if (m.id !== null) replayed.add(m.id);
        write(stream, formatSseEvent(m), true);
      }
    }
    const pending = stream.pending ?? [];
    stream.pending = null;
    for (const m of pending) if (m.id === null || !replayed.has(m.id)) write(stream, formatSseEvent(m), true);
  }

  function end(stream: Stream): void {
    if (stream.ended) return;
    stream.ended = true;
    streams.delete(stream);
    expiring.delete(stream);
    void stream.subscription?.unsubscribe().catch(noop);
    if (!stream.res.writableEnded) stream.res.end();
  }

  // A stream whose credential expired ends (checked every expiryCheckMs).
  const expiring = createExpirySweep<Stream>({ intervalMs: options.expiryCheckMs, now, onExpired: end });

  const heartbeat = setInterval(() => {
    for (const stream of [...streams]) write(stream, SSE_HEARTBEAT, false);
  }, heartbeatMs);
  heartbeat.unref();

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
      clearInterval(heartbeat);
      expiring.close();
      // SSE streams never finish on their own: end them now; in-flight POSTs get the grace period.
      await web.close(graceMs, () => {
        for (const stream of [...streams]) end(stream);
      });
    },
    stats,
    endSessions(shouldEnd) {
      let n = 0;
      for (const stream of [...streams]) {
        if (!shouldEnd(stream.session)) continue;
        end(stream);
        n++;
      }
      return n;
    },
  };
}
