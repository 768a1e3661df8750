// The HTTP prober (`http`, `https`; the publish-by-POST and subscribe-by-SSE shape `serve` gives, docs/serve.md):
// transport, then authentication from status codes and WWW-Authenticate challenges, then authorization per
// operation (POST publishes, GET with `Accept: text/event-stream` subscribes). HTTP answers each request, so a
// refusal is a status code, never silence. docs/probe.md, "HTTP".

import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Scheme } from '../../model/types.js';
import { checkTransport, type ProtocolHello } from '../transport.js';
import { probePayload, sampleAddress, probeUserName, undeclaredAddress } from '../plan.js';
import { principalsForByCredential, serverPrincipalsByCredential } from '../credential-match.js';
import type { CheckOutcome, Evidence, ProbeContext, Prober, ProbeTarget, TestPrincipal } from '../types.js';
import { serverName, trustAnchors } from '../wire.js';
import {
  challengeOf,
  challengeSchemes,
  noCredentials,
  webPresentation,
  wrongWebPresentation,
  type WebPresentation,
} from '../web/present.js';

export const httpProber: Prober = {
  protocols: ['http', 'https'],
  defaultPorts: { http: 80, https: 443 },
  findings: [],
  probe: probeHttp,
};

/** An HTTP/1.1 request line and Host, no credentials. */
export function httpHello(target: ProbeTarget): ProtocolHello {
  return {
    bytes: Buffer.from(`GET ${target.pathname || '/'} HTTP/1.1\r\nHost: ${target.host}\r\nConnection: close\r\n\r\n`),
    describe: `GET ${target.pathname || '/'} without credentials`,
    complete: (b) => b.includes('\r\n\r\n'),
    classify: (a) => {
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(a.bytes.toString('latin1'));
      if (m === null) return 'none';
      return m[1]!.startsWith('2') ? 'accepted' : 'refused';
    },
  };
}

export interface HttpAnswer {
  /** 0 when no answer came (the reason in `text`). */
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly text: string;
}

/** Bytes of a body read at most; an answer's status and headers are what counts. */
const MAX_BODY_BYTES = 4096;

