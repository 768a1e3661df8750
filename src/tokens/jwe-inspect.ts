// Is a published payload a JWE whose algorithms are allowed? Checked without decrypting: the guard
// never holds the keys of end-to-end encryption (issue 4). Shared by symmetricEncryption,
// asymmetricEncryption (schemes/verify/encryption.ts) and the client library (jwe.ts), so the
// guard and `openPayload` agree on what a well-formed JWE is.
//
// Accepts the two serializations of RFC 7516: compact (§7.1: five base64url parts) and JSON
// (§7.2: general with `recipients`, or flattened). Checks: size (the payload at most
// `maxPayloadBytes`, each header at most 8 KiB), base64url everywhere, header JSON objects, the
// protected/unprotected/per-recipient headers disjoint (§7.2.1), `alg` of every recipient and `enc`
// in the allow-lists, no `zip` (a receiver would inflate attacker-chosen data; jose inflates it),
// no `crit` (we understand no extension: §4.1.13 asks recipients to refuse), the encrypted key
// empty exactly for direct algorithms (RFC 7518 §4.5, §4.6), `epk` present for ECDH-ES (§4.6.1.1),
// IV and tag of the length the `enc` defines (RFC 7518 §5.2.2, §5.3). Does not check: that it
// decrypts (only a holder of the key can), `kid`, `aad` content.
// Bounded and total: never throws, one pass over the text plus one JSON.parse for the JSON form.

import { ENC_FACTS, type ContentEncryption } from './jose-algorithms.js';

/** What `inspectJwe` answers (a scheme's `inspectPayload` too). */
export type PayloadVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'payload_not_encrypted' | 'alg_not_allowed' | 'malformed' };

export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;
/** Largest decoded JOSE header (protected, unprotected, or one recipient's). */
export const MAX_HEADER_BYTES = 8 * 1024;
/** Most recipients of a general JSON serialization. */
export const MAX_RECIPIENTS = 64;

export interface JwePolicy {
  readonly algorithms: ReadonlySet<string>;
  readonly encryptions: ReadonlySet<string>;
  readonly maxPayloadBytes: number;
}

/** Direct algorithms carry no encrypted key (RFC 7518 §4.5 `dir`, §4.6 `ECDH-ES` direct key agreement). */
const isDirect = (alg: string): boolean => alg === 'dir' || alg === 'ECDH-ES';
const isEcdh = (alg: string): boolean => alg === 'ECDH-ES' || alg.startsWith('ECDH-ES+');
const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

const B64URL = /^[A-Za-z0-9_-]*$/;
// The whole compact form in one pass: base64url characters and the four dots.
const COMPACT_CHARS = /^[A-Za-z0-9_.-]*$/;
/** Encoded length of a decoded header of MAX_HEADER_BYTES. */
const MAX_HEADER_CHARS = Math.ceil((MAX_HEADER_BYTES * 4) / 3);

const OK: PayloadVerdict = Object.freeze({ ok: true });
const NOT_ENCRYPTED: PayloadVerdict = Object.freeze({ ok: false, reason: 'payload_not_encrypted' });
const NOT_ALLOWED: PayloadVerdict = Object.freeze({ ok: false, reason: 'alg_not_allowed' });
const MALFORMED: PayloadVerdict = Object.freeze({ ok: false, reason: 'malformed' });

/** Unpadded base64url length of `n` bytes (RFC 7515 §2, RFC 4648 §5). */
const b64len = (n: number): number => Math.ceil((n * 4) / 3);

/** Inspects a payload against a policy. Never throws. */
export function inspectJwe(payload: unknown, policy: JwePolicy): PayloadVerdict {
  try {
    let text: string;
    if (typeof payload === 'string') {
      // Bytes, as a transport would count them: a JSON JWE may hold non-ASCII members, whose UTF-8
      // is longer than their UTF-16 length (which bounds it from below: the cheap check first).
      if (payload.length > policy.maxPayloadBytes || Buffer.byteLength(payload, 'utf8') > policy.maxPayloadBytes)
        return MALFORMED;
      text = payload;
    } else if (payload instanceof Uint8Array) {
      if (payload.byteLength > policy.maxPayloadBytes) return MALFORMED;
      // latin1 maps each byte to one character: a non-ASCII byte can never pass the checks below.
      text = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('latin1');
    } else return MALFORMED;
    const first = firstNonSpace(text);
    if (first === 0x7b /* { */) return inspectJson(text, policy);
    return inspectCompact(text, policy);
  } catch {
    return MALFORMED;
  }
}

