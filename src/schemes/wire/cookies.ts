// One cookie by name from the `Cookie` request header(s). RFC 6265 §4.2.1 has the client send
// `cookie-pair *( ";" SP cookie-pair )` with `cookie-pair = cookie-name "=" cookie-value`; we
// parse leniently, as servers must read what user agents send (RFC 6265 §5.4 builds the header
// from stored cookies whose names and values §5.2 only trims): split on `;`, skip a piece without
// `=`, split at the first `=`, trim SP/HTAB around name and value, drop one pair of DQUOTEs
// around the value (`cookie-value = *cookie-octet / ( DQUOTE *cookie-octet DQUOTE )`). No
// percent-decoding: RFC 6265 has none, and our API keys are cookie-octets as they are.
// Checks: 8 KiB at most for all Cookie headers together (HTTP/2 may send several; RFC 9113
// §8.2.3 joins them with "; "), the cookie at most once (two cookies of the same name, e.g. with
// different paths, are ambiguous: refused).
// Does not check the value: the API key parser does.

import { readJoinedHeader, type HeaderBag } from './header.js';
import { MAX_WIRE_TEXT, readSingleNamed, type WireRead } from './types.js';

const isOws = (c: number): boolean => c === 0x20 || c === 0x09;

/** Every name/value pair of a Cookie header value, in order (duplicates kept). Null over 8 KiB. */
export function parseCookieHeader(value: string): [string, string][] | null {
  if (typeof value !== 'string' || value.length > MAX_WIRE_TEXT) return null;
  const out: [string, string][] = [];
  forEachCookie(value, (name, vs, ve) => {
    out.push([name, cookieValue(value, vs, ve)]);
    return true;
  });
  return out;
}

function cookieValue(text: string, start: number, end: number): string {
  if (end - start >= 2 && text.charCodeAt(start) === 0x22 && text.charCodeAt(end - 1) === 0x22)
    return text.slice(start + 1, end - 1);
  return text.slice(start, end);
}

function forEachCookie(text: string, visit: (name: string, valueStart: number, valueEnd: number) => boolean): void {
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf(';', start);
    if (end < 0) end = text.length;
    const eq = text.indexOf('=', start);
    if (eq >= 0 && eq < end) {
      let ns = start;
      let ne = eq;
      while (ns < ne && isOws(text.charCodeAt(ns))) ns++;
      while (ne > ns && isOws(text.charCodeAt(ne - 1))) ne--;
      let vs = eq + 1;
      let ve = end;
      while (vs < ve && isOws(text.charCodeAt(vs))) vs++;
      while (ve > vs && isOws(text.charCodeAt(ve - 1))) ve--;
      if (!visit(text.slice(ns, ne), vs, ve)) return;
    }
    start = end + 1;
  }
}

/**
 * The value of cookie `name` (exact, case-sensitive) from the request's Cookie header(s): absent
 * when there is none, malformed when it is there twice or the header is over 8 KiB. Never throws.
 */
export function readCookie(headers: HeaderBag | undefined | null, name: string): WireRead<string> {
  const raw = readJoinedHeader(headers, 'cookie', '; ');
  if (raw.kind !== 'ok') return raw;
  const text = raw.value;
  return readSingleNamed(
    (visit) => forEachCookie(text, visit),
    name,
    (vs, ve) => cookieValue(text, vs, ve),
  );
}
