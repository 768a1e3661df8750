// One Kafka client connection (docs/kafka.md, "Connections"): frames split with the request-size limit, requests
// answered one at a time in arrival order (a Kafka broker mutes a connection while a request is in progress, and
// responses must come back in request order), authentication first, then each request through its handler.
//
// Before a session exists only ApiVersions, SaslHandshake and SaslAuthenticate are answered; any other request
// closes the connection without an answer, as a Kafka broker does for a request "unexpected during SASL
// handshake" (kafka.apache.org/protocol, "SASL Authentication Sequence"). A session exists at connect when the
// server declares no security, or when an X509 alternative is satisfied by the TLS client certificate; otherwise
// through SASL (sasl.ts). A refused SaslAuthenticate is answered with SASL_AUTHENTICATION_FAILED and the
// connection closed, as Kafka does. A session ends at its credential's expiry (checked about once a second,
// src/transports/expiry.ts) unless the client re-authenticated (KIP-368), on revocation (`endSessions`), or when
// the connection closes.
//
// Bounded: the request size (the splitter refuses a larger size prefix before buffering it; before a session, a
// request over MAX_UNAUTHENTICATED_REQUEST_BYTES closes the connection), requests queued (reading pauses beyond
// MAX_QUEUED_REQUESTS, or once the queued requests hold one request size of bytes), bytes waiting to be written
// (the next request waits for 'drain'), the time to a session (handshakeTimeoutMs), idle time (idleTimeoutMs). A
// frame the codec cannot read ends the connection with one log line; nothing on the wire is echoed into the log.

import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Decision, Session, WireAction } from '../../guard/types.js';
import { peerCertificatesOf } from '../../schemes/x509.js';
import {
  API_KEYS,
  API_VERSIONS,
  createFrameSplitter,
  decodeRequest,
  encodeApiVersionsFallback,
  encodeResponse,
  KAFKA_ERRORS,
  type KafkaRequest,
  type KafkaStruct,
} from './codec/index.js';
import type { KafkaFrontContext } from './context.js';
import { handlerOf } from './handlers.js';
import { createSaslState, type SaslState } from './sasl.js';
import { asBuffer, channelOfTopic } from './topics.js';

/** Requests read and not yet answered, per connection; reading pauses beyond. */
export const MAX_QUEUED_REQUESTS = 64;
/**
 * Largest request before a session: ApiVersions, SaslHandshake and SaslAuthenticate are small (an OAUTHBEARER token
 * is read up to 16 KiB); Kafka bounds them too (sasl.server.max.receive.size).
 */
export const MAX_UNAUTHENTICATED_REQUEST_BYTES = 64 * 1024;
/** Response bytes waiting for the socket, per connection, before the next request waits for 'drain'. */
export const MAX_UNWRITTEN_BYTES = 8 * 1024 * 1024;
/** Topic decisions a connection remembers (its session is frozen, so a decision holds while it lives). */
const MAX_CACHED_DECISIONS = 1024;

export type TopicCheck = 'NONE' | 'TOPIC_AUTHORIZATION_FAILED' | 'INVALID_TOPIC_EXCEPTION';

/** What a request handler sees of its connection. */
export interface KafkaConnection {
  readonly front: KafkaFrontContext;
  readonly session: Session;
  readonly remote: string;
  /** The address the client reached this front at: Metadata and FindCoordinator answer with it. */
  readonly host: string;
  readonly port: number;
  /** May the session publish (produce) or subscribe (fetch) on this topic? Ends the session if it expired. */
  check(topic: string, action: WireAction): TopicCheck;
  /** The session's credential expired mid-request: the connection is closed after this request. */
  readonly ended: boolean;
}

/** The request-size limit of a server: the larger of 1 MiB and maxMessageBytes + 64 KiB (headers, batch framing). */
export function maxRequestBytes(maxMessageBytes: number): number {
  return Math.max(1024 * 1024, maxMessageBytes + 64 * 1024);
}

export interface ConnectionHandle {
  readonly session: Session | null;
  /** Ends the connection (revoked, expired, front closing). */
  end(event: string): void;
}

