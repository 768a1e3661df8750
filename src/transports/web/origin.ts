// Cross-origin requests to a server that accepts browser-ambient credentials (docs/serve.md,
// "Browser origins"). A browser attaches some credentials on its own to any request for a site,
// whichever page made it: cookies (httpApiKey `in: cookie`), HTTP authentication it cached
// (http basic, and userPassword, which the web fronts read as Basic), and a TLS client
// certificate it selected (X509). A page of another origin could then publish, or open a
// WebSocket (which no CORS rule guards), in the user's name: cross-site request forgery and
// cross-site WebSocket hijacking. So when a server accepts any of them, a request whose `Origin`
// is neither the server's own origin nor listed in `servers.<name>.allowedOrigins` is refused
// (403 `origin_not_allowed`) before any credential is read.
//
// Unaffected: requests without `Origin` (non-browser clients: a browser sends it on every
// WebSocket handshake and every cross-origin or non-GET request, RFC 6454 §7, Fetch), same-origin
// requests, and servers whose credentials a page must attach itself (bearer tokens, header or
// query API keys), which another origin's page does not have.

import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import type { ModelServer, SecurityModel } from '../../model/types.js';

/** What a web front checks of `Origin` (built once, before listening). */
export interface OriginPolicy {
  /** True when the server accepts a browser-ambient credential: cross-origin requests are then checked. */
  readonly enforce: boolean;
  /** Exact origins (`https://app.example`) allowed besides the server's own. */
  readonly allowed: ReadonlySet<string>;
}

/** Longest `Origin` value compared; a longer one is refused (no listed origin is that long). */
export const MAX_ORIGIN_LENGTH = 2048;

export const NO_ORIGIN_CHECK: OriginPolicy = Object.freeze({ enforce: false, allowed: new Set<string>() });

/** The scheme names of the server's alternatives and of the operations it carries. */
function schemeNamesOf(server: ModelServer, model: SecurityModel): Set<string> {
  const names = new Set<string>();
  for (const alt of server.security) for (const e of alt) names.add(e.scheme);
  for (const op of model.operations)
    if (op.servers.includes(server.name)) for (const alt of op.security) for (const e of alt) names.add(e.scheme);
  return names;
}

/**
 * The schemes of `server` (and of its operations) whose credential a browser attaches by itself: httpApiKey
 * `in: cookie`, http with any auth scheme but bearer, userPassword (read as Basic on the web fronts), X509.
 */
export function ambientSchemesOf(server: ModelServer, model: SecurityModel): string[] {
  const out: string[] = [];
  for (const name of schemeNamesOf(server, model)) {
    const s = model.schemes[name];
    if (s === undefined) continue;
    const authScheme = typeof s['scheme'] === 'string' ? s['scheme'].trim().toLowerCase() : '';
    const ambient =
      (s.type === 'httpApiKey' && s['in'] === 'cookie') ||
      (s.type === 'http' && authScheme !== 'bearer') ||
      s.type === 'userPassword' ||
      s.type === 'X509';
    if (ambient) out.push(name);
  }
  return out.sort();
}

/** The policy of one server: enforced when it accepts an ambient credential; `allowed` as configured. */
export function buildOriginPolicy(
  server: ModelServer,
  model: SecurityModel,
  allowedOrigins: readonly string[] = [],
): OriginPolicy {
  return Object.freeze({
    enforce: ambientSchemesOf(server, model).length > 0,
    allowed: new Set(allowedOrigins),
  });
}

/**
 * True when the request may go on: no policy to enforce, no `Origin` header, the server's own
 * origin (scheme by `secure`, host and port from `Host`), or a listed origin. Anything else,
 * `null` (opaque origins: sandboxed frames, `file:`) and repeated headers included, is refused.
 */
export function isOriginAllowed(req: IncomingMessage, secure: boolean, policy: OriginPolicy): boolean {
  if (!policy.enforce) return true;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (origin.length === 0 || origin.length > MAX_ORIGIN_LENGTH) return false;
  if (policy.allowed.has(origin)) return true;
  const host = req.headers.host;
  if (host === undefined || host.length === 0 || host.length > MAX_ORIGIN_LENGTH) return false;
  // Browsers serialize an origin in lower case with the default port left out (RFC 6454 §6.1), as
  // they write `Host` (RFC 9110 §7.2); a page of this very server sends exactly that.
  return origin.toLowerCase() === `${secure ? 'https' : 'http'}://${host.toLowerCase()}`;
}

/** An `allowedOrigins` entry is exact: what a browser sends, `new URL(o).origin === o`. */
export function isExactOrigin(value: string): boolean {
  if (!/^https?:\/\//.test(value)) return false;
  try {
    return new URL(value).origin === value;
  } catch {
    return false;
  }
}

/**
 * One info line per refused origin. The origin is no secret (every page's script can read its
 * own), shortened so that a hostile header cannot make the line long.
 */
export function logOriginRefused(logger: Logger, event: string, server: string, req: IncomingMessage): void {
  const origin = req.headers.origin ?? '';
  logger.info({ event, server, origin: origin.length > 128 ? `${origin.slice(0, 128)}…` : origin }, 'origin refused');
}
