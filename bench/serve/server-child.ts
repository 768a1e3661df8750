// One server under test, in a process of its own (bench/serve.ts forks it): its CPU is not the
// load generator's, and its RSS is its own. `node --expose-gc --import tsx
// bench/serve/server-child.ts <role> [auditLevel] [servers]`, roles:
//   bare-mqtt  aedes on a plain net server, no authentication (the MQTT baseline)
//   bare-ws    a `ws` server relaying every message to the other clients, no authentication
//   guarded    the fronts `serve` runs (MQTT and WebSocket, one memory bus), each server of the
//              bench document (or those listed, comma-separated) on its own port, the guard
//              auditing at `auditLevel` to /dev/null
// Talks over IPC: sends `{ ready, ports, creds }` once listening; answers `{ cmd: 'mem' }` with
// process.memoryUsage() after two full GCs, `{ cmd: 'cpu' }` with its CPU time (µs), `{ cmd: 'stats' }` with each
// front's stats, and exits on `{ cmd: 'exit' }` (or when the parent goes away).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import pino from 'pino';
import { WebSocketServer, WebSocket } from 'ws';
import { buildModel, loadDocumentFromText } from '../../src/index.js';
import { createAuditLogger } from '../../src/guard/audit.js';
import { createGuard } from '../../src/guard/index.js';
import { createMemoryStore } from '../../src/credentials/memory.js';
import { DEFAULT_FRONT_LIMITS, type Front, type FrontOptions } from '../../src/transports/types.js';
import type { Bus } from '../../src/bus/types.js';
import { CHANNEL } from './constants.js';
const ISSUER = 'https://idp.bench.example';
const AUDIENCE = 'bench';

/** What the parent needs to connect: ports by server name, and the demo credentials. */
export interface ChildReady {
  readonly ready: true;
  readonly ports: Record<string, number>;
  readonly creds: {
    /** Of users `bench10k` (10,000 PBKDF2 iterations) and `bench4k` (4096). */
    readonly password: string;
    /** A key of `bench4k` (scope `read`: may subscribe on WebSocket). */
    readonly apiKey: string;
    /** A key of `publisher` (no scopes: publish-only on WebSocket). */
    readonly pubKey: string;
    readonly jwt: string;
  };
  /** Fronts whose module is not there (yet): their servers are skipped. */
  readonly missing: readonly string[];
}

// AsyncAPI 3.0.0: one MQTT server per scheme measured, two WebSocket servers. The same address
// as two channels, one per server family: on MQTT anyone connected may publish and subscribe; on
// WebSocket anyone connected may publish, and subscribing needs the `read` scope (`httpKeyRead`,
// the same header), so the relay's publisher key (no scopes) connects publish-only, as in the
// bare relay, which does not echo a message to its sender.
const DOCUMENT = `
asyncapi: 3.0.0
info: { title: serve bench, version: 1.0.0 }
servers:
  mqttUser: { host: '127.0.0.1:1883', protocol: mqtt, security: [{ $ref: '#/components/securitySchemes/userPass' }] }
  mqttKey: { host: '127.0.0.1:1884', protocol: mqtt, security: [{ $ref: '#/components/securitySchemes/mqttKey' }] }
  mqttAnon: { host: '127.0.0.1:1885', protocol: mqtt }
  wsKey: { host: '127.0.0.1:8080', protocol: ws, security: [{ $ref: '#/components/securitySchemes/httpKey' }] }
  wsJwt: { host: '127.0.0.1:8081', protocol: ws, security: [{ $ref: '#/components/securitySchemes/jwt' }] }
channels:
  mqttData:
    address: ${CHANNEL}
    servers: [{ $ref: '#/servers/mqttUser' }, { $ref: '#/servers/mqttKey' }, { $ref: '#/servers/mqttAnon' }]
  wsData:
    address: ${CHANNEL}
    servers: [{ $ref: '#/servers/wsKey' }, { $ref: '#/servers/wsJwt' }]
operations:
  mqttPub: { action: send, channel: { $ref: '#/channels/mqttData' } }
  mqttSub: { action: receive, channel: { $ref: '#/channels/mqttData' } }
  wsPub: { action: send, channel: { $ref: '#/channels/wsData' } }
  wsSub:
    action: receive
    channel: { $ref: '#/channels/wsData' }
    security: [{ $ref: '#/components/securitySchemes/httpKeyRead' }]
components:
  securitySchemes:
    userPass: { type: userPassword }
    mqttKey: { type: apiKey, in: password }
    httpKey: { type: httpApiKey, in: header, name: X-API-Key }
    httpKeyRead: { type: httpApiKey, in: header, name: X-API-Key, scopes: [read] }
    jwt: { type: http, scheme: bearer, bearerFormat: JWT }
`;

type FrontFactory = (options: FrontOptions) => Front;

/** The fronts' modules, when they exist (they are written in parallel with this bench). */
async function loadFactories(): Promise<{
  mqtt: FrontFactory | null;
  ws: FrontFactory | null;
  bus: (() => Bus) | null;
}> {
  const tryImport = async <T>(specs: readonly string[], name: string): Promise<T | null> => {
    for (const spec of specs) {
      try {
        const mod = (await import(spec)) as Record<string, unknown>;
        if (typeof mod[name] === 'function') return mod[name] as T;
      } catch {
        // not there (yet)
      }
    }
    return null;
  };
  return {
    mqtt: await tryImport<FrontFactory>(
      ['../../src/transports/mqtt/index.js', '../../src/transports/mqtt/front.js', '../../src/transports/index.js'],
      'createMqttFront',
    ),
    ws: await tryImport<FrontFactory>(
      ['../../src/transports/ws/index.js', '../../src/transports/ws/front.js', '../../src/transports/index.js'],
      'createWsFront',
    ),
    bus: await tryImport<() => Bus>(['../../src/bus/memory.js', '../../src/bus/index.js'], 'createMemoryBus'),
  };
}