/** One request, bounded: an SSE GET resolves at its headers and is then closed. */
export function httpCall(
  ctx: ProbeContext,
  method: 'GET' | 'POST',
  address: string,
  presented: WebPresentation,
  verify: boolean,
  body?: string,
): Promise<HttpAnswer> {
  const { host, port, tls, pathname } = ctx.target;
  const query = new URLSearchParams(presented.query).toString();
  const path = `${pathname}/${address.split('/').map(encodeURIComponent).join('/')}${query === '' ? '' : `?${query}`}`;
  const name = serverName(host);
  const options = {
    host,
    port,
    method,
    path,
    headers: {
      ...presented.headers,
      ...(method === 'GET' ? { accept: 'text/event-stream' } : { 'content-type': 'text/plain' }),
      ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }),
    },
    timeout: ctx.timeoutMs,
    signal: ctx.signal,
    ...(tls
      ? {
          ca: trustAnchors(ctx.ca),
          rejectUnauthorized: verify,
          ...(name === undefined ? {} : { servername: name }),
          ...(presented.cert === undefined ? {} : { cert: presented.cert, key: presented.key }),
        }
      : {}),
  };
  return new Promise((resolve) => {
    let done = false;
    const finish = (answer: HttpAnswer): void => {
      if (done) return;
      done = true;
      req.destroy();
      resolve(answer);
    };
    const req = (tls ? httpsRequest : httpRequest)(options, (res) => {
      const status = res.statusCode ?? 0;
      const isStream = String(res.headers['content-type'] ?? '').startsWith('text/event-stream');
      if (isStream) {
        finish({ status, headers: res.headers, text: 'an event stream' });
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        if (size < MAX_BODY_BYTES) chunks.push(chunk.subarray(0, MAX_BODY_BYTES - size));
        size += chunk.length;
        if (size >= MAX_BODY_BYTES)
          finish({ status, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('end', () => finish({ status, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', () => finish({ status, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('timeout', () => finish({ status: 0, headers: {}, text: `no answer within ${ctx.timeoutMs} ms` }));
    req.on('error', (err: NodeJS.ErrnoException) => finish({ status: 0, headers: {}, text: err.code ?? err.message }));
    req.end(body);
  });
}

/** A status line and the challenges as evidence. */
export function answerEvidence(answer: HttpAnswer): string {
  if (answer.status === 0) return answer.text;
  const challenges = wwwAuthenticate(answer);
  const body = answer.text.length > 120 ? `${answer.text.slice(0, 120)}…` : answer.text;
  const challengeText = challenges.length > 0 ? `, WWW-Authenticate: ${challenges.join(' | ')}` : '';
  return `${answer.status}${challengeText}${body === '' ? '' : `, ${body.replace(/\s+/g, ' ')}`}`;
}

function wwwAuthenticate(answer: HttpAnswer): string[] {
  const value = answer.headers['www-authenticate'];
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

const ok = (answer: HttpAnswer): boolean => answer.status >= 200 && answer.status < 300;

async function probeHttp(ctx: ProbeContext): Promise<void> {
  const { verified } = await checkTransport(ctx, httpHello(ctx.target));
  if (ctx.signal.aborted) return;
  // The anonymous and wrong-credential requests go where an operation lives, so a 401 is about credentials and not
  // about a path nobody serves.
  const first = ctx.operations.find((op) => sampleAddress(ctx, op) !== null);
  const probeAt = first === undefined ? { method: 'GET' as const, address: '' } : requestFor(ctx, first);
  await checkAnonymous(ctx, probeAt);
  await checkWrongCredentials(ctx, probeAt);
  await checkCredentials(ctx, probeAt, verified);
  await checkOperations(ctx, verified);
  await checkUndeclared(ctx, verified);
  ctx.record({
    id: 'authz-all-topics-accepted',
    status: 'skipped',
    message: 'HTTP has no wildcard subscription: every request names one channel',
  });
}

function requestFor(
  ctx: ProbeContext,
  op: ProbeContext['operations'][number],
): { method: 'GET' | 'POST'; address: string } {
  return { method: op.action === 'send' ? 'POST' : 'GET', address: sampleAddress(ctx, op)! };
}

function schemeOf(ctx: ProbeContext, name: string): Scheme | undefined {
  return ctx.analysis.schemes.get(name)?.scheme;
}

async function checkAnonymous(ctx: ProbeContext, at: { method: 'GET' | 'POST'; address: string }): Promise<void> {
  if (ctx.server.security.alternatives.length === 0) {
    ctx.record({
      id: 'auth-anonymous-accepted',
      status: 'skipped',
      message: 'the document declares no security for this server',
    });
    return;
  }
  const answer = await httpCall(
    ctx,
    at.method,
    at.address,
    noCredentials(),
    false,
    at.method === 'POST' ? probePayload() : undefined,
  );
  const evidence = { sent: `${at.method} /${at.address} without credentials`, received: answerEvidence(answer) };
  if (answer.status === 0) {
    ctx.record({ id: 'auth-anonymous-accepted', status: 'skipped', message: noAnswerMessage(answer), evidence });
    return;
  }
  ctx.record({
    id: 'auth-anonymous-accepted',
    status: ok(answer) ? 'fail' : 'pass',
    message: ok(answer)
      ? `a request without credentials is answered ${answer.status}`
      : `a request without credentials is refused (${answer.status || answer.text})`,
    evidence,
  });
  if (answer.status !== 401) return;
  // RFC 9110 §11.6.1: a 401 lists the schemes the server accepts. Any the document does not declare is offered
  // behind its back (Basic where only Bearer is declared, say).
  const declared = new Set(
    ctx.declaredSchemes.map((n) => schemeOf(ctx, n)).flatMap((s) => (s === undefined ? [] : [challengeOf(s)])),
  );
  const offered = challengeSchemes(wwwAuthenticate(answer));
  const undeclared = offered.filter((c) => !declared.has(c));
  ctx.record({
    id: 'auth-mechanism-undeclared',
    status: undeclared.length > 0 ? 'fail' : 'pass',
    message:
      undeclared.length > 0
        ? `the 401 offers ${undeclared.join(', ')}, which the document does not declare`
        : `the 401 offers ${offered.length > 0 ? offered.join(', ') : 'no challenge'}, all declared`,
    evidence,
  });
}

async function checkWrongCredentials(
  ctx: ProbeContext,
  at: { method: 'GET' | 'POST'; address: string },
): Promise<void> {
  const id = 'auth-wrong-credential-accepted';
  for (const name of ctx.declaredSchemes) {
    const scheme = schemeOf(ctx, name);
    const wrong = scheme === undefined ? null : wrongWebPresentation(scheme, probeUserName());
    if (wrong === null) {
      ctx.record({
        id,
        status: 'skipped',
        message: `probe has no wrong ${scheme?.type ?? 'unresolved'} credential to send over HTTP for ${name}`,
      });
      continue;
    }
    const answer = await httpCall(
      ctx,
      at.method,
      at.address,
      wrong,
      false,
      at.method === 'POST' ? probePayload() : undefined,
    );
    if (answer.status === 0) {
      ctx.record({ id, status: 'skipped', message: noAnswerMessage(answer) });
      continue;
    }
    ctx.record({
      id,
      status: ok(answer) ? 'fail' : 'pass',
      message: ok(answer) ? `a wrong ${name} credential is accepted` : `a wrong ${name} credential is refused`,
      evidence: { sent: `${at.method} /${at.address} with ${wrong.describe}`, received: answerEvidence(answer) },
    });
  }
}

function presentationOf(ctx: ProbeContext, p: TestPrincipal): WebPresentation | null {
  const scheme = schemeOf(ctx, p.scheme);
  return scheme === undefined ? null : webPresentation(scheme, p, ctx.describeCredential(p));
}

async function checkCredentials(
  ctx: ProbeContext,
  at: { method: 'GET' | 'POST'; address: string },
  verified: boolean,
): Promise<void> {
  const id = 'auth-credential-refused';
  for (const name of ctx.declaredSchemes) {
    const principals = ctx.principals(name);
    if (principals.length === 0) {
      ctx.record({ id, status: 'skipped', message: `the credentials file has no principal for ${name}` });
      continue;
    }
    for (const p of principals) {
      const presented = presentationOf(ctx, p);
      if (presented === null || !verified) {
        ctx.record({
          id,
          status: 'skipped',
          message:
            presented === null
              ? `${p.name} has no credential probe can send over HTTP for ${name}`
              : `${p.name}'s credential is not sent: the server's certificate does not verify`,
        });
        continue;
      }
      const answer = await httpCall(
        ctx,
        at.method,
        at.address,
        presented,
        true,
        at.method === 'POST' ? probePayload() : undefined,
      );
      // 403 is an authorization answer: the credential itself was accepted.
      if (answer.status === 429) {
        ctx.record({
          id,
          status: 'skipped',
          message: throttledMessage(p.name),
          evidence: evidenceOf(presented, answer),
        });
        continue;
      }
      const authenticated = ok(answer) || answer.status === 403;
      ctx.record({
        id,
        status: authenticated ? 'pass' : 'fail',
        message: authenticated ? `${p.name} is authenticated with ${name}` : `${p.name} is refused with ${name}`,
        evidence: { sent: `${at.method} /${at.address} as ${presented.describe}`, received: answerEvidence(answer) },
      });
    }
  }
}

async function attempt(
  ctx: ProbeContext,
  method: 'GET' | 'POST',
  address: string,
  p: TestPrincipal,
): Promise<{ allowed: boolean; throttled: boolean; evidence: Evidence } | null> {
  const presented = presentationOf(ctx, p);
  if (presented === null) return null;
  const answer = await httpCall(ctx, method, address, presented, true, method === 'POST' ? probePayload() : undefined);
  return {
    allowed: ok(answer),
    throttled: answer.status === 429,
    evidence: { sent: `${method} /${address} as ${presented.describe}`, received: answerEvidence(answer) },
  };
}

async function checkOperations(ctx: ProbeContext, verified: boolean): Promise<void> {
  for (const op of ctx.operations) {
    if (ctx.signal.aborted) return;
    const address = sampleAddress(ctx, op);
    const skip = (message: string): void =>
      ctx.record({ id: 'authz-operation-refused', status: 'skipped', operation: op.id, message });
    if (address === null) {
      skip(`the channel ${op.channel} has no address to probe`);
      continue;
    }
    if (!verified) {
      skip("no credential is sent: the server's certificate does not verify");
      continue;
    }
    const method = op.action === 'send' ? 'POST' : 'GET';
    const { allowed, lacking } = principalsForByCredential(ctx, op);
    const tried = allowed === undefined ? null : await attempt(ctx, method, address, allowed);
    if (allowed === undefined || tried === null) skip(`the credentials file has no principal that satisfies ${op.id}`);
    else if (tried.throttled) skip(throttledMessage(allowed.name));
    else {
      ctx.record({
        id: 'authz-operation-refused',
        status: tried.allowed ? 'pass' : 'fail',
        operation: op.id,
        message: tried.allowed
          ? `${allowed.name} may ${method} /${address}`
          : `${allowed.name} satisfies ${op.id} but is refused ${method} /${address}`,
        evidence: tried.evidence,
      });
    }
    if (lacking === undefined) continue;
    const denied = await attempt(ctx, method, address, lacking);
    if (denied === null || denied.throttled) continue;
    ctx.record({
      id: 'authz-requirement-not-enforced',
      status: denied.allowed ? 'fail' : 'pass',
      operation: op.id,
      message: denied.allowed
        ? `${lacking.name} lacks ${op.id}'s requirement but may ${method} /${address}`
        : `${lacking.name} lacks ${op.id}'s requirement and is refused ${method} /${address}`,
      evidence: denied.evidence,
    });
  }
}

async function checkUndeclared(ctx: ProbeContext, verified: boolean): Promise<void> {
  const id = 'authz-undeclared-channel-accepted';
  const address = undeclaredAddress(ctx);
  const principal = serverPrincipalsByCredential(ctx)[0];
  const anonymous = ctx.server.security.alternatives.length === 0;
  if (address === null || (principal === undefined && !anonymous) || !verified) {
    const message =
      address === null
        ? "the document's channel templates cover every address"
        : !verified
          ? "no credential is sent: the server's certificate does not verify"
          : 'no client gets in to try it (no principal in the credentials file)';
    ctx.record({ id, status: 'skipped', message });
    return;
  }
  for (const method of ['POST', 'GET'] as const) {
    const tried =
      principal === undefined
        ? await (async () => {
            const answer = await httpCall(
              ctx,
              method,
              address,
              noCredentials(),
              true,
              method === 'POST' ? probePayload() : undefined,
            );
            return {
              allowed: ok(answer),
              evidence: { sent: `${method} /${address}`, received: answerEvidence(answer) },
            };
          })()
        : await attempt(ctx, method, address, principal);
    if (tried === null) continue;
    const outcome: CheckOutcome = {
      id,
      status: tried.allowed ? 'fail' : 'pass',
      message: tried.allowed
        ? `${method} /${address} (undeclared) is accepted`
        : `${method} /${address} (undeclared) is refused`,
      evidence: tried.evidence,
    };
    ctx.record(outcome);
  }
}

/**
 * A 429 (RFC 6585 §4) answers a client the server throttles: the failed attempts of this probe (anonymous, wrong
 * credentials) or of an earlier run from the same address. It says nothing about the principal, so the check is
 * skipped rather than failed (docs/probe.md, "Login throttling").
 */
function throttledMessage(principal: string): string {
  return `the server throttles this client (429) after earlier failed attempts: ${principal} could not be tried`;
}

function evidenceOf(presented: WebPresentation, answer: HttpAnswer): Evidence {
  return { sent: `request as ${presented.describe}`, received: answerEvidence(answer) };
}

/** No HTTP answer at all (a timeout, a reset, a malformed response): nothing was refused or accepted. */
function noAnswerMessage(answer: HttpAnswer): string {
  return `the server gave no HTTP answer (${answer.text}): a refusal cannot be told from silence`;
}
