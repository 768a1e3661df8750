// Bounded socket steps for the probers: open a TCP or TLS connection, send a client's first bytes and read what
// comes back, each under a deadline and a byte cap, the socket always destroyed at the end. Outcomes are values:
// a refused connection, a reset or silence is what the server did, never an exception.

import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect, rootCertificates, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { isIP } from 'node:net';
import type { ProbeTarget } from './types.js';

/** Most bytes an answer is read to: a first answer (CONNACK, a status line, an INFO) is far smaller. */
export const MAX_ANSWER_BYTES = 64 * 1024;

export type Opened<S extends Socket> = { ok: true; socket: S } | { ok: false; reason: string };

/** Trust anchors for certificate checks: the system's, plus `--ca` when given (`ca` would otherwise replace them). */
export function trustAnchors(extraCa: string | undefined): string[] {
  return extraCa === undefined ? [...rootCertificates] : [...rootCertificates, extraCa];
}

/** SNI only for a name (RFC 6066 §3: "Literal IPv4 and IPv6 addresses are not permitted in HostName"). */
export function serverName(host: string): string | undefined {
  return isIP(host) === 0 ? host : undefined;
}

/** A plain TCP connection, or why not (`ECONNREFUSED`, `timeout`). */
export function openTcp(target: ProbeTarget, timeoutMs: number, signal?: AbortSignal): Promise<Opened<Socket>> {
  return settleOpen(tcpConnect({ host: target.host, port: target.port }), 'connect', timeoutMs, signal);
}

/**
 * A TLS connection once the handshake completes, or why not (`handshake refused: …`). `options` may loosen the
 * client (legacy versions, no verification) for the checks that need it; by default the certificate must verify.
 */
export function openTls(
  target: ProbeTarget,
  options: ConnectionOptions,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<Opened<TLSSocket>> {
  const name = serverName(target.host);
  const socket = tlsConnect({
    host: target.host,
    port: target.port,
    ...(name === undefined ? {} : { servername: name }),
    ...options,
  });
  return settleOpen(socket, 'secureConnect', timeoutMs, signal);
}

function settleOpen<S extends Socket>(
  socket: S,
  readyEvent: 'connect' | 'secureConnect',
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<Opened<S>> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (result: Opened<S>): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.removeListener(readyEvent, onReady);
      if (!result.ok) socket.destroy();
      resolve(result);
    };
    const onReady = (): void => finish({ ok: true, socket });
    const onAbort = (): void => finish({ ok: false, reason: 'cancelled' });
    const timer = setTimeout(() => finish({ ok: false, reason: `no answer within ${timeoutMs} ms` }), timeoutMs);
    socket.once(readyEvent, onReady);
    // Errors after `finish` (a late reset) must not be unhandled.
    socket.on('error', (err: NodeJS.ErrnoException) => finish({ ok: false, reason: describeSocketError(err) }));
    socket.once('close', () => finish({ ok: false, reason: 'the server closed the connection' }));
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** An error as evidence: its code and OpenSSL's reason, never anything the peer could make us echo at length. */
export function describeSocketError(err: NodeJS.ErrnoException): string {
  const text = err.message.length > 200 ? `${err.message.slice(0, 200)}…` : err.message;
  return err.code === undefined ? text : `${err.code}: ${text}`;
}

/** What a server did with a client's first bytes. */
export interface Answer {
  /** What came back, at most MAX_ANSWER_BYTES. */
  readonly bytes: Buffer;
  /** The server closed or reset the connection. */
  readonly closed: boolean;
  /** The socket error that ended it, if any. */
  readonly error?: string;
}

/**
 * Writes `hello` and collects the answer until `enough(bytes)` says it is complete, the server closes, or the
 * deadline passes. Destroys the socket unless `keepOpen`.
 */
export function exchange(
  socket: Socket,
  hello: Buffer,
  enough: (received: Buffer) => boolean,
  timeoutMs: number,
  keepOpen = false,
): Promise<Answer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (closed: boolean, error?: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.removeListener('data', onData);
      if (!keepOpen || closed) socket.destroy();
      resolve({ bytes: Buffer.concat(chunks), closed, ...(error === undefined ? {} : { error }) });
    };
    const onData = (chunk: Buffer): void => {
      const room = MAX_ANSWER_BYTES - size;
      chunks.push(chunk.subarray(0, room));
      size += Math.min(chunk.length, room);
      if (size >= MAX_ANSWER_BYTES || enough(Buffer.concat(chunks))) finish(false);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('data', onData);
    socket.on('error', (err: NodeJS.ErrnoException) => finish(true, describeSocketError(err)));
    socket.once('close', () => finish(true));
    socket.write(hello, (err) => {
      if (err) finish(true, describeSocketError(err));
    });
  });
}

/** Bytes as evidence: printable ASCII kept, the rest as `\xNN`, cut at `max` characters. */
export function printable(bytes: Buffer, max = 160): string {
  let out = '';
  for (const b of bytes.subarray(0, max)) {
    out += b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return bytes.length > max ? `${out}… (${bytes.length} bytes)` : out;
}
