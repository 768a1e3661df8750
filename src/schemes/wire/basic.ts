// HTTP Basic credentials (RFC 7617), as the server reads and as a client builds them.
// Checks: the `Basic` scheme (case-insensitive, RFC 7617 §2), one Authorization header, 8 KiB at
// most (refused before decoding), the token68 is canonical base64 (RFC 4648 §4: standard
// alphabet, padding, zero pad bits, no whitespace), the bytes are strict UTF-8 (the charset RFC
// 7617 §2.1 lets a server announce; we always do), a ':' separates user id and password (split
// at the first one: the user id cannot contain ':', the password may, RFC 7617 §2), no control
// characters (RFC 7617 §2 forbids CTL; C1 too), non-empty user id and password.
// Does not apply SASLprep / PRECIS to the values: the password check does (src/credentials).

import { decodeBase64Strict, decodeUtf8, hasLoneSurrogate } from '../../encoding.js';
import { invalidArgType, invalidArgValue } from '../../errors.js';
import { authorizationSchemeOf, parseAuthorization, readAuthorizationHeader } from './authorization.js';
import type { HeaderBag } from './header.js';
import { ABSENT, MAX_WIRE_TEXT, found, hasControlCharacter, malformed, type WireRead } from './types.js';

export interface BasicCredentials {
  readonly userId: string;
  readonly password: string;
}

/** Decodes a Basic token68 into user id and password. Never throws. */
export function parseBasicCredentials(token68: string): WireRead<BasicCredentials> {
  if (typeof token68 !== 'string' || token68.length === 0) return malformed('bad_syntax');
  if (token68.length > MAX_WIRE_TEXT) return malformed('too_large');
  const bytes = decodeBase64Strict(token68);
  if (bytes === null) return malformed('invalid_base64');
  const text = decodeUtf8(bytes);
  bytes.fill(0);
  if (text === null) return malformed('invalid_utf8');
  const colon = text.indexOf(':');
  if (colon < 0) return malformed('no_colon');
  if (hasControlCharacter(text)) return malformed('control_character');
  if (colon === 0) return malformed('empty_user');
  if (colon === text.length - 1) return malformed('empty_password');
  return found({ userId: text.slice(0, colon), password: text.slice(colon + 1) });
}

/**
 * Basic credentials from a request's headers: absent when there is no Authorization header or
 * it names another scheme; malformed when it is Basic and broken, repeated or oversized.
 */
export function readBasicAuthorization(headers: HeaderBag | undefined | null): WireRead<BasicCredentials> {
  const raw = readAuthorizationHeader(headers);
  if (raw.kind !== 'ok') return raw;
  const scheme = authorizationSchemeOf(raw.value);
  // Another scheme's credentials (bearer, digest…) are not ours to judge, however large.
  if (scheme !== null && scheme !== 'basic') return ABSENT;
  const parsed = parseAuthorization(raw.value);
  if (parsed.kind !== 'ok') return parsed;
  if (parsed.value.scheme !== 'basic') return ABSENT;
  return parseBasicCredentials(parsed.value.rest);
}

/** Only the user id of a Basic header, for throttling before any password check; null when there is none. */
export function basicUserIdOf(headers: HeaderBag | undefined | null): string | null {
  const read = readBasicAuthorization(headers);
  return read.kind === 'ok' ? read.value.userId : null;
}

/**
 * The token68 for a user id and password (client side). Throws TypeError on values Basic cannot carry, never quoting
 * them.
 */
export function encodeBasicCredentials(userId: string, password: string): string {
  if (typeof userId !== 'string') throw invalidArgType('userId', 'a string');
  if (typeof password !== 'string') throw invalidArgType('password', 'a string');
  if (userId.length === 0 || userId.includes(':') || hasControlCharacter(userId) || hasLoneSurrogate(userId)) {
    throw invalidArgValue('userId', "must be non-empty Unicode without ':' or control characters (RFC 7617 §2)");
  }
  if (password.length === 0 || hasControlCharacter(password) || hasLoneSurrogate(password)) {
    throw invalidArgValue('password', 'must be non-empty Unicode without control characters (RFC 7617 §2)');
  }
  return Buffer.from(`${userId}:${password}`, 'utf8').toString('base64');
}

/** `Basic <token68>`, the whole Authorization header value. */
export function basicAuthorization(userId: string, password: string): string {
  return `Basic ${encodeBasicCredentials(userId, password)}`;
}

/**
 * The 401 challenge, RFC 7617 §2.1: `Basic realm="…", charset="UTF-8"`. The realm is a
 * quoted-string (RFC 9110 §5.6.4: `"` and `\` escaped); it must be printable ASCII, so it can
 * neither break the header nor be refused by Node's header validation.
 */
export function basicChallenge(realm: string): string {
  if (typeof realm !== 'string') throw invalidArgType('realm', 'a string');
  if (!/^[\x20-\x7e]*$/.test(realm))
    throw invalidArgValue('realm', 'must be printable ASCII (a quoted-string in a WWW-Authenticate header)');
  return `Basic realm="${realm.replace(/["\\]/g, '\\$&')}", charset="UTF-8"`;
}
