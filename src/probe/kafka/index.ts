// The Kafka prober (`kafka`, `kafka-secure`; docs/probe.md, "Kafka"): transport, then ApiVersions and the SASL
// mechanisms SaslHandshake offers against the declared schemes, a request without authentication, one wrong
// credential per declared SASL scheme, each test principal's login, the topics Metadata lists to each principal
// against the ones it may use, then per operation Produce (publish) and Fetch (subscribe) on its topic: a
// principal that satisfies it may, one that lacks it gets TOPIC_AUTHORIZATION_FAILED (29); an undeclared topic is
// refused. A topic is the channel's concrete address, as the Kafka front of `serve` names it.

import { randomBytes } from 'node:crypto';
import type { ConnectionOptions } from 'node:tls';
import { compileAddress } from '../../address/template.js';
import { DEFAULT_PERSPECTIVE, wireActionOf } from '../../guard/perspective.js';
import type { AnalyzedOperation, Scheme } from '../../model/types.js';
import { encodeRecordBatch, type KafkaStruct } from '../../transports/kafka/codec/index.js';
import { probePayload, probeUserName, sampleAddress, undeclaredAddress } from '../plan.js';
import {
  principalsForByCredential,
  satisfiesByCredential,
  serverPrincipalsByCredential,
  skipSchemesWithoutPrincipal,
} from '../credential-match.js';
import { checkTransport, type ProtocolHello } from '../transport.js';
import type { Evidence, FindingMeta, ProbeContext, Prober, TestPrincipal } from '../types.js';
import { serverName, trustAnchors } from '../wire.js';
import {
  API,
  openKafka,
  saslHandshake,
  saslLogin,
  type KafkaConnection,
  type KafkaEndpoint,
  type KafkaLogin,
} from './client.js';

export const kafkaFindings: readonly FindingMeta[] = [
  {
    id: 'kafka-metadata-topics-leaked',
    severity: 'warning',
    category: 'authorization',
    description: 'Metadata lists topics to a principal that no operation it satisfies uses',
  },
];

const TOPIC_AUTHORIZATION_FAILED = 29;
const OFFSET_OUT_OF_RANGE = 1;
/** A mechanism no server offers: SaslHandshake then answers UNSUPPORTED_SASL_MECHANISM with its list. */
const NO_MECHANISM = 'ASYNCAPI-GUARD-PROBE';

/** The SASL mechanisms a scheme's credential travels in over Kafka (the Kafka SASL table, asyncapi/bindings#56). */
export function kafkaMechanismsOf(scheme: Scheme | undefined): readonly string[] {
  switch (scheme?.type) {
    case 'userPassword':
    case 'plain':
    case 'apiKey':
      return ['PLAIN'];
    case 'scramSha256':
      return ['SCRAM-SHA-256'];
    case 'scramSha512':
      return ['SCRAM-SHA-512'];
    case 'oauth2':
    case 'openIdConnect':
      return ['OAUTHBEARER'];
    case 'http':
      return String(scheme['scheme']).toLowerCase() === 'bearer' ? ['OAUTHBEARER'] : ['PLAIN'];
    case 'gssapi':
      return ['GSSAPI'];
    default:
      return [];
  }
}

function frameCount(bytes: Buffer): number {
  let n = 0;
  let at = 0;
  while (bytes.length - at >= 4) {
    const size = bytes.readInt32BE(at);
    if (size < 0 || bytes.length - at - 4 < size) break;
    at += 4 + size;
    n++;
  }
  return n;
}

/**
 * The transport checks' hello: ApiVersions v0, then Metadata v1 for no topic, pipelined. Both answered: the
 * server let an unauthenticated client in; ApiVersions only: it speaks Kafka and refused the rest.
 */
