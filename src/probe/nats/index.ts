// The NATS prober (docs/probe.md, "NATS"): INFO (auth_required, tls_required, tls_verify, version), anonymous
// refused, one wrong credential per declared scheme refused, each test principal connects, then per operation a
// principal that satisfies it may publish or subscribe and one that lacks it may not, an undeclared subject and
// the all-subjects `>` subscription are refused. A publish is judged by the server's answer (a permissions
// violation arrives before the PONG of the next PING, see ./client.ts) and by a second, authorized connection
// watching the subject for the probe's unique payload: a refusal is concluded only when both agree.
//
// A channel address becomes a subject with `/` → `.` (a `.`-separated address is a subject already).

import { randomBytes } from 'node:crypto';
import type { ConnectionOptions } from 'node:tls';
import { addressToSubject } from '../../brokers/nats/subjects.js';
import { DEFAULT_PERSPECTIVE, wireActionOf } from '../../guard/perspective.js';
import type { AnalyzedOperation } from '../../model/types.js';
import { probePayload, probeUserName, sampleAddress, undeclaredAddress } from '../plan.js';
import {
  principalsForByCredential,
  serverPrincipalsByCredential,
  skipSchemesWithoutPrincipal,
} from '../credential-match.js';
import type { Evidence, FindingMeta, ProbeContext, Prober, TestPrincipal } from '../types.js';
import { serverName, trustAnchors } from '../wire.js';
import { natsConnect, type ConnectOutcome, type NatsConnection, type NatsCredentials } from './client.js';
import { isPlainSubject, type NatsInfo } from './protocol.js';

export const natsFindings: readonly FindingMeta[] = [
  {
    id: 'nats-credentials-cleartext',
    severity: 'warning',
    category: 'transport',
    description:
      'the server does not require TLS (INFO tls_required false) while the document declares a password or token',
  },
];

/**
 * Scheme types whose credential NATS carries, and where in CONNECT, as authd reads it (docs/brokers/nats.md,
 * "Setup"): a user name and password; an API key as the password beside a user name; a bearer token in
 * `auth_token`; a client certificate in the TLS handshake.
 */
type NatsCredentialKind = 'userPassword' | 'apiKey' | 'token' | 'certificate';

function credentialKind(type: string | undefined): NatsCredentialKind | null {
  switch (type) {
    case 'userPassword':
      return 'userPassword';
    case 'apiKey':
      return 'apiKey';
    case 'http':
    case 'oauth2':
    case 'openIdConnect':
      return 'token';
    case 'X509':
      return 'certificate';
    default:
      return null;
  }
}

function schemeType(ctx: ProbeContext, scheme: string): string | undefined {
  return ctx.analysis.schemes.get(scheme)?.scheme.type;
}

/**
 * A concrete address as a NATS subject, the way authd maps addresses (src/brokers/nats/subjects.ts: one leading
 * `/` dropped, `/` and `.` both separate tokens); null when it has none.
 */
export function subjectOf(address: string): string | null {
  const mapped = addressToSubject(address);
  return mapped.ok ? mapped.subject : null;
}

function describeInfo(info: NatsInfo): string {
  return (
    `INFO version ${info.version ?? '?'}, auth_required ${info.authRequired}, ` +
    `tls_required ${info.tlsRequired}, tls_verify ${info.tlsVerify}`
  );
}

function describeAnswer(outcome: ConnectOutcome): string {
  if (outcome.kind === 'connected') return `${describeInfo(outcome.info)}; PONG (connected)`;
  if (outcome.kind === 'refused') return `${describeInfo(outcome.info)}; refused (${outcome.error})`;
  const failed = `${outcome.stage}: ${outcome.reason}`;
  return outcome.info === undefined ? failed : `${describeInfo(outcome.info)}; ${failed}`;
}

/** The prober's TLS options: verified whenever a secret is presented (docs/probe.md, "Secrets"). */
function tlsOptions(ctx: ProbeContext, verify: boolean, principal?: TestPrincipal): ConnectionOptions {
  const name = serverName(ctx.target.host);
  return {
    ca: trustAnchors(ctx.ca),
    rejectUnauthorized: verify,
    ...(name === undefined ? {} : { servername: name }),
    ...(principal?.cert === undefined ? {} : { cert: principal.cert }),
    ...(principal?.key === undefined ? {} : { key: principal.key }),
  };
}

