// Loopback detection for server hosts and URLs. A finding about cleartext or an open
// server does not apply to a host only this machine can reach. What counts as loopback is
// src/loopback.ts (shared with `serve`); this module finds the host name in a server `host`.
// A host may carry a port (`localhost:1883`, `[::1]:8080`) and server `{variables}`: a
// variable in the port is fine (`localhost:{port}`), but a variable anywhere in the host
// name (`{host}`, `{env}.localhost`) means it cannot be told, so it is not loopback.

import { isLoopbackHostname } from '../loopback.js';

export { isLoopbackHostname };

/** The host name part of a server host (`host[:port]`, optionally `scheme://`, userinfo, path). */
export function hostnameOf(host: string): string {
  let h = host.trim();
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(h);
  if (scheme) h = h.slice(scheme[0].length);
  // Cut the path, query and fragment; an `@` before them ends the userinfo.
  const end = h.search(/[/?#]/);
  if (end !== -1) h = h.slice(0, end);
  const at = h.lastIndexOf('@');
  if (at !== -1) h = h.slice(at + 1);
  if (h.startsWith('[')) {
    const close = h.indexOf(']');
    return (close === -1 ? h.slice(1) : h.slice(1, close)).toLowerCase();
  }
  const colons = h.split(':').length - 1;
  // One colon: host:port. Several without brackets: a bare IPv6 address.
  if (colons === 1) h = h.slice(0, h.indexOf(':'));
  return h.toLowerCase();
}

/** A server `host` (or 2.x `url` remainder) that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  return isLoopbackHostname(hostnameOf(host));
}
