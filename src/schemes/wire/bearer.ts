// A bearer token (RFC 6750) as a transport presented it, and the 401 challenge that asks for one.
//
// Where a token is read, in this order (docs/architecture.md, "Wire conventions"):
//   1. `Authorization: Bearer <b64token>` (RFC 6750 §2.1) on an HTTP request or WebSocket handshake;
//   2. `presented.token`: a token the transport found elsewhere (a browser's WebSocket
//      `Sec-WebSocket-Protocol`);
//   3. `presented.login.password`: MQTT CONNECT carries the token in the password field.
// The first one present is the token; when several are present and they differ, the request is
// ambiguous and refused as malformed (which one a front end would forward is not ours to guess).
// Never from the query string: RFC 6750 §2.3 discourages it (tokens land in access logs, browser
// history and Referer headers), and no transport hands one over from there.
// Checks: one Authorization header only, at most 8 KiB; the `Bearer` scheme in any case (RFC 9110
// §11.1), exactly one SP-separated b64token `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`
// and nothing after it; the same grammar for a token from the other two places; a login
// password that is bytes must be strict UTF-8; every token at most `maxBytes` (default 8 KiB).
// Does not check the token itself (signature, claims): src/tokens does.

import { decodeUtf8 } from '../../encoding.js';
import { invalidArgType, invalidArgValue } from '../../errors.js';
import { authorizationSchemeOf, parseAuthorization, readAuthorizationHeader } from './authorization.js';
import { ABSENT, MAX_WIRE_TEXT, found, malformed, type WireRead } from './types.js';

/** RFC 6750 §2.1 b64token. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** Where a bearer token was found. */
export type BearerPlace = 'authorization' | 'token' | 'login';

/** What a transport may have presented (a subset of `Presented`, read defensively: it is wire input). */
interface BearerCarrier {
  readonly headers?: unknown;
  readonly token?: unknown;
  readonly login?: unknown;
}

/** Is `value` one RFC 6750 b64token? */
export function isB64Token(value: string): boolean {
  return typeof value === 'string' && value.length > 0 && B64TOKEN.test(value);
}

/** From `Authorization: Bearer …`: absent when there is no header or it names another scheme. */
export function readBearerAuthorization(headers: unknown, maxBytes = MAX_WIRE_TEXT): WireRead<string> {
  const raw = readAuthorizationHeader(headers as never);
  if (raw.kind !== 'ok') return raw;
  const scheme = authorizationSchemeOf(raw.value);
  // Another scheme's credentials (Basic, Digest…) are not ours to judge, however large.
  if (scheme !== null && scheme !== 'bearer') return ABSENT;
  if (raw.value.length > MAX_WIRE_TEXT) return malformed('too_large');
  const parsed = parseAuthorization(raw.value);
  if (parsed.kind !== 'ok') return parsed;
  if (parsed.value.scheme !== 'bearer') return ABSENT;
  return checkToken(parsed.value.rest, maxBytes);
}

function checkToken(token: string, maxBytes: number): WireRead<string> {
  // A b64token is ASCII: its length in characters is its length in bytes.
  if (token.length > maxBytes) return malformed('too_large');
  return isB64Token(token) ? found(token) : malformed('bad_syntax');
}

/** A token given as text or bytes (transport field, login password): absent when missing or empty. */
function readTokenField(value: unknown, maxBytes: number): WireRead<string> {
  if (value === undefined || value === null) return ABSENT;
  if (typeof value === 'string') return value === '' ? ABSENT : checkToken(value, maxBytes);
  if (value instanceof Uint8Array) {
    if (value.length === 0) return ABSENT;
    if (value.length > maxBytes) return malformed('too_large');
    const text = decodeUtf8(value);
    return text === null ? malformed('invalid_utf8') : checkToken(text, maxBytes);
  }
  return malformed('not_text');
}

/**
 * The bearer token of a presented credential set (module comment: where, in which order, and
 * what is checked). Never throws.
 */
export function readBearerToken(
  presented: BearerCarrier | null | undefined,
  maxBytes = MAX_WIRE_TEXT,
): WireRead<string> {
  if (presented === null || typeof presented !== 'object') return ABSENT;
  const login = presented.login;
  const password = login !== null && typeof login === 'object' ? (login as { password?: unknown }).password : undefined;
  const reads = [
    readBearerAuthorization(presented.headers, maxBytes),
    readTokenField(presented.token, maxBytes),
    readTokenField(password, maxBytes),
  ];
  let token: string | undefined;
  for (const r of reads) {
    if (r.kind === 'absent') continue;
    if (r.kind === 'malformed') return r;
    if (token === undefined) token = r.value;
    else if (token !== r.value) return malformed('repeated');
  }
  return token === undefined ? ABSENT : found(token);
}

/**
 * The 401 challenge, RFC 6750 §3: `Bearer realm="…"`. The transport appends
 * `error="invalid_token"` or `error="insufficient_scope"` (RFC 6750 §3.1) when it knows which.
 * The realm is a quoted-string (RFC 9110 §5.6.4), printable ASCII only.
 */
export function bearerChallenge(realm: string): string {
  if (typeof realm !== 'string') throw invalidArgType('realm', 'a string');
  if (!/^[\x20-\x7e]*$/.test(realm))
    throw invalidArgValue('realm', 'must be printable ASCII (a quoted-string in a WWW-Authenticate header)');
  return `Bearer realm="${realm.replace(/["\\]/g, '\\$&')}"`;
}

/**
 * `Bearer <token>`, the whole Authorization header value (client side). Throws TypeError on a value that is not a
 * b64token, never quoting it.
 */
export function bearerAuthorization(token: string): string {
  if (typeof token !== 'string') throw invalidArgType('token', 'a string');
  if (!isB64Token(token)) throw invalidArgValue('token', 'must be an RFC 6750 b64token');
  return `Bearer ${token}`;
}
