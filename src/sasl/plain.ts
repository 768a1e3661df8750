// SASL PLAIN (RFC 4616): `message = [authzid] UTF8NUL authcid UTF8NUL passwd`.
// Checks: exactly two NUL octets, strict UTF-8, non-empty authcid and passwd, each field at most
// 255 octets, SASLprep (query) of authcid, authzid and passwd before verification (RFC 4616 §2
// recommends it, and stored SCRAM verifiers are SASLprep'd), authzid ≠ authcid only when
// `authorize` allows it (RFC 4616 §2). Does not check: transport confidentiality (PLAIN sends the
// password in the clear; only use it under TLS), throttling (the guard's job).

import { decodeUtf8, hasLoneSurrogate } from '../encoding.js';
import { invalidArg } from './scram.js';
import { saslprep } from './saslprep.js';
import type { PlainParseResult, PlainServerResult } from './types.js';

/** RFC 4616 §2: each of authzid, authcid and passwd is at most 255 octets here. */
export const MAX_PLAIN_FIELD_BYTES = 255;
const MAX_PLAIN_MESSAGE_BYTES = MAX_PLAIN_FIELD_BYTES * 3 + 2;

/** Parses a PLAIN message. Never throws; never echoes the password in a failure. */
export function parsePlainMessage(input: Uint8Array | string): PlainParseResult {
  let bytes: Uint8Array;
  if (typeof input === 'string') {
    if (input.length > MAX_PLAIN_MESSAGE_BYTES) return { ok: false, reason: 'too_large' };
    if (hasLoneSurrogate(input)) return { ok: false, reason: 'invalid_utf8' };
    bytes = Buffer.from(input, 'utf8');
  } else if (input instanceof Uint8Array) {
    bytes = input;
  } else {
    return { ok: false, reason: 'bad_separators' };
  }
  if (bytes.length > MAX_PLAIN_MESSAGE_BYTES) return { ok: false, reason: 'too_large' };
  const first = bytes.indexOf(0);
  const second = first < 0 ? -1 : bytes.indexOf(0, first + 1);
  if (first < 0 || second < 0 || bytes.indexOf(0, second + 1) >= 0) return { ok: false, reason: 'bad_separators' };
  const fields = [bytes.subarray(0, first), bytes.subarray(first + 1, second), bytes.subarray(second + 1)] as const;
  const text = fields.map(decodeUtf8);
  const [authzid, authcid, passwd] = text;
  if (
    authzid === null ||
    authcid === null ||
    passwd === null ||
    authzid === undefined ||
    authcid === undefined ||
    passwd === undefined
  ) {
    return { ok: false, reason: 'invalid_utf8' };
  }
  if (fields.some((f) => f.length > MAX_PLAIN_FIELD_BYTES)) return { ok: false, reason: 'field_too_long' };
  if (authcid.length === 0) return { ok: false, reason: 'empty_authcid' };
  if (passwd.length === 0) return { ok: false, reason: 'empty_passwd' };
  return { ok: true, authzid, authcid, passwd };
}

export interface PlainCredentials {
  /** Omit or '' to act as authcid. */
  readonly authzid?: string;
  readonly authcid: string;
  readonly passwd: string;
}