function firstNonSpace(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return c;
  }
  return -1;
}

// ---------------------------------------------------------------- compact (RFC 7516 §7.1)

/**
 * A compact JWE's verdict and, when it passed, its protected header (so `openPayload` parses it
 * once). Never throws.
 */
export function inspectCompactJwe(
  text: string,
  policy: JwePolicy,
): { readonly verdict: PayloadVerdict; readonly header: Readonly<Record<string, unknown>> | null } {
  const out: { header?: Record<string, unknown> } = {};
  let verdict: PayloadVerdict;
  try {
    verdict =
      typeof text !== 'string'
        ? MALFORMED
        : text.length > policy.maxPayloadBytes
          ? MALFORMED
          : inspectCompact(text, policy, out);
  } catch {
    verdict = MALFORMED;
  }
  return { verdict, header: verdict.ok ? (out.header ?? null) : null };
}

function inspectCompact(text: string, policy: JwePolicy, out?: { header?: Record<string, unknown> }): PayloadVerdict {
  const d1 = text.indexOf('.');
  if (d1 < 0) return NOT_ENCRYPTED;
  const d2 = text.indexOf('.', d1 + 1);
  const d3 = d2 < 0 ? -1 : text.indexOf('.', d2 + 1);
  const d4 = d3 < 0 ? -1 : text.indexOf('.', d3 + 1);
  // Not five parts (a JWS has three): not a JWE at all.
  if (d4 < 0 || text.indexOf('.', d4 + 1) >= 0) return NOT_ENCRYPTED;
  if (!COMPACT_CHARS.test(text)) return NOT_ENCRYPTED;
  if (d1 > MAX_HEADER_CHARS) return MALFORMED;
  const header = decodeHeader(text.slice(0, d1));
  // A header without `enc` is not a JWE header (a JWS header has none).
  if (header === null || typeof header['enc'] !== 'string') return NOT_ENCRYPTED;
  const verdict = checkHeader(header, policy);
  if (verdict !== OK) return verdict;
  const alg = header['alg'] as string;
  const enc = header['enc'] as keyof typeof ENC_FACTS;
  const encryptedKeyChars = d2 - d1 - 1;
  if (isDirect(alg) !== (encryptedKeyChars === 0)) return MALFORMED;
  const facts = ENC_FACTS[enc];
  if (d3 - d2 - 1 !== b64len(facts.ivBytes)) return MALFORMED;
  if (text.length - d4 - 1 !== b64len(facts.tagBytes)) return MALFORMED;
  // CBC ciphertext is whole blocks (at least one, PKCS#7 padding); GCM's may be empty.
  if (facts.ivBytes === 16 && d4 - d3 - 1 < b64len(16)) return MALFORMED;
  if (out !== undefined) out.header = header;
  return OK;
}