export const kafkaHello: ProtocolHello = {
  bytes: Buffer.concat([
    Buffer.from([0, 0, 0, 10, 0, 18, 0, 0, 0, 0, 0, 1, 0xff, 0xff]),
    Buffer.from([0, 0, 0, 14, 0, 3, 0, 1, 0, 0, 0, 2, 0xff, 0xff, 0, 0, 0, 0]),
  ]),
  describe: 'Kafka ApiVersions v0 and Metadata v1 without authentication',
  complete: (b) => frameCount(b) >= 2,
  classify: (a) => {
    const n = frameCount(a.bytes);
    return n === 0 ? 'none' : n >= 2 ? 'accepted' : 'refused';
  },
};

/** A login: SASL, or the TLS client certificate (X509), which needs no SASL exchange. */
type Login = KafkaLogin | { readonly mechanism: 'X509'; readonly cert: string; readonly key: string };

function schemeOf(ctx: ProbeContext, name: string): Scheme | undefined {
  return ctx.analysis.schemes.get(name)?.scheme;
}

/** How a principal logs in over Kafka; null when its scheme has no Kafka form probe knows. */
export function kafkaLogin(scheme: Scheme | undefined, p: TestPrincipal): Login | null {
  const user = p.user ?? p.name;
  const mechanism = kafkaMechanismsOf(scheme)[0];
  if (scheme?.type === 'X509') {
    return p.cert === undefined || p.key === undefined ? null : { mechanism: 'X509', cert: p.cert, key: p.key };
  }
  switch (mechanism) {
    case 'PLAIN': {
      const password = scheme?.type === 'apiKey' ? p.apiKey : p.password;
      return password === undefined ? null : { mechanism, username: user, password };
    }
    case 'SCRAM-SHA-256':
    case 'SCRAM-SHA-512':
      return p.password === undefined ? null : { mechanism, username: user, password: p.password };
    case 'OAUTHBEARER':
      return p.token === undefined ? null : { mechanism, token: p.token };
    default:
      return null;
  }
}

function endpointOf(ctx: ProbeContext, verify: boolean, login?: Login): KafkaEndpoint {
  const name = serverName(ctx.target.host);
  const tls: ConnectionOptions | undefined = ctx.target.tls
    ? {
        ca: trustAnchors(ctx.ca),
        rejectUnauthorized: verify,
        ...(name === undefined ? {} : { servername: name }),
        ...(login?.mechanism === 'X509' ? { cert: login.cert, key: login.key } : {}),
      }
    : undefined;
  return { host: ctx.target.host, port: ctx.target.port, timeoutMs: ctx.timeoutMs, ...(tls ? { tls } : {}) };
}

/** Opens a connection and logs in; the connection when accepted, else what the server answered. */
async function connectAs(
  ctx: ProbeContext,
  login: Login,
  verify: boolean,
): Promise<{ ok: true; connection: KafkaConnection; answer: string } | { ok: false; answer: string }> {
  const opened = await openKafka(endpointOf(ctx, verify, login));
  if (!opened.ok) return { ok: false, answer: `connect: ${opened.reason}` };
  const c = opened.connection;
  if (login.mechanism === 'X509') {
    const md = await c.request(API.metadata, 1, { topics: [] });
    if (md.ok) return { ok: true, connection: c, answer: 'TLS with a client certificate; Metadata answered' };
    c.close();
    return { ok: false, answer: `TLS with a client certificate; Metadata: ${md.reason}` };
  }
  const result = await saslLogin(c, login);
  if (result.kind === 'accepted') return { ok: true, connection: c, answer: result.answer };
  c.close();
  return { ok: false, answer: result.answer };
}

