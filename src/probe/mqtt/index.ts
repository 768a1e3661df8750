// The MQTT prober (`mqtt`, `mqtts`, `secure-mqtt`; 3.1.1, or 5 where the document says so): transport, then
// authentication from CONNACK codes, then authorization with SUBACK codes and, for publishes, a second
// connection that watches for the message (a 3.1.1 broker acknowledges a refused publish, or stays silent at QoS
// 0: silence proves nothing). docs/probe.md, "MQTT".

import { randomBytes } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import type { Scheme } from '../../model/types.js';
import { checkTransport, type ProtocolHello } from '../transport.js';
import { probePayload, sampleAddress, probeUserName, undeclaredAddress } from '../plan.js';
import { principalsForByCredential } from '../credential-match.js';
import type { ProbeContext, Prober, TestPrincipal } from '../types.js';
import {
  awaitDelivery,
  closeMqtt,
  connectMqtt,
  publishMqtt,
  subscribeMqtt,
  type Connected,
  type MqttLogin,
} from './client.js';

export const mqttProber: Prober = {
  protocols: ['mqtt', 'mqtts', 'secure-mqtt', 'mqtt5'],
  defaultPorts: { mqtt: 1883, mqtt5: 1883, mqtts: 8883, 'secure-mqtt': 8883 },
  findings: [],
  probe: probeMqtt,
};

/** A CONNECT without credentials (MQTT 3.1.1 §3.1): clean session, keep alive 60, client id `agp`. */
export const mqttHello: ProtocolHello = {
  bytes: Buffer.from([
    0x10, 0x0f, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3c, 0x00, 0x03, 0x61, 0x67, 0x70,
  ]),
  describe: 'MQTT CONNECT without credentials',
  complete: (b) => b.length >= 4,
  classify: (a) => {
    if (a.bytes.length < 4 || a.bytes[0] !== 0x20) return 'none';
    return a.bytes[3] === 0 ? 'accepted' : 'refused';
  },
};

async function probeMqtt(ctx: ProbeContext): Promise<void> {
  const { verified } = await checkTransport(ctx, mqttHello);
  if (ctx.signal.aborted) return;
  const anonymousIn = await checkAnonymous(ctx);
  await checkWrongCredentials(ctx);
  ctx.record({
    id: 'auth-mechanism-undeclared',
    status: 'skipped',
    message:
      'MQTT announces no mechanisms; the CONNACK codes of the anonymous and wrong-credential checks stand for it',
  });
  const sessions = new Sessions(ctx);
  try {
    const connectable = await checkCredentials(ctx, verified, sessions);
    if (ctx.signal.aborted) return;
    // With no principal that gets in, an open server's anonymous client still shows what anyone may do.
    const actor: Actor | undefined = connectable[0] ?? (anonymousIn ? { login: {}, label: 'anonymous' } : undefined);
    await checkOperations(ctx, verified, sessions);
    await checkUndeclared(ctx, actor, sessions);
    await checkAllTopics(ctx, actor, sessions);
  } finally {
    await sessions.closeAll();
  }
}

interface Actor {
  readonly login: MqttLogin;
  readonly label: string;
}

/**
 * Connections kept for the authorization checks, one per principal and role (acting, watching), reused across
 * operations: each CONNECT costs the server a password hash or a signature check, so a probe opens few. A connection
 * the server closed (a refused publish) is opened again when next needed. All are closed at the end.
 */
class Sessions {
  private readonly open = new Map<string, MqttClient>();
  private readonly ctx: ProbeContext;
  constructor(ctx: ProbeContext) {
    this.ctx = ctx;
  }

  async get(actor: Actor, role: 'act' | 'watch'): Promise<Connected> {
    const key = `${role}\u0000${actor.label}`;
    const cached = this.open.get(key);
    if (cached !== undefined && cached.connected && !cached.disconnecting) {
      return { ok: true, client: cached, answer: 'CONNACK 0 (accepted)' };
    }
    const connected = await connectMqtt(this.ctx, actor.login, actor.label !== 'anonymous');
    if (connected.ok) this.open.set(key, connected.client);
    return connected;
  }

  /** Keeps a connection a check already opened, as the acting one of its principal. */
  keep(actor: Actor, client: MqttClient): void {
    this.open.set(`act\u0000${actor.label}`, client);
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.open.values()].map((client) => closeMqtt(this.ctx, client)));
    this.open.clear();
  }
}

function schemeOf(ctx: ProbeContext, name: string): Scheme | undefined {
  return ctx.analysis.schemes.get(name)?.scheme;
}

