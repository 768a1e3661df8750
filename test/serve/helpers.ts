// Shared helpers of the serve tests: a project folder (document, config, file store with a user
// and an API key), a fake front that records what serve asks of it, a quiet logger, and an
// audit stream that collects lines.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createFileStore } from '../../src/credentials/file.js';
import type { Session } from '../../src/guard/types.js';
import { startServe } from '../../src/serve/start.js';
import type { RunningServe, ServeOptions } from '../../src/serve/types.js';
import type { Front, FrontFactory, FrontOptions, FrontStats } from '../../src/transports/types.js';

export const PASSWORD = 'correct horse battery';

/**
 * MQTT with userPassword OR apiKey (in: password); ws with httpApiKey; http with basic; an AMQP server that serve does
 * not front.
 */
export const SERVE_DOC = `asyncapi: 3.0.0
info: { title: serve test, version: '1' }
servers:
  broker:
    host: 127.0.0.1:1883
    protocol: mqtt
    security:
      - $ref: '#/components/securitySchemes/userPass'
      - $ref: '#/components/securitySchemes/deviceKey'
  web:
    host: 127.0.0.1:8080
    protocol: ws
    security:
      - $ref: '#/components/securitySchemes/headerKey'
  api:
    host: 127.0.0.1:8081
    protocol: http
    security:
      - $ref: '#/components/securitySchemes/basic'
  events:
    host: amqp.example:5672
    protocol: amqp
channels:
  status: { address: 'lights/{id}/status' }
operations:
  sendStatus: { action: send, channel: { $ref: '#/channels/status' } }
  receiveStatus: { action: receive, channel: { $ref: '#/channels/status' } }
components:
  securitySchemes:
    userPass: { type: userPassword }
    deviceKey: { type: apiKey, in: password }
    headerKey: { type: httpApiKey, in: header, name: x-api-key }
    basic: { type: http, scheme: basic }
`;

export const SERVE_CONFIG = `store: file:./credentials.yaml
audit: { level: info }
schemes:
  userPass: {}
  deviceKey: {}
  headerKey: {}
  basic: {}
`;

export interface Project {
  readonly dir: string;
  /** The whole API key of alice (created once). */
  readonly apiKey: string;
  readonly apiKeyId: string;
}

/** A folder with asyncapi.yaml, asyncapi-guard.yaml and a file store holding alice (password) with one API key. */
export async function makeServeProject(files: Record<string, string> = {}): Promise<Project> {
  const dir = mkdtempSync(join(tmpdir(), 'guard-serve-'));
  writeFileSync(join(dir, 'asyncapi.yaml'), files['asyncapi.yaml'] ?? SERVE_DOC);
  writeFileSync(join(dir, 'asyncapi-guard.yaml'), files['asyncapi-guard.yaml'] ?? SERVE_CONFIG);
  for (const [name, text] of Object.entries(files))
    if (name !== 'asyncapi.yaml' && name !== 'asyncapi-guard.yaml') writeFileSync(join(dir, name), text);
  const store = await createFileStore(join(dir, 'credentials.yaml'), { watch: false });
  await store.addPrincipal({ name: 'alice', password: PASSWORD, scopes: ['lights'], iterations: 4096 });
  await store.addPrincipal({ name: 'bob', password: PASSWORD, scopes: [], iterations: 4096 });
  const created = await store.createApiKey('alice');
  await store.close();
  return { dir, apiKey: created.key, apiKeyId: created.record.id };
}

export const quietLogger = (): pino.Logger => pino({ level: 'silent' });

/**
 * `serve` on the project's asyncapi.yaml with the real fronts, every server of SERVE_DOC on a free loopback port, logs
 * silent.
 */
export function startServeOnFreePorts(dir: string, extra: Partial<ServeOptions> = {}): Promise<RunningServe> {
  return startServe({
    document: 'asyncapi.yaml',
    cwd: dir,
    logger: quietLogger(),
    auditStream: auditCapture().stream,
    listen: { broker: '127.0.0.1:0', web: '127.0.0.1:0', api: '127.0.0.1:0' },
    ...extra,
  });
}

/** Audit lines in memory. */
export function auditCapture() {
  const lines: string[] = [];
  return { stream: { write: (s: string) => void lines.push(s) }, lines };
}

export interface FakeFront extends Front {
  readonly options: FrontOptions;
  /** Sessions the test pretends are connected. */
  sessions: Session[];
  closedWith: number | undefined;
}

/**
 * A front that listens on nothing real (unless `failListen`), records its options, and holds sessions the test adds.
 */
export function fakeFronts(opts: { failListen?: NodeJS.ErrnoException } = {}) {
  const made: FakeFront[] = [];
  const factory: FrontFactory = (options) => {
    let port = 40000 + made.length;
    const stats: FrontStats = { connections: 0, messagesIn: 3, messagesOut: 5, refusedConnections: 1, dropped: 0 };
    const front: FakeFront = {
      options,
      sessions: [],
      closedWith: undefined,
      server: options.server.name,
      protocol: options.server.protocol,
      async listen(host, p) {
        if (opts.failListen !== undefined) throw opts.failListen;
        if (p !== 0) port = p;
        return { host, port };
      },
      async close(graceMs) {
        front.closedWith = graceMs ?? -1;
      },
      stats: () => ({ ...stats, connections: front.sessions.length }),
      endSessions(shouldEnd) {
        const before = front.sessions.length;
        front.sessions = front.sessions.filter((s) => !shouldEnd(s));
        return before - front.sessions.length;
      },
    };
    made.push(front);
    return front;
  };
  return { made, fronts: { mqtt: factory, ws: factory, http: factory } };
}
