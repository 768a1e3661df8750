// Shared fixtures of the WebSocket and HTTP/SSE front tests: one AsyncAPI document with a ws,
// wss, http and https server, a memory store with a user and API keys, a real OAuth 2.0 server
// (oauth2-mock-server) for JWTs, the guard, the memory bus, and small readers for raw HTTP and SSE.

import { connect } from 'node:net';
import { execFile } from 'node:child_process';
import { requireBinary } from '../helpers/binaries.js';
import pino from 'pino';
import { createGuard, type Guard } from '../../src/guard/index.js';
import { createMemoryStore, type MemoryStore } from '../../src/credentials/memory.js';
import { createMemoryBus } from '../../src/bus/memory.js';
import type { Bus } from '../../src/bus/types.js';
import type { SecurityModel } from '../../src/model/types.js';
import { DEFAULT_FRONT_LIMITS, type FrontLimits } from '../../src/transports/types.js';
import { modelFromYaml } from '../guard/helpers.js';
import { startIdp, type Idp } from '../tokens/helpers.js';
import { eventually as waitFor } from '../helpers/eventually.js';

export const AUDIENCE = 'lights';
export const PASSWORD = 'correct horse';

const SCHEMES = ['basic', 'headerKey', 'queryKey', 'cookieKey', 'jwt'];

function serverYaml(name: string, protocol: string, pathname: string | null, x509: boolean): string {
  const list = x509 ? [...SCHEMES, 'certs'] : SCHEMES;
  return [
    `  ${name}:`,
    `    host: 'localhost:1'`,
    `    protocol: ${protocol}`,
    ...(pathname === null ? [] : [`    pathname: ${pathname}`]),
    '    security:',
    ...list.map((s) => `      - $ref: '#/components/securitySchemes/${s}'`),
  ].join('\n');
}

/**
 * The test document: servers ws (/ws), wss (/ws), http (/api), https (no pathname); X509 on the secure ones when
 * `x509`.
 */
export function webDocument(x509: boolean): string {
  return `
asyncapi: 3.0.0
info: { title: web fronts, version: '1' }
servers:
${serverYaml('ws', 'ws', '/ws', false)}
${serverYaml('wss', 'wss', '/ws', x509)}
${serverYaml('http', 'http', '/api', false)}
${serverYaml('https', 'https', null, x509)}
channels:
  status: { address: 'lights/{id}/status' }
  switch: { address: 'lights/{id}/switch' }
  secret: { address: 'secret/{id}' }
operations:
  sendStatus: { action: send, channel: { $ref: '#/channels/status' } }
  receiveStatus: { action: receive, channel: { $ref: '#/channels/status' } }
  sendSwitch:
    action: send
    channel: { $ref: '#/channels/switch' }
    security: [{ $ref: '#/components/securitySchemes/writeJwt' }]
  receiveSwitch:
    action: receive
    channel: { $ref: '#/channels/switch' }
    security: [{ $ref: '#/components/securitySchemes/readJwt' }]
  sendSecret:
    action: send
    channel: { $ref: '#/channels/secret' }
    security: [{ $ref: '#/components/securitySchemes/sealed' }]
components:
  securitySchemes:
    basic: { type: http, scheme: basic }
    headerKey: { type: httpApiKey, in: header, name: x-api-key }
    queryKey: { type: httpApiKey, in: query, name: api_key }
    cookieKey: { type: httpApiKey, in: cookie, name: session }
    jwt: { type: http, scheme: bearer, bearerFormat: JWT }
    readJwt:
      type: oauth2
      flows:
        clientCredentials:
          tokenUrl: 'https://idp.example/token'
          availableScopes: { 'lights:read': r, 'lights:write': w }
      scopes: ['lights:read']
    writeJwt:
      type: oauth2
      flows:
        clientCredentials:
          tokenUrl: 'https://idp.example/token'
          availableScopes: { 'lights:read': r, 'lights:write': w }
      scopes: ['lights:write']
    sealed: { type: symmetricEncryption }
    certs: { type: X509 }
`;
}

export async function webModel(x509: boolean): Promise<SecurityModel> {
  return modelFromYaml(webDocument(x509));
}