function credentialsOf(kind: NatsCredentialKind, p: TestPrincipal): NatsCredentials | null {
  // The login user name is the principal's name unless the credentials file gives `user` (docs/probe.md).
  if (kind === 'userPassword') return p.password === undefined ? null : { user: p.user ?? p.name, pass: p.password };
  if (kind === 'apiKey') {
    return p.apiKey === undefined ? null : { user: p.user ?? p.name, pass: p.apiKey };
  }
  if (kind === 'token') return p.token === undefined ? null : { authToken: p.token };
  return p.cert === undefined || p.key === undefined ? null : {};
}

async function connectAs(ctx: ProbeContext, p: TestPrincipal): Promise<ConnectOutcome | null> {
  const kind = credentialKind(schemeType(ctx, p.scheme));
  if (kind === null) return null;
  const credentials = credentialsOf(kind, p);
  if (credentials === null) return null;
  return natsConnect(
    {
      host: ctx.target.host,
      port: ctx.target.port,
      timeoutMs: ctx.timeoutMs,
      tls: tlsOptions(ctx, true, p),
      requireTls: ctx.target.tls || kind === 'certificate',
    },
    credentials,
  );
}

function anonymousTarget(ctx: ProbeContext) {
  return {
    host: ctx.target.host,
    port: ctx.target.port,
    timeoutMs: ctx.timeoutMs,
    // Nothing secret is sent: an unverified server is still spoken to.
    tls: tlsOptions(ctx, false),
    requireTls: ctx.target.tls,
  };
}

async function checkAnonymous(ctx: ProbeContext): Promise<{ info: NatsInfo; accepted: boolean } | null> {
  const id = 'auth-anonymous-accepted';
  const outcome = await natsConnect(anonymousTarget(ctx));
  const evidence: Evidence = { sent: 'CONNECT without credentials, PING', received: describeAnswer(outcome) };
  if (outcome.kind === 'failed') {
    // After INFO, a TLS handshake the server ends is its refusal of a client without a certificate (tls_verify);
    // this client verifies nothing itself here.
    if (outcome.stage === 'tls' && outcome.info !== undefined && ctx.server.security.alternatives.length > 0) {
      ctx.record({
        id,
        status: 'pass',
        message: 'a client without credentials is refused at the TLS handshake',
        evidence,
      });
      return { info: outcome.info, accepted: false };
    }
    ctx.record({ id, status: 'skipped', message: `no NATS answer (${outcome.reason})`, evidence });
    return null;
  }
  if (outcome.kind === 'connected') outcome.connection.close();
  if (ctx.server.security.alternatives.length === 0) {
    ctx.record({ id, status: 'skipped', message: 'the document declares no security for this server', evidence });
  } else if (outcome.kind === 'connected') {
    ctx.record({ id, status: 'fail', message: 'a client without credentials is connected', evidence });
  } else {
    ctx.record({ id, status: 'pass', message: 'a client without credentials is refused', evidence });
  }
  return { info: outcome.info, accepted: outcome.kind === 'connected' };
}

function checkCleartext(ctx: ProbeContext, info: NatsInfo): void {
  const id = 'nats-credentials-cleartext';
  const secretSchemes = ctx.declaredSchemes.filter((s) => {
    const kind = credentialKind(schemeType(ctx, s));
    return kind !== null && kind !== 'certificate';
  });
  if (secretSchemes.length === 0) return;
  const evidence: Evidence = { sent: 'TCP connection, read INFO', received: describeInfo(info) };
  if (info.tlsRequired) {
    ctx.record({ id, status: 'pass', message: 'the server requires TLS before CONNECT', evidence });
  } else {
    ctx.record({
      id,
      status: 'fail',
      message: `the server does not require TLS: ${secretSchemes.join(', ')} credentials would cross in cleartext`,
      evidence,
    });
  }
}