/** How a principal of `scheme` logs in over MQTT; null when the scheme has no MQTT form probe knows. */
export function mqttLogin(scheme: Scheme, p: TestPrincipal): MqttLogin | null {
  const user = p.user ?? p.name;
  switch (scheme.type) {
    case 'userPassword':
      return p.password === undefined ? null : { username: user, password: p.password };
    case 'apiKey':
      if (p.apiKey === undefined) return null;
      return scheme['in'] === 'user' ? { username: p.apiKey } : { username: user, password: p.apiKey };
    case 'http':
    case 'oauth2':
    case 'openIdConnect':
      if (scheme.type === 'http' && String(scheme['scheme']).toLowerCase() !== 'bearer') return null;
      return p.token === undefined ? null : { username: user, password: p.token };
    case 'X509':
      return p.cert === undefined || p.key === undefined ? null : { cert: p.cert, key: p.key };
    default:
      return null;
  }
}

/** One wrong credential of the scheme's MQTT form (random, so it can match nothing); null when there is none. */
function wrongLogin(scheme: Scheme, user: string): MqttLogin | null {
  const wrong = `wrong-${randomBytes(12).toString('hex')}`;
  switch (scheme.type) {
    case 'userPassword':
      return { username: user, password: wrong };
    case 'apiKey':
      return scheme['in'] === 'user' ? { username: wrong } : { username: user, password: wrong };
    case 'http':
    case 'oauth2':
    case 'openIdConnect':
      // Three base64url parts: a token's shape, signed by nobody.
      return { username: user, password: `eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwcm9iZSJ9.${wrong}` };
    default:
      return null;
  }
}

async function checkAnonymous(ctx: ProbeContext): Promise<boolean> {
  const id = 'auth-anonymous-accepted';
  if (ctx.server.security.alternatives.length === 0) {
    ctx.record({ id, status: 'skipped', message: 'the document declares no security for this server' });
    return false;
  }
  const sent = 'CONNECT without user name, password or client certificate';
  const result = await connectMqtt(ctx, {}, false);
  if (!result.ok && result.silent === true) {
    ctx.record({
      id,
      status: 'skipped',
      message: silentMessage(result.answer),
      evidence: { sent, received: result.answer },
    });
    return false;
  }
  if (result.ok) {
    await closeMqtt(ctx, result.client);
    ctx.record({
      id,
      status: 'fail',
      message: 'a client without credentials is accepted',
      evidence: { sent, received: result.answer },
    });
    return true;
  }
  ctx.record({
    id,
    status: 'pass',
    message: 'a client without credentials is refused',
    evidence: { sent, received: result.answer },
  });
  return false;
}

async function checkWrongCredentials(ctx: ProbeContext): Promise<void> {
  const id = 'auth-wrong-credential-accepted';
  for (const name of ctx.declaredSchemes) {
    const scheme = schemeOf(ctx, name);
    const login = scheme === undefined ? null : wrongLogin(scheme, probeUserName());
    if (login === null) {
      ctx.record({
        id,
        status: 'skipped',
        message: `probe has no wrong ${scheme?.type ?? 'unresolved'} credential to send over MQTT for ${name}`,
      });
      continue;
    }
    const userText = login.username === undefined ? '' : ` (user ${login.username})`;
    const sent = `CONNECT for ${name} with a wrong ${scheme!.type} credential${userText}`;
    const result = await connectMqtt(ctx, login, false);
    if (result.ok) await closeMqtt(ctx, result.client);
    if (!result.ok && result.silent === true) {
      ctx.record({
        id,
        status: 'skipped',
        message: silentMessage(result.answer),
        evidence: { sent, received: result.answer },
      });
      continue;
    }
    ctx.record({
      id,
      status: result.ok ? 'fail' : 'pass',
      message: result.ok ? `a wrong ${name} credential is accepted` : `a wrong ${name} credential is refused`,
      evidence: { sent, received: result.answer },
    });
  }
}

/** Each declared scheme's test principals connect; returns the ones that got in, as actors. */
async function checkCredentials(ctx: ProbeContext, verified: boolean, sessions: Sessions): Promise<Actor[]> {
  const id = 'auth-credential-refused';
  const actors: Actor[] = [];
  for (const name of ctx.declaredSchemes) {
    const principals = ctx.principals(name);
    if (principals.length === 0) {
      ctx.record({ id, status: 'skipped', message: `the credentials file has no principal for ${name}` });
      continue;
    }
    for (const p of principals) {
      const scheme = schemeOf(ctx, name);
      const login = scheme === undefined ? null : mqttLogin(scheme, p);
      if (login === null) {
        ctx.record({
          id,
          status: 'skipped',
          message: `${p.name} has no credential probe can send over MQTT for ${name}`,
        });
        continue;
      }
      if (!verified) {
        ctx.record({
          id,
          status: 'skipped',
          message: `${p.name}'s credential is not sent: the server's certificate does not verify`,
        });
        continue;
      }
      const sent = `CONNECT as ${ctx.describeCredential(p)}`;
      const result = await connectMqtt(ctx, login, true);
      if (result.ok) {
        const actor = { login, label: p.name };
        sessions.keep(actor, result.client);
        actors.push(actor);
      }
      ctx.record({
        id,
        status: result.ok ? 'pass' : 'fail',
        message: result.ok ? `${p.name} connects with ${name}` : `${p.name} is refused with ${name}`,
        evidence: { sent, received: result.answer },
      });
    }
  }
  return actors;
}

