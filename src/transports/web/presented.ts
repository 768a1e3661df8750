// Extract (docs/architecture.md, "The guard pipeline"): an HTTP request or WebSocket handshake → a plain
// `Presented` and the channel its path names. Shared by the WebSocket and HTTP/SSE fronts.
//
// Browsers cannot set an Authorization header on a WebSocket, so a bearer token may ride the
// `Sec-WebSocket-Protocol` header instead (docs/architecture.md, "Wire conventions"). The convention:
//
//   Sec-WebSocket-Protocol: asyncapi-guard.bearer, <token>[, <application protocol>…]
//
// i.e. `new WebSocket(url, ['asyncapi-guard.bearer', token])`. The value right after the marker
// is the token. The server never selects (echoes) the token: it selects the first offered value
// that is neither the marker nor the token, else the marker itself (RFC 6455 §4.2.2 requires the
// selected value to be one the client offered). A JWT (base64url and `.`) is a valid
// subprotocol token (RFC 6455 §4.1 / RFC 7230 tchar); a token with `/` or `=` is not, and a
// browser refuses to send it.

import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { pathToChannel } from '../../guard/http-path.js';
import { peerCertificatesOf } from '../../schemes/x509.js';
import type { Presented } from '../../schemes/types.js';

/** The `Sec-WebSocket-Protocol` value that announces a bearer token as the next value. */
export const BEARER_PROTOCOL_MARKER = 'asyncapi-guard.bearer';

/** Longest request target (path + query) looked at; longer ones are refused as not a channel. */
export const MAX_REQUEST_TARGET = 8192;

export interface RequestTarget {
  /** The raw (percent-encoded) path. */
  readonly path: string;
  /** The raw query string without `?` ('' when none). */
  readonly query: string;
}

/** Splits `req.url` (origin-form, RFC 9112 §3.2.1) into path and query; null for any other form. */
export function requestTargetOf(url: string | undefined): RequestTarget | null {
  if (url === undefined || url.length === 0 || url.length > MAX_REQUEST_TARGET || url.charCodeAt(0) !== 0x2f)
    return null;
  const q = url.indexOf('?');
  const beforeFragment = (s: string): string => {
    const h = s.indexOf('#');
    return h === -1 ? s : s.slice(0, h);
  };
  if (q === -1) return { path: beforeFragment(url), query: '' };
  return { path: url.slice(0, q), query: beforeFragment(url.slice(q + 1)) };
}

/** The channel a request path names on this server (`pathToChannel`), or null (→ 404). */
export function channelOfTarget(target: RequestTarget, serverPathname: string | undefined): string | null {
  return pathToChannel(target.path, serverPathname);
}

export interface OfferedProtocols {
  /** The bearer token offered after the marker, if any. */
  readonly token: string | undefined;
  /** The value the server selects in its handshake response, or undefined when none was offered. */
  readonly selected: string | undefined;
}

/**
 * Reads the offered subprotocols (as `ws` parsed them, or the raw header): the bearer token after
 * the marker and the protocol to select. Never selects the token.
 */
export function readOfferedProtocols(offered: Iterable<string>): OfferedProtocols {
  const list = [...offered];
  const at = list.indexOf(BEARER_PROTOCOL_MARKER);
  const token = at === -1 ? undefined : list[at + 1];
  let selected: string | undefined;
  for (let i = 0; i < list.length; i++) {
    if (i === at || (at !== -1 && i === at + 1)) continue;
    selected = list[i];
    break;
  }
  if (selected === undefined && at !== -1) selected = BEARER_PROTOCOL_MARKER;
  return { token: token === undefined || token === BEARER_PROTOCOL_MARKER ? undefined : token, selected };
}

/** Splits a raw `Sec-WebSocket-Protocol` header (one or several) into its values. Bounded by the header size limit. */
export function parseProtocolHeader(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  const joined = Array.isArray(value) ? value.join(',') : value;
  return joined
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** True when the request arrived over TLS. */
export function isTlsRequest(req: IncomingMessage): boolean {
  return (req.socket as Partial<TLSSocket>).encrypted === true;
}

/**
 * What the client presented: remote address, the header bag as Node gives it, the raw query, a
 * bearer token from `Sec-WebSocket-Protocol` (WebSocket only) and the TLS client chain.
 */
export function presentedOf(req: IncomingMessage, target: RequestTarget, token?: string): Presented {
  const remote = req.socket.remoteAddress;
  const presented: {
    remote?: string;
    headers: IncomingMessage['headers'];
    query: string;
    token?: string;
    peerCertificates?: Uint8Array[];
  } = { headers: req.headers, query: target.query };
  if (remote !== undefined) presented.remote = remote;
  if (token !== undefined && token.length > 0) presented.token = token;
  if (isTlsRequest(req)) {
    const chain = peerCertificatesOf(req.socket as TLSSocket);
    if (chain.length > 0) presented.peerCertificates = chain;
  }
  return presented;
}
