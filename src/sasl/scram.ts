// SCRAM (RFC 5802, RFC 7677) pieces shared by the server and the client: the hash functions,
// the key derivation, verifier creation, saslname escaping, and one parser per message (strict
// base64 and UTF-8 come from src/encoding.ts). Parsers take untrusted text and return values;
// they never throw and do bounded work (one split with a cap on the attribute count, no
// backtracking regular expressions).

import { createHash, createHmac, pbkdf2, randomBytes } from 'node:crypto';
import { decodeBase64Strict, decodeUtf8, hasLoneSurrogate } from '../encoding.js';
import { saslprep } from './saslprep.js';
import type {
  ScramClientFailureReason,
  ScramDigest,
  ScramHash,
  ScramServerError,
  ScramServerFailureReason,
  ScramVerifier,
} from './types.js';

/** RFC 7677 §4 and RFC 5802 §5.1: at least 4096 iterations, for new verifiers and what a server advertises. */
export const MIN_SCRAM_ITERATIONS = 4096;
/** Upper bound on the iteration count a server accepts from a stored verifier and a client accepts from a server. */
export const MAX_SCRAM_ITERATIONS = 1_000_000;
/** Default cap on one SCRAM message, in UTF-8 bytes. */
export const DEFAULT_MAX_SCRAM_MESSAGE_BYTES = 4096;
/** More attributes than this in one message is malformed (the grammar needs at most 5 plus extensions). */
export const MAX_SCRAM_ATTRIBUTES = 16;
/** Salt length used by `deriveScramVerifier` when no salt is given, and for unknown users' fake salts. */
export const DEFAULT_SCRAM_SALT_BYTES = 16;

/** The digests behind the offered mechanisms. SHA-1 is deliberately absent (RFC 7677 §1). */
export const scramDigests: Readonly<Record<ScramHash, ScramDigest>> = Object.freeze({
  'SHA-256': Object.freeze({ name: 'SHA-256', nodeName: 'sha256', length: 32 }),
  'SHA-512': Object.freeze({ name: 'SHA-512', nodeName: 'sha512', length: 64 }),
});

export function isScramHash(value: unknown): value is ScramHash {
  return value === 'SHA-256' || value === 'SHA-512';
}

// ── argument errors (library misuse: docs/architecture.md, "Errors and outcomes") ──────────────

export function invalidArg(code: 'ERR_INVALID_ARG_TYPE' | 'ERR_INVALID_ARG_VALUE', message: string): TypeError {
  const error = new TypeError(message) as TypeError & { code: string };
  error.code = code;
  return error;
}

// ── crypto (RFC 5802 §3) ───────────────────────────────────────────────────────────────────

/** Hi(str, salt, i) = PBKDF2 with HMAC-H, dkLen = output length of H. `password` is already normalized. */
export function computeSaltedPassword(
  digest: ScramDigest,
  password: string,
  salt: Uint8Array,
  iterations: number,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    pbkdf2(Buffer.from(password, 'utf8'), salt, iterations, digest.length, digest.nodeName, (error, key) => {
      if (error) reject(error);
      else resolve(key);
    });
  });
}

export function hmac(digest: ScramDigest, key: Uint8Array, data: string | Uint8Array): Buffer {
  return createHmac(digest.nodeName, key).update(data).digest();
}

export function hash(digest: ScramDigest, data: Uint8Array): Buffer {
  return createHash(digest.nodeName).update(data).digest();
}

export function xor(a: Uint8Array, b: Uint8Array): Buffer {
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (a[i] as number) ^ (b[i] as number);
  return out;
}

/** ClientKey, StoredKey and ServerKey from SaltedPassword (RFC 5802 §3). */
export function computeScramKeys(
  digest: ScramDigest,
  saltedPassword: Uint8Array,
): { clientKey: Buffer; storedKey: Buffer; serverKey: Buffer } {
  const clientKey = hmac(digest, saltedPassword, 'Client Key');
  return { clientKey, storedKey: hash(digest, clientKey), serverKey: hmac(digest, saltedPassword, 'Server Key') };
}

export interface DeriveScramVerifierOptions {
  readonly hash: ScramHash;
  /** At least 4096 (RFC 7677 §4), at most 1,000,000. Default 4096. */
  readonly iterations?: number;
  /** Default: 16 random bytes. At least 8 bytes. */
  readonly salt?: Uint8Array;
}

