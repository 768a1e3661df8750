// The AMQP 0-9-1 prober (`amqp`, `amqps`; docs/probe.md, "AMQP 0-9-1"): transport, then what Connection.Start
// offers against what the document declares, then single login attempts on a raw socket (no credentials, the
// default `guest`/`guest`, one wrong credential per declared scheme), then each test principal connects through
// amqplib and, per operation, a principal that satisfies it may publish or subscribe and one that lacks it may not;
// an undeclared routing key and the all-topics binding `#` on `amq.topic` are refused. Exchanges, routing keys and
// queues come from authd's mapping (./destination.ts), so probe tests what authd enforces.

import { randomBytes } from 'node:crypto';
import { buildRabbitMap, vhostOfServer, type RabbitServerMap } from '../../brokers/rabbitmq/mapping.js';
import { DEFAULT_PERSPECTIVE, wireActionOf } from '../../guard/perspective.js';
import { toSecurityModel } from '../../model/index.js';
import type { AnalyzedOperation, Scheme } from '../../model/types.js';
import { probePayload, probeUserName, sampleAddress, undeclaredAddress } from '../plan.js';
import {
  principalsForByCredential,
  serverPrincipalsByCredential,
  skipSchemesWithoutPrincipal,
} from '../credential-match.js';
import { checkTransport, type ProtocolHello } from '../transport.js';
import type { Evidence, FindingMeta, ProbeContext, Prober, TestPrincipal } from '../types.js';
import { serverName, trustAnchors } from '../wire.js';
import type { ChannelModel } from 'amqplib';
import {
  bindAmqp,
  closeAmqp,
  openAmqp,
  publishAmqp,
  subscribeAmqp,
  type AmqpEndpoint,
  type AmqpLogin,
  type StepAnswer,
} from './client.js';
import { amqpDestination, topicRoutingKey, type AmqpDestination } from './destination.js';
import { amqpHandshake, type AmqpTarget, type HandshakeResult } from './handshake.js';
import {
  AMQP_0_9_1_HEADER,
  CONNECTION_CLASS,
  FRAME_METHOD,
  METHOD_START,
  METHOD_TUNE,
  amqplainResponse,
  encodeStartOk,
  plainResponse,
  readFrame,
  readMethodHeader,
} from './wire.js';

export const amqpFindings: readonly FindingMeta[] = [
  {
    id: 'amqp-guest-accepted',
    severity: 'error',
    category: 'authentication',
    description: "RabbitMQ's default user `guest` with password `guest` is accepted",
  },
];

/** The SASL mechanisms a scheme's credential travels in over AMQP 0-9-1 (RabbitMQ: AMQPLAIN is PLAIN's twin). */
export function mechanismsOf(scheme: Scheme | undefined): readonly string[] {
  switch (scheme?.type) {
    case 'userPassword':
    case 'plain':
    case 'apiKey':
    case 'http':
    case 'oauth2':
    case 'openIdConnect':
      return ['PLAIN', 'AMQPLAIN'];
    case 'X509':
      return ['EXTERNAL'];
    case 'scramSha256':
      return ['SCRAM-SHA-256'];
    case 'scramSha512':
      return ['SCRAM-SHA-512'];
    case 'gssapi':
      return ['GSSAPI'];
    default:
      return [];
  }
}

/**
 * The transport checks' hello: the protocol header and, pipelined, a Start-Ok for EXTERNAL with no certificate.
 * Connection.Start then Tune: the server let the client in; Start then Close or a close: it answered and refused;
 * no Start: it does not speak AMQP 0-9-1 on that connection.
 */
export const amqpHello: ProtocolHello = {
  bytes: Buffer.concat([AMQP_0_9_1_HEADER, encodeStartOk('EXTERNAL', Buffer.alloc(0))]),
  describe: 'AMQP 0-9-1 protocol header and connection.start-ok EXTERNAL without a certificate',
  complete: (received) => methodsOf(received).length >= 2,
  classify: (answer) => {
    const methods = methodsOf(answer.bytes);
    if (methods[0] !== METHOD_START) return 'none';
    return methods[1] === METHOD_TUNE ? 'accepted' : 'refused';
  },
};