async function checkMechanisms(ctx: ProbeContext): Promise<void> {
  const id = 'auth-mechanism-undeclared';
  const opened = await openKafka(endpointOf(ctx, false));
  if (!opened.ok) {
    ctx.record({ id, status: 'skipped', message: `no connection (${opened.reason})` });
    return;
  }
  const c = opened.connection;
  try {
    const versions = await c.request(API.apiVersions, 0, {});
    const apis = versions.ok && Array.isArray(versions.body.apiKeys) ? versions.body.apiKeys.length : 0;
    const hs = await saslHandshake(c, NO_MECHANISM);
    const offered = hs.ok ? hs.mechanisms : [];
    const evidence: Evidence = {
      sent: `ApiVersions v0; SaslHandshake v1 for ${NO_MECHANISM}`,
      received:
        `${versions.ok ? `${apis} APIs` : versions.reason}; ` +
        (hs.ok ? `error ${hs.errorCode}, mechanisms ${offered.join(' ') || 'none'}` : hs.reason),
    };
    if (ctx.server.security.alternatives.length === 0) {
      ctx.record({ id, status: 'skipped', message: 'the document declares no security for this server', evidence });
      return;
    }
    const declared = new Set(ctx.declaredSchemes.flatMap((s) => kafkaMechanismsOf(schemeOf(ctx, s))));
    const undeclared = offered.filter((m) => !declared.has(m));
    const where = ctx.target.tls ? 'over TLS' : 'on a cleartext listener';
    ctx.record(
      undeclared.length === 0
        ? {
            id,
            status: 'pass',
            message: `the server offers only declared mechanisms (${offered.join(' ') || 'none'})`,
            evidence,
          }
        : {
            id,
            status: 'fail',
            message: `the server offers ${undeclared.join(', ')} ${where}, which no declared scheme uses`,
            evidence,
          },
    );
  } finally {
    c.close();
  }
}

/** Metadata without authentication: answered means anyone may ask. Returns whether it was answered. */
async function checkAnonymous(ctx: ProbeContext): Promise<boolean> {
  const id = 'auth-anonymous-accepted';
  if (ctx.server.security.alternatives.length === 0) {
    ctx.record({ id, status: 'skipped', message: 'the document declares no security for this server' });
    return false;
  }
  const opened = await openKafka(endpointOf(ctx, false));
  const sent = 'Metadata v1 for all topics, without authentication';
  if (!opened.ok) {
    ctx.record({
      id,
      status: 'pass',
      message: 'a client without credentials gets no connection',
      evidence: { sent, received: opened.reason },
    });
    return false;
  }
  const md = await opened.connection.request(API.metadata, 1, { topics: null });
  opened.connection.close();
  const received = md.ok ? `Metadata answered (${topicsOf(md.body).length} topics)` : md.reason;
  if (!md.ok && !md.closed) {
    // Silence is not a refusal (docs/architecture.md, "Decisions").
    ctx.record({ id, status: 'skipped', message: 'no answer to Metadata and no close', evidence: { sent, received } });
    return false;
  }
  ctx.record({
    id,
    status: md.ok ? 'fail' : 'pass',
    message: md.ok ? 'a client without credentials gets Metadata' : 'a request without authentication is refused',
    evidence: { sent, received },
  });
  return md.ok;
}

