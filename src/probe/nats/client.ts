// A minimal NATS client for `probe`, on a raw socket (NATS docs, "Client Protocol"): INFO, CONNECT,
// then PUB / SUB / UNSUB, each batch fenced by PING: nats-server handles a connection's commands in
// order and writes any `-ERR 'Permissions Violation …'` for them before the PONG of a later PING,
// so "no error before PONG" is a definite "allowed", not a guess from silence. (nats.js reports
// these errors asynchronously through its status stream, with no such ordering to rely on.)
//
// Bounded: every wait has the caller's deadline; a control line over MAX_CONTROL_LINE_BYTES or a
// message over `maxMessageBytes` ends the connection; at most MAX_KEPT_MESSAGES messages are kept.

import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls, type ConnectionOptions, type TLSSocket } from 'node:tls';
import {
  MAX_CONTROL_LINE_BYTES,
  parseErrLine,
  parseInfoLine,
  parseMsgLine,
  type NatsInfo,
  type ServerError,
} from './protocol.js';

const MAX_KEPT_MESSAGES = 256;
const MAX_KEPT_PAYLOAD_BYTES = 256;
const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

export interface NatsTarget {
  readonly host: string;
  readonly port: number;
  /** TLS options for the upgrade after INFO, when the server requires TLS or `requireTls` is set. */
  readonly tls?: ConnectionOptions;
  /** Upgrade even when INFO does not ask for it (the document says the server is TLS, or a certificate is sent). */
  readonly requireTls?: boolean;
  readonly timeoutMs: number;
}

/** What CONNECT carries besides the fixed fields. Secrets here are sent, never reported. */
export interface NatsCredentials {
  readonly user?: string;
  readonly pass?: string;
  readonly authToken?: string;
}

export interface NatsMessage {
  readonly subject: string;
  readonly sid: string;
  /** The payload as UTF-8, cut to MAX_KEPT_PAYLOAD_BYTES (enough to recognise probe's own unique payloads). */
  readonly payload: string;
}

export type ConnectOutcome =
  | { readonly kind: 'connected'; readonly info: NatsInfo; readonly connection: NatsConnection }
  | { readonly kind: 'refused'; readonly info: NatsInfo; readonly error: string }
  | {
      readonly kind: 'failed';
      readonly stage: 'connect' | 'info' | 'tls' | 'answer';
      readonly reason: string;
      /** INFO, when it was read before the failure (a TLS handshake the server refused comes after it). */
      readonly info?: NatsInfo;
    };

/** Errors seen since the last fence, and whether the PONG came. */
export interface FenceResult {
  readonly answered: boolean;
  readonly errors: readonly ServerError[];
  /** The connection ended (the server closes it after an authorization error). */
  readonly closed: boolean;
}

export interface NatsConnection {
  readonly info: NatsInfo;
  publish(subject: string, payload: string): void;
  subscribe(subject: string, sid: string): void;
  unsubscribe(sid: string): void;
  /** Sends PING and waits for PONG (or close, or the deadline); returns the errors seen meanwhile. */
  fence(): Promise<FenceResult>;
  /** Messages received so far (at most MAX_KEPT_MESSAGES). */
  readonly messages: readonly NatsMessage[];
  close(): void;
}

/** Lines and messages off a socket, with the bounds above. */
class LineReader {
  private buffered: Buffer = Buffer.alloc(0);
  private pendingMsg: { subject: string; sid: string; bytes: number } | null = null;
  private readonly onLine: (line: string) => void;
  private readonly onMessage: (message: NatsMessage) => void;
  private readonly onOverflow: (reason: string) => void;
  private readonly maxMessageBytes: number;
  constructor(
    onLine: (line: string) => void,
    onMessage: (message: NatsMessage) => void,
    onOverflow: (reason: string) => void,
    maxMessageBytes: number,
  ) {
    this.onLine = onLine;
    this.onMessage = onMessage;
    this.onOverflow = onOverflow;
    this.maxMessageBytes = maxMessageBytes;
  }

  push(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    for (;;) {
      if (this.pendingMsg !== null) {
        const need = this.pendingMsg.bytes + 2;
        if (this.buffered.length < need) return;
        const payload = this.buffered.subarray(0, Math.min(this.pendingMsg.bytes, MAX_KEPT_PAYLOAD_BYTES));
        this.onMessage({ subject: this.pendingMsg.subject, sid: this.pendingMsg.sid, payload: payload.toString() });
        this.buffered = this.buffered.subarray(need);
        this.pendingMsg = null;
        continue;
      }
      const end = this.buffered.indexOf('\r\n');
      if (end === -1) {
        if (this.buffered.length > MAX_CONTROL_LINE_BYTES) this.onOverflow('control line over the bound');
        return;
      }
      if (end > MAX_CONTROL_LINE_BYTES) {
        this.onOverflow('control line over the bound');
        return;
      }
      const line = this.buffered.subarray(0, end).toString('utf8');
      this.buffered = this.buffered.subarray(end + 2);
      if (/^MSG\s/i.test(line)) {
        const msg = parseMsgLine(line);
        if (msg === null || msg.bytes > this.maxMessageBytes) {
          this.onOverflow(msg === null ? 'malformed MSG line' : 'message over the bound');
          return;
        }
        this.pendingMsg = msg;
        continue;
      }
      this.onLine(line);
    }
  }
}

