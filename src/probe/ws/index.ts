// The WebSocket prober (`ws`, `wss`; the URL path after the server's pathname is the channel, frames in are
// publishes, frames out deliveries: docs/serve.md): transport, then authentication from the handshake's status
// (RFC 6455 §4.1: anything but 101 is a refusal) and its WWW-Authenticate challenges, then authorization. A
// handshake may be accepted for a channel the client may only publish to or only receive from, so both are
// observed: a receive by a frame sent from another connection arriving, a publish by the frame arriving at a
// watcher (or the connection closed with 1008, RFC 6455 §7.4.1). docs/probe.md, "WebSocket".

import type { IncomingMessage } from 'node:http';
import type { WebSocket as WsSocket } from 'ws';
import type { Scheme } from '../../model/types.js';
import { checkTransport } from '../transport.js';
import { httpHello } from '../http/index.js';
import { probePayload, sampleAddress, probeUserName, undeclaredAddress } from '../plan.js';
import { principalsForByCredential, serverPrincipalsByCredential } from '../credential-match.js';
import type { Evidence, ProbeContext, Prober, TestPrincipal } from '../types.js';
import { serverName, trustAnchors } from '../wire.js';
import {
  challengeOf,
  challengeSchemes,
  noCredentials,
  webPresentation,
  wrongWebPresentation,
  type WebPresentation,
} from '../web/present.js';

export const wsProber: Prober = {
  protocols: ['ws', 'wss'],
  defaultPorts: { ws: 80, wss: 443 },
  findings: [],
  probe: probeWs,
};

type Opened =
  | { readonly ok: true; readonly socket: WsSocket; readonly answer: string }
  | { readonly ok: false; readonly status: number; readonly challenges: string[]; readonly answer: string };

let loaded: Promise<typeof import('ws')> | undefined;

/** Opens a WebSocket on `address` presenting `presented`; resolves at 101 or at the refusal. */
async function openWs(
  ctx: ProbeContext,
  address: string,
  presented: WebPresentation,
  verify: boolean,
): Promise<Opened> {
  loaded ??= import('ws');
  const { WebSocket } = await loaded;
  const { host, port, tls, pathname } = ctx.target;
  const query = new URLSearchParams(presented.query).toString();
  const path = `${pathname}/${address.split('/').map(encodeURIComponent).join('/')}${query === '' ? '' : `?${query}`}`;
  const hostText = host.includes(':') ? `[${host}]` : host;
  const name = serverName(host);
  const socket = new WebSocket(`${tls ? 'wss' : 'ws'}://${hostText}:${port}${path}`, {
    headers: { ...presented.headers },
    handshakeTimeout: ctx.timeoutMs,
    maxPayload: 64 * 1024,
    ...(tls
      ? {
          ca: trustAnchors(ctx.ca),
          rejectUnauthorized: verify,
          ...(name === undefined ? {} : { servername: name }),
          ...(presented.cert === undefined ? {} : { cert: presented.cert, key: presented.key }),
        }
      : {}),
  });
  return new Promise((resolve) => {
    let done = false;
    const finish = (result: Opened): void => {
      if (done) return;
      done = true;
      if (!result.ok) socket.terminate();
      resolve(result);
    };
    socket.once('open', () => finish({ ok: true, socket, answer: '101 Switching Protocols' }));
    socket.once('unexpected-response', (_req, res: IncomingMessage) => {
      const value = res.headers['www-authenticate'];
      const challenges = value === undefined ? [] : Array.isArray(value) ? value : [value];
      res.resume();
      finish({
        ok: false,
        status: res.statusCode ?? 0,
        challenges,
        answer: `${res.statusCode ?? '?'}${challengeText(challenges)}`,
      });
    });
    socket.on('error', (err: Error & { code?: string }) =>
      finish({ ok: false, status: 0, challenges: [], answer: err.code ?? err.message }),
    );
    socket.once('close', () => finish({ ok: false, status: 0, challenges: [], answer: 'closed during the handshake' }));
  });
}