/** Builds a PLAIN message for a client. Throws `TypeError` on values RFC 4616 cannot carry (never quoting them). */
export function encodePlainMessage(credentials: PlainCredentials): Uint8Array {
  if (credentials === null || typeof credentials !== 'object')
    throw invalidArg('ERR_INVALID_ARG_TYPE', 'credentials: expected an object');
  const fields: [string, string | undefined][] = [
    ['authzid', credentials.authzid ?? ''],
    ['authcid', credentials.authcid],
    ['passwd', credentials.passwd],
  ];
  const parts: Buffer[] = [];
  for (const [name, value] of fields) {
    if (typeof value !== 'string') throw invalidArg('ERR_INVALID_ARG_TYPE', `credentials.${name}: expected a string`);
    if (value.includes('\u0000') || hasLoneSurrogate(value))
      throw invalidArg('ERR_INVALID_ARG_VALUE', `credentials.${name}: contains NUL or is not valid Unicode`);
    if (name !== 'authzid' && value.length === 0)
      throw invalidArg('ERR_INVALID_ARG_VALUE', `credentials.${name}: must not be empty`);
    const bytes = Buffer.from(value, 'utf8');
    if (bytes.length > MAX_PLAIN_FIELD_BYTES)
      throw invalidArg('ERR_INVALID_ARG_VALUE', `credentials.${name}: longer than ${MAX_PLAIN_FIELD_BYTES} octets`);
    parts.push(bytes);
  }
  return new Uint8Array(
    Buffer.concat([parts[0] as Buffer, Buffer.of(0), parts[1] as Buffer, Buffer.of(0), parts[2] as Buffer]),
  );
}

export interface PlainServerOptions {
  /** Checks a SASLprep'd authcid and password. Unknown users answer false, like wrong passwords. */
  readonly verify: (authcid: string, passwd: string) => Promise<boolean>;
  /** May `authcid` act as `authzid`? Asked only after verification, only when they differ. Default: no. */
  readonly authorize?: (authzid: string, authcid: string) => boolean;
}

export interface PlainServer {
  /** Handles one PLAIN initial response. Stateless: the same server serves every exchange. */
  authenticate(message: Uint8Array | string): Promise<PlainServerResult>;
}

export function createPlainServer(options: PlainServerOptions): PlainServer {
  if (options === null || typeof options !== 'object')
    throw invalidArg('ERR_INVALID_ARG_TYPE', 'options: expected an object');
  if (typeof options.verify !== 'function')
    throw invalidArg('ERR_INVALID_ARG_TYPE', 'options.verify: expected a function');
  if (options.authorize !== undefined && typeof options.authorize !== 'function')
    throw invalidArg('ERR_INVALID_ARG_TYPE', 'options.authorize: expected a function');
  const { verify, authorize } = options;

  return {
    async authenticate(message: Uint8Array | string): Promise<PlainServerResult> {
      const parsed = parsePlainMessage(message);
      if (!parsed.ok) return { kind: 'failure', reason: 'malformed', detail: parsed.reason };
      const authcid = saslprep(parsed.authcid, { allowUnassigned: true });
      if (!authcid.ok) return { kind: 'failure', reason: 'malformed', detail: 'invalid_identity' };
      let authzid = authcid.value;
      if (parsed.authzid !== '') {
        const prepared = saslprep(parsed.authzid, { allowUnassigned: true });
        if (!prepared.ok)
          return { kind: 'failure', reason: 'malformed', detail: 'invalid_identity', authcid: authcid.value };
        authzid = prepared.value;
      }
      // A password SASLprep refuses cannot match any stored verifier: a wrong password, nothing more.
      const passwd = saslprep(parsed.passwd, { allowUnassigned: true });
      if (!passwd.ok) return { kind: 'failure', reason: 'bad_password', authcid: authcid.value };
      let verified: boolean;
      try {
        verified = (await verify(authcid.value, passwd.value)) === true;
      } catch {
        return { kind: 'failure', reason: 'store_unavailable', authcid: authcid.value };
      }
      if (!verified) return { kind: 'failure', reason: 'bad_password', authcid: authcid.value };
      // RFC 4616 §2: the server verifies that authcid may act as authzid; unless told so, it may not.
      if (authzid !== authcid.value) {
        let allowed: boolean;
        try {
          allowed = authorize?.(authzid, authcid.value) === true;
        } catch {
          allowed = false;
        }
        if (!allowed) return { kind: 'failure', reason: 'authzid_not_allowed', authcid: authcid.value };
      }
      return { kind: 'success', authcid: authcid.value, authzid };
    },
  };
}