/** The connection-class method ids of the whole frames at the start of `bytes`. */
function methodsOf(bytes: Buffer): number[] {
  const out: number[] = [];
  let rest = bytes;
  for (;;) {
    const read = readFrame(rest);
    if (read.kind !== 'frame') return out;
    rest = rest.subarray(read.bytes);
    const head = read.type === FRAME_METHOD ? readMethodHeader(read.payload) : null;
    if (head !== null && head.classId === CONNECTION_CLASS) out.push(head.methodId);
  }
}

function schemeOf(ctx: ProbeContext, name: string): Scheme | undefined {
  return ctx.analysis.schemes.get(name)?.scheme;
}

/** How a principal logs in over AMQP 0-9-1; null when its scheme has no AMQP form probe knows. */
export function amqpLogin(scheme: Scheme | undefined, p: TestPrincipal): AmqpLogin | null {
  const user = p.user ?? p.name;
  switch (scheme?.type) {
    case 'userPassword':
    case 'plain':
      return p.password === undefined ? null : { mechanism: 'PLAIN', username: user, password: p.password };
    case 'apiKey':
      if (p.apiKey === undefined) return null;
      return scheme['in'] === 'user'
        ? { mechanism: 'PLAIN', username: p.apiKey, password: '' }
        : { mechanism: 'PLAIN', username: user, password: p.apiKey };
    case 'http':
      if (String(scheme['scheme']).toLowerCase() === 'basic') {
        return p.password === undefined ? null : { mechanism: 'PLAIN', username: user, password: p.password };
      }
      return p.token === undefined ? null : { mechanism: 'PLAIN', username: user, password: p.token };
    case 'oauth2':
    case 'openIdConnect':
      // RabbitMQ's OAuth 2.0 backend reads the token from the password field.
      return p.token === undefined ? null : { mechanism: 'PLAIN', username: user, password: p.token };
    case 'X509':
      return p.cert === undefined || p.key === undefined ? null : { mechanism: 'EXTERNAL', cert: p.cert, key: p.key };
    default:
      return null;
  }
}

interface Setup {
  readonly raw: AmqpTarget;
  readonly endpoint: AmqpEndpoint;
  readonly map: RabbitServerMap | null;
}

function setup(ctx: ProbeContext): Setup {
  const name = serverName(ctx.target.host);
  const tlsBase = {
    ca: trustAnchors(ctx.ca),
    ...(name === undefined ? {} : { servername: name }),
  };
  const model = toSecurityModel(ctx.analysis);
  const server = model.servers.find((s) => s.name === ctx.server.name);
  const map =
    server === undefined
      ? null
      : buildRabbitMap(ctx.document, model, server, vhostOfServer(server), (op) =>
          wireActionOf(op.action, DEFAULT_PERSPECTIVE),
        );
  return {
    // Raw login attempts send nothing a principal owns: an unverified server is still spoken to.
    raw: {
      host: ctx.target.host,
      port: ctx.target.port,
      timeoutMs: ctx.timeoutMs,
      ...(ctx.target.tls ? { tls: { ...tlsBase, rejectUnauthorized: false } } : {}),
    },
    endpoint: {
      host: ctx.target.host,
      port: ctx.target.port,
      vhost: map?.vhost ?? '/',
      timeoutMs: ctx.timeoutMs,
      ...(ctx.target.tls ? { tls: { ...tlsBase, rejectUnauthorized: true, minVersion: 'TLSv1.2' as const } } : {}),
    },
    map,
  };
}

