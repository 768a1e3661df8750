// One parameter of a raw query string, parsed as WHATWG URL "application/x-www-form-urlencoded
// parsing" does (https://url.spec.whatwg.org/#urlencoded-parsing): split on `&`, skip empty
// sequences, split each at its first `=`, `+` → space, percent-decode bytes (a `%` not followed
// by two hex digits stays as is), then UTF-8 decode without BOM (invalid bytes → U+FFFD). That is
// what `URLSearchParams` does on a URL's (ASCII) query, so a client's URL library and this
// reader agree. Raw non-ASCII characters are read as their UTF-8 bytes, as WHATWG says (Node's
// URLSearchParams reads a character below U+0100 as one byte in a sequence with a `%` escape).
// Checks: 8 KiB at most (refused without parsing), the parameter at most once (a repeated
// credential is ambiguous: frameworks disagree on which one wins, so we refuse it).
// Does not check the value: the API key parser does.

import { ABSENT, MAX_WIRE_TEXT, malformed, readSingleNamed, type WireRead } from './types.js';

const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** WHATWG percent-decode of `bytes[start, end)` with `+` read as space, then UTF-8 decode. */
function decodeComponent(bytes: Buffer, start: number, end: number): string {
  // Fast path: nothing to decode (the common case for parameter names).
  let plain = true;
  for (let i = start; i < end; i++) {
    const c = bytes[i] as number;
    if (c === 0x25 || c === 0x2b || c >= 0x80) {
      plain = false;
      break;
    }
  }
  if (plain) return bytes.toString('latin1', start, end);
  const out = Buffer.allocUnsafe(end - start);
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = bytes[i] as number;
    if (c === 0x2b) {
      out[n++] = 0x20;
    } else if (c === 0x25 && i + 2 < end) {
      const hi = hexValue(bytes[i + 1] as number);
      const lo = hexValue(bytes[i + 2] as number);
      if (hi >= 0 && lo >= 0) {
        out[n++] = (hi << 4) | lo;
        i += 2;
      } else {
        out[n++] = c;
      }
    } else {
      out[n++] = c;
    }
  }
  return utf8.decode(out.subarray(0, n));
}

/** Every name/value pair, decoded (for tests and small tools; the verifier uses `readQueryParameter`). */
export function parseQuery(query: string): [string, string][] | null {
  if (typeof query !== 'string' || query.length > MAX_WIRE_TEXT) return null;
  const bytes = Buffer.from(query, 'utf8');
  const out: [string, string][] = [];
  forEachPair(bytes, (name, valueStart, valueEnd) => {
    out.push([name, decodeComponent(bytes, valueStart, valueEnd)]);
    return true;
  });
  return out;
}

/**
 * Calls `visit(name, valueStart, valueEnd)` per pair in order (the value decoded on demand); stops when it returns
 * false.
 */
function forEachPair(bytes: Buffer, visit: (name: string, valueStart: number, valueEnd: number) => boolean): void {
  let start = 0;
  while (start <= bytes.length) {
    let end = bytes.indexOf(0x26 /* & */, start);
    if (end < 0) end = bytes.length;
    if (end > start) {
      let eq = bytes.indexOf(0x3d /* = */, start);
      if (eq < 0 || eq > end) eq = end;
      const name = decodeComponent(bytes, start, eq);
      if (!visit(name, Math.min(eq + 1, end), end)) return;
    }
    start = end + 1;
  }
}

/**
 * The value of parameter `name` (compared after decoding, exactly) in a raw query string
 * (without `?`): absent when it is not there, malformed when it is there twice or the query is
 * over 8 KiB. An empty value is returned as ''. Never throws.
 */
export function readQueryParameter(query: string | undefined | null, name: string): WireRead<string> {
  if (query === undefined || query === null || query === '') return ABSENT;
  if (typeof query !== 'string') return malformed('not_text');
  if (query.length > MAX_WIRE_TEXT) return malformed('too_large');
  const bytes = Buffer.from(query, 'utf8');
  if (bytes.length > MAX_WIRE_TEXT) return malformed('too_large');
  return readSingleNamed(
    (visit) => forEachPair(bytes, visit),
    name,
    (vs, ve) => decodeComponent(bytes, vs, ve),
  );
}