export function handleConnection(
  front: KafkaFrontContext,
  socket: Socket,
  hooks: {
    readonly admitted: (conn: ConnectionHandle, session: Session) => void;
    readonly closed: (conn: ConnectionHandle) => void;
  },
): ConnectionHandle {
  const { limits, logger, guard, server, counters } = front;
  const remote = socket.remoteAddress ?? '';
  const splitter = createFrameSplitter(maxRequestBytes(limits.maxMessageBytes));
  const queue: Buffer[] = [];
  let queuedBytes = 0;
  const maxRequest = maxRequestBytes(limits.maxMessageBytes);
  let busy = false;
  let closed = false;
  let session: Session | null = null;
  let expiredMidRequest = false;
  const decisions = new Map<string, TopicCheck>();
  const peerCertificates = front.secure ? peerCertificatesOf(socket as TLSSocket) : [];
  const presentedBase = {
    ...(remote !== '' ? { remote } : {}),
    ...(peerCertificates.length > 0 ? { peerCertificates } : {}),
  };
  const sasl: SaslState = createSaslState(front, presentedBase);

  const handle: ConnectionHandle = {
    get session() {
      return session;
    },
    end(event) {
      if (closed) return;
      logger.info({ event, remote, principal: session?.principal.id ?? null });
      closed = true;
      socket.destroy();
    },
  };

  const handshakeTimer = setTimeout(() => {
    counters.refusedConnections++;
    handle.end('kafka.handshake.timeout');
  }, limits.handshakeTimeoutMs);
  socket.setTimeout(limits.idleTimeoutMs, () => handle.end('kafka.idle_timeout'));

  const admit = (s: Session): void => {
    const first = session === null;
    session = s;
    decisions.clear();
    if (first) clearTimeout(handshakeTimer);
    hooks.admitted(handle, s);
  };

  const conn: KafkaConnection = {
    front,
    get session() {
      return session as Session;
    },
    remote,
    host: socket.localAddress ?? '127.0.0.1',
    port: socket.localPort ?? 0,
    get ended() {
      return expiredMidRequest;
    },
    check(topic, action) {
      const key = `${action === 'publish' ? 'p' : 's'}${topic}`;
      const cached = decisions.get(key);
      if (cached !== undefined) return cached;
      const channel = channelOfTopic(topic);
      let result: TopicCheck;
      if (channel === null) result = 'INVALID_TOPIC_EXCEPTION';
      else {
        const decision: Decision = guard.authorize(session as Session, { action, channel });
        if (decision.reason === 'credentials_expired') {
          expiredMidRequest = true;
          return 'TOPIC_AUTHORIZATION_FAILED';
        }
        result = decision.allowed ? 'NONE' : 'TOPIC_AUTHORIZATION_FAILED';
      }
      if (decisions.size >= MAX_CACHED_DECISIONS) decisions.clear();
      decisions.set(key, result);
      return result;
    },
  };

  const write = (frame: Buffer): void => {
    if (!closed) socket.write(frame);
  };

  /** One request, answered (or the connection ended). */
  const serve = async (frame: Buffer): Promise<void> => {
    const decoded = decodeRequest(frame, { maxFrameBytes: maxRequestBytes(limits.maxMessageBytes) });
    if (!decoded.ok) {
      // ApiVersions at a version we do not speak gets the v0 fallback (KIP-511), so the client can retry.
      if (decoded.apiKey === API_KEYS.ApiVersions && decoded.kind === 'unsupported-version') {
        write(encodeApiVersionsFallback(decoded.correlationId ?? 0));
        return;
      }
      counters.dropped++;
      handle.end(
        decoded.kind === 'unsupported-api' || decoded.kind === 'unsupported-version'
          ? 'kafka.request.unsupported'
          : 'kafka.request.malformed',
      );
      return;
    }
    const request = decoded.request;
    if (request.apiKey === API_KEYS.ApiVersions) {
      write(
        encodeResponse(request.apiKey, request.apiVersion, request.correlationId, {
          errorCode: 0,
          apiKeys: API_VERSIONS.map((v) => ({ ...v })),
          throttleTimeMs: 0,
        }),
      );
      return;
    }
    if (request.apiKey === API_KEYS.SaslHandshake || request.apiKey === API_KEYS.SaslAuthenticate) {
      await serveSasl(request);
      return;
    }
    if (session === null) {
      // Kafka closes a connection that sends anything else before authenticating; nothing is answered.
      counters.refusedConnections++;
      handle.end('kafka.request.unauthenticated');
      return;
    }
    const handler = handlerOf(request.apiKey);
    if (handler === undefined) {
      handle.end('kafka.request.unsupported');
      return;
    }
    const body = await handler(conn, request);
    if (expiredMidRequest) {
      handle.end('kafka.session.expired');
      return;
    }
    if (body !== null) write(encodeResponse(request.apiKey, request.apiVersion, request.correlationId, body));
  };

  const serveSasl = async (request: KafkaRequest): Promise<void> => {
    const respond = (body: KafkaStruct): void =>
      write(encodeResponse(request.apiKey, request.apiVersion, request.correlationId, body));
    if (request.apiKey === API_KEYS.SaslHandshake) {
      const answer = sasl.handshake(request.body.mechanism as string);
      respond({ errorCode: KAFKA_ERRORS[answer.error], mechanisms: [...front.auth.mechanisms] });
      if (answer.error !== 'NONE') {
        counters.refusedConnections++;
        handle.end(answer.error === 'ILLEGAL_SASL_STATE' ? 'kafka.sasl.illegal_state' : 'kafka.sasl.mechanism_refused');
      }
      return;
    }
    const bytes = request.body.authBytes as Buffer;
    const step = await sasl.authenticate(bytes, session);
    if (step.kind === 'challenge') {
      respond({ errorCode: 0, errorMessage: null, authBytes: asBuffer(step.bytes), sessionLifetimeMs: 0n });
      return;
    }
    if (step.kind === 'failure') {
      counters.refusedConnections++;
      respond({
        errorCode: KAFKA_ERRORS[step.error],
        // The reason is a closed word (never the presented bytes), as Kafka's own messages are fixed text.
        errorMessage: step.error === 'ILLEGAL_SASL_STATE' ? 'Unexpected SaslAuthenticate' : `Authentication failed`,
        authBytes: asBuffer(step.bytes),
        sessionLifetimeMs: 0n,
      });
      handle.end(step.error === 'ILLEGAL_SASL_STATE' ? 'kafka.sasl.illegal_state' : 'kafka.sasl.refused');
      return;
    }
    const expiresAt = step.session.expiresAt;
    const lifetime = expiresAt === undefined ? 0 : Math.max(1, expiresAt - front.now());
    respond({ errorCode: 0, errorMessage: null, authBytes: asBuffer(step.bytes), sessionLifetimeMs: BigInt(lifetime) });
    admit(step.session);
  };

  const pump = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    try {
      while (!closed && queue.length > 0) {
        if (socket.writableLength > MAX_UNWRITTEN_BYTES) {
          await new Promise<void>((resolve) => {
            const done = (): void => {
              socket.off('drain', done);
              socket.off('close', done);
              resolve();
            };
            socket.on('drain', done);
            socket.on('close', done);
          });
          continue;
        }
        const frame = queue.shift() as Buffer;
        queuedBytes -= frame.length;
        if (queue.length < MAX_QUEUED_REQUESTS / 2 && queuedBytes < maxRequest && socket.isPaused()) socket.resume();
        try {
          await serve(frame);
        } catch (err) {
          // A bug, never wire input: logged by its name only, and the connection ended, never the process.
          logger.error({ event: 'kafka.request.failed', err: err instanceof Error ? err.name : 'error' });
          handle.end('kafka.request.failed');
        }
      }
    } finally {
      busy = false;
    }
  };

  socket.on('data', (chunk: Buffer) => {
    const out = splitter.push(chunk);
    for (const frame of out.frames) {
      if (session === null && frame.length > MAX_UNAUTHENTICATED_REQUEST_BYTES) {
        counters.dropped++;
        queue.length = 0;
        handle.end('kafka.frame.refused');
        return;
      }
      queue.push(frame);
      queuedBytes += frame.length;
    }
    if (!out.ok) {
      counters.dropped++;
      queue.length = 0;
      handle.end('kafka.frame.refused');
      return;
    }
    if (queue.length >= MAX_QUEUED_REQUESTS || queuedBytes >= maxRequest) socket.pause();
    void pump();
  });
  socket.on('error', () => {});
  socket.once('close', () => {
    closed = true;
    clearTimeout(handshakeTimer);
    hooks.closed(handle);
  });

  // A session at connect: no security declared, or the client certificate satisfies an X509 alternative.
  if (front.auth.open || (front.auth.certificate && peerCertificates.length > 0)) {
    busy = true;
    void guard
      .authenticate(server.name, presentedBase)
      .then((result) => {
        if (closed) return;
        if (result.ok) admit(result.session);
        else if (front.auth.mechanisms.length === 0) {
          // X509 alone and the certificate refused: nothing else could authenticate this connection.
          counters.refusedConnections++;
          handle.end('kafka.connect.refused');
        }
      })
      .finally(() => {
        busy = false;
        void pump();
      });
  }
  return handle;
}