function close(socket: WsSocket): void {
  socket.terminate();
}

/** Resolves with what happened first within `ms`: the payload arrived, the connection closed (code), or nothing. */
function watch(socket: WsSocket, payload: string, ms: number): Promise<'arrived' | `closed ${number}` | 'nothing'> {
  return new Promise((resolve) => {
    const onMessage = (data: Buffer): void => {
      if (data.toString('utf8') === payload) finish('arrived');
    };
    const onClose = (code: number): void => finish(`closed ${code}`);
    const finish = (result: 'arrived' | `closed ${number}` | 'nothing'): void => {
      clearTimeout(timer);
      socket.removeListener('message', onMessage);
      socket.removeListener('close', onClose);
      resolve(result);
    };
    const timer = setTimeout(() => finish('nothing'), ms);
    socket.on('message', onMessage);
    socket.once('close', onClose);
  });
}

function deliveryWaitMs(ctx: ProbeContext): number {
  return Math.min(ctx.timeoutMs, 1500);
}

function schemeOf(ctx: ProbeContext, name: string): Scheme | undefined {
  return ctx.analysis.schemes.get(name)?.scheme;
}

function presentationOf(ctx: ProbeContext, p: TestPrincipal): WebPresentation | null {
  const scheme = schemeOf(ctx, p.scheme);
  return scheme === undefined ? null : webPresentation(scheme, p, ctx.describeCredential(p));
}

async function probeWs(ctx: ProbeContext): Promise<void> {
  const { verified } = await checkTransport(ctx, httpHello(ctx.target));
  if (ctx.signal.aborted) return;
  const first = ctx.operations.map((op) => sampleAddress(ctx, op)).find((a) => a !== null) ?? '';
  await checkAnonymous(ctx, first);
  await checkWrongCredentials(ctx, first);
  await checkCredentials(ctx, first, verified);
  await checkOperations(ctx, verified);
  await checkUndeclared(ctx, verified);
  ctx.record({
    id: 'authz-all-topics-accepted',
    status: 'skipped',
    message: 'a WebSocket connection names one channel in its URL: there is no wildcard subscription',
  });
}

async function checkAnonymous(ctx: ProbeContext, address: string): Promise<void> {
  if (ctx.server.security.alternatives.length === 0) {
    ctx.record({
      id: 'auth-anonymous-accepted',
      status: 'skipped',
      message: 'the document declares no security for this server',
    });
    return;
  }
  const opened = await openWs(ctx, address, noCredentials(), false);
  if (opened.ok) close(opened.socket);
  const evidence = { sent: `WebSocket handshake on /${address} without credentials`, received: opened.answer };
  ctx.record({
    id: 'auth-anonymous-accepted',
    status: opened.ok ? 'fail' : 'pass',
    message: opened.ok ? 'a handshake without credentials is accepted' : 'a handshake without credentials is refused',
    evidence,
  });
  if (opened.ok || opened.status !== 401) return;
  const declared = new Set(
    ctx.declaredSchemes.map((n) => schemeOf(ctx, n)).flatMap((s) => (s === undefined ? [] : [challengeOf(s)])),
  );
  const offered = challengeSchemes(opened.challenges);
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

async function checkWrongCredentials(ctx: ProbeContext, address: string): Promise<void> {
  const id = 'auth-wrong-credential-accepted';
  for (const name of ctx.declaredSchemes) {
    const scheme = schemeOf(ctx, name);
    const wrong = scheme === undefined ? null : wrongWebPresentation(scheme, probeUserName());
    if (wrong === null) {
      ctx.record({
        id,
        status: 'skipped',
        message: `probe has no wrong ${scheme?.type ?? 'unresolved'} credential to send over WebSocket for ${name}`,
      });
      continue;
    }
    const opened = await openWs(ctx, address, wrong, false);
    if (opened.ok) close(opened.socket);
    ctx.record({
      id,
      status: opened.ok ? 'fail' : 'pass',
      message: opened.ok ? `a wrong ${name} credential is accepted` : `a wrong ${name} credential is refused`,
      evidence: { sent: `WebSocket handshake on /${address} with ${wrong.describe}`, received: opened.answer },
    });
  }
}

async function checkCredentials(ctx: ProbeContext, address: string, verified: boolean): Promise<void> {
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
              ? `${p.name} has no credential probe can send over WebSocket for ${name}`
              : `${p.name}'s credential is not sent: the server's certificate does not verify`,
        });
        continue;
      }
      const opened = await openWs(ctx, address, presented, true);
      if (opened.ok) close(opened.socket);
      // 403 is an authorization answer: the credential itself was accepted.
      if (!opened.ok && opened.status === 429) {
        ctx.record({
          id,
          status: 'skipped',
          message: `the server throttles this client (429) after earlier failed attempts: ${p.name} could not be tried`,
          evidence: { sent: `WebSocket handshake on /${address} as ${presented.describe}`, received: opened.answer },
        });
        continue;
      }
      const authenticated = opened.ok || opened.status === 403;
      ctx.record({
        id,
        status: authenticated ? 'pass' : 'fail',
        message: authenticated ? `${p.name} is authenticated with ${name}` : `${p.name} is refused with ${name}`,
        evidence: { sent: `WebSocket handshake on /${address} as ${presented.describe}`, received: opened.answer },
      });
    }
  }
}

