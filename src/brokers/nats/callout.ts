// The NATS auth callout (nats-server 2.10 or later; docs/brokers/nats.md): connects as the
// callout's auth user, answers `$SYS.REQ.USER.AUTH`, authenticates each client's connect options
// through the guard (which throttles and audits), and answers with an authorization response
// signed by the issuer account key: a user JWT whose allow-lists are the subjects of the
// operations the credentials satisfy (grants.ts), expiring with the earliest credential and never
// later than `maxLifetimeSeconds`; or an error (a closed reason, never a value the client sent).
//
// Live connections (revocation, docs/architecture.md "Sessions and expiry"): with a system
// account user configured, a store change that takes a session's grounds away ends the connection
// through `$SYS.REQ.SERVER.<id>.KICK` (nats-server 2.10), found by the server id and client id the
// request named; the table of live connections is kept small by the server's DISCONNECT events and
// by the JWT expiry. Without one, a connection lasts until its user JWT expires.
//
// Fail closed: a request that cannot be read gets an empty answer (nats-server: "no reason
// supplied", refused) or a signed error; more than `maxInFlight` requests at once are refused;
// while authd is down nats-server refuses new connections after its auth timeout.

import type { Logger } from 'pino';
import { connect, type NatsConnection, type Msg, type Subscription, type TlsOptions } from 'nats';
import { fromSeed } from 'nkeys.js';
import { nativeSigner, type NkeySigner } from './jwt.js';
import type { Guard, Session } from '../../guard/index.js';
import { BrokerError, ConfigError } from '../../errors.js';
import { isLoopbackHostname } from '../../loopback.js';
import { createAnswerer, type Answer } from './answer.js';
import type { GrantPlan } from './grants.js';

export const AUTH_CALLOUT_SUBJECT = '$SYS.REQ.USER.AUTH';
export const MIN_SERVER_VERSION = [2, 10, 0] as const;
export const DEFAULT_MAX_LIFETIME_SECONDS = 3600;
export const DEFAULT_MAX_REQUEST_BYTES = 64 * 1024;
export const DEFAULT_MAX_IN_FLIGHT = 256;
const XKEY_HEADER = 'Nats-Server-Xkey';

export interface NatsLogin {
  readonly user: string;
  readonly password: string;
}

export interface NatsCalloutOptions {
  readonly guard: Guard;
  /** The permissions plan of the document server this callout stands for (buildGrantPlan). */
  readonly plan: GrantPlan;
  /**
   * `nats://HOST:PORT` (loopback only) or `tls://HOST:PORT` of the server (or one server of the cluster).
   * Credentials never go in it.
   */
  readonly url: string;
  /** `tls://`: the CA certificates (PEM) the server's certificate must chain to. */
  readonly ca?: string;
  /** The auth user (listed in `auth_callout.auth_users`). */
  readonly login: NatsLogin;
  /** The issuer account's nkey seed (`SA…`); its public key is `auth_callout.issuer`. */
  readonly issuerSeed: string;
  /** The account clients are placed in (the user JWT's `aud`; server configuration mode). */
  readonly account: string;
  /** A user of the system account: lets authd end revoked live connections (KICK). */
  readonly system?: NatsLogin;
  readonly maxLifetimeSeconds?: number;
  readonly maxRequestBytes?: number;
  readonly maxInFlight?: number;
  readonly connectTimeoutMs?: number;
  /** Operational log and the audit lines of requests that could not be read. */
  readonly logger: Logger;
  /** `audit.maxLinesPerSecond` for the callout's own audit lines (default 100; 0: no bound). */
  readonly maxAuditLinesPerSecond?: number;
  readonly now?: () => number;
}

export interface NatsCalloutStats {
  readonly allowed: number;
  readonly refused: number;
  readonly badRequests: number;
  readonly kicked: number;
  readonly live: number;
}

export interface NatsCallout {
  /** The version nats-server announced (INFO). */
  readonly serverVersion: string;
  /** Whether live connections can be ended (a system user is configured). */
  readonly canEndLiveConnections: boolean;
  /** False while the connection to nats-server is down (nats.js reconnects by itself). */
  ready(): boolean;
  stats(): NatsCalloutStats;
  /** Ends the live connections whose session `shouldEnd` says so (KICK); returns how many were asked to end. */
  endSessions(shouldEnd: (session: Session) => boolean): number;
  close(): Promise<void>;
}

interface LiveConnection {
  readonly serverId: string;
  readonly clientId: number;
  readonly session: Session;
  /** ms since the epoch: the user JWT's exp. */
  readonly expiresAt: number;
}

/** `2.10.27` → true when at least MIN_SERVER_VERSION. A version that does not parse is too old. */
export function supportsAuthCallout(version: string | undefined): boolean {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version ?? '');
  if (m === null) return false;
  const got = [Number(m[1]), Number(m[2]), Number(m[3])];
  for (let i = 0; i < 3; i++) {
    if (got[i]! !== MIN_SERVER_VERSION[i]) return got[i]! > MIN_SERVER_VERSION[i]!;
  }
  return true;
}

