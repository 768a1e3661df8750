// A protocol login (MQTT CONNECT user name and password, AMQP/STOMP/NATS logins) as a transport
// extracted it. The password may be bytes (MQTT 3.1.1 §3.1.3.5: binary data): it must be strict
// UTF-8 to be a password or key of ours.
// Checks: strings without lone surrogates, strict UTF-8 bytes, 1 KiB at most per field (a
// password or key is far shorter; a bigger field only costs SASLprep time).
// Does not check control characters or emptiness: each verifier decides what those mean.

import { decodeUtf8, hasLoneSurrogate } from '../../encoding.js';
import { ABSENT, found, hasControlCharacter, malformed, type WireRead } from './types.js';

/** Largest login field accepted, in UTF-8 bytes (user names are at most 255 characters in the store). */
export const MAX_LOGIN_FIELD_BYTES = 1024;

/** A login field (user name or password, string or bytes) as text. Absent when undefined/null. Never throws. */
export function readLoginField(value: unknown): WireRead<string> {
  if (value === undefined || value === null) return ABSENT;
  if (typeof value === 'string') {
    // UTF-16 length ≤ UTF-8 length: a cheap bound first, the exact one second.
    if (value.length > MAX_LOGIN_FIELD_BYTES || Buffer.byteLength(value, 'utf8') > MAX_LOGIN_FIELD_BYTES)
      return malformed('too_large');
    return hasLoneSurrogate(value) ? malformed('invalid_utf8') : found(value);
  }
  if (value instanceof Uint8Array) {
    if (value.length > MAX_LOGIN_FIELD_BYTES) return malformed('too_large');
    const text = decodeUtf8(value);
    return text === null ? malformed('invalid_utf8') : found(text);
  }
  return malformed('not_text');
}

/**
 * The login's user name when it is a non-empty, well-formed string without control characters; null otherwise (cheap).
 */
export function loginUsernameOf(login: unknown): string | null {
  if (login === null || typeof login !== 'object') return null;
  const read = readLoginField((login as { username?: unknown }).username);
  return read.kind === 'ok' && read.value !== '' && !hasControlCharacter(read.value) ? read.value : null;
}