async function startBareMqtt(): Promise<Record<string, number>> {
  const broker = await Aedes.createBroker();
  const server = createServer(broker.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { bare: (server.address() as AddressInfo).port };
}

async function startBareWs(): Promise<Record<string, number>> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => wss.once('listening', r));
  wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => {
      for (const other of wss.clients)
        if (other !== ws && other.readyState === WebSocket.OPEN) other.send(data, { binary: isBinary });
    });
  });
  return { bare: (wss.address() as AddressInfo).port };
}

const fronts: Front[] = [];

async function startGuarded(
  auditLevel: 'warn' | 'info',
  only: ReadonlySet<string> | null,
): Promise<Omit<ChildReady, 'ready'>> {
  const factories = await loadFactories();
  const missing: string[] = [];
  if (factories.bus === null) missing.push('createMemoryBus');
  if (factories.mqtt === null) missing.push('createMqttFront');
  if (factories.ws === null) missing.push('createWsFront');

  const dir = mkdtempSync(join(tmpdir(), 'bench-serve-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  writeFileSync(
    join(dir, 'jwks.json'),
    JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'bench', alg: 'ES256' }] }),
  );
  const now = Math.floor(Date.now() / 1000);
  const jwt = await new SignJWT({ sub: 'bench4k', scope: 'read write', aud: AUDIENCE })
    .setProtectedHeader({ alg: 'ES256', kid: 'bench', typ: 'JWT' })
    .setIssuer(ISSUER)
    .setIssuedAt(now)
    .setExpirationTime(now + 24 * 3600)
    .sign(privateKey);

  const store = createMemoryStore();
  const password = 'bench-password-0123';
  await store.addPrincipal({ name: 'bench10k', password, scopes: [], iterations: 10_000 });
  await store.addPrincipal({ name: 'bench4k', password, scopes: ['read'], iterations: 4096 });
  await store.addPrincipal({ name: 'publisher', scopes: [] });
  const { key: apiKey } = await store.createApiKey('bench4k');
  const { key: pubKey } = await store.createApiKey('publisher');

  const model = buildModel(await loadDocumentFromText(DOCUMENT, { file: 'bench.yaml' }));
  const audit = createAuditLogger({ level: auditLevel }, dir, {
    stream: pino.destination({ dest: '/dev/null', sync: true }),
  });
  const guard = await createGuard(model, {
    store,
    schemes: {
      userPass: {},
      mqttKey: {},
      httpKey: {},
      httpKeyRead: {},
      jwt: { issuer: ISSUER, audience: AUDIENCE, jwks: 'file:jwks.json' },
    },
    audit: { logger: audit },
    baseDir: dir,
  });

  const ports: Record<string, number> = {};
  if (factories.bus !== null) {
    const bus = factories.bus();
    const logger = pino({ level: 'silent' });
    // Room for the 10,000-connection memory run (the default cap is exactly 10,000).
    const limits = { ...DEFAULT_FRONT_LIMITS, maxConnections: 50_000 };
    for (const server of model.servers) {
      if (only !== null && !only.has(server.name)) continue;
      const factory = server.protocol === 'mqtt' ? factories.mqtt : server.protocol === 'ws' ? factories.ws : null;
      if (factory === null) continue;
      const front = factory({ server, guard, bus, limits, logger });
      fronts.push(front);
      ports[server.name] = (await front.listen('127.0.0.1', 0)).port;
    }
  }
  return { ports, creds: { password, apiKey, pubKey, jwt }, missing };
}

function memory() {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc !== undefined) {
    gc();
    gc();
  }
  return process.memoryUsage();
}

const role = process.argv[2];
const auditLevel = process.argv[3] === 'info' ? 'info' : 'warn';
// Which of the document's servers to front (comma-separated; default all). Throughput runs start
// only the front measured: every MQTT front subscribes to `#` on the bus, so an idle MQTT front
// in the same process would re-inject every message of the run into its own aedes.
const onlyArg = process.argv[4];
const only = onlyArg === undefined || onlyArg === '' ? null : new Set(onlyArg.split(','));
if (process.send === undefined) throw new Error('server-child runs under bench/serve.ts (IPC)');
process.on('disconnect', () => process.exit(0));
process.on('message', (m: { cmd: string }) => {
  if (m.cmd === 'mem') process.send!({ mem: memory() });
  else if (m.cmd === 'stats') process.send!({ stats: Object.fromEntries(fronts.map((f) => [f.server, f.stats()])) });
  else if (m.cmd === 'cpu') {
    const u = process.cpuUsage();
    process.send!({ cpu: u.user + u.system });
  } else if (m.cmd === 'exit') process.exit(0);
});

const ready: ChildReady =
  role === 'bare-mqtt'
    ? {
        ready: true,
        ports: await startBareMqtt(),
        creds: { password: '', apiKey: '', pubKey: '', jwt: '' },
        missing: [],
      }
    : role === 'bare-ws'
      ? {
          ready: true,
          ports: await startBareWs(),
          creds: { password: '', apiKey: '', pubKey: '', jwt: '' },
          missing: [],
        }
      : { ready: true, ...(await startGuarded(auditLevel, only)) };
process.send(ready);
