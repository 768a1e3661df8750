// How a claimed name that is not a known principal appears in the audit log, on the status page
// (which reads the audit log) and anywhere else it is shown: shortened and not reversible.
//
// A client can type anything into a user name field: a JWT (still valid elsewhere), a password
// meant for the password field, another user's API key. Such a name is never written whole.
// What is written instead is `…#` plus 8 hex digits of HMAC-SHA-256 under a key drawn at random
// when the process starts: the same name gives the same form for the life of the process (one
// source of repeated failures can be followed in the log), yet nobody can test a guess against it.
// An unkeyed truncated SHA-256 would not do: a password typed as a user name is usually a
// dictionary word, and 32 bits of its hash identify it among any dictionary. No prefix of the
// name is kept, since the first characters of a password are part of the secret; the one
// exception is `eyJ`, which starts every JWT (the base64url of `{"`) and tells only the kind.

import { createHmac, randomBytes } from 'node:crypto';
import type { InvalidReason } from '../invalid-reasons.js';

const KEY = randomBytes(32);

/** `eyJ…#1a2b3c4d` for a JWT-shaped name, `…#1a2b3c4d` for anything else. */
export function shortenClaimedName(name: string): string {
  const mac = createHmac('sha256', KEY).update(name, 'utf8').digest('hex').slice(0, 8);
  return `${name.startsWith('eyJ') ? 'eyJ' : ''}…#${mac}`;
}

/**
 * Invalid reasons a verifier answers only after it found the claimed subject in the store: the
 * name is a known principal (or API key id), and is written as it is.
 */
const KNOWN_SUBJECT_REASONS: ReadonlySet<InvalidReason> = new Set<InvalidReason>([
  'bad_password',
  'disabled',
  'revoked',
  'authzid_not_allowed',
]);

/**
 * The name to show for a refused credential's subject: as it is when the verifier's reason says
 * the principal exists, else shortened (unknown_principal, unknown_key, malformed, our own failures, or
 * a subject only claimed, never looked up, as on a lockout).
 */
export function shownSubject(subject: string | null, reason: InvalidReason | null): string | null {
  if (subject === null) return null;
  return reason !== null && KNOWN_SUBJECT_REASONS.has(reason) ? subject : shortenClaimedName(subject);
}