/**
 * Turns a new password into what a server stores for SCRAM: salt, iteration count, StoredKey
 * and ServerKey. The password is prepared with SASLprep as a stored string (unassigned code
 * points refused, RFC 4013 §2.5). Neither the password nor SaltedPassword is kept or returned.
 * Throws a `TypeError` (`ERR_INVALID_ARG_VALUE`, with `reason` for a SASLprep failure) on bad
 * arguments; the message never contains the password.
 */
export async function deriveScramVerifier(
  password: string,
  options: DeriveScramVerifierOptions,
): Promise<ScramVerifier> {
  if (typeof password !== 'string') throw invalidArg('ERR_INVALID_ARG_TYPE', 'password: expected a string');
  if (options === null || typeof options !== 'object')
    throw invalidArg('ERR_INVALID_ARG_TYPE', 'options: expected an object');
  if (!isScramHash(options.hash))
    throw invalidArg('ERR_INVALID_ARG_VALUE', "options.hash: expected 'SHA-256' or 'SHA-512'");
  const iterations = options.iterations ?? MIN_SCRAM_ITERATIONS;
  if (!Number.isSafeInteger(iterations) || iterations < MIN_SCRAM_ITERATIONS || iterations > MAX_SCRAM_ITERATIONS) {
    throw invalidArg(
      'ERR_INVALID_ARG_VALUE',
      `options.iterations: expected an integer from ${MIN_SCRAM_ITERATIONS} to ${MAX_SCRAM_ITERATIONS}`,
    );
  }
  if (options.salt !== undefined && !(options.salt instanceof Uint8Array))
    throw invalidArg('ERR_INVALID_ARG_TYPE', 'options.salt: expected a Uint8Array');
  const salt = options.salt === undefined ? randomBytes(DEFAULT_SCRAM_SALT_BYTES) : Buffer.from(options.salt);
  if (salt.length < 8 || salt.length > 1024)
    throw invalidArg('ERR_INVALID_ARG_VALUE', 'options.salt: expected 8 to 1024 bytes');
  const prepared = saslprep(password, { allowUnassigned: false });
  if (!prepared.ok) {
    const error = invalidArg(
      'ERR_INVALID_ARG_VALUE',
      `password: rejected by SASLprep (${prepared.reason})`,
    ) as TypeError & { reason?: string };
    error.reason = prepared.reason;
    throw error;
  }
  const digest = scramDigests[options.hash];
  const { storedKey, serverKey } = computeScramKeys(
    digest,
    await computeSaltedPassword(digest, prepared.value, salt, iterations),
  );
  return Object.freeze({
    hash: options.hash,
    salt: new Uint8Array(salt),
    iterations,
    storedKey: new Uint8Array(storedKey),
    serverKey: new Uint8Array(serverKey),
  });
}

// ── text helpers ───────────────────────────────────────────────────────────────────────────

/** RFC 5802 §5.1 saslname: ',' → '=2C', '=' → '=3D'. */
export function encodeSaslname(name: string): string {
  return name.replace(/[=,]/g, (ch) => (ch === ',' ? '=2C' : '=3D'));
}

/**
 * RFC 5802 §5.1 saslname: `1*(value-safe-char / "=2C" / "=3D")`. Returns null when empty, when
 * '=' is followed by anything but "2C" / "3D" (the server MUST fail), or on NUL or ','.
 */
export function decodeSaslname(value: string): string | null {
  if (value.length === 0) return null;
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i] as string;
    if (ch === '=') {
      const esc = value.slice(i + 1, i + 3);
      if (esc === '2C') out += ',';
      else if (esc === '3D') out += '=';
      else return null;
      i += 2;
    } else if (ch === ',' || ch === '\u0000') {
      return null;
    } else {
      out += ch;
    }
  }
  return out;
}

/** RFC 5802 §7 `printable = %x21-2B / %x2D-7E` (printable ASCII except ','). */
export function isPrintableNonce(value: string): boolean {
  if (value.length === 0) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x21 || c > 0x7e || c === 0x2c) return false;
  }
  return true;
}

/** A message's text after the size and UTF-8 checks shared by both sides. */
export function readMessage(
  input: unknown,
  maxBytes: number,
): { ok: true; text: string } | { ok: false; tooLarge: boolean } {
  if (typeof input === 'string') {
    // UTF-16 length ≤ UTF-8 byte length, so a quick bound first, then the exact count.
    if (input.length > maxBytes || Buffer.byteLength(input, 'utf8') > maxBytes) return { ok: false, tooLarge: true };
    if (hasLoneSurrogate(input)) return { ok: false, tooLarge: false };
    return { ok: true, text: input };
  }
  if (input instanceof Uint8Array) {
    if (input.length > maxBytes) return { ok: false, tooLarge: true };
    const text = decodeUtf8(input);
    return text === null ? { ok: false, tooLarge: false } : { ok: true, text };
  }
  return { ok: false, tooLarge: false };
}