async function checkWrongCredentials(ctx: ProbeContext): Promise<void> {
  const id = 'auth-wrong-credential-accepted';
  for (const name of ctx.declaredSchemes) {
    const scheme = schemeOf(ctx, name);
    const mechanism = kafkaMechanismsOf(scheme)[0];
    // Nobody's user name (plan.ts, probeUserName): a test principal's login throttling count is left alone.
    const user = probeUserName();
    const wrong = `wrong-${randomBytes(12).toString('hex')}`;
    let login: KafkaLogin | null = null;
    if (mechanism === 'PLAIN' || mechanism === 'SCRAM-SHA-256' || mechanism === 'SCRAM-SHA-512') {
      login = { mechanism, username: user, password: wrong };
    } else if (mechanism === 'OAUTHBEARER') {
      // Three base64url parts: a token's shape, signed by nobody.
      login = { mechanism, token: `eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwcm9iZSJ9.${wrong}` };
    }
    if (login === null) {
      const why =
        scheme?.type === 'X509'
          ? 'a certificate is judged by the TLS checks'
          : `probe sends no wrong ${scheme?.type ?? 'unresolved'} credential over Kafka`;
      ctx.record({ id, status: 'skipped', message: `${name}: ${why}` });
      continue;
    }
    const opened = await openKafka(endpointOf(ctx, false));
    if (!opened.ok) {
      ctx.record({ id, status: 'skipped', message: `${name}: no connection (${opened.reason})` });
      continue;
    }
    const result = await saslLogin(opened.connection, login);
    opened.connection.close();
    const evidence: Evidence = {
      sent:
        `SaslHandshake ${login.mechanism}; SaslAuthenticate with a wrong credential ***` +
        ('username' in login ? ` (user ${login.username})` : ''),
      received: result.answer,
    };
    if (result.kind === 'not-offered' || result.kind === 'failed') {
      ctx.record({ id, status: 'skipped', message: `${name}: no verdict (${result.answer})`, evidence });
    } else {
      ctx.record({
        id,
        status: result.kind === 'accepted' ? 'fail' : 'pass',
        message:
          result.kind === 'accepted'
            ? `a wrong ${name} credential is accepted`
            : `a wrong ${name} credential is refused`,
        evidence,
      });
    }
  }
}

async function checkCredentials(ctx: ProbeContext, verified: boolean): Promise<Map<TestPrincipal, KafkaConnection>> {
  const id = 'auth-credential-refused';
  const open = new Map<TestPrincipal, KafkaConnection>();
  skipSchemesWithoutPrincipal(ctx);
  for (const p of serverPrincipalsByCredential(ctx)) {
    const login = kafkaLogin(schemeOf(ctx, p.scheme), p);
    if (login === null) {
      ctx.record({ id, status: 'skipped', message: `${p.name} has no credential probe can send over Kafka` });
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
    const result = await connectAs(ctx, login, true);
    if (result.ok) open.set(p, result.connection);
    ctx.record({
      id,
      status: result.ok ? 'pass' : 'fail',
      message: result.ok ? `${p.name} logs in with ${p.scheme}` : `${p.name} is refused with ${p.scheme}`,
      evidence: { sent: `${login.mechanism} as ${ctx.describeCredential(p)}`, received: result.answer },
    });
  }
  return open;
}

function topicsOf(body: KafkaStruct): string[] {
  const topics = Array.isArray(body.topics) ? (body.topics as KafkaStruct[]) : [];
  return topics
    .filter((t) => t.errorCode === 0 && typeof t.name === 'string')
    .map((t) => t.name as string)
    .slice(0, 10_000);
}

/** The topics Metadata lists to each principal, against the channels of the operations it satisfies. */
async function checkMetadata(ctx: ProbeContext, open: ReadonlyMap<TestPrincipal, KafkaConnection>): Promise<void> {
  const id = 'kafka-metadata-topics-leaked';
  if (open.size === 0) {
    ctx.record({ id, status: 'skipped', message: 'no test principal logged in' });
    return;
  }
  for (const [p, c] of open) {
    const md = await c.request(API.metadata, 1, { topics: null });
    if (!md.ok) {
      ctx.record({ id, status: 'skipped', message: `Metadata for ${p.name}: ${md.reason}` });
      continue;
    }
    const usable = ctx.operations
      .filter((op) => satisfiesByCredential(ctx, p, op.security))
      .map((op) => compileAddress(op.address))
      .filter((m) => m !== null && m.ok);
    const listed = topicsOf(md.body);
    const leaked = listed.filter((t) => !usable.some((m) => m.ok && m.match(t) !== null));
    const evidence: Evidence = {
      sent: `Metadata v1 for all topics as ${p.name}`,
      received: `${listed.length} topics${listed.length === 0 ? '' : `: ${listed.slice(0, 10).join(', ')}`}`,
    };
    ctx.record({
      id,
      status: leaked.length === 0 ? 'pass' : 'fail',
      message:
        leaked.length === 0
          ? `Metadata lists ${p.name} only topics it may use`
          : `Metadata lists ${p.name} ${leaked.length} topic(s) no operation it satisfies uses: ` +
            leaked.slice(0, 5).join(', '),
      evidence,
    });
  }
}

interface StepResult {
  readonly verdict: 'accepted' | 'refused' | 'other';
  readonly answer: string;
}

function partitionError(body: KafkaStruct, topicsField: string, partitionsField: string): number | null {
  const topics = body[topicsField];
  if (!Array.isArray(topics) || topics.length === 0) return null;
  const partitions = (topics[0] as KafkaStruct)[partitionsField];
  if (!Array.isArray(partitions) || partitions.length === 0) return null;
  const code = (partitions[0] as KafkaStruct).errorCode;
  return typeof code === 'number' ? code : null;
}

function verdictOf(code: number | null, accepted: readonly number[], what: string): StepResult {
  if (code === null) return { verdict: 'other', answer: `${what}: no partition in the answer` };
  if (accepted.includes(code)) return { verdict: 'accepted', answer: `${what}: error ${code}` };
  if (code === TOPIC_AUTHORIZATION_FAILED) {
    return { verdict: 'refused', answer: `${what}: TOPIC_AUTHORIZATION_FAILED (29)` };
  }
  return { verdict: 'other', answer: `${what}: error ${code}` };
}

/** Produce v3 of one record to partition 0 (acks 1: the leader's answer says whether it was written). */
async function produce(c: KafkaConnection, topic: string, timeoutMs: number): Promise<StepResult> {
  const records = encodeRecordBatch({
    baseOffset: 0n,
    baseTimestamp: BigInt(Date.now()),
    records: [{ value: Buffer.from(probePayload()) }],
  });
  const reply = await c.request(API.produce, 3, {
    transactionalId: null,
    acks: 1,
    timeoutMs,
    topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
  });
  if (!reply.ok) return { verdict: reply.closed ? 'refused' : 'other', answer: `Produce: ${reply.reason}` };
  return verdictOf(partitionError(reply.body, 'responses', 'partitionResponses'), [0], 'Produce');
}

/** Fetch v4 from offset 0 of partition 0, not waiting: an answer without error 29 means it may read. */
async function fetch(c: KafkaConnection, topic: string): Promise<StepResult> {
  const reply = await c.request(API.fetch, 4, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 64 * 1024,
    isolationLevel: 0,
    topics: [{ topic, partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 64 * 1024 }] }],
  });
  if (!reply.ok) return { verdict: reply.closed ? 'refused' : 'other', answer: `Fetch: ${reply.reason}` };
  return verdictOf(partitionError(reply.body, 'responses', 'partitions'), [0, OFFSET_OUT_OF_RANGE], 'Fetch');
}