async function checkWrongCredentials(ctx: ProbeContext): Promise<void> {
  const id = 'auth-wrong-credential-accepted';
  for (const scheme of ctx.declaredSchemes) {
    const kind = credentialKind(schemeType(ctx, scheme));
    if (kind === null || kind === 'certificate') {
      const why =
        kind === 'certificate'
          ? 'a certificate is judged by the TLS checks'
          : `a ${schemeType(ctx, scheme) ?? 'unknown'} credential has no place in NATS CONNECT`;
      ctx.record({ id, status: 'skipped', message: `${scheme}: ${why}` });
      continue;
    }
    // Nobody's user name (plan.ts, probeUserName): a test principal's login throttling count is left alone.
    const user = probeUserName();
    const wrong = `wrong-${randomBytes(12).toString('hex')}`;
    const credentials: NatsCredentials = kind === 'token' ? { authToken: wrong } : { user, pass: wrong };
    const outcome = await natsConnect(
      {
        host: ctx.target.host,
        port: ctx.target.port,
        timeoutMs: ctx.timeoutMs,
        tls: tlsOptions(ctx, true),
        requireTls: ctx.target.tls,
      },
      credentials,
    );
    const sent = kind === 'token' ? 'CONNECT a wrong token ***' : `CONNECT user ${user}, a wrong password ***`;
    const evidence: Evidence = { sent, received: describeAnswer(outcome) };
    if (outcome.kind === 'failed') {
      ctx.record({ id, status: 'skipped', message: `${scheme}: no NATS answer (${outcome.reason})`, evidence });
    } else if (outcome.kind === 'connected') {
      outcome.connection.close();
      ctx.record({ id, status: 'fail', message: `${scheme}: a wrong credential is accepted`, evidence });
    } else {
      ctx.record({ id, status: 'pass', message: `${scheme}: a wrong credential is refused`, evidence });
    }
  }
}

/** Connects every server principal once (auth-credential-refused); returns those that got in. */
async function checkPrincipals(ctx: ProbeContext): Promise<Map<TestPrincipal, NatsConnection>> {
  const id = 'auth-credential-refused';
  const connected = new Map<TestPrincipal, NatsConnection>();
  skipSchemesWithoutPrincipal(ctx);
  for (const p of serverPrincipalsByCredential(ctx)) {
    const outcome = await connectAs(ctx, p);
    const sent = `CONNECT as ${ctx.describeCredential(p)}`;
    if (outcome === null) {
      ctx.record({ id, status: 'skipped', message: `${p.name}: the credentials file gives no NATS credential for it` });
      continue;
    }
    const evidence: Evidence = { sent, received: describeAnswer(outcome) };
    if (outcome.kind === 'connected') {
      connected.set(p, outcome.connection);
      ctx.record({ id, status: 'pass', message: `${p.name} connects`, evidence });
    } else if (outcome.kind === 'refused') {
      ctx.record({ id, status: 'fail', message: `${p.name} is refused with its declared scheme`, evidence });
    } else {
      ctx.record({ id, status: 'skipped', message: `${p.name}: no NATS answer (${outcome.reason})`, evidence });
    }
  }
  return connected;
}

/** Whether `c` may subscribe to `subject`: SUB, PING, and no permissions violation before the PONG. */
async function trySubscribe(c: NatsConnection, subject: string): Promise<{ allowed: boolean | null; sid: string }> {
  const sid = randomBytes(4).toString('hex');
  c.subscribe(subject, sid);
  const fenced = await c.fence();
  if (!fenced.answered) return { allowed: null, sid };
  const refused = fenced.errors.some((e) => e.kind === 'permission' && e.operation === 'subscription');
  return { allowed: !refused, sid };
}

/**
 * Whether `c` may publish on `subject`: the server's answer, confirmed by `observer` (subscribed on its own
 * connection) receiving the unique payload or not. null when the server did not answer.
 */
