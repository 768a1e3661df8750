// One AMQP 0-9-1 handshake on a raw socket: send the protocol header, read Connection.Start, and
// optionally make one login attempt (Connection.Start-Ok) and read what the server answers.
// Connection.Tune means the login was accepted; Connection.Close (403 ACCESS_REFUSED) or a closed
// socket means refused (AMQP 0-9-1 §1.4.2.2: "If the server cannot support the security mechanism
// … it closes the connection"). The socket is always destroyed afterwards: `probe` never opens a
// connection here, amqplib does that for the authorization checks.
//
// Bounded: one deadline for the whole exchange, and frames above the wire module's bound end it.

import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls, type ConnectionOptions } from 'node:tls';
import {
  AMQP_0_9_1_HEADER,
  CONNECTION_CLASS,
  FRAME_METHOD,
  METHOD_CLOSE,
  METHOD_SECURE,
  METHOD_START,
  METHOD_TUNE,
  decodeConnectionClose,
  decodeConnectionStart,
  encodeStartOk,
  readFrame,
  readMethodHeader,
  type ConnectionStart,
} from './wire.js';

export interface AmqpTarget {
  readonly host: string;
  readonly port: number;
  /** TLS options for `amqps` (CA, server name, client certificate); absent for cleartext. */
  readonly tls?: ConnectionOptions;
  /** Deadline for the whole exchange. */
  readonly timeoutMs: number;
}

export interface LoginAttempt {
  readonly mechanism: string;
  /** The initial SASL response; never logged, never part of an outcome. */
  readonly response: Buffer;
}

export type LoginOutcome =
  | { readonly kind: 'accepted' }
  | { readonly kind: 'refused'; readonly replyCode: number | null; readonly replyText: string | null }
  /** The server sent Connection.Secure: a challenge-response mechanism we do not continue. */
  | { readonly kind: 'challenged' }
  | { readonly kind: 'not-offered' };

export type HandshakeResult =
  | { readonly ok: true; readonly start: ConnectionStart; readonly login: LoginOutcome | null }
  | { readonly ok: false; readonly stage: 'connect' | 'start' | 'login'; readonly reason: string };

function openSocket(target: AmqpTarget): Socket {
  if (target.tls === undefined) return connectTcp({ host: target.host, port: target.port });
  return connectTls({ host: target.host, port: target.port, minVersion: 'TLSv1.2', ...target.tls });
}

/** Reads Connection.Start, then makes `login` if given and it is offered. Never rejects. */
export function amqpHandshake(target: AmqpTarget, login?: LoginAttempt): Promise<HandshakeResult> {
  return new Promise((resolve) => {
    const socket = openSocket(target);
    const secure = target.tls !== undefined;
    let buffered: Buffer = Buffer.alloc(0);
    let start: ConnectionStart | null = null;
    let settled = false;

    const finish = (result: HandshakeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(
      () =>
        finish({
          ok: false,
          stage: start === null ? 'start' : 'login',
          reason: `no answer within ${target.timeoutMs} ms`,
        }),
      target.timeoutMs,
    );

    socket.once(secure ? 'secureConnect' : 'connect', () => socket.write(AMQP_0_9_1_HEADER));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      const stage = start === null ? (buffered.length === 0 ? 'connect' : 'start') : 'login';
      // A reset right after Start-Ok is how some brokers refuse a login without Close.
      if (stage === 'login' && login !== undefined) {
        finish({ ok: true, start: start!, login: { kind: 'refused', replyCode: null, replyText: null } });
      } else finish({ ok: false, stage, reason: err.code ?? 'socket error' });
    });
    socket.on('close', () => {
      if (start !== null && login !== undefined) {
        finish({ ok: true, start, login: { kind: 'refused', replyCode: null, replyText: null } });
      } else finish({ ok: false, stage: 'start', reason: 'the server closed the connection before connection.start' });
    });
    socket.on('data', (chunk: Buffer) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      for (;;) {
        const read = readFrame(buffered);
        if (read.kind === 'incomplete') return;
        if (read.kind === 'protocol-header') {
          finish({ ok: false, stage: 'start', reason: `the server speaks AMQP ${read.version}, not 0-9-1` });
          return;
        }
        if (read.kind === 'malformed') {
          finish({ ok: false, stage: start === null ? 'start' : 'login', reason: read.reason });
          return;
        }
        buffered = buffered.subarray(read.bytes);
        if (read.type !== FRAME_METHOD) continue; // heartbeats are not sent before Tune-Ok; ignore others
        const head = readMethodHeader(read.payload);
        if (head === null || head.classId !== CONNECTION_CLASS) {
          finish({ ok: false, stage: start === null ? 'start' : 'login', reason: 'unexpected method frame' });
          return;
        }
        if (start === null) {
          if (head.methodId !== METHOD_START) {
            finish({ ok: false, stage: 'start', reason: 'the first method was not connection.start' });
            return;
          }
          const decoded = decodeConnectionStart(read.payload);
          if (!decoded.ok) {
            finish({ ok: false, stage: 'start', reason: decoded.reason });
            return;
          }
          start = decoded.value;
          if (login === undefined) {
            finish({ ok: true, start, login: null });
            return;
          }
          if (!start.mechanisms.includes(login.mechanism)) {
            finish({ ok: true, start, login: { kind: 'not-offered' } });
            return;
          }
          socket.write(encodeStartOk(login.mechanism, login.response));
          continue;
        }
        if (head.methodId === METHOD_TUNE) {
          finish({ ok: true, start, login: { kind: 'accepted' } });
        } else if (head.methodId === METHOD_SECURE) {
          finish({ ok: true, start, login: { kind: 'challenged' } });
        } else if (head.methodId === METHOD_CLOSE) {
          const close = decodeConnectionClose(read.payload);
          finish({
            ok: true,
            start,
            login: close.ok
              ? { kind: 'refused', replyCode: close.value.replyCode, replyText: close.value.replyText }
              : { kind: 'refused', replyCode: null, replyText: null },
          });
        } else {
          finish({ ok: false, stage: 'login', reason: `unexpected connection method ${head.methodId}` });
        }
        return;
      }
    });
  });
}