export async function startNatsCallout(options: NatsCalloutOptions): Promise<NatsCallout> {
  const now = options.now ?? Date.now;
  const logger = options.logger;
  const maxLifetimeMs = (options.maxLifetimeSeconds ?? DEFAULT_MAX_LIFETIME_SECONDS) * 1000;
  const maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  const maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
  const target = parseNatsUrl(options.url);
  if (target === null)
    throw new ConfigError('ERR_CONFIG_INVALID', 'not a NATS URL', {
      pointer: 'authd.nats.url',
      expected: 'nats://HOST:PORT or tls://HOST:PORT (credentials go in authd.nats.user / password, not in the URL)',
    });
  // Every client's password and token reaches authd inside the callout requests: in cleartext only
  // on this machine (docs/architecture.md, "Secrets").
  if (!target.tls && !isLoopbackHostname(target.hostname))
    throw new ConfigError('ERR_CONFIG_INVALID', "a cleartext NATS URL beyond loopback would carry clients' passwords", {
      pointer: 'authd.nats.url',
      expected: 'tls://HOST:PORT (with authd.nats.ca), or nats:// on a loopback address',
    });
  if (target.tls && options.ca === undefined)
    throw new ConfigError('ERR_CONFIG_INVALID', 'a tls:// URL needs the CA to check the server against', {
      pointer: 'authd.nats.ca',
      expected: 'file:PATH of the PEM CA certificates of nats-server',
    });
  const where = target.description;
  let issuer: NkeySigner;
  try {
    const pair = fromSeed(new TextEncoder().encode(options.issuerSeed.trim()));
    if (!pair.getPublicKey().startsWith('A')) throw new Error('not an account seed');
    issuer = nativeSigner(pair);
  } catch {
    throw new ConfigError('ERR_CONFIG_INVALID', 'the issuer seed is not an account nkey seed', {
      pointer: 'authd.nats.issuerSeed',
      expected: 'an account seed (SA…), e.g. from `nsc generate nkey --account`',
    });
  }
  const nc = await connectTo(target, options.ca, options.login, 'asyncapi-guard authd', options.connectTimeoutMs);
  const version = nc.info?.version ?? '';
  if (!supportsAuthCallout(version)) {
    await nc.close().catch(() => {});
    throw new BrokerError(
      'ERR_BROKER_UNSUPPORTED',
      `nats-server ${version === '' ? '(unknown version)' : version} at ${where} has no auth callout`,
      { pointer: 'authd.nats.url', expected: 'nats-server 2.10.0 or later (auth callout came in 2.10)' },
    );
  }
  let sys: NatsConnection | null = null;
  if (options.system !== undefined) {
    try {
      sys = await connectTo(
        target,
        options.ca,
        options.system,
        'asyncapi-guard authd (system)',
        options.connectTimeoutMs,
      );
    } catch (err) {
      await nc.close().catch(() => {});
      throw err;
    }
  }

  let connected = true;
  void (async () => {
    for await (const st of nc.status()) {
      const type = String(st.type);
      if (type === 'disconnect') connected = false;
      else if (type === 'reconnect') connected = true;
    }
  })().catch(() => {});

  const answerer = createAnswerer({
    guard: options.guard,
    plan: options.plan,
    issuer,
    account: options.account,
    maxLifetimeMs,
    maxRequestBytes,
    logger,
    now,
    // A server outside a cluster is the only one that can ask: its id (a new one after each restart,
    // which nats.js's INFO on reconnect tells) must sign every request. In a cluster any member may.
    expectServer: () => (nc.info === undefined || nc.info.cluster !== undefined ? null : nc.info.server_id),
    ...(options.maxAuditLinesPerSecond !== undefined ? { maxAuditLinesPerSecond: options.maxAuditLinesPerSecond } : {}),
  });
  const live = new Map<string, LiveConnection>();
  const counts = { allowed: 0, refused: 0, badRequests: 0, kicked: 0 };
  let inFlight = 0;
  let closed = false;
  const pending = new Set<Promise<void>>();

  const respond = (msg: Msg, answer: Answer): void => {
    if (answer.outcome === 'bad') counts.badRequests++;
    else if (answer.outcome === 'refused') counts.refused++;
    else {
      counts.allowed++;
      if (sys !== null && answer.clientId !== null)
        live.set(`${answer.serverId}/${answer.clientId}`, {
          serverId: answer.serverId,
          clientId: answer.clientId,
          session: answer.session,
          expiresAt: answer.expiresAt,
        });
    }
    try {
      msg.respond(answer.body);
    } catch {
      // The connection is closing: nats-server refuses the client after its auth timeout.
    }
  };

  const handle = async (msg: Msg): Promise<void> =>
    respond(msg, await answerer.answer(msg.data, Boolean(msg.headers?.get(XKEY_HEADER))));

  const sub: Subscription = nc.subscribe(AUTH_CALLOUT_SUBJECT, {
    callback: (err, msg) => {
      if (err !== null || closed) return;
      if (inFlight >= maxInFlight) return respond(msg, answerer.refuseUnread('too_many'));
      inFlight++;
      const p = handle(msg)
        .catch((e: unknown) => {
          // A bug or a guard that failed: refuse this client, keep serving the others.
          logger.error({ err: errorCode(e) }, 'authd.nats.request_failed');
          respond(msg, { outcome: 'refused', body: new Uint8Array(0) });
        })
        .finally(() => {
          inFlight--;
          pending.delete(p);
        });
      pending.add(p);
    },
  });

  let disconnects: Subscription | null = null;
  let purge: NodeJS.Timeout | null = null;
  if (sys !== null) {
    // nats-server announces every client disconnect on the system account (events.go); the entry
    // of a connection that is gone is dropped, so the table holds live connections only.
    disconnects = sys.subscribe('$SYS.ACCOUNT.*.DISCONNECT', {
      callback: (err, msg) => {
        if (err !== null || msg.data.length > 64 * 1024) return;
        try {
          const ev = JSON.parse(new TextDecoder().decode(msg.data)) as {
            server?: { id?: unknown };
            client?: { id?: unknown };
          };
          live.delete(`${String(ev.server?.id)}/${String(ev.client?.id)}`);
        } catch {
          // not an event we read
        }
      },
    });
    purge = setInterval(() => {
      const t = now();
      for (const [key, entry] of live) if (entry.expiresAt <= t) live.delete(key);
    }, 10_000);
    purge.unref();
  } else {
    logger.warn(
      { code: 'W_NATS_NO_SYSTEM_USER', maxLifetimeSeconds: maxLifetimeMs / 1000 },
      'authd.nats: no system user: a revoked credential ends live connections only when their user JWT expires',
    );
  }
  await nc.flush();
  for (const u of options.plan.unmapped)
    logger.warn(
      { code: 'W_NATS_UNMAPPED', operation: u.id, reason: u.reason },
      'authd.nats: operation not granted on NATS',
    );

  const kick = (entry: LiveConnection): void => {
    const s = sys;
    if (s === null) return;
    counts.kicked++;
    s.request(
      `$SYS.REQ.SERVER.${entry.serverId}.KICK`,
      new TextEncoder().encode(JSON.stringify({ cid: entry.clientId })),
      {
        timeout: 5000,
      },
    ).catch((e: unknown) => logger.warn({ err: errorCode(e) }, 'authd.nats.kick_failed'));
  };

  return Object.freeze({
    serverVersion: version,
    canEndLiveConnections: sys !== null,
    ready: () => !closed && connected,
    stats: () => Object.freeze({ ...counts, live: live.size }),
    endSessions(shouldEnd: (session: Session) => boolean): number {
      let n = 0;
      for (const [key, entry] of live) {
        if (!shouldEnd(entry.session)) continue;
        live.delete(key);
        kick(entry);
        n++;
      }
      return n;
    },
    async close() {
      if (closed) return;
      closed = true;
      if (purge !== null) clearInterval(purge);
      sub.unsubscribe();
      disconnects?.unsubscribe();
      await Promise.allSettled([...pending]);
      await Promise.allSettled([nc.close(), sys?.close()]);
      live.clear();
    },
  });
}