type Verdict = { verdict: 'accepted' | 'refused' | 'unknown'; evidence: Evidence; why: string };

/**
 * `receive`: the actor connects; a helper connection (another principal, or the actor's second connection) sends a
 * frame; did it arrive at the actor? `send`: the actor sends a frame; did it arrive at a watcher, or was the actor
 * closed?
 */
async function perform(
  ctx: ProbeContext,
  action: 'send' | 'receive',
  actor: TestPrincipal | null,
  address: string,
  helper: TestPrincipal | null,
): Promise<Verdict | null> {
  const actorPresented = actor === null ? noCredentials() : presentationOf(ctx, actor);
  if (actorPresented === null) return null;
  const label = actor?.name ?? 'anonymous';
  const opened = await openWs(ctx, address, actorPresented, actor !== null);
  const sent = `WebSocket handshake on /${address} as ${actorPresented.describe}`;
  if (!opened.ok && opened.status === 429) {
    // RFC 6585 §4: the client is throttled (earlier failed attempts), which says nothing about this principal.
    return { verdict: 'unknown', evidence: { sent, received: opened.answer }, why: 'the server throttles this client' };
  }
  if (!opened.ok) return { verdict: 'refused', evidence: { sent, received: opened.answer }, why: '' };
  const helperPresented = helper === null ? actorPresented : presentationOf(ctx, helper);
  const second =
    helperPresented === null ? null : await openWs(ctx, address, helperPresented, helper !== null || actor !== null);
  const helperText = second === null ? 'no second connection' : `second connection: ${second.answer}`;
  try {
    if (second === null || !second.ok) {
      return {
        verdict: 'unknown',
        evidence: { sent, received: `${opened.answer}; ${helperText}` },
        why: `a 101 alone does not tell, and no second connection was let in to observe ${label}`,
      };
    }
    const payload = probePayload();
    const [from, to] = action === 'send' ? [opened.socket, second.socket] : [second.socket, opened.socket];
    const arrival = watch(to, payload, deliveryWaitMs(ctx));
    from.send(payload);
    const result = await arrival;
    // A refused frame closes its sender with 1008 (what serve does); either way it did not arrive.
    const senderClosed = from.readyState !== from.OPEN;
    const what =
      result === 'arrived'
        ? 'the frame arrived'
        : result === 'nothing'
          ? `the frame did not arrive within ${deliveryWaitMs(ctx)} ms`
          : `the receiving connection ${result}`;
    const received = `${opened.answer}; ${helperText}; ${what}${senderClosed ? '; the sender was closed' : ''}`;
    const verdict = result === 'arrived' ? 'accepted' : 'refused';
    return {
      verdict,
      evidence: { sent: `${sent}; ${action === 'send' ? 'send' : 'receive'} one frame`, received },
      why: '',
    };
  } finally {
    close(opened.socket);
    if (second?.ok) close(second.socket);
  }
}

