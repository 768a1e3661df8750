// Respond (docs/architecture.md, "The guard pipeline"): a Refusal or Decision → the HTTP answer both web
// fronts send (docs/architecture.md, "Wire conventions"). The WebSocket front writes
// it raw on the socket before the upgrade, the HTTP front through `ServerResponse`.
//
//   authentication refused
//     no_credentials       401, one WWW-Authenticate per challenge in refusal.challenges (RFC 7235 §4.1)
//     invalid_credentials  401, the same challenges; a Bearer challenge gets error="invalid_token"
//                          when a bearer token was presented (RFC 6750 §3.1)
//     scope_missing        403; `Bearer error="insufficient_scope"` when a bearer token was presented
//     throttled            429 without Retry-After (RFC 6585 §4 makes it optional): the front does not
//                          know the configured lockout, and announcing when a lock ends only helps
//                          an attacker schedule the next guesses
//     store_unavailable    503 (fail closed)
//     unknown_server       500 (a wiring mistake, not the client's)
//   authorization refused (Decision)
//     invalid_channel      404 (the path names no channel, e.g. the empty one)
//     wrong_server         500
//     anything else        403; for scope_missing / credentials_missing with a bearer token
//                          presented, `WWW-Authenticate: Bearer error="insufficient_scope"` (RFC 6750 §3.1)
//
// Bodies are short JSON `{"error":"<reason>"}`: a closed code, never a credential, header,
// query or path.

import type { ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Decision, Refusal } from '../../guard/types.js';
import type { Presented } from '../../schemes/types.js';
import { readBearerToken } from '../../schemes/wire/bearer.js';

export interface WebResponse {
  readonly status: number;
  /** Header name → one value per line (WWW-Authenticate may repeat). */
  readonly headers: readonly (readonly [string, string])[];
  /** JSON text, or '' for none. */
  readonly body: string;
}

/** A header value we write must be visible ASCII, SP or HTAB (RFC 9110 §5.5): never CR/LF. */
const SAFE_HEADER_VALUE = /^[\t\x20-\x7e]*$/;

const INSUFFICIENT_SCOPE = 'Bearer error="insufficient_scope"';

/** `{"error":"<code>"}` with the given status and extra headers. `code` is a closed code of ours. */
export function errorResponse(
  status: number,
  code: string,
  headers: readonly (readonly [string, string])[] = [],
): WebResponse {
  return { status, headers, body: JSON.stringify({ error: code }) };
}

function bearerPresented(presented: Presented): boolean {
  return readBearerToken(presented).kind !== 'absent';
}

function isBearerChallenge(challenge: string): boolean {
  return /^bearer(\s|$)/i.test(challenge);
}

/** The 401/403/429/503 for an authentication refusal (module comment). */
export function refusalResponse(refusal: Refusal, presented: Presented): WebResponse {
  switch (refusal.reason) {
    case 'no_credentials':
    case 'invalid_credentials': {
      const invalidToken = refusal.reason === 'invalid_credentials' && bearerPresented(presented);
      const headers = refusal.challenges
        .filter((c) => SAFE_HEADER_VALUE.test(c))
        .map(
          (c) =>
            ['WWW-Authenticate', invalidToken && isBearerChallenge(c) ? `${c}, error="invalid_token"` : c] as const,
        );
      return errorResponse(401, refusal.reason, headers);
    }
    case 'scope_missing':
      return errorResponse(
        403,
        'scope_missing',
        bearerPresented(presented) ? [['WWW-Authenticate', INSUFFICIENT_SCOPE]] : [],
      );
    case 'throttled':
      return errorResponse(429, 'throttled');
    case 'store_unavailable':
      return errorResponse(503, 'store_unavailable');
    case 'unknown_server':
      return errorResponse(500, 'unknown_server');
  }
}

/** The 403/404/500 for a refused publish/subscribe/payload decision (module comment). */
export function decisionResponse(decision: Decision, presented: Presented): WebResponse {
  if (decision.reason === 'invalid_channel') return errorResponse(404, 'invalid_channel');
  if (decision.reason === 'wrong_server') return errorResponse(500, 'wrong_server');
  const scopeLike = decision.reason === 'scope_missing' || decision.reason === 'credentials_missing';
  return errorResponse(
    403,
    decision.reason,
    scopeLike && bearerPresented(presented) ? [['WWW-Authenticate', INSUFFICIENT_SCOPE]] : [],
  );
}

/** Writes a WebResponse through Node's response object. */
export function sendResponse(res: ServerResponse, response: WebResponse, close = false): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const grouped = new Map<string, string[]>();
  for (const [name, value] of response.headers) {
    const list = grouped.get(name);
    if (list === undefined) grouped.set(name, [value]);
    else list.push(value);
  }
  for (const [name, values] of grouped) res.setHeader(name, values.length === 1 ? (values[0] as string) : values);
  if (response.body.length > 0) res.setHeader('Content-Type', 'application/json');
  res.setHeader('Content-Length', Buffer.byteLength(response.body));
  res.setHeader('Cache-Control', 'no-store');
  if (close) res.setHeader('Connection', 'close');
  res.statusCode = response.status;
  res.end(response.body);
}

/**
 * Writes a WebResponse as a raw HTTP/1.1 message on a socket that is not (yet) a WebSocket, then
 * closes it: the refusal of a handshake before the upgrade (RFC 6455 §4.2.2 allows any HTTP status).
 */
export function writeRawResponse(socket: Duplex, response: WebResponse): void {
  if (socket.destroyed) return;
  const lines = [
    `HTTP/1.1 ${response.status} ${STATUS_CODES[response.status] ?? ''}`,
    'Connection: close',
    'Cache-Control: no-store',
  ];
  for (const [name, value] of response.headers) lines.push(`${name}: ${value}`);
  if (response.body.length > 0) lines.push('Content-Type: application/json');
  lines.push(`Content-Length: ${Buffer.byteLength(response.body)}`);
  socket.end(`${lines.join('\r\n')}\r\n\r\n${response.body}`);
  // A peer that never reads must not keep the socket: give the write a moment, then destroy.
  const timer = setTimeout(() => socket.destroy(), 1000);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}
