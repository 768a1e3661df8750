// SASL OAUTHBEARER client initial response (RFC 7628 §3.1), as Kafka clients send it (KIP-255):
//   gs2-header %x01 *( key "=" value %x01 ) %x01,   e.g.  "n,,\x01auth=Bearer eyJ…\x01\x01"
// The gs2 header is `n,` or `y,` (no channel binding; `p=` is refused: none is offered), optionally with
// `a=authzid`, then `,`. The `auth` pair is required and carries `Bearer <token>` (RFC 6750 §2.1 b64token; the
// scheme name is case-insensitive). Other pairs (Kafka's SASL extensions, `host`, `port`) are accepted and ignored.
// The token is handed to the guard unverified; its form is checked by the bearer reader (src/schemes/wire).
// Never throws; a failure names only its reason, never the bytes.

/** Longest initial response read (a JWT with many claims fits; the bearer reader bounds the token at 8 KiB). */
export const MAX_OAUTHBEARER_BYTES = 16 * 1024;

export type OauthBearerParse =
  | { readonly ok: true; readonly token: string }
  | { readonly ok: false; readonly reason: 'too_large' | 'malformed' | 'channel_binding' | 'no_token' };

export function parseOauthBearer(message: Uint8Array): OauthBearerParse {
  if (message.length > MAX_OAUTHBEARER_BYTES) return { ok: false, reason: 'too_large' };
  // The message is ASCII-compatible (RFC 7628 §3.1: values are VCHAR / SP / HTAB / CR / LF).
  for (const byte of message)
    if (byte > 0x7e || (byte < 0x20 && byte !== 0x01 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d))
      return { ok: false, reason: 'malformed' };
  const text = Buffer.from(message.buffer, message.byteOffset, message.length).toString('latin1');
  if (!text.endsWith('\x01\x01')) return { ok: false, reason: 'malformed' };
  const parts = text.slice(0, -2).split('\x01');
  const gs2 = parts[0]!;
  if (gs2.startsWith('p=')) return { ok: false, reason: 'channel_binding' };
  if (!/^[ny],(a=[^,]*)?,$/.test(gs2)) return { ok: false, reason: 'malformed' };
  let token: string | null = null;
  for (const kv of parts.slice(1)) {
    const eq = kv.indexOf('=');
    if (eq <= 0 || !/^[A-Za-z]+$/.test(kv.slice(0, eq))) return { ok: false, reason: 'malformed' };
    if (kv.slice(0, eq) !== 'auth') continue;
    if (token !== null) return { ok: false, reason: 'malformed' };
    const value = kv.slice(eq + 1);
    const m = /^bearer +(\S+)$/i.exec(value);
    if (m === null) return { ok: false, reason: 'malformed' };
    token = m[1]!;
  }
  return token === null ? { ok: false, reason: 'no_token' } : { ok: true, token };
}
