// The HTTP `Authorization` header (RFC 9110 §11.6.2):
//   credentials = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
// The scheme name is a token compared case-insensitively (RFC 9110 §11.1). This module splits
// the header into the lowercase scheme and the rest; each scheme's parser reads the rest.
// Checks: one header only, the token grammar of the scheme, `1*SP` after it, 8 KiB at most.
// Does not check the rest: token68 vs auth-params is the scheme's business.

import { readSingleHeader, type HeaderBag } from './header.js';
import { ABSENT, MAX_WIRE_TEXT, found, malformed, type WireRead } from './types.js';

export interface AuthorizationCredentials {
  /** The auth-scheme, lowercase. */
  readonly scheme: string;
  /** What follows the scheme and its spaces, trailing whitespace removed; '' when nothing does. */
  readonly rest: string;
}

/** Longest auth-scheme looked at: the registered ones are at most 13 characters. */
const MAX_SCHEME_LENGTH = 64;

/** RFC 9110 §5.6.2 tchar. */
function isTchar(c: number): boolean {
  return (
    (c >= 0x30 && c <= 0x39) || // DIGIT
    (c >= 0x41 && c <= 0x5a) || // upper ALPHA
    (c >= 0x61 && c <= 0x7a) || // lower ALPHA
    c === 0x21 ||
    (c >= 0x23 && c <= 0x27) ||
    c === 0x2a ||
    c === 0x2b ||
    c === 0x2d ||
    c === 0x2e ||
    c === 0x5e ||
    c === 0x5f ||
    c === 0x60 ||
    c === 0x7c ||
    c === 0x7e
  );
}

const isOws = (c: number): boolean => c === 0x20 || c === 0x09;

/**
 * Index of the auth-scheme's end, scanning at most MAX_SCHEME_LENGTH characters after leading OWS; -1 when there is no
 * token there.
 */
function schemeBounds(value: string): { start: number; end: number } | null {
  let start = 0;
  while (start < value.length && start < MAX_SCHEME_LENGTH && isOws(value.charCodeAt(start))) start++;
  let end = start;
  while (end < value.length && end - start < MAX_SCHEME_LENGTH && isTchar(value.charCodeAt(end))) end++;
  if (end === start) return null;
  // A token longer than the bound is no scheme we verify.
  if (end < value.length && isTchar(value.charCodeAt(end))) return null;
  return { start, end };
}

/**
 * The lowercase auth-scheme of a header value, looking at its first characters only (cheap,
 * bounded even on a huge header), or null when it does not start with a token.
 */
export function authorizationSchemeOf(value: string): string | null {
  if (typeof value !== 'string') return null;
  const b = schemeBounds(value);
  return b === null ? null : value.slice(b.start, b.end).toLowerCase();
}

/** Splits a whole Authorization value. Never throws. */
export function parseAuthorization(value: string): WireRead<AuthorizationCredentials> {
  if (typeof value !== 'string') return malformed('not_text');
  if (value.length > MAX_WIRE_TEXT) return malformed('too_large');
  let last = value.length;
  while (last > 0 && isOws(value.charCodeAt(last - 1))) last--;
  let first = 0;
  while (first < last && isOws(value.charCodeAt(first))) first++;
  // An empty header carries no credential: as if it were not sent.
  if (first === last) return ABSENT;
  const b = schemeBounds(value);
  if (b === null || b.end > last) return malformed('bad_syntax');
  const scheme = value.slice(b.start, b.end).toLowerCase();
  if (b.end === last) return found({ scheme, rest: '' });
  // RFC 9110 §11.6.2: 1*SP between the scheme and its credentials (no tab, no other separator).
  if (value.charCodeAt(b.end) !== 0x20) return malformed('bad_syntax');
  let restStart = b.end;
  while (restStart < last && value.charCodeAt(restStart) === 0x20) restStart++;
  return found({ scheme, rest: value.slice(restStart, last) });
}

/** The raw `Authorization` header, one value only, not yet bounded (readers peek at the scheme first). */
export function readAuthorizationHeader(headers: HeaderBag | undefined | null): WireRead<string> {
  return readSingleHeader(headers, 'authorization', Number.POSITIVE_INFINITY);
}
