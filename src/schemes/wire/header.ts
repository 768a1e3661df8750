// One HTTP request header by name, from the header bag a transport hands over (Node's
// `req.headers`: lowercase names, `string | string[]` values).
// Checks: own property only (a name such as `constructor` never reaches the prototype), one
// value only (a credential header sent twice is ambiguous: refused), a string, at most 8 KiB.
// Does not check the value's grammar: the credential's own parser does.

import { ABSENT, MAX_WIRE_TEXT, found, malformed, type WireRead } from './types.js';

export type HeaderBag = Readonly<Record<string, string | readonly string[] | undefined>>;

/** The single value of header `name` (lowercase), at most `maxLength` characters. Never throws. */
export function readSingleHeader(
  headers: HeaderBag | undefined | null,
  name: string,
  maxLength = MAX_WIRE_TEXT,
): WireRead<string> {
  if (headers === undefined || headers === null || typeof headers !== 'object' || !Object.hasOwn(headers, name))
    return ABSENT;
  let value: unknown = headers[name];
  if (value === undefined) return ABSENT;
  if (Array.isArray(value)) {
    if (value.length === 0) return ABSENT;
    if (value.length > 1) return malformed('repeated');
    value = value[0];
  }
  if (typeof value !== 'string') return malformed('not_text');
  if (value.length > maxLength) return malformed('too_large');
  return found(value);
}

/**
 * Every value of header `name`, joined as RFC 9110 §5.3 allows for list headers; for Cookie (RFC 9113 §8.2.3 joins with
 * "; ").
 */
export function readJoinedHeader(
  headers: HeaderBag | undefined | null,
  name: string,
  separator: string,
): WireRead<string> {
  if (headers === undefined || headers === null || typeof headers !== 'object' || !Object.hasOwn(headers, name))
    return ABSENT;
  const value: unknown = headers[name];
  if (value === undefined) return ABSENT;
  if (typeof value === 'string') return value.length > MAX_WIRE_TEXT ? malformed('too_large') : found(value);
  if (!Array.isArray(value)) return malformed('not_text');
  if (value.length === 0) return ABSENT;
  let total = 0;
  for (const v of value as unknown[]) {
    if (typeof v !== 'string') return malformed('not_text');
    total += v.length + separator.length;
    if (total > MAX_WIRE_TEXT + separator.length) return malformed('too_large');
  }
  return found((value as string[]).join(separator));
}
