// The authorization request nats-server 2.10 sends on `$SYS.REQ.USER.AUTH` (jwt v2
// `AuthorizationRequestClaims`), read as wire input: bounded, checked field by field, never
// thrown on. What is checked (docs/brokers/nats.md, "What authd checks"):
//
//   - a NATS JWT signed by the key in its `iss`, which must be a server key (`N…`) and the same
//     as `nats.server_id.id` (the server that asks signs for itself); outside a cluster, also the
//     id the server announced to authd's own connection (its INFO `server_id`);
//   - `aud` = `nats-authorization-request`, `sub` = our issuer account's public key (the request
//     is for the callout we serve), `nats.type` = `authorization_request`, `exp` not past;
//   - `nats.user_nkey` a user public key: the subject the answer must name (replay protection);
//   - `nats.connect_opts.user`, `.pass`, `.auth_token`: strings when present (the guard then bounds
//     and checks them as any login); `nats.client_info.host` / `.id`: the remote and the server's
//     client id (to end the connection later).
//
// Who may publish a request at all is nats-server's business: `$SYS.REQ.USER.AUTH` is reserved to
// the auth users of the callout account.

import type { Presented } from '../../guard/types.js';
import { decodeNatsJwt, isPublicNkey } from './jwt.js';

export const REQUEST_AUDIENCE = 'nats-authorization-request';

/** Why a request was not served (closed list; written to the audit line, never a value from it). */
export type RequestProblem =
  | 'too_large'
  | 'malformed'
  | 'bad_header'
  | 'bad_signature'
  | 'not_a_request'
  | 'wrong_audience'
  | 'wrong_issuer'
  | 'not_our_callout'
  | 'expired'
  | 'bad_user_nkey'
  | 'bad_connect_opts'
  | 'encrypted'
  | 'too_many';

export interface AuthRequest {
  /** The server's public nkey (its id): the `aud` of our answer. */
  readonly serverId: string;
  /** The user public key our answer's user JWT must be for. */
  readonly userNkey: string;
  /** The server's client id of the connection (with serverId, names it for a kick). */
  readonly clientId: number | null;
  readonly presented: Presented;
}

export type ParsedRequest =
  | { readonly ok: true; readonly request: AuthRequest }
  | {
      readonly ok: false;
      readonly problem: RequestProblem;
      /** Present when the request was verified far enough to answer it with a signed refusal. */
      readonly answerTo?: { readonly serverId: string; readonly userNkey: string };
    };

const SMALL_STRING = 4096;

export function parseAuthRequest(
  data: Uint8Array,
  expect: {
    readonly issuer: string;
    readonly maxBytes: number;
    readonly nowSeconds: number;
    /** The one server that may ask (a server outside a cluster), or null when any server of the cluster may. */
    readonly server?: string | null;
  },
): ParsedRequest {
  if (data.length > expect.maxBytes) return { ok: false, problem: 'too_large' };
  const text = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('latin1');
  const decoded = decodeNatsJwt(text, expect.maxBytes);
  if (!decoded.ok) return { ok: false, problem: decoded.problem };
  const c = decoded.claims;
  const nats = objectOr(c.nats);
  const serverInfo = objectOr(nats?.server_id);
  if (nats === null || nats.type !== 'authorization_request') return { ok: false, problem: 'not_a_request' };
  if (!isPublicNkey(c.iss, 'N') || serverInfo?.id !== c.iss) return { ok: false, problem: 'wrong_issuer' };
  const serverId = c.iss;
  if (expect.server !== undefined && expect.server !== null && serverId !== expect.server)
    return { ok: false, problem: 'wrong_issuer' };
  if (c.aud !== REQUEST_AUDIENCE) return { ok: false, problem: 'wrong_audience' };
  if (c.sub !== expect.issuer) return { ok: false, problem: 'not_our_callout' };
  if (!isPublicNkey(nats.user_nkey, 'U')) return { ok: false, problem: 'bad_user_nkey' };
  const answerTo = { serverId, userNkey: nats.user_nkey };
  if (typeof c.exp === 'number' && c.exp < expect.nowSeconds) return { ok: false, problem: 'expired', answerTo };

  const opts = objectOr(nats.connect_opts) ?? {};
  const client = objectOr(nats.client_info) ?? {};
  const user = optionalString(opts.user);
  const pass = optionalString(opts.pass);
  const token = optionalString(opts.auth_token);
  const host = optionalString(client.host);
  if (user === false || pass === false || token === false || host === false)
    return { ok: false, problem: 'bad_connect_opts', answerTo };
  const id = client.id;
  const clientId = typeof id === 'number' && Number.isSafeInteger(id) && id > 0 ? id : null;
  const presented: Presented = {
    ...(host !== undefined ? { remote: host } : {}),
    ...(user !== undefined || pass !== undefined
      ? {
          login: {
            ...(user !== undefined ? { username: user } : {}),
            ...(pass !== undefined ? { password: pass } : {}),
          },
        }
      : {}),
    ...(token !== undefined ? { token } : {}),
  };
  return { ok: true, request: { serverId, userNkey: nats.user_nkey, clientId, presented } };
}

function objectOr(value: unknown): Record<string, unknown> | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

/** undefined when absent or empty, the string when it is one (bounded), false when it is something else. */
function optionalString(value: unknown): string | undefined | false {
  if (value === undefined || value === null || value === '') return undefined;
  return typeof value === 'string' && value.length <= SMALL_STRING ? value : false;
}