function loginOf(ctx: ProbeContext, p: TestPrincipal): MqttLogin | null {
  const scheme = schemeOf(ctx, p.scheme);
  return scheme === undefined ? null : mqttLogin(scheme, p);
}

/** Per operation: its allowed principal may do it; one lacking the operation's own requirement may not. */
async function checkOperations(ctx: ProbeContext, verified: boolean, sessions: Sessions): Promise<void> {
  for (const op of ctx.operations) {
    if (ctx.signal.aborted) return;
    const topic = sampleAddress(ctx, op);
    const { allowed, lacking } = principalsForByCredential(ctx, op);
    if (topic === null) {
      ctx.record({
        id: 'authz-operation-refused',
        status: 'skipped',
        operation: op.id,
        message: `the channel ${op.channel} has no address to probe`,
      });
      continue;
    }
    if (!verified) {
      ctx.record({
        id: 'authz-operation-refused',
        status: 'skipped',
        operation: op.id,
        message: "no credential is sent: the server's certificate does not verify",
      });
      continue;
    }
    const allowedLogin = allowed === undefined ? null : loginOf(ctx, allowed);
    if (allowed === undefined || allowedLogin === null) {
      ctx.record({
        id: 'authz-operation-refused',
        status: 'skipped',
        operation: op.id,
        message: `the credentials file has no principal that satisfies ${op.id}`,
      });
    } else {
      const actor = { login: allowedLogin, label: allowed.name };
      const did = await perform(ctx, sessions, op.action, actor, topic, actor);
      ctx.record({
        id: 'authz-operation-refused',
        status: did.verdict === 'accepted' ? 'pass' : did.verdict === 'refused' ? 'fail' : 'skipped',
        operation: op.id,
        message:
          did.verdict === 'accepted'
            ? `${allowed.name} may ${verb(op.action)} ${topic}`
            : did.verdict === 'refused'
              ? `${allowed.name} satisfies ${op.id} but may not ${verb(op.action)} ${topic}`
              : `whether ${allowed.name} may ${verb(op.action)} ${topic} could not be told: ${did.why}`,
        evidence: did.evidence,
      });
    }
    if (lacking === undefined) continue;
    const lackingLogin = loginOf(ctx, lacking);
    if (lackingLogin === null) continue;
    const watcher =
      allowedLogin === null || allowed === undefined ? undefined : { login: allowedLogin, label: allowed.name };
    const did = await perform(ctx, sessions, op.action, { login: lackingLogin, label: lacking.name }, topic, watcher);
    ctx.record({
      id: 'authz-requirement-not-enforced',
      status: did.verdict === 'accepted' ? 'fail' : did.verdict === 'refused' ? 'pass' : 'skipped',
      operation: op.id,
      message:
        did.verdict === 'accepted'
          ? `${lacking.name} lacks ${op.id}'s requirement but may ${verb(op.action)} ${topic}`
          : did.verdict === 'refused'
            ? `${lacking.name} lacks ${op.id}'s requirement and may not ${verb(op.action)} ${topic}`
            : `whether ${lacking.name} may ${verb(op.action)} ${topic} could not be told: ${did.why}`,
      evidence: did.evidence,
    });
  }
}

function verb(action: 'send' | 'receive'): string {
  return action === 'send' ? 'publish to' : 'subscribe to';
}

interface Attempt {
  readonly verdict: 'accepted' | 'refused' | 'unknown';
  readonly why: string;
  readonly evidence: { sent: string; received: string };
}

/**
 * `send`: the actor publishes a unique payload at QoS 1 while `watcher` (another connection) is subscribed to the
 * topic; `receive`: the actor subscribes. A client that cannot connect counts as refused.
 */
