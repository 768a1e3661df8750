// Listen addresses: `HOST:PORT` as written in `--listen NAME=HOST:PORT`, `servers.<name>.listen`
// and `admin.listen` (an IPv6 host in brackets, `[::1]:8080`), and which hosts are loopback.
// Pure functions: the callers turn a null answer into an error naming their own flag or key.

import { isIPv4, isIPv6 } from 'node:net';
import { isLoopbackHostname } from '../loopback.js';

export interface ListenAddress {
  readonly host: string;
  /** 0 = any free port (tests). */
  readonly port: number;
}

// RFC 1123 §2.1 host names: labels of letters, digits and hyphens, at most 253 characters.
const HOSTNAME_RE =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** `HOST:PORT` → its parts; null when it is not one (no port, a port above 65535, a bad host). */
export function parseListenAddress(text: string): ListenAddress | null {
  if (typeof text !== 'string' || text.length > 300) return null;
  let host: string;
  let port: string;
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    if (end === -1 || text[end + 1] !== ':') return null;
    host = text.slice(1, end);
    port = text.slice(end + 2);
    if (!isIPv6(host)) return null;
  } else {
    const colon = text.lastIndexOf(':');
    if (colon <= 0) return null;
    host = text.slice(0, colon);
    port = text.slice(colon + 1);
    if (!isIPv4(host) && !HOSTNAME_RE.test(host)) return null;
  }
  if (!/^[0-9]{1,5}$/.test(port)) return null;
  const n = Number(port);
  return n <= 65535 ? { host, port: n } : null;
}

/** `host:port`, with brackets around an IPv6 host. */
export function formatAddress(address: ListenAddress): string {
  return isIPv6(address.host) ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

/** A listen host (no port, no brackets) only this machine can reach: the one rule of src/loopback.ts. */
export function isLoopbackHost(host: string): boolean {
  return isLoopbackHostname(host);
}

/** The port of a document server's `host` (`broker.example:8883` → 8883); null when it names none. */
export function portOfHost(host: string): number | null {
  const m = /:([0-9]{1,5})$/.exec(host);
  if (m === null) return null;
  const n = Number(m[1]);
  return n >= 1 && n <= 65535 ? n : null;
}