function startText(result: HandshakeResult): string {
  if (!result.ok) return `${result.stage}: ${result.reason}`;
  const p = result.start.serverProperties;
  const product = [p['product'], p['version']].filter((x) => x !== undefined).join(' ');
  const offered = `connection.start (${product || 'unnamed server'}), mechanisms ${result.start.mechanisms.join(' ')}`;
  if (result.login === null) return offered;
  const login = result.login;
  const answer =
    login.kind === 'refused'
      ? `refused${login.replyCode === null ? ' (connection closed)' : ` (${login.replyCode} ${login.replyText ?? ''})`}`
      : login.kind === 'accepted'
        ? 'connection.tune (accepted)'
        : login.kind === 'challenged'
          ? 'connection.secure (a challenge)'
          : 'the mechanism is not offered';
  return `${offered}; ${answer}`;
}

function checkMechanisms(ctx: ProbeContext, offered: readonly string[], evidence: Evidence): void {
  const id = 'auth-mechanism-undeclared';
  if (ctx.server.security.alternatives.length === 0) {
    ctx.record({ id, status: 'skipped', message: 'the document declares no security for this server', evidence });
    return;
  }
  const declared = new Set(ctx.declaredSchemes.flatMap((s) => mechanismsOf(schemeOf(ctx, s))));
  const undeclared = offered.filter((m) => !declared.has(m));
  const where = ctx.target.tls ? 'over TLS' : 'on a cleartext listener';
  if (undeclared.length === 0) {
    ctx.record({
      id,
      status: 'pass',
      message: `the server offers only declared mechanisms (${offered.join(' ')})`,
      evidence,
    });
  } else {
    ctx.record({
      id,
      status: 'fail',
      message: `the server offers ${undeclared.join(', ')} ${where}, which no declared scheme uses`,
      evidence,
    });
  }
}

/** One login attempt on a raw socket; `accepted` true/false, or null when the server gave no login answer. */
async function attempt(
  s: Setup,
  mechanism: string,
  response: Buffer,
): Promise<{ accepted: boolean | null; text: string }> {
  const result = await amqpHandshake(s.raw, { mechanism, response });
  const text = startText(result);
  if (!result.ok || result.login === null) return { accepted: null, text };
  const kind = result.login.kind;
  return { accepted: kind === 'accepted' ? true : kind === 'not-offered' ? null : false, text };
}

async function checkAnonymous(ctx: ProbeContext, s: Setup, offered: readonly string[]): Promise<boolean> {
  const id = 'auth-anonymous-accepted';
  if (ctx.server.security.alternatives.length === 0) {
    ctx.record({ id, status: 'skipped', message: 'the document declares no security for this server' });
    return false;
  }
  // ANONYMOUS where offered (RFC 4505); else PLAIN with an empty user and password; else EXTERNAL without a
  // certificate. Each is a login without any credential.
  const [mechanism, response, sent] = offered.includes('ANONYMOUS')
    ? ['ANONYMOUS', Buffer.alloc(0), 'connection.start-ok ANONYMOUS']
    : offered.includes('PLAIN')
      ? ['PLAIN', plainResponse('', ''), 'connection.start-ok PLAIN with an empty user and password']
      : ['EXTERNAL', Buffer.alloc(0), 'connection.start-ok EXTERNAL without a client certificate'];
  if (!offered.includes(mechanism)) {
    ctx.record({ id, status: 'pass', message: 'no offered mechanism works without a credential' });
    return false;
  }
  const result = await attempt(s, mechanism, response);
  const evidence = { sent, received: result.text };
  if (result.accepted === null) {
    ctx.record({ id, status: 'skipped', message: 'no answer to the login', evidence });
    return false;
  }
  ctx.record({
    id,
    status: result.accepted ? 'fail' : 'pass',
    message: result.accepted ? 'a login without credentials is accepted' : 'a login without credentials is refused',
    evidence,
  });
  return result.accepted;
}