async function tryPublish(
  c: NatsConnection,
  subject: string,
  observer: NatsConnection | null,
): Promise<{ allowed: boolean | null; seen: string }> {
  const payload = probePayload();
  c.publish(subject, payload);
  const fenced = await c.fence();
  if (!fenced.answered) return { allowed: null, seen: 'no PONG' };
  const violation = fenced.errors.some((e) => e.kind === 'permission' && e.operation === 'publish');
  let delivered: boolean | null = null;
  if (observer !== null) {
    await observer.fence();
    delivered = observer.messages.some((m) => m.payload === payload);
  }
  const seen =
    `${violation ? "-ERR 'Permissions Violation for Publish'" : 'PONG without error'}` +
    (delivered === null ? '' : `; a second connection ${delivered ? 'received' : 'did not receive'} the message`);
  return { allowed: !violation || delivered === true, seen };
}

/** A second connection subscribed to `subject`, from the first connected principal allowed to; or null. */
async function openObserver(
  ctx: ProbeContext,
  candidates: readonly TestPrincipal[],
  subject: string,
): Promise<NatsConnection | null> {
  for (const p of candidates.slice(0, 2)) {
    const outcome = await connectAs(ctx, p);
    if (outcome?.kind !== 'connected') continue;
    const sub = await trySubscribe(outcome.connection, subject);
    if (sub.allowed === true) return outcome.connection;
    outcome.connection.close();
  }
  return null;
}

async function checkOperation(
  ctx: ProbeContext,
  op: AnalyzedOperation,
  connected: ReadonlyMap<TestPrincipal, NatsConnection>,
): Promise<void> {
  const action = wireActionOf(op.action, DEFAULT_PERSPECTIVE);
  const address = sampleAddress(ctx, op);
  const subject = address === null ? null : subjectOf(address);
  const { allowed, lacking } = principalsForByCredential(ctx, op);
  const cases: [TestPrincipal | undefined, 'authz-operation-refused' | 'authz-requirement-not-enforced'][] = [
    [allowed, 'authz-operation-refused'],
    [lacking, 'authz-requirement-not-enforced'],
  ];
  for (const [principal, id] of cases) {
    const base = { id, operation: op.id };
    if (subject === null || !isPlainSubject(subject)) {
      ctx.record({ ...base, status: 'skipped', message: `${op.id}: no concrete subject for ${op.address ?? 'null'}` });
      continue;
    }
    if (principal === undefined) {
      // Nobody lacking an operation without a requirement of its own is no check at all (as for MQTT).
      if (id === 'authz-operation-refused') {
        ctx.record({
          ...base,
          status: 'skipped',
          message: `the credentials file has no principal that satisfies ${op.id}`,
        });
      }
      continue;
    }
    const c = connected.get(principal);
    if (c === undefined) {
      ctx.record({ ...base, status: 'skipped', message: `${op.id}: ${principal.name} could not connect` });
      continue;
    }
    let result: { allowed: boolean | null; seen: string };
    if (action === 'subscribe') {
      const sub = await trySubscribe(c, subject);
      c.unsubscribe(sub.sid);
      const seen =
        sub.allowed === null ? 'no PONG' : sub.allowed ? 'PONG without error' : "-ERR 'Permissions Violation'";
      result = { allowed: sub.allowed, seen };
    } else {
      const observer = await openObserver(ctx, serverPrincipalsByCredential(ctx), subject);
      result = await tryPublish(c, subject, observer);
      observer?.close();
    }
    const evidence: Evidence = {
      sent: `${action === 'publish' ? 'PUB' : 'SUB'} ${subject} as ${ctx.describeCredential(principal)}, PING`,
      received: result.seen,
    };
    const verb = action === 'publish' ? 'publish on' : 'subscribe to';
    const may = result.allowed === true ? 'may' : 'may not';
    if (result.allowed === null) {
      ctx.record({ ...base, status: 'skipped', message: `${op.id}: no answer from the server`, evidence });
    } else if (id === 'authz-operation-refused') {
      ctx.record({
        ...base,
        status: result.allowed ? 'pass' : 'fail',
        message: `${op.id}: ${principal.name}, which satisfies it, ${may} ${verb} ${subject}`,
        evidence,
      });
    } else {
      ctx.record({
        ...base,
        status: result.allowed ? 'fail' : 'pass',
        message: `${op.id}: ${principal.name}, which lacks its requirement, ${may} ${verb} ${subject}`,
        evidence,
      });
    }
  }
}