export interface World {
  readonly idp: Idp;
  readonly store: MemoryStore;
  readonly guard: Guard;
  readonly bus: Bus;
  readonly model: SecurityModel;
  /** An API key of alice (the whole key, as a client sends it). */
  readonly apiKey: string;
  readonly logger: pino.Logger;
  token(scope: string, claims?: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

export interface WorldOptions {
  readonly x509CaPath?: string;
  readonly throttle?: Record<string, unknown>;
  readonly marker?: string;
}

export async function createWorld(options: WorldOptions = {}): Promise<World> {
  const idp = await startIdp(['RS256']);
  const store = createMemoryStore();
  const password = options.marker === undefined ? PASSWORD : `${PASSWORD}-${options.marker}`;
  await store.addPrincipal({ name: 'alice', password, scopes: [], iterations: 4096 });
  const created = await store.createApiKey('alice');
  const model = await webModel(options.x509CaPath !== undefined);
  const jwtBinding = { issuer: idp.issuer, audience: AUDIENCE, jwks: idp.jwksUrl, algorithms: ['RS256'] };
  const guard = await createGuard(model, {
    store,
    schemes: {
      basic: {},
      headerKey: {},
      queryKey: {},
      cookieKey: {},
      jwt: jwtBinding,
      readJwt: jwtBinding,
      writeJwt: jwtBinding,
      sealed: {},
      ...(options.x509CaPath === undefined ? {} : { certs: { ca: `file:${options.x509CaPath}` } }),
    },
    throttle: options.throttle ?? { lockoutAfter: 100_000, freeFailures: 1000 },
    sleep: async () => {},
  });
  const bus = createMemoryBus();
  const logger = pino({ level: 'silent' });
  return {
    idp,
    store,
    guard,
    bus,
    model,
    apiKey: created.key,
    logger,
    token: (scope, claims = {}) => idp.buildToken({ aud: AUDIENCE, scope, ...claims }),
    async close() {
      await bus.close();
      await guard.close();
      await idp.stop();
    },
  };
}

export function limits(overrides: Partial<FrontLimits> = {}): FrontLimits {
  return { ...DEFAULT_FRONT_LIMITS, ...overrides };
}

export const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;

/** RFC 7235 §4.1: each WWW-Authenticate header line of a fetch Response (undici joins repeats with ", "). */
export function challengesOf(raw: string | null): string[] {
  if (raw === null) return [];
  // Split before each auth-scheme token that starts a new challenge: `, Scheme ` (a scheme, then SP).
  return raw.split(/,\s*(?=[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*\s+[A-Za-z0-9!#$%&'*+.^_`|~-]+=)/).map((s) => s.trim());
}

/** Sends raw bytes to host:port and collects everything the server writes until it closes. */
export function rawExchange(port: number, request: string | Buffer, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    }, timeoutMs);
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNRESET' || err.code === 'EPIPE') return;
      clearTimeout(timer);
      reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.write(request);
  });
}

/** An SSE reader over a fetch Response body: accumulates text, waits for a predicate. */
export function sseReader(res: Response) {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  let done = false;
  const waiters: (() => void)[] = [];
  void (async () => {
    try {
      for (;;) {
        const r = await reader.read();
        if (r.done) break;
        text += decoder.decode(r.value, { stream: true });
        for (const w of waiters.splice(0)) w();
      }
    } catch {
      // aborted
    }
    done = true;
    for (const w of waiters.splice(0)) w();
  })();
  return {
    get text() {
      return text;
    },
    get done() {
      return done;
    },
    async until(pred: (text: string) => boolean, timeoutMs = 3000): Promise<string> {
      const deadline = Date.now() + timeoutMs;
      while (!pred(text)) {
        if (done) throw new Error(`stream ended before the condition; got: ${JSON.stringify(text)}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`timed out; got: ${JSON.stringify(text)}`);
        await new Promise<void>((r) => {
          const t = setTimeout(r, left);
          waiters.push(() => {
            clearTimeout(t);
            r();
          });
        });
      }
      return text;
    },
    cancel: () => reader.cancel().catch(() => {}),
  };
}

/** Runs curl; resolves with its stdout (headers with -i) whatever the exit code. */
export function curl(args: string[]): Promise<{ stdout: string; code: number }> {
  return new Promise((resolve) => {
    const curlPath = requireBinary('curl', 'curl');
    execFile(curlPath, ['-sS', '--max-time', '5', ...args], { encoding: 'utf8', maxBuffer: 1 << 20 }, (err, stdout) => {
      resolve({ stdout, code: err === null ? 0 : ((err as { code?: number }).code ?? 1) });
    });
  });
}

export const tick = (ms = 10) => new Promise((r) => setTimeout(r, ms));

/** The shared poller with this file's defaults: 3 s, polling every 10 ms. */
export const eventually = (pred: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<void> =>
  waitFor(pred, timeoutMs, what, 10);
