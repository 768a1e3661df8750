// A minimal Kafka client for `probe`, on the project's codec (src/transports/kafka/codec, client direction): one
// TCP or TLS connection, one request in flight at a time, each answer matched by correlation id and decoded for
// the version asked. SASL (SaslHandshake v1 + SaslAuthenticate v1, KIP-152) for PLAIN (RFC 4616), SCRAM-SHA-256/512
// (RFC 5802, RFC 7677, through src/sasl's client) and OAUTHBEARER (RFC 7628). Bounded: a frame over
// MAX_RESPONSE_BYTES ends the connection (the splitter refuses it from its size prefix), every request has the
// step timeout; outcomes are values.

import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls, type ConnectionOptions } from 'node:tls';
import { createScramClient } from '../../sasl/scram-client.js';
import {
  createFrameSplitter,
  decodeResponse,
  encodeRequest,
  type KafkaStruct,
} from '../../transports/kafka/codec/index.js';

/** A Metadata answer listing thousands of topics stays far below this. */
export const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

export const API = Object.freeze({
  produce: 0,
  fetch: 1,
  metadata: 3,
  saslHandshake: 17,
  apiVersions: 18,
  saslAuthenticate: 36,
} as const);

export interface KafkaEndpoint {
  readonly host: string;
  readonly port: number;
  /** TLS options for `kafka-secure`; absent in cleartext. */
  readonly tls?: ConnectionOptions;
  readonly timeoutMs: number;
}

export type Reply =
  | { readonly ok: true; readonly body: KafkaStruct }
  | { readonly ok: false; readonly reason: string; readonly closed: boolean };

export interface KafkaConnection {
  request(apiKey: number, version: number, body: KafkaStruct): Promise<Reply>;
  readonly closed: boolean;
  close(): void;
}

export type OpenedKafka =
  { readonly ok: true; readonly connection: KafkaConnection } | { readonly ok: false; readonly reason: string };

const CLIENT_ID = 'asyncapi-guard-probe';

export function openKafka(endpoint: KafkaEndpoint): Promise<OpenedKafka> {
  return new Promise((resolve) => {
    const socket: Socket =
      endpoint.tls === undefined
        ? connectTcp({ host: endpoint.host, port: endpoint.port })
        : connectTls({ host: endpoint.host, port: endpoint.port, minVersion: 'TLSv1.2', ...endpoint.tls });
    const splitter = createFrameSplitter(MAX_RESPONSE_BYTES);
    let closed = false;
    let nextId = 1;
    let waiting: { id: number; apiKey: number; version: number; done: (r: Reply) => void } | null = null;
    let queue: Promise<unknown> = Promise.resolve();

    const end = (reason: string): void => {
      closed = true;
      socket.destroy();
      const w = waiting;
      waiting = null;
      w?.done({ ok: false, reason, closed: true });
    };
    const connectTimer = setTimeout(() => {
      socket.destroy();
      resolve({ ok: false, reason: `no connection within ${endpoint.timeoutMs} ms` });
    }, endpoint.timeoutMs);

    socket.once(endpoint.tls === undefined ? 'connect' : 'secureConnect', () => {
      clearTimeout(connectTimer);
      resolve({ ok: true, connection });
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(connectTimer);
      if (!closed) resolve({ ok: false, reason: err.code ?? err.message });
      end(err.code ?? 'socket error');
    });
    socket.on('close', () => end('the server closed the connection'));
    socket.on('data', (chunk: Buffer) => {
      const split = splitter.push(chunk);
      for (const frame of split.frames) {
        const w = waiting;
        if (w === null || frame.length < 4 || frame.readInt32BE(0) !== w.id) continue;
        waiting = null;
        const decoded = decodeResponse(w.apiKey, w.version, frame, { maxFrameBytes: MAX_RESPONSE_BYTES });
        w.done(decoded.ok ? { ok: true, body: decoded.body } : { ok: false, reason: decoded.reason, closed: false });
      }
      if (!split.ok) end(split.reason);
    });

    const send = (apiKey: number, version: number, body: KafkaStruct): Promise<Reply> =>
      new Promise<Reply>((done) => {
        if (closed) {
          done({ ok: false, reason: 'the connection is closed', closed: true });
          return;
        }
        const id = nextId++;
        const timer = setTimeout(() => {
          waiting = null;
          done({ ok: false, reason: `no answer within ${endpoint.timeoutMs} ms`, closed: false });
        }, endpoint.timeoutMs);
        waiting = {
          id,
          apiKey,
          version,
          done: (r) => {
            clearTimeout(timer);
            done(r);
          },
        };
        socket.write(encodeRequest(apiKey, version, id, CLIENT_ID, body));
      });

    const connection: KafkaConnection = {
      request(apiKey, version, body) {
        const next = queue.then(() => send(apiKey, version, body));
        queue = next.catch(() => undefined);
        return next;
      },
      get closed() {
        return closed;
      },
      close() {
        closed = true;
        socket.destroy();
      },
    };
  });
}

