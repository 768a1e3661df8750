// Where a server is probed: the document's `host` (with the protocol's default port), or a `--host NAME=HOST:PORT`
// override. `probe` sends traffic only there (docs/probe.md, "What probe connects to"): a host with a server
// variable cannot be told, so it needs an override rather than a guess.

import { transportSecurity } from '../schemes/protocols.js';
import type { AnalyzedServer } from '../model/types.js';
import type { ProbeTarget } from './types.js';

export type TargetResult = { ok: true; target: ProbeTarget } | { ok: false; reason: string };

/** `host:port`, `[v6]:port`, or a bare host → its parts; null when the port is not a port number. */
export function parseHostPort(text: string): { host: string; port: number | undefined } | null {
  const h = text.trim();
  let host: string;
  let port: string | undefined;
  if (h.startsWith('[')) {
    const close = h.indexOf(']');
    if (close === -1) return null;
    host = h.slice(1, close);
    const rest = h.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) return null;
    port = rest === '' ? undefined : rest.slice(1);
  } else {
    const colons = h.split(':').length - 1;
    if (colons === 1) [host, port] = h.split(':') as [string, string];
    else host = h;
  }
  if (host === '') return null;
  if (port === undefined) return { host, port: undefined };
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) return null;
  return { host, port: Number(port) };
}

/** The target of one server. `override` is the `--host` value for it; `defaultPort` the protocol's. */
export function resolveTarget(
  server: AnalyzedServer,
  override: string | undefined,
  defaultPort: number | undefined,
): TargetResult {
  const written = override ?? stripScheme(server.host);
  if (override === undefined && /[{}]/.test(written)) {
    return { ok: false, reason: `its host ${written} has a server variable: give --host ${server.name}=HOST:PORT` };
  }
  const parsed = parseHostPort(written);
  if (parsed === null) return { ok: false, reason: `${written} is not HOST:PORT` };
  const port = parsed.port ?? defaultPort;
  if (port === undefined) return { ok: false, reason: `${written} has no port and ${server.protocol} has no default` };
  return {
    ok: true,
    target: {
      host: parsed.host,
      port,
      tls: transportSecurity(server.protocol) === 'tls',
      pathname: (server.pathname ?? '').replace(/\/+$/, ''),
    },
  };
}

/** A 3.x host may be written with a scheme by mistake (`mqtt://broker:1883`); the model keeps it as written. */
function stripScheme(host: string): string {
  return host.replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\//, '').replace(/\/.*$/, '');
}