async function perform(
  ctx: ProbeContext,
  sessions: Sessions,
  action: 'send' | 'receive',
  actor: Actor,
  topic: string,
  watcher: Actor | undefined,
): Promise<Attempt> {
  const connected = await sessions.get(actor, 'act');
  const connectText = `CONNECT as ${actor.label}`;
  if (!connected.ok) {
    return { verdict: 'refused', why: '', evidence: { sent: connectText, received: connected.answer } };
  }
  const client = connected.client;
  if (action === 'receive') {
    const sub = await subscribeMqtt(ctx, client, topic);
    return {
      verdict: sub.granted ? 'accepted' : 'refused',
      why: '',
      evidence: { sent: `${connectText}; SUBSCRIBE ${topic}`, received: sub.answer },
    };
  }
  return publishWatched(ctx, sessions, client, actor, topic, watcher);
}

/** How long a watcher waits for a publish to arrive before calling it not delivered. */
function deliveryWaitMs(ctx: ProbeContext): number {
  return Math.min(ctx.timeoutMs, 1500);
}

async function publishWatched(
  ctx: ProbeContext,
  sessions: Sessions,
  client: MqttClient,
  actor: Actor,
  topic: string,
  watcher: Actor | undefined,
): Promise<Attempt> {
  const payload = probePayload();
  const sent = `CONNECT as ${actor.label}; PUBLISH QoS 1 to ${topic}`;
  let watching: MqttClient | undefined;
  let watchText = 'no watcher';
  if (watcher !== undefined) {
    const w = await sessions.get(watcher, 'watch');
    if (w.ok) {
      const sub = await subscribeMqtt(ctx, w.client, topic);
      if (sub.granted) watching = w.client;
      watchText = `watcher ${watcher.label}: ${sub.answer}`;
    } else {
      watchText = `watcher ${watcher.label}: ${w.answer}`;
    }
  }
  const arrival = watching === undefined ? undefined : awaitDelivery(watching, payload, deliveryWaitMs(ctx));
  const pub = await publishMqtt(ctx, client, topic, payload);
  if (pub.refused) {
    return { verdict: 'refused', why: '', evidence: { sent, received: `${pub.answer}; ${watchText}` } };
  }
  if (arrival === undefined) {
    return {
      verdict: 'unknown',
      why: `a ${pub.answer} does not prove delivery and no connection could watch ${topic}`,
      evidence: { sent, received: `${pub.answer}; ${watchText}` },
    };
  }
  const arrived = await arrival;
  const wait = deliveryWaitMs(ctx);
  return {
    verdict: arrived ? 'accepted' : 'refused',
    why: '',
    evidence: {
      sent,
      received: `${pub.answer}; ${watchText}; ${arrived ? 'the message arrived' : `not delivered within ${wait} ms`}`,
    },
  };
}

async function checkUndeclared(ctx: ProbeContext, actor: Actor | undefined, sessions: Sessions): Promise<void> {
  const id = 'authz-undeclared-channel-accepted';
  if (ctx.signal.aborted) return;
  const topic = undeclaredAddress(ctx);
  if (actor === undefined || topic === null) {
    ctx.record({
      id,
      status: 'skipped',
      message:
        topic === null
          ? "the document's channel templates cover every address"
          : 'no client gets in to try it (no working principal in the credentials file)',
    });
    return;
  }
  for (const action of ['receive', 'send'] as const) {
    const did = await perform(ctx, sessions, action, actor, topic, actor);
    ctx.record({
      id,
      status: did.verdict === 'accepted' ? 'fail' : did.verdict === 'refused' ? 'pass' : 'skipped',
      message:
        did.verdict === 'accepted'
          ? `${actor.label} may ${verb(action)} the undeclared ${topic}`
          : did.verdict === 'refused'
            ? `${actor.label} may not ${verb(action)} the undeclared ${topic}`
            : `whether ${actor.label} may ${verb(action)} the undeclared ${topic} could not be told: ${did.why}`,
      evidence: did.evidence,
    });
  }
}

async function checkAllTopics(ctx: ProbeContext, actor: Actor | undefined, sessions: Sessions): Promise<void> {
  const id = 'authz-all-topics-accepted';
  if (ctx.signal.aborted) return;
  if (actor === undefined) {
    ctx.record({ id, status: 'skipped', message: 'no client gets in to try it (no working principal)' });
    return;
  }
  const did = await perform(ctx, sessions, 'receive', actor, '#', undefined);
  ctx.record({
    id,
    status: did.verdict === 'accepted' ? 'fail' : 'pass',
    message: did.verdict === 'accepted' ? `${actor.label} may subscribe to #` : `${actor.label} may not subscribe to #`,
    evidence: did.evidence,
  });
}

/** A server that does not answer refuses nothing: the check is skipped, not passed. */
function silentMessage(answer: string): string {
  return `the server did not answer (${answer}): a refusal cannot be told from silence`;
}