interface NatsTarget {
  readonly hostname: string;
  readonly hostPort: string;
  readonly tls: boolean;
  /** For messages: the URL without anything else. */
  readonly description: string;
}

function parseNatsUrl(url: string): NatsTarget | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if ((u.protocol !== 'nats:' && u.protocol !== 'tls:') || u.username !== '' || u.password !== '' || u.hostname === '')
    return null;
  const hostPort = `${u.hostname}:${u.port === '' ? 4222 : u.port}`;
  const hostname = u.hostname.replace(/^\[(.*)\]$/, '$1');
  return { hostname, hostPort, tls: u.protocol === 'tls:', description: `${u.protocol}//${hostPort}` };
}

async function connectTo(
  target: NatsTarget,
  ca: string | undefined,
  login: NatsLogin,
  name: string,
  timeoutMs: number | undefined,
): Promise<NatsConnection> {
  try {
    return await connect({
      servers: [target.hostPort],
      name,
      user: login.user,
      pass: login.password,
      timeout: timeoutMs ?? 5000,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 1000,
      // With `tls` set nats.js refuses a server without TLS and checks its certificate against `ca`;
      // it hands the object to tls.connect, so minVersion (absent from its type) applies too.
      ...(target.tls && ca !== undefined ? { tls: { ca, minVersion: 'TLSv1.2' } as TlsOptions } : {}),
    });
  } catch (error) {
    // nats.js error text may name the server list; report by code only.
    throw new BrokerError(
      'ERR_BROKER_UNAVAILABLE',
      `NATS at ${target.description} did not accept authd's connection (${errorCode(error)})`,
      {
        pointer: 'authd.nats.url',
        expected: 'a reachable nats-server where the configured user may log in',
      },
    );
  }
}

function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : err instanceof Error ? err.name : 'error';
}