function perform(
  ctx: ProbeContext,
  c: KafkaConnection,
  action: 'publish' | 'subscribe',
  topic: string,
): Promise<StepResult> {
  return action === 'publish' ? produce(c, topic, ctx.timeoutMs) : fetch(c, topic);
}

function verbOf(action: 'publish' | 'subscribe'): string {
  return action === 'publish' ? 'produce to' : 'fetch from';
}

async function checkOperation(
  ctx: ProbeContext,
  op: AnalyzedOperation,
  open: ReadonlyMap<TestPrincipal, KafkaConnection>,
): Promise<void> {
  const action = wireActionOf(op.action, DEFAULT_PERSPECTIVE);
  const topic = sampleAddress(ctx, op);
  const { allowed, lacking } = principalsForByCredential(ctx, op);
  const cases = [
    ['authz-operation-refused', allowed],
    ['authz-requirement-not-enforced', lacking],
  ] as const;
  for (const [id, principal] of cases) {
    const base = { id, operation: op.id };
    if (topic === null) {
      ctx.record({ ...base, status: 'skipped', message: `the channel ${op.channel} has no address to probe` });
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
    const c = open.get(principal);
    if (c === undefined || c.closed) {
      ctx.record({ ...base, status: 'skipped', message: `${op.id}: ${principal.name} has no open connection` });
      continue;
    }
    const did = await perform(ctx, c, action, topic);
    const evidence: Evidence = {
      sent: `${action === 'publish' ? 'Produce' : 'Fetch'} ${topic} as ${principal.name}`,
      received: did.answer,
    };
    if (did.verdict === 'other') {
      ctx.record({ ...base, status: 'skipped', message: `${op.id}: no verdict (${did.answer})`, evidence });
    } else if (id === 'authz-operation-refused') {
      ctx.record({
        ...base,
        status: did.verdict === 'accepted' ? 'pass' : 'fail',
        message:
          did.verdict === 'accepted'
            ? `${principal.name} may ${verbOf(action)} ${topic}`
            : `${principal.name} satisfies ${op.id} but may not ${verbOf(action)} ${topic}`,
        evidence,
      });
    } else {
      ctx.record({
        ...base,
        status: did.verdict === 'accepted' ? 'fail' : 'pass',
        message:
          did.verdict === 'accepted'
            ? `${principal.name} lacks ${op.id}'s requirement but may ${verbOf(action)} ${topic}`
            : `${principal.name} lacks ${op.id}'s requirement and may not ${verbOf(action)} ${topic}`,
        evidence,
      });
    }
  }
}

async function checkUndeclared(
  ctx: ProbeContext,
  actor: { label: string; connection: KafkaConnection } | undefined,
): Promise<void> {
  const id = 'authz-undeclared-channel-accepted';
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
  for (const action of ['subscribe', 'publish'] as const) {
    const did = await perform(ctx, actor.connection, action, topic);
    ctx.record({
      id,
      status: did.verdict === 'accepted' ? 'fail' : did.verdict === 'refused' ? 'pass' : 'skipped',
      message:
        did.verdict === 'other'
          ? `no verdict on the undeclared ${topic} (${did.answer})`
          : `${actor.label} ${did.verdict === 'accepted' ? 'may' : 'may not'} ${verbOf(action)} ` +
            `the undeclared ${topic}`,
      evidence: {
        sent: `${action === 'publish' ? 'Produce' : 'Fetch'} ${topic} as ${actor.label}`,
        received: did.answer,
      },
    });
  }
}

async function probeKafka(ctx: ProbeContext): Promise<void> {
  const { verified } = await checkTransport(ctx, kafkaHello);
  if (ctx.signal.aborted) return;
  await checkMechanisms(ctx);
  const anonymousIn = await checkAnonymous(ctx);
  await checkWrongCredentials(ctx);
  const open = await checkCredentials(ctx, verified);
  let anonymous: KafkaConnection | undefined;
  try {
    await checkMetadata(ctx, open);
    for (const op of ctx.operations) {
      if (ctx.signal.aborted) return;
      await checkOperation(ctx, op, open);
    }
    const first = [...open.entries()][0];
    let actor: { label: string; connection: KafkaConnection } | undefined;
    if (first !== undefined) actor = { label: first[0].name, connection: first[1] };
    else if (anonymousIn) {
      const opened = await openKafka(endpointOf(ctx, false));
      if (opened.ok) {
        anonymous = opened.connection;
        actor = { label: 'anonymous', connection: anonymous };
      }
    }
    await checkUndeclared(ctx, actor);
    ctx.record({
      id: 'authz-all-topics-accepted',
      status: 'skipped',
      message:
        'Kafka has no wildcard subscription on the wire (clients match patterns against Metadata): ' +
        'kafka-metadata-topics-leaked stands for it',
    });
  } finally {
    for (const c of open.values()) c.close();
    anonymous?.close();
  }
}

export const kafkaProber: Prober = {
  protocols: ['kafka', 'kafka-secure'],
  defaultPorts: { kafka: 9092, 'kafka-secure': 9093 },
  findings: kafkaFindings,
  probe: probeKafka,
};
