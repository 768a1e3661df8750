// What a wire reader answers. Readers run on hostile input before anything is verified, so
// they return values (never throw) and say why a credential is malformed in a closed list
// that tests can assert on. A detail never quotes the input: it may be a secret.

/** Why a credential read off the wire is not well-formed. */
export type WireMalformedDetail =
  | 'too_large' // over the size bound (8 KiB for headers and query strings); not decoded
  | 'repeated' // the credential is there more than once (several headers, parameters or cookies)
  | 'not_text' // a header value that is not a string
  | 'bad_syntax' // not the grammar the credential must have (RFC 9110 §11.4 credentials, …)
  | 'invalid_base64' // not canonical base64 (RFC 4648 §4): bad alphabet, padding or pad bits
  | 'invalid_utf8' // bytes that are not strict UTF-8, or a string with a lone surrogate
  | 'no_colon' // Basic: no ':' between user id and password (RFC 7617 §2)
  | 'empty_user' // Basic / login: empty user id
  | 'empty_password' // Basic / login: empty password
  | 'control_character'; // a control character (RFC 5234 CTL, and C1) in a user id or password

export type WireRead<T> =
  | { readonly kind: 'absent' }
  | { readonly kind: 'malformed'; readonly detail: WireMalformedDetail }
  | { readonly kind: 'ok'; readonly value: T };

/** Largest header value or query string a reader looks into (8 KiB, the common server default). */
export const MAX_WIRE_TEXT = 8192;

export const ABSENT: WireRead<never> = Object.freeze({ kind: 'absent' });

const malformedByDetail = new Map<WireMalformedDetail, WireRead<never>>();

/** A shared frozen malformed answer (no allocation on the refusal path). */
export function malformed(detail: WireMalformedDetail): WireRead<never> {
  let m = malformedByDetail.get(detail);
  if (m === undefined) {
    m = Object.freeze({ kind: 'malformed', detail });
    malformedByDetail.set(detail, m);
  }
  return m;
}

export function found<T>(value: T): WireRead<T> {
  return { kind: 'ok', value };
}

/**
 * True when `s` holds a control character: C0 and DEL (RFC 5234 CTL, which RFC 7617 §2 forbids
 * in Basic user ids and passwords) and C1 (U+0080–U+009F, general category Cc, which the PRECIS
 * profiles RFC 7617 §2.1 points at disallow too).
 */
export function hasControlCharacter(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
}

/** Visits `(name, valueStart, valueEnd)` of each pair in order; the visitor returns false to stop. */
export type PairVisitor = (visit: (name: string, valueStart: number, valueEnd: number) => boolean) => void;

/**
 * The value of the one pair named `name` (query parameters, cookies): absent when there is
 * none, `repeated` when there are several (which one a server reads differs between servers, so
 * a credential given twice is refused rather than guessed at).
 */
export function readSingleNamed(
  each: PairVisitor,
  name: string,
  decode: (valueStart: number, valueEnd: number) => string,
): WireRead<string> {
  let value: string | undefined;
  let repeated = false;
  each((n, valueStart, valueEnd) => {
    if (n !== name) return true;
    if (value !== undefined) {
      repeated = true;
      return false;
    }
    value = decode(valueStart, valueEnd);
    return true;
  });
  if (repeated) return malformed('repeated');
  return value === undefined ? ABSENT : found(value);
}