function connectFields(credentials: NatsCredentials | undefined, secure: boolean): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    verbose: false,
    pedantic: false,
    tls_required: secure,
    name: 'asyncapi-guard probe',
    lang: 'asyncapi-guard',
    version: '1',
    protocol: 1,
    echo: true,
  };
  if (credentials?.user !== undefined) fields.user = credentials.user;
  if (credentials?.pass !== undefined) fields.pass = credentials.pass;
  if (credentials?.authToken !== undefined) fields.auth_token = credentials.authToken;
  return fields;
}

/**
 * Reads INFO, upgrades to TLS when the target has TLS options or the server requires it, sends
 * CONNECT and PING: PONG means connected, `-ERR 'Authorization Violation'` or a close means refused.
 * `credentials` undefined: an anonymous CONNECT. Never rejects.
 */
export function natsConnect(
  target: NatsTarget,
  credentials?: NatsCredentials,
  maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES,
): Promise<ConnectOutcome> {
  return new Promise((resolve) => {
    let socket: Socket | TLSSocket = connectTcp({ host: target.host, port: target.port });
    let info: NatsInfo | null = null;
    let connected = false;
    let settled = false;
    let closed = false;
    const messages: NatsMessage[] = [];
    let errors: ServerError[] = [];
    let pongWaiters: (() => void)[] = [];

    const settle = (outcome: ConnectOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (outcome.kind !== 'connected') socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(
      () =>
        settle({
          kind: 'failed',
          stage: info === null ? 'info' : 'answer',
          reason: `no answer within ${target.timeoutMs} ms`,
        }),
      target.timeoutMs,
    );

    const connection: NatsConnection = {
      get info() {
        return info!;
      },
      publish(subject, payload) {
        const bytes = Buffer.from(payload, 'utf8');
        socket.write(`PUB ${subject} ${bytes.length}\r\n`);
        socket.write(Buffer.concat([bytes, Buffer.from('\r\n')]));
      },
      subscribe(subject, sid) {
        socket.write(`SUB ${subject} ${sid}\r\n`);
      },
      unsubscribe(sid) {
        socket.write(`UNSUB ${sid}\r\n`);
      },
      fence() {
        return new Promise<FenceResult>((resolveFence) => {
          const take = (answered: boolean): void => {
            clearTimeout(fenceTimer);
            const seen = errors;
            errors = [];
            resolveFence({ answered, errors: seen, closed });
          };
          if (closed) {
            take(false);
            return;
          }
          const fenceTimer = setTimeout(() => {
            pongWaiters = pongWaiters.filter((w) => w !== waiter);
            take(false);
          }, target.timeoutMs);
          const waiter = (): void => take(!closed);
          pongWaiters.push(waiter);
          socket.write('PING\r\n');
        });
      },
      messages,
      close() {
        closed = true;
        socket.destroy();
      },
    };

    const wakeAll = (): void => {
      const waiters = pongWaiters;
      pongWaiters = [];
      for (const w of waiters) w();
    };

    const onLine = (line: string): void => {
      if (info === null) {
        const parsed = parseInfoLine(line);
        if (!parsed.ok) {
          settle({ kind: 'failed', stage: 'info', reason: parsed.reason });
          return;
        }
        info = parsed.value;
        const mustUpgrade = target.requireTls === true || info.tlsRequired;
        if (mustUpgrade) upgrade();
        else sendConnect();
        return;
      }
      const verb = line.split(/\s/, 1)[0]!.toUpperCase();
      if (verb === 'PING') socket.write('PONG\r\n');
      else if (verb === 'PONG') {
        if (!connected) {
          connected = true;
          settle({ kind: 'connected', info, connection });
        } else {
          const first = pongWaiters.shift();
          first?.();
        }
      } else if (verb === '-ERR') {
        const error = parseErrLine(line);
        if (!connected) settle({ kind: 'refused', info, error: error.kind === 'other' ? error.text : error.kind });
        else errors.push(error);
      }
      // INFO updates and +OK need nothing.
    };
    const onMessage = (message: NatsMessage): void => {
      if (messages.length < MAX_KEPT_MESSAGES) messages.push(message);
    };
    const onOverflow = (reason: string): void => {
      closed = true;
      socket.destroy();
      settle({ kind: 'failed', stage: info === null ? 'info' : 'answer', reason });
      wakeAll();
    };
    let reader = new LineReader(onLine, onMessage, onOverflow, maxMessageBytes);

    const sendConnect = (): void => {
      socket.write(`CONNECT ${JSON.stringify(connectFields(credentials, socket !== tcp))}\r\nPING\r\n`);
    };
    const attach = (s: Socket): void => {
      s.on('data', (chunk: Buffer) => reader.push(chunk));
      s.on('error', (err: NodeJS.ErrnoException) => {
        if (info === null) settle({ kind: 'failed', stage: 'connect', reason: err.code ?? 'socket error' });
        else if (!connected && s !== tcp) {
          settle({ kind: 'failed', stage: 'tls', reason: err.code ?? err.message, info });
        }
      });
      s.on('close', () => {
        closed = true;
        if (info !== null && !connected) settle({ kind: 'refused', info, error: 'connection closed' });
        else if (info === null) settle({ kind: 'failed', stage: 'info', reason: 'closed before INFO' });
        wakeAll();
      });
    };
    const tcp = socket;
    const upgrade = (): void => {
      tcp.removeAllListeners('data');
      tcp.removeAllListeners('close');
      tcp.removeAllListeners('error');
      tcp.on('error', () => undefined);
      reader = new LineReader(onLine, onMessage, onOverflow, maxMessageBytes);
      const secure = connectTls({ socket: tcp, minVersion: 'TLSv1.2', ...target.tls });
      socket = secure;
      attach(secure);
      secure.once('secureConnect', sendConnect);
    };
    attach(tcp);
  });
}
