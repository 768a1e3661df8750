// The password check shared by userPassword, plain and http basic: look the principal up, run
// one PBKDF2 against its stored SCRAM verifier (src/credentials/password.ts), answer an outcome.
// Checks: the password (constant-time on the derived StoredKey), the principal exists and is
// not disabled; a store that throws or rejects → `store_unavailable`.
// Timing: an unknown user, a principal without a password and an unusable stored verifier all
// cost one PBKDF2 at the default iteration count against a dummy verifier, like a wrong
// password, so response time does not tell which user names exist.
// Does not check: throttling (the guard's), transport confidentiality (`check` reports it).

import { randomBytes } from 'node:crypto';
import { DEFAULT_PASSWORD_ITERATIONS } from '../../credentials/memory.js';
import { checkPassword, passwordIdOf, passwordVerifierOf } from '../../credentials/password.js';
import type { CredentialStore, PrincipalRecord, ScramVerifier } from '../../credentials/types.js';
import { MAX_SCRAM_ITERATIONS, MIN_SCRAM_ITERATIONS } from '../../sasl/scram.js';
import { saslprep } from '../../sasl/saslprep.js';
import type { VerifyOutcome } from '../types.js';
import { readLoginField } from '../wire/login.js';
import { hasControlCharacter } from '../wire/types.js';
import { ABSENT_OUTCOME, invalid, makePrincipal, ok } from './outcomes.js';

/**
 * Stands in for a missing verifier. Random keys: no password matches it (a 2^-256 chance), and
 * the work is the same PBKDF2-HMAC-SHA-256 a real default verifier costs.
 */
const DUMMY_VERIFIER: ScramVerifier = Object.freeze({
  hash: 'SHA-256',
  salt: new Uint8Array(randomBytes(16)),
  iterations: DEFAULT_PASSWORD_ITERATIONS,
  storedKey: new Uint8Array(randomBytes(32)),
  serverKey: new Uint8Array(randomBytes(32)),
});

/** A verifier we can run PBKDF2 on without an unbounded cost (a corrupt store must not hang a login). */
function usable(v: ScramVerifier | null): v is ScramVerifier {
  return (
    v !== null &&
    (v.hash === 'SHA-256' || v.hash === 'SHA-512') &&
    v.salt instanceof Uint8Array &&
    v.storedKey instanceof Uint8Array &&
    Number.isSafeInteger(v.iterations) &&
    v.iterations >= MIN_SCRAM_ITERATIONS &&
    v.iterations <= MAX_SCRAM_ITERATIONS
  );
}

/**
 * The name a store looks a presented user name up by (SASLprep, as every store applies it), or
 * the name as presented when SASLprep refuses it. Throttling keys on this, so `al\u00ADice` and
 * `alice`, which reach the same account, share one failure count and one lockout.
 */
export function storeNameOf(name: string): string {
  const prepared = saslprep(name, { allowUnassigned: true });
  return prepared.ok ? prepared.value : name;
}

/** `storeNameOf` for a name a wire reader may not have found. */
export const nameOrNull = (name: string | null): string | null => (name === null ? null : storeNameOf(name));

async function burn(password: string): Promise<void> {
  await checkPassword(password, DUMMY_VERIFIER);
}

/**
 * Verifies `username` / `password` against the store. `username` is the presented name (the
 * store applies SASLprep); `password` is non-empty text. Never throws.
 */
export async function verifyPassword(
  store: CredentialStore,
  scheme: string,
  username: string,
  password: string,
): Promise<VerifyOutcome> {
  let record: PrincipalRecord | null;
  try {
    record = await store.getPrincipal(username);
  } catch {
    return invalid('store_unavailable', storeNameOf(username));
  }
  if (record === null || record === undefined) {
    await burn(password);
    return invalid('unknown_principal', storeNameOf(username));
  }
  const verifier = passwordVerifierOf(record);
  if (!usable(verifier)) {
    await burn(password);
    return invalid('bad_password', record.name);
  }
  let right: boolean;
  try {
    right = await checkPassword(password, verifier);
  } catch {
    return invalid('store_unavailable', record.name);
  }
  if (!right) return invalid('bad_password', record.name);
  // Checked after the password, so a disabled account answers in the same time and a wrong
  // password on it still counts as a failed guess for throttling.
  if (record.disabled) return invalid('disabled', record.name);
  return ok(makePrincipal(record.name, scheme, record.scopes, passwordClaims(record)));
}

/** `{ passwordId }` when the principal has a password: `serve` ends the session when it changes (docs/serve.md). */
export function passwordClaims(record: PrincipalRecord): Record<string, unknown> {
  const id = passwordIdOf(record);
  return id === null ? {} : { passwordId: id };
}

/**
 * A user name and password from a protocol login (MQTT CONNECT, AMQP/STOMP/NATS): absent when
 * there is no user name; malformed when the password is missing, empty, not UTF-8, oversized or
 * holds a control character (SASLprep prohibits those, RFC 4013 §2.3, so no stored password can
 * match: refused before any PBKDF2). Never throws.
 */
export async function verifyLoginPassword(
  store: CredentialStore,
  scheme: string,
  login: unknown,
): Promise<VerifyOutcome> {
  if (login === null || typeof login !== 'object') return ABSENT_OUTCOME;
  const { username, password } = login as { username?: unknown; password?: unknown };
  const user = readLoginField(username);
  if (user.kind === 'absent' || (user.kind === 'ok' && user.value === '')) return ABSENT_OUTCOME;
  if (user.kind === 'malformed' || hasControlCharacter(user.value)) return invalid('malformed');
  const pw = readLoginField(password);
  if (pw.kind !== 'ok' || pw.value === '' || hasControlCharacter(pw.value)) return invalid('malformed', user.value);
  return verifyPassword(store, scheme, user.value, pw.value);
}