/** A principal that may do `action` on the operation's channel (to help observe), if any. */
function helperFor(ctx: ProbeContext, channel: string, action: 'send' | 'receive'): TestPrincipal | null {
  for (const op of ctx.operations) {
    if (op.channel !== channel || op.action !== action) continue;
    const { allowed } = principalsForByCredential(ctx, op);
    if (allowed !== undefined) return allowed;
  }
  return null;
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
    const verb = op.action === 'send' ? 'publish to' : 'receive from';
    // The other side of the exchange: someone who may receive (for a send) or send (for a receive).
    const helper = helperFor(ctx, op.channel, op.action === 'send' ? 'receive' : 'send');
    const { allowed, lacking } = principalsForByCredential(ctx, op);
    const tried = allowed === undefined ? null : await perform(ctx, op.action, allowed, address, helper);
    if (allowed === undefined || tried === null) skip(`the credentials file has no principal that satisfies ${op.id}`);
    else {
      ctx.record({
        id: 'authz-operation-refused',
        status: tried.verdict === 'accepted' ? 'pass' : tried.verdict === 'refused' ? 'fail' : 'skipped',
        operation: op.id,
        message:
          tried.verdict === 'accepted'
            ? `${allowed.name} may ${verb} ${address}`
            : tried.verdict === 'refused'
              ? `${allowed.name} satisfies ${op.id} but may not ${verb} ${address}`
              : `whether ${allowed.name} may ${verb} ${address} could not be told: ${tried.why}`,
        evidence: tried.evidence,
      });
    }
    if (lacking === undefined) continue;
    const denied = await perform(ctx, op.action, lacking, address, helper ?? allowed ?? null);
    if (denied === null) continue;
    ctx.record({
      id: 'authz-requirement-not-enforced',
      status: denied.verdict === 'accepted' ? 'fail' : denied.verdict === 'refused' ? 'pass' : 'skipped',
      operation: op.id,
      message:
        denied.verdict === 'accepted'
          ? `${lacking.name} lacks ${op.id}'s requirement but may ${verb} ${address}`
          : denied.verdict === 'refused'
            ? `${lacking.name} lacks ${op.id}'s requirement and may not ${verb} ${address}`
            : `whether ${lacking.name} may ${verb} ${address} could not be told: ${denied.why}`,
      evidence: denied.evidence,
    });
  }
}

async function checkUndeclared(ctx: ProbeContext, verified: boolean): Promise<void> {
  const id = 'authz-undeclared-channel-accepted';
  const address = undeclaredAddress(ctx);
  const principal = serverPrincipalsByCredential(ctx)[0] ?? null;
  const anonymous = ctx.server.security.alternatives.length === 0;
  if (address === null || (principal === null && !anonymous) || !verified) {
    ctx.record({
      id,
      status: 'skipped',
      message:
        address === null
          ? "the document's channel templates cover every address"
          : !verified
            ? "no credential is sent: the server's certificate does not verify"
            : 'no client gets in to try it (no principal in the credentials file)',
    });
    return;
  }
  // The handshake itself: a server that knows the channel is not declared refuses it before the upgrade.
  const presented = principal === null ? noCredentials() : presentationOf(ctx, principal);
  if (presented === null) return;
  const opened = await openWs(ctx, address, presented, true);
  if (opened.ok) close(opened.socket);
  ctx.record({
    id,
    status: opened.ok ? 'fail' : 'pass',
    message: opened.ok
      ? `a WebSocket on the undeclared /${address} is accepted`
      : `a WebSocket on the undeclared /${address} is refused`,
    evidence: { sent: `WebSocket handshake on /${address} as ${presented.describe}`, received: opened.answer },
  });
}

function challengeText(challenges: readonly string[]): string {
  return challenges.length > 0 ? `, WWW-Authenticate: ${challenges.join(' | ')}` : '';
}
