// HTTP and WebSocket request paths → the channel they name, and the channel table an HTTP or
// WebSocket server looks a request path up in. The rules, with examples, are in docs/channels.md.

import { compileAddress, type AddressError } from '../address/template.js';
import { createChannelTable, NO_HITS, type ChannelEntry, type ChannelHit, type ChannelTable } from './channel-table.js';

/**
 * Maps a request path to the concrete channel it names, or null when it names none.
 *
 * `rawPath` is the path as received (percent-encoded, no query or fragment). It must start
 * with `/`, then begin with the server's `pathname` segments (compared after decoding; a
 * trailing `/` on `pathname` is ignored). What follows, minus its one leading `/`, is the
 * channel, each segment percent-decoded on its own. Refused (null): a segment that fails to
 * decode, that is `.` or `..`, or that decodes to something containing `/` (`%2F`), U+0000,
 * `+` or `#` — a channel reached over HTTP is always a valid MQTT topic level, since every
 * transport shares one bus. `/ws` and `/ws/` both name the empty channel (address `/` or ``).
 */
export function pathToChannel(rawPath: string, serverPathname?: string): string | null {
  if (rawPath.charCodeAt(0) !== 0x2f || rawPath.includes('?') || rawPath.includes('#')) return null;
  const segments = rawPath.slice(1).split('/');
  for (let i = 0; i < segments.length; i++) {
    let seg = segments[i] as string;
    if (seg.includes('%')) {
      try {
        seg = decodeURIComponent(seg);
      } catch {
        return null; // malformed escape or invalid UTF-8
      }
      segments[i] = seg;
    }
    if (seg === '.' || seg === '..') return null;
    for (let j = 0; j < seg.length; j++) {
      const c = seg.charCodeAt(j);
      if (c === 0x2f || c === 0 || c === 0x2b || c === 0x23) return null;
    }
  }
  const prefix = prefixSegments(serverPathname);
  if (segments.length < prefix.length) return null;
  for (let i = 0; i < prefix.length; i++) if (segments[i] !== prefix[i]) return null;
  return segments.slice(prefix.length).join('/');
}

function prefixSegments(pathname: string | undefined): string[] {
  if (pathname === undefined) return [];
  let p = pathname.startsWith('/') ? pathname.slice(1) : pathname;
  if (p.endsWith('/')) p = p.slice(0, -1);
  return p.length === 0 ? [] : p.split('/');
}

export interface PathTable {
  /** Every entry whose address matches the channel the request path names (`pathToChannel`). */
  matchPath(rawPath: string): readonly ChannelHit[];
  readonly invalid: ChannelTable['invalid'];
}

/**
 * A channel table for an HTTP or WebSocket server. An address's one leading `/` is dropped,
 * so `/echo` and `echo` both name `GET <pathname>/echo`.
 */
export function createPathTable(entries: readonly ChannelEntry[], options: { pathname?: string } = {}): PathTable {
  const invalid: { key: string; error: AddressError }[] = [];
  const normalized: ChannelEntry[] = [];
  for (const { key, address } of entries) {
    const compiled = compileAddress(address);
    if (compiled !== null && !compiled.ok) invalid.push(Object.freeze({ key, error: compiled }));
    else normalized.push({ key, address: address !== null && address.startsWith('/') ? address.slice(1) : address });
  }
  const table = createChannelTable(normalized);
  const pathname = options.pathname;
  return Object.freeze({
    matchPath(rawPath: string): readonly ChannelHit[] {
      const channel = pathToChannel(rawPath, pathname);
      return channel === null ? NO_HITS : table.lookup(channel);
    },
    invalid: Object.freeze(invalid),
  });
}
