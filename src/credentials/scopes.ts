// Scope names as stores keep them: the same rule for every store, so a scope one store accepts
// another can hold, and the `file:` store never writes a file it could not read back.

import { StoreError } from '../errors.js';

export const MAX_SCOPES = 1000;
export const MAX_SCOPE_LENGTH = 256;

// C0/C1 controls, DEL and the non-characters U+FFFE/U+FFFF (not printable YAML, YAML 1.2 §5.1),
// and lone surrogates (not encodable as UTF-8).
const BAD_RE =
  // eslint-disable-next-line no-control-regex -- these are the characters a scope may not hold
  /[\u0000-\u001f\u007f-\u009f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export const SCOPE_EXPECTED = `1 to ${MAX_SCOPE_LENGTH} characters, no control characters`;

export function isValidScope(s: unknown): s is string {
  return typeof s === 'string' && s.length > 0 && s.length <= MAX_SCOPE_LENGTH && !BAD_RE.test(s);
}

/** A frozen copy of `scopes`, or StoreError `ERR_STORE_INVALID` naming the position of the bad one (never its text). */
export function checkScopes(scopes: readonly string[], where: string): readonly string[] {
  // Tested as unknown: JavaScript callers may pass anything, and Array.isArray would retype the argument as any[].
  const given: unknown = scopes;
  if (!Array.isArray(given) || scopes.length > MAX_SCOPES) {
    throw new StoreError('ERR_STORE_INVALID', 'not a valid list of scopes', {
      file: where,
      expected: `at most ${MAX_SCOPES} scope names`,
    });
  }
  scopes.forEach((s, i) => {
    if (!isValidScope(s))
      throw new StoreError('ERR_STORE_INVALID', `scope ${i + 1} is not a valid scope name`, {
        file: where,
        expected: SCOPE_EXPECTED,
      });
  });
  return Object.freeze([...scopes]);
}