async function checkUndeclaredAndAllSubjects(
  ctx: ProbeContext,
  who: string,
  c: NatsConnection,
  watch: (subject: string) => Promise<NatsConnection | null>,
): Promise<void> {
  const subject = undeclaredAddress(ctx, '.');
  const id = 'authz-undeclared-channel-accepted';
  if (subject === null) {
    ctx.record({ id, status: 'skipped', message: 'the document declares channels that match any subject' });
  } else {
    const sub = await trySubscribe(c, subject);
    c.unsubscribe(sub.sid);
    const watcher = await watch(subject);
    const pub = await tryPublish(c, subject, watcher);
    watcher?.close();
    for (const [verb, allowed, seen] of [
      ['SUB', sub.allowed, sub.allowed ? 'PONG without error' : "-ERR 'Permissions Violation'"],
      ['PUB', pub.allowed, pub.seen],
    ] as const) {
      const evidence: Evidence = { sent: `${verb} ${subject} as ${who}, PING`, received: seen };
      if (allowed === null) ctx.record({ id, status: 'skipped', message: `${verb}: no answer`, evidence });
      else
        ctx.record({
          id,
          status: allowed ? 'fail' : 'pass',
          message: `${verb} on the undeclared subject ${subject} is ${allowed ? 'accepted' : 'refused'}`,
          evidence,
        });
    }
  }
  const all = await trySubscribe(c, '>');
  c.unsubscribe(all.sid);
  const evidence: Evidence = {
    sent: `SUB > as ${who}, PING`,
    received: all.allowed === null ? 'no PONG' : all.allowed ? 'PONG without error' : "-ERR 'Permissions Violation'",
  };
  const allId = 'authz-all-topics-accepted';
  if (all.allowed === null) ctx.record({ id: allId, status: 'skipped', message: 'no answer to SUB >', evidence });
  else
    ctx.record({
      id: allId,
      status: all.allowed ? 'fail' : 'pass',
      message: `a subscription to every subject (>) is ${all.allowed ? 'accepted' : 'refused'}`,
      evidence,
    });
}

async function probeNats(ctx: ProbeContext): Promise<void> {
  const anonymousOutcome = await checkAnonymous(ctx);
  if (anonymousOutcome === null) return;
  const info = anonymousOutcome.info;
  checkCleartext(ctx, info);
  await checkWrongCredentials(ctx);
  const connected = await checkPrincipals(ctx);
  try {
    for (const op of ctx.operations) {
      if (ctx.signal.aborted) return;
      await checkOperation(ctx, op, connected);
    }
    // The undeclared and all-subjects checks run as the first connected principal; without one, as an anonymous
    // client when the server lets one in (no security declared, or the anonymous check failed).
    const first = [...connected.entries()][0];
    let anonymous: NatsConnection | null = null;
    if (first === undefined && anonymousOutcome.accepted) {
      const outcome = await natsConnect(anonymousTarget(ctx));
      if (outcome.kind === 'connected') anonymous = outcome.connection;
    }
    const c = first?.[1] ?? anonymous;
    if (c === null) {
      const message = 'no test principal connected (give one in --credentials)';
      ctx.record({ id: 'authz-undeclared-channel-accepted', status: 'skipped', message });
      ctx.record({ id: 'authz-all-topics-accepted', status: 'skipped', message });
      return;
    }
    const who = first === undefined ? 'an anonymous client' : ctx.describeCredential(first[0]);
    // The watcher: a second connection of the same client, subscribed on its own (null when it may not).
    const watch = async (subject: string): Promise<NatsConnection | null> => {
      const o = first === undefined ? await natsConnect(anonymousTarget(ctx)) : await connectAs(ctx, first[0]);
      if (o?.kind !== 'connected') return null;
      const sub = await trySubscribe(o.connection, subject);
      if (sub.allowed === true) return o.connection;
      o.connection.close();
      return null;
    };
    await checkUndeclaredAndAllSubjects(ctx, who, c, watch);
    anonymous?.close();
  } finally {
    for (const c of connected.values()) c.close();
  }
}

export const natsProber: Prober = {
  protocols: ['nats'],
  defaultPorts: { nats: 4222 },
  findings: natsFindings,
  probe: probeNats,
};