/** The letters RFC 5802 defines; an extension may not reuse one. */
const DEFINED_ATTRIBUTES = 'acemnprsiv';

interface Attribute {
  readonly name: string;
  readonly value: string;
}

/** Splits `a=…,b=…` into at most MAX_SCRAM_ATTRIBUTES attributes; null on any syntax error. */
function splitAttributes(text: string): Attribute[] | null {
  const parts = text.split(',', MAX_SCRAM_ATTRIBUTES + 1);
  if (parts.length > MAX_SCRAM_ATTRIBUTES) return null;
  const out: Attribute[] = [];
  for (const part of parts) {
    // attr-val = ALPHA "=" value
    if (part.length < 2 || part[1] !== '=') return null;
    const name = part[0] as string;
    if (!/^[A-Za-z]$/.test(name)) return null;
    out.push({ name, value: part.slice(2) });
  }
  return out;
}

/**
 * RFC 5802 §7 extensions: `attr-val`, value = 1*value-char (no NUL), not a defined letter. Unknown ones are ignored.
 */
function validExtensions(list: readonly Attribute[]): boolean {
  for (const a of list) {
    if (DEFINED_ATTRIBUTES.includes(a.name) || a.value.length === 0 || a.value.includes('\u0000')) return false;
  }
  return true;
}

// ── client messages (parsed by the server) ─────────────────────────────────────────────────

type ServerSideFailure = {
  readonly ok: false;
  readonly error: ScramServerError;
  readonly reason: ScramServerFailureReason;
};

const malformed: ServerSideFailure = { ok: false, error: 'invalid-encoding', reason: 'malformed' };

export interface ClientFirstMessage {
  readonly ok: true;
  /** `n` or `y`; a `p=` header is refused by the parser (we do no channel binding). */
  readonly flag: 'n' | 'y';
  /** The exact GS2 header, trailing ',' included: what client-final `c=` must carry. */
  readonly gs2Header: string;
  /** The decoded `a=` value, or undefined. Not prepared. */
  readonly authzid: string | undefined;
  /** The decoded `n=` value. Not prepared. */
  readonly username: string;
  readonly clientNonce: string;
  /** client-first-message-bare, exactly as received (part of AuthMessage). */
  readonly bare: string;
}

/**
 * Parses client-first-message (RFC 5802 §7):
 * `gs2-header [reserved-mext ","] username "," nonce ["," extensions]`.
 */
export function parseClientFirst(text: string): ClientFirstMessage | ServerSideFailure {
  // gs2-cbind-flag
  let flag: 'n' | 'y' | 'p';
  let pos: number;
  if (text.startsWith('n,') || text.startsWith('y,')) {
    flag = text[0] as 'n' | 'y';
    pos = 2;
  } else if (text.startsWith('p=')) {
    const comma = text.indexOf(',', 2);
    if (comma < 0 || !/^[A-Za-z0-9.-]+$/.test(text.slice(2, comma))) return malformed;
    flag = 'p';
    pos = comma + 1;
  } else {
    return malformed;
  }
  // [ authzid ] ","
  const comma = text.indexOf(',', pos);
  if (comma < 0) return malformed;
  const authzField = text.slice(pos, comma);
  let authzid: string | undefined;
  if (authzField.length > 0) {
    if (!authzField.startsWith('a=')) return malformed;
    const decoded = decodeSaslname(authzField.slice(2));
    if (decoded === null) return malformed;
    authzid = decoded;
  }
  const gs2Header = text.slice(0, comma + 1);
  const bare = text.slice(comma + 1);
  const attrs = splitAttributes(bare);
  if (attrs === null) return malformed;
  // RFC 5802 §5.1: m= is reserved; the server MUST fail with extensions-not-supported.
  if (attrs[0]?.name === 'm')
    return { ok: false, error: 'extensions-not-supported', reason: 'extensions_not_supported' };
  // RFC 5802 §6: a client asking for channel binding from a server that does none fails.
  if (flag === 'p')
    return { ok: false, error: 'channel-binding-not-supported', reason: 'channel_binding_not_supported' };
  const [n, r, ...extensions] = attrs;
  if (n?.name !== 'n' || r?.name !== 'r') return malformed;
  const username = decodeSaslname(n.value);
  if (username === null) return malformed;
  if (!isPrintableNonce(r.value)) return malformed;
  if (!validExtensions(extensions)) return malformed;
  return { ok: true, flag, gs2Header, authzid, username, clientNonce: r.value, bare };
}

