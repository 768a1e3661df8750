// One authorization request → the bytes to answer it with (docs/brokers/nats.md, "What authd
// checks"). Wire input: never throws on it, and every way it can fail ends in a refusal:
//
//   - unreadable, forged, foreign, expired or encrypted request → an empty answer (nats-server reads
//     it as "no reason supplied" and refuses), or a signed `bad_request` error when the request was
//     verified far enough to name whom to answer; one audit line with the closed reason;
//   - credentials the guard refuses → a signed error naming the guard's closed reason
//     (`invalid_credentials`, `throttled`, …), never a value the client sent;
//   - accepted → a signed authorization response holding the user JWT (grants.ts), expiring with the
//     earliest credential and never later than the configured maximum.

import type { Logger } from 'pino';
import type { Guard, Session } from '../../guard/index.js';
import { AUDIT_MAX_LINES_PER_SECOND, createAuditRate } from '../../guard/audit-rate.js';
import { encodeNatsJwt, type NkeySigner } from './jwt.js';
import { permissionsOf, type GrantPlan, type NatsPermissions } from './grants.js';
import { parseAuthRequest, type RequestProblem } from './request.js';

export interface AnswererOptions {
  readonly guard: Guard;
  readonly plan: GrantPlan;
  /** The issuer account key pair (`auth_callout.issuer`). */
  readonly issuer: NkeySigner;
  /** The account clients are placed in (the user JWT's `aud`). */
  readonly account: string;
  readonly maxLifetimeMs: number;
  readonly maxRequestBytes: number;
  /** Where the audit line of an unreadable request goes. */
  readonly logger: Logger;
  /** `audit.maxLinesPerSecond` (default 100; 0: no bound). */
  readonly maxAuditLinesPerSecond?: number;
  readonly now: () => number;
  /** The server id requests must come from, when only one server can ask (callout.ts); absent: any. */
  readonly expectServer?: () => string | null;
}

export type Answer =
  | { readonly outcome: 'bad'; readonly problem: RequestProblem; readonly body: Uint8Array }
  | { readonly outcome: 'refused'; readonly body: Uint8Array }
  | {
      readonly outcome: 'allowed';
      readonly body: Uint8Array;
      readonly serverId: string;
      readonly clientId: number | null;
      readonly session: Session;
      /** ms since the epoch: the user JWT's exp. */
      readonly expiresAt: number;
    };

const EMPTY = new Uint8Array(0);
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

export interface Answerer {
  readonly issuerPublic: string;
  /** The answer to one request (`encrypted`: it came with the `Nats-Server-Xkey` header, which we do not serve). */
  answer(data: Uint8Array, encrypted: boolean): Promise<Answer>;
  /** The answer to a request we will not read at all (too many at once): empty, with its audit line. */
  refuseUnread(problem: RequestProblem): Answer;
}

export function createAnswerer(o: AnswererOptions): Answerer {
  const issuerPublic = o.issuer.getPublicKey();
  // Both kinds of line are rate-bound like the guard's (docs/architecture.md, "Decisions": every kind of
  // audit line is), with one `audit.suppressed` summary for what a flood left out.
  const rate = createAuditRate(o.logger, o.maxAuditLinesPerSecond ?? AUDIT_MAX_LINES_PER_SECOND, o.now);
  const seconds = (ms: number): number => Math.floor(ms / 1000);

  const bad = (problem: RequestProblem, body: Uint8Array = EMPTY): Answer => {
    if (rate.admit('authd.nats.bad_request'))
      o.logger.warn(
        { event: 'authd.nats.bad_request', server: o.plan.server, reason: problem },
        'authd.nats.bad_request',
      );
    return { outcome: 'bad', problem, body };
  };

  const response = (to: { serverId: string; userNkey: string }, nats: object): Uint8Array =>
    utf8(
      encodeNatsJwt({ aud: to.serverId, iat: seconds(o.now()), iss: issuerPublic, sub: to.userNkey, nats }, o.issuer),
    );
  const refusal = (to: { serverId: string; userNkey: string }, error: string): Uint8Array =>
    response(to, { error, type: 'authorization_response', version: 2 });

  return {
    issuerPublic,
    refuseUnread: (problem) => bad(problem),
    async answer(data, encrypted) {
      if (encrypted) return bad('encrypted');
      const parsed = parseAuthRequest(data, {
        issuer: issuerPublic,
        maxBytes: o.maxRequestBytes,
        nowSeconds: seconds(o.now()),
        ...(o.expectServer !== undefined ? { server: o.expectServer() } : {}),
      });
      if (!parsed.ok)
        return bad(parsed.problem, parsed.answerTo === undefined ? EMPTY : refusal(parsed.answerTo, 'bad_request'));
      const req = parsed.request;
      const auth = await o.guard.authenticate(o.plan.server, req.presented);
      if (!auth.ok) return { outcome: 'refused', body: refusal(req, auth.refusal.reason) };
      const session = auth.session;
      const t = o.now();
      const expiresAt = Math.min(session.expiresAt ?? Infinity, t + o.maxLifetimeMs);
      // A user JWT's exp is in whole seconds: a session that would end within this second is refused.
      if (seconds(expiresAt) <= seconds(t)) return { outcome: 'refused', body: refusal(req, 'credentials_expired') };
      const perms = permissionsOf(o.plan, session);
      if (o.logger.isLevelEnabled('info') && rate.admit('authd.nats.granted'))
        o.logger.info(
          {
            event: 'authd.nats.granted',
            server: o.plan.server,
            principal: session.principal.id,
            operations: perms.operations,
          },
          'authd.nats.granted',
        );
      const user = encodeNatsJwt(
        {
          aud: o.account,
          exp: seconds(expiresAt),
          iat: seconds(t),
          iss: issuerPublic,
          name: session.principal.id,
          sub: req.userNkey,
          nats: userClaims(perms),
        },
        o.issuer,
      );
      return {
        outcome: 'allowed',
        body: response(req, { jwt: user, type: 'authorization_response', version: 2 }),
        serverId: req.serverId,
        clientId: req.clientId,
        session,
        expiresAt,
      };
    },
  };
}

/** The `nats` part of a user JWT (jwt v2 `User`): allow-lists, and a deny of everything where nothing is allowed. */
export function userClaims(perms: NatsPermissions): object {
  // nats-server reads empty allow and deny lists as "no restriction": nothing allowed must be a deny of `>`.
  const list = (allow: readonly string[]): object => (allow.length > 0 ? { allow } : { deny: ['>'] });
  return {
    pub: list(perms.pub),
    sub: list(perms.sub),
    // allow_responses: one reply per request received, within nats-server's default window.
    ...(perms.respond ? { resp: { max: 1, ttl: 0 } } : {}),
    subs: -1,
    data: -1,
    payload: -1,
    type: 'user',
    version: 2,
  };
}