async function checkGuest(ctx: ProbeContext, s: Setup, offered: readonly string[]): Promise<boolean> {
  const id = 'amqp-guest-accepted';
  const declaredGuest = ctx.declaredSchemes.some((n) => ctx.principals(n).some((p) => (p.user ?? p.name) === 'guest'));
  if (declaredGuest) {
    ctx.record({ id, status: 'skipped', message: 'the credentials file has a test principal named guest' });
    return false;
  }
  if (!offered.includes('PLAIN')) {
    ctx.record({ id, status: 'pass', message: 'PLAIN is not offered: guest/guest cannot be presented' });
    return false;
  }
  const result = await attempt(s, 'PLAIN', plainResponse('guest', 'guest'));
  const evidence = {
    sent: 'connection.start-ok PLAIN user guest, password guest (RabbitMQ default)',
    received: result.text,
  };
  if (result.accepted === null) {
    ctx.record({ id, status: 'skipped', message: 'no answer to the login', evidence });
    return false;
  }
  ctx.record({
    id,
    status: result.accepted ? 'fail' : 'pass',
    message: result.accepted ? 'the default guest/guest login is accepted' : 'the default guest/guest login is refused',
    evidence,
  });
  return result.accepted;
}

async function checkWrongCredentials(ctx: ProbeContext, s: Setup, offered: readonly string[]): Promise<void> {
  const id = 'auth-wrong-credential-accepted';
  for (const name of ctx.declaredSchemes) {
    const mechanisms = mechanismsOf(schemeOf(ctx, name));
    if (!mechanisms.includes('PLAIN')) {
      const type = schemeOf(ctx, name)?.type ?? 'unresolved';
      const why =
        type === 'X509'
          ? 'a certificate is judged by the TLS checks'
          : `probe sends no wrong ${type} credential over AMQP`;
      ctx.record({ id, status: 'skipped', message: `${name}: ${why}` });
      continue;
    }
    // Nobody's user name (plan.ts, probeUserName): a test principal's login throttling count is left alone.
    const user = probeUserName();
    const wrong = `wrong-${randomBytes(12).toString('hex')}`;
    const mechanism = offered.includes('PLAIN') ? 'PLAIN' : 'AMQPLAIN';
    const response = mechanism === 'PLAIN' ? plainResponse(user, wrong) : amqplainResponse(user, wrong);
    const result = await attempt(s, mechanism, response);
    const evidence = {
      sent: `connection.start-ok ${mechanism} user ${user}, a wrong password ***`,
      received: result.text,
    };
    if (result.accepted === null) {
      ctx.record({ id, status: 'skipped', message: `${name}: the server offers neither PLAIN nor AMQPLAIN`, evidence });
      continue;
    }
    ctx.record({
      id,
      status: result.accepted ? 'fail' : 'pass',
      message: result.accepted ? `a wrong ${name} credential is accepted` : `a wrong ${name} credential is refused`,
      evidence,
    });
  }
}