export interface ClientFinalMessage {
  readonly ok: true;
  /** Decoded `c=`: the cbind-input. */
  readonly channelBinding: Buffer;
  readonly nonce: string;
  /** Decoded `p=`. Secret-equivalent for one exchange: never logged. */
  readonly proof: Buffer;
  /** client-final-message-without-proof, exactly as received (part of AuthMessage). */
  readonly withoutProof: string;
}

/** Parses client-final-message (RFC 5802 §7): `channel-binding "," nonce ["," extensions] "," proof`. */
export function parseClientFinal(text: string): ClientFinalMessage | ServerSideFailure {
  const attrs = splitAttributes(text);
  if (attrs === null || attrs.length < 3) return malformed;
  const c = attrs[0] as Attribute;
  const r = attrs[1] as Attribute;
  const p = attrs[attrs.length - 1] as Attribute;
  if (c.name !== 'c' || r.name !== 'r' || p.name !== 'p') return malformed;
  if (!validExtensions(attrs.slice(2, -1))) return malformed;
  const channelBinding = decodeBase64Strict(c.value);
  const proof = decodeBase64Strict(p.value);
  if (channelBinding === null || channelBinding.length === 0 || proof === null || proof.length === 0) return malformed;
  if (!isPrintableNonce(r.value)) return malformed;
  const withoutProof = text.slice(0, text.length - p.value.length - 3);
  return { ok: true, channelBinding, nonce: r.value, proof, withoutProof };
}

// ── server messages (parsed by the client) ─────────────────────────────────────────────────

type ClientSideFailure = {
  readonly ok: false;
  readonly reason: ScramClientFailureReason;
  readonly serverError?: string;
};

const malformedServer: ClientSideFailure = { ok: false, reason: 'malformed' };

/** `server-error = "e=" server-error-value`; we pass on printable ASCII up to 64 characters only. */
function serverError(value: string): ClientSideFailure {
  return /^[\x21-\x2b\x2d-\x7e]{1,64}$/.test(value)
    ? { ok: false, reason: 'server_error', serverError: value }
    : malformedServer;
}

export interface ServerFirstMessage {
  readonly ok: true;
  readonly nonce: string;
  readonly salt: Buffer;
  readonly iterations: number;
}

/**
 * Parses server-first-message (RFC 5802 §7):
 * `[reserved-mext ","] nonce "," salt "," iteration-count ["," extensions]`; an `e=` here
 * (some servers fail early, e.g. unknown users) comes back as `server_error`.
 */
export function parseServerFirst(text: string): ServerFirstMessage | ClientSideFailure {
  const attrs = splitAttributes(text);
  if (attrs === null) return malformedServer;
  if (attrs[0]?.name === 'e' && attrs.length === 1) return serverError(attrs[0].value);
  if (attrs[0]?.name === 'm') return { ok: false, reason: 'extensions_not_supported' };
  const [r, s, i, ...extensions] = attrs;
  if (r?.name !== 'r' || s?.name !== 's' || i?.name !== 'i') return malformedServer;
  if (!isPrintableNonce(r.value) || !validExtensions(extensions)) return malformedServer;
  const salt = decodeBase64Strict(s.value);
  if (salt === null || salt.length === 0) return malformedServer;
  // posit-number = %x31-39 *DIGIT; nine digits bound the parse, the caller bounds the value.
  if (!/^[1-9][0-9]{0,8}$/.test(i.value)) return malformedServer;
  return { ok: true, nonce: r.value, salt, iterations: Number(i.value) };
}

export interface ServerFinalMessage {
  readonly ok: true;
  readonly signature: Buffer;
}

/** Parses server-final-message (RFC 5802 §7): `(server-error / verifier) ["," extensions]`. */
export function parseServerFinal(text: string): ServerFinalMessage | ClientSideFailure {
  const attrs = splitAttributes(text);
  if (attrs === null) return malformedServer;
  const [first, ...extensions] = attrs;
  if (!validExtensions(extensions)) return malformedServer;
  if (first?.name === 'e') return serverError(first.value);
  if (first?.name !== 'v') return malformedServer;
  const signature = decodeBase64Strict(first.value);
  if (signature === null || signature.length === 0) return malformedServer;
  return { ok: true, signature };
}