/** What a principal presents over SASL. Secrets here are sent, never reported. */
export type KafkaLogin =
  | { readonly mechanism: 'PLAIN'; readonly username: string; readonly password: string }
  | { readonly mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512'; readonly username: string; readonly password: string }
  | { readonly mechanism: 'OAUTHBEARER'; readonly token: string };

export type SaslResult =
  | { readonly kind: 'accepted'; readonly answer: string }
  | { readonly kind: 'refused'; readonly answer: string }
  /** SaslHandshake answered UNSUPPORTED_SASL_MECHANISM: the mechanisms the server offers instead. */
  | { readonly kind: 'not-offered'; readonly answer: string; readonly mechanisms: readonly string[] }
  | { readonly kind: 'failed'; readonly answer: string };

const SASL_AUTHENTICATION_FAILED = 58;

function errorCodeOf(body: KafkaStruct): number {
  return typeof body.errorCode === 'number' ? body.errorCode : -1;
}

/** SaslHandshake v1: the offered mechanisms and whether `mechanism` is one. */
export async function saslHandshake(
  c: KafkaConnection,
  mechanism: string,
): Promise<{ ok: true; errorCode: number; mechanisms: string[] } | { ok: false; reason: string }> {
  const reply = await c.request(API.saslHandshake, 1, { mechanism });
  if (!reply.ok) return { ok: false, reason: reply.reason };
  const mechanisms = Array.isArray(reply.body.mechanisms)
    ? reply.body.mechanisms.filter((m): m is string => typeof m === 'string').slice(0, 32)
    : [];
  return { ok: true, errorCode: errorCodeOf(reply.body), mechanisms };
}

type AuthStep = { code: number; bytes: Buffer } | { reason: string; closed: boolean };

async function authenticate(c: KafkaConnection, bytes: Buffer): Promise<AuthStep> {
  const reply = await c.request(API.saslAuthenticate, 1, { authBytes: bytes });
  if (!reply.ok) return { reason: reply.reason, closed: reply.closed };
  const authBytes = Buffer.isBuffer(reply.body.authBytes) ? reply.body.authBytes : Buffer.alloc(0);
  return { code: errorCodeOf(reply.body), bytes: authBytes };
}

/**
 * A closed connection is the server's refusal (Kafka closes after SASL_AUTHENTICATION_FAILED); silence is no
 * verdict (docs/architecture.md, "Decisions": silence is not a refusal).
 */
function refusedOrFailed(step: AuthStep, what: string): SaslResult {
  if ('reason' in step) return { kind: step.closed ? 'refused' : 'failed', answer: `${what}: ${step.reason}` };
  return step.code === SASL_AUTHENTICATION_FAILED
    ? { kind: 'refused', answer: `${what}: SASL_AUTHENTICATION_FAILED (58)` }
    : { kind: 'failed', answer: `${what}: error ${step.code}` };
}

/** One SASL login on `c`: the handshake, then the mechanism's exchange. */
export async function saslLogin(c: KafkaConnection, login: KafkaLogin): Promise<SaslResult> {
  const hs = await saslHandshake(c, login.mechanism);
  if (!hs.ok) return { kind: 'failed', answer: `SaslHandshake: ${hs.reason}` };
  if (hs.errorCode !== 0) {
    return {
      kind: 'not-offered',
      answer: `SaslHandshake ${login.mechanism}: error ${hs.errorCode}, offered ${hs.mechanisms.join(' ')}`,
      mechanisms: hs.mechanisms,
    };
  }
  if (login.mechanism === 'PLAIN' || login.mechanism === 'OAUTHBEARER') {
    const bytes =
      login.mechanism === 'PLAIN'
        ? Buffer.concat([Buffer.from([0]), Buffer.from(login.username), Buffer.from([0]), Buffer.from(login.password)])
        : Buffer.from(`n,,\x01auth=Bearer ${login.token}\x01\x01`);
    const step = await authenticate(c, bytes);
    if ('code' in step && step.code === 0) {
      return { kind: 'accepted', answer: `SaslAuthenticate ${login.mechanism}: accepted` };
    }
    return refusedOrFailed(step, `SaslAuthenticate ${login.mechanism}`);
  }
  const scram = createScramClient({
    hash: login.mechanism === 'SCRAM-SHA-256' ? 'SHA-256' : 'SHA-512',
    username: login.username,
    password: login.password,
  });
  const first = scram.first();
  if (!first.ok) return { kind: 'failed', answer: `SCRAM client-first: ${first.reason}` };
  const serverFirst = await authenticate(c, Buffer.from(first.message));
  if ('reason' in serverFirst || serverFirst.code !== 0) {
    return refusedOrFailed(serverFirst, `SaslAuthenticate ${login.mechanism} (client-first)`);
  }
  const final = await scram.final(serverFirst.bytes);
  if (!final.ok) return { kind: 'failed', answer: `SCRAM server-first: ${final.reason}` };
  const serverFinal = await authenticate(c, Buffer.from(final.message));
  if ('reason' in serverFinal || serverFinal.code !== 0) {
    return refusedOrFailed(serverFinal, `SaslAuthenticate ${login.mechanism} (client-final)`);
  }
  const verified = scram.verify(serverFinal.bytes);
  return verified.ok
    ? { kind: 'accepted', answer: `SaslAuthenticate ${login.mechanism}: accepted, server signature verified` }
    : { kind: 'failed', answer: `SCRAM server-final: ${verified.reason}` };
}