/** base64url → JSON object, or null when it is not one (bad base64url length, JSON, not an object). */
function decodeHeader(part: string): Record<string, unknown> | null {
  if (part.length === 0 || part.length % 4 === 1) return null;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

/** The rules every complete JOSE header (of one recipient) must pass; OK, NOT_ALLOWED or MALFORMED. */
function checkHeader(h: Record<string, unknown>, policy: JwePolicy): PayloadVerdict {
  const alg = h['alg'];
  const enc = h['enc'];
  if (typeof alg !== 'string' || typeof enc !== 'string') return MALFORMED;
  if (hasOwn(h, 'crit')) return MALFORMED;
  // Compression is refused like a disallowed algorithm: receivers would inflate attacker data.
  if (hasOwn(h, 'zip')) return NOT_ALLOWED;
  if (!policy.algorithms.has(alg) || !policy.encryptions.has(enc) || !hasOwn(ENC_FACTS, enc)) return NOT_ALLOWED;
  if (isEcdh(alg)) {
    const epk = h['epk'];
    if (
      epk === null ||
      typeof epk !== 'object' ||
      Array.isArray(epk) ||
      typeof (epk as Record<string, unknown>)['kty'] !== 'string'
    )
      return MALFORMED;
  }
  return OK;
}

// ---------------------------------------------------------------- JSON (RFC 7516 §7.2)

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function isB64(v: unknown): v is string {
  return typeof v === 'string' && B64URL.test(v) && v.length % 4 !== 1;
}

function headerTooLarge(h: Record<string, unknown>): boolean {
  return JSON.stringify(h).length > MAX_HEADER_BYTES;
}

function inspectJson(text: string, policy: JwePolicy): PayloadVerdict {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return NOT_ENCRYPTED;
  }
  // Any JSON message without `ciphertext` is plaintext.
  if (!isObject(doc) || !hasOwn(doc, 'ciphertext')) return NOT_ENCRYPTED;
  const { protected: prot, unprotected, recipients, iv, tag, ciphertext, aad } = doc;
  if (!isB64(ciphertext) || !isB64(iv) || !isB64(tag) || (aad !== undefined && !isB64(aad))) return MALFORMED;

  let shared: Record<string, unknown> = {};
  if (prot !== undefined) {
    if (typeof prot !== 'string' || prot.length > MAX_HEADER_CHARS || !B64URL.test(prot)) return MALFORMED;
    const decoded = decodeHeader(prot);
    if (decoded === null) return MALFORMED;
    shared = decoded;
  }
  if (unprotected !== undefined) {
    if (!isObject(unprotected) || headerTooLarge(unprotected)) return MALFORMED;
    for (const k of Object.keys(unprotected)) if (hasOwn(shared, k)) return MALFORMED; // §7.2.1: disjoint
    shared = { ...shared, ...unprotected };
  }

  // General (`recipients`) or flattened (`header` / `encrypted_key` at the top, §7.2.2), not both.
  let list: { header?: unknown; encrypted_key?: unknown }[];
  if (recipients !== undefined) {
    if (hasOwn(doc, 'header') || hasOwn(doc, 'encrypted_key')) return MALFORMED;
    if (!Array.isArray(recipients) || recipients.length === 0 || recipients.length > MAX_RECIPIENTS) return MALFORMED;
    if (!recipients.every(isObject)) return MALFORMED;
    list = recipients;
  } else {
    list = [
      {
        header: doc['header'],
        encrypted_key: doc['encrypted_key'],
      },
    ];
  }

  let enc: string | null = null;
  let notAllowed = false;
  for (const r of list) {
    let h = shared;
    if (r.header !== undefined) {
      if (!isObject(r.header) || headerTooLarge(r.header)) return MALFORMED;
      for (const k of Object.keys(r.header)) if (hasOwn(shared, k)) return MALFORMED; // §7.2.1: disjoint
      h = { ...shared, ...r.header };
    }
    const v = checkHeader(h, policy);
    if (v === MALFORMED) return MALFORMED;
    if (v === NOT_ALLOWED) {
      // Every recipient's alg must be allowed; keep checking the others for malformation only.
      notAllowed = true;
      continue;
    }
    const alg = h['alg'] as string;
    // One ciphertext: every recipient must name the same `enc`.
    if (enc === null) enc = h['enc'] as string;
    else if (enc !== h['enc']) return MALFORMED;
    const ek = r.encrypted_key;
    if (ek !== undefined && !isB64(ek)) return MALFORMED;
    const ekLength = typeof ek === 'string' ? ek.length : 0;
    if (isDirect(alg) !== (ekLength === 0)) return MALFORMED;
    // A direct algorithm makes the CEK itself: it cannot be shared with other recipients.
    if (isDirect(alg) && list.length > 1) return MALFORMED;
  }
  if (notAllowed) return NOT_ALLOWED;
  const facts = ENC_FACTS[enc as ContentEncryption];
  if (iv.length !== b64len(facts.ivBytes) || tag.length !== b64len(facts.tagBytes)) return MALFORMED;
  if (facts.ivBytes === 16 && ciphertext.length < b64len(16)) return MALFORMED;
  return OK;
}