/** Each server principal connects once; the open connections are kept for the authorization checks. */
async function checkCredentials(
  ctx: ProbeContext,
  s: Setup,
  verified: boolean,
): Promise<Map<TestPrincipal, ChannelModel>> {
  const id = 'auth-credential-refused';
  const open = new Map<TestPrincipal, ChannelModel>();
  skipSchemesWithoutPrincipal(ctx);
  for (const p of serverPrincipalsByCredential(ctx)) {
    const login = amqpLogin(schemeOf(ctx, p.scheme), p);
    if (login === null) {
      ctx.record({ id, status: 'skipped', message: `${p.name} has no credential probe can send over AMQP` });
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
    const opened = await openAmqp(s.endpoint, login);
    const evidence = {
      sent:
        `connection.start-ok ${login.mechanism} as ${ctx.describeCredential(p)}, ` +
        `connection.open vhost ${s.endpoint.vhost}`,
      received: opened.ok ? 'connection.open-ok' : opened.answer,
    };
    if (opened.ok) open.set(p, opened.connection);
    ctx.record({
      id,
      status: opened.ok ? 'pass' : 'fail',
      message: opened.ok ? `${p.name} connects with ${p.scheme}` : `${p.name} is refused with ${p.scheme}`,
      evidence,
    });
  }
  return open;
}

type Usable = Exclude<AmqpDestination, { kind: 'unusable' }>;

function mayOrNot(answer: StepAnswer): string {
  return answer.verdict === 'accepted' ? 'may' : 'may not';
}

function verbOf(action: 'publish' | 'subscribe'): string {
  return action === 'publish' ? 'publish to' : 'subscribe to';
}

function perform(
  ctx: ProbeContext,
  connection: ChannelModel,
  action: 'publish' | 'subscribe',
  destination: Usable,
): Promise<StepAnswer> {
  return action === 'publish'
    ? publishAmqp(connection, destination, probePayload(), ctx.timeoutMs)
    : subscribeAmqp(connection, destination, ctx.timeoutMs);
}

function describe(destination: Usable): string {
  return destination.kind === 'queue'
    ? `queue ${destination.queue}`
    : `${destination.exchange} with routing key ${destination.routingKey}`;
}

async function checkOperation(
  ctx: ProbeContext,
  s: Setup,
  op: AnalyzedOperation,
  open: ReadonlyMap<TestPrincipal, ChannelModel>,
): Promise<void> {
  const action = wireActionOf(op.action, DEFAULT_PERSPECTIVE);
  const address = sampleAddress(ctx, op);
  const target = s.map?.targets.find((t) => t.channel === op.channel);
  const destination = address === null ? null : amqpDestination(target, address);
  const { allowed, lacking } = principalsForByCredential(ctx, op);
  const cases = [
    ['authz-operation-refused', allowed],
    ['authz-requirement-not-enforced', lacking],
  ] as const;
  for (const [id, principal] of cases) {
    const base = { id, operation: op.id };
    if (destination === null || destination.kind === 'unusable') {
      const why = destination === null ? `the channel ${op.channel} has no address to probe` : destination.reason;
      ctx.record({ ...base, status: 'skipped', message: `${op.id}: ${why}` });
      continue;
    }
    if (principal === undefined) {
      if (id === 'authz-operation-refused') {
        ctx.record({
          ...base,
          status: 'skipped',
          message: `the credentials file has no principal that satisfies ${op.id}`,
        });
      }
      continue;
    }
    const connection = open.get(principal);
    if (connection === undefined) {
      ctx.record({ ...base, status: 'skipped', message: `${op.id}: ${principal.name} has no open connection` });
      continue;
    }
    const did = await perform(ctx, connection, action, destination);
    const evidence = { sent: `${action} ${describe(destination)} as ${principal.name}`, received: did.answer };
    const where = describe(destination);
    if (did.verdict === 'other') {
      ctx.record({ ...base, status: 'skipped', message: `${op.id}: no verdict (${did.answer})`, evidence });
    } else if (id === 'authz-operation-refused') {
      ctx.record({
        ...base,
        status: did.verdict === 'accepted' ? 'pass' : 'fail',
        message:
          did.verdict === 'accepted'
            ? `${principal.name} may ${verbOf(action)} ${where}`
            : `${principal.name} satisfies ${op.id} but may not ${verbOf(action)} ${where}`,
        evidence,
      });
    } else {
      ctx.record({
        ...base,
        status: did.verdict === 'accepted' ? 'fail' : 'pass',
        message:
          did.verdict === 'accepted'
            ? `${principal.name} lacks ${op.id}'s requirement but may ${verbOf(action)} ${where}`
            : `${principal.name} lacks ${op.id}'s requirement and may not ${verbOf(action)} ${where}`,
        evidence,
      });
    }
  }
}

async function checkUndeclaredAndAllTopics(
  ctx: ProbeContext,
  actor: { label: string; connection: ChannelModel } | undefined,
): Promise<void> {
  const id = 'authz-undeclared-channel-accepted';
  const allId = 'authz-all-topics-accepted';
  if (actor === undefined) {
    const message = 'no client gets in to try it (no working principal in the credentials file)';
    ctx.record({ id, status: 'skipped', message });
    ctx.record({ id: allId, status: 'skipped', message });
    return;
  }
  const address = undeclaredAddress(ctx);
  if (address === null) {
    ctx.record({ id, status: 'skipped', message: "the document's channel templates cover every address" });
  } else {
    const destination: Usable = { kind: 'routingKey', exchange: 'amq.topic', routingKey: topicRoutingKey(address) };
    for (const action of ['subscribe', 'publish'] as const) {
      const did = await perform(ctx, actor.connection, action, destination);
      const evidence = { sent: `${action} ${describe(destination)} as ${actor.label}`, received: did.answer };
      ctx.record({
        id,
        status: did.verdict === 'accepted' ? 'fail' : did.verdict === 'refused' ? 'pass' : 'skipped',
        message:
          did.verdict === 'other'
            ? `no verdict on the undeclared ${destination.routingKey} (${did.answer})`
            : `${actor.label} ${mayOrNot(did)} ${verbOf(action)} the undeclared ${destination.routingKey}`,
        evidence,
      });
    }
  }
  const all = await bindAmqp(actor.connection, 'amq.topic', '#', ctx.timeoutMs);
  ctx.record({
    id: allId,
    status: all.verdict === 'accepted' ? 'fail' : all.verdict === 'refused' ? 'pass' : 'skipped',
    message:
      all.verdict === 'other'
        ? `no verdict on binding # (${all.answer})`
        : `${actor.label} ${mayOrNot(all)} bind a queue to amq.topic with # (every topic)`,
    evidence: {
      sent: `queue.declare (server-named, exclusive), queue.bind amq.topic # as ${actor.label}`,
      received: all.answer,
    },
  });
}

async function probeAmqp(ctx: ProbeContext): Promise<void> {
  const { verified } = await checkTransport(ctx, amqpHello);
  if (ctx.signal.aborted) return;
  const s = setup(ctx);
  const start = await amqpHandshake(s.raw);
  const evidence = { sent: 'AMQP 0-9-1 protocol header', received: startText(start) };
  if (!start.ok) {
    ctx.record({ id: 'auth-mechanism-undeclared', status: 'skipped', message: 'no connection.start', evidence });
    return;
  }
  const offered = start.start.mechanisms;
  checkMechanisms(ctx, offered, evidence);
  const anonymousIn = await checkAnonymous(ctx, s, offered);
  const guestIn = await checkGuest(ctx, s, offered);
  await checkWrongCredentials(ctx, s, offered);
  const open = await checkCredentials(ctx, s, verified);
  const extra: ChannelModel[] = [];
  try {
    for (const op of ctx.operations) {
      if (ctx.signal.aborted) return;
      await checkOperation(ctx, s, op, open);
    }
    // With no principal that gets in, what `guest` (or an anonymous client) may do is what anyone may do.
    let actor: { label: string; connection: ChannelModel } | undefined;
    const first = [...open.entries()][0];
    if (first !== undefined) actor = { label: first[0].name, connection: first[1] };
    else if (guestIn || anonymousIn) {
      const login: AmqpLogin = guestIn
        ? { mechanism: 'PLAIN', username: 'guest', password: 'guest' }
        : { mechanism: 'PLAIN', username: '', password: '' };
      const opened = await openAmqp(s.endpoint, login);
      if (opened.ok) {
        extra.push(opened.connection);
        actor = { label: guestIn ? 'guest' : 'anonymous', connection: opened.connection };
      }
    }
    await checkUndeclaredAndAllTopics(ctx, actor);
  } finally {
    await Promise.all([...open.values(), ...extra].map((c) => closeAmqp(c)));
  }
}

export const amqpProber: Prober = {
  protocols: ['amqp', 'amqps'],
  defaultPorts: { amqp: 5672, amqps: 5671 },
  findings: amqpFindings,
  probe: probeAmqp,
};
