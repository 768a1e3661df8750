// Scopes granted by a token: from the `scope` claim (a space-separated string: RFC 6749 §3.3,
// RFC 9068 §2.2.3, RFC 7662 §2.2), else `scp` (an array, as Azure AD / Okta send it, or a
// string), or from a configured dotted claim path instead (e.g. `realm_access.roles`).
// Bounded: at most MAX_SCOPES distinct scopes of at most MAX_SCOPE_LENGTH characters each; the
// rest is ignored (a scope the engine never sees can only deny, never allow).

const MAX_SCOPES = 256;
const MAX_SCOPE_LENGTH = 256;
const MAX_PATH_DEPTH = 16;

/**
 * The scopes in `claims`: `scopeClaim` (a dotted path; a string is split on spaces, an array
 * keeps its string members) when given, else `scope`, else `scp`. Never throws; [] when none.
 */
export function extractScopes(claims: Readonly<Record<string, unknown>>, scopeClaim?: string): readonly string[] {
  if (claims === null || typeof claims !== 'object') return [];
  if (scopeClaim !== undefined) return toScopes(readClaimPath(claims, scopeClaim));
  if (Object.hasOwn(claims, 'scope')) return toScopes(claims['scope']);
  if (Object.hasOwn(claims, 'scp')) return toScopes(claims['scp']);
  return [];
}

/**
 * The value at a dotted path (`a.b.c`) through own properties of plain objects only (never the
 * prototype chain: `__proto__.x` finds nothing), or undefined.
 */
export function readClaimPath(claims: unknown, path: string): unknown {
  const parts = path.split('.');
  if (parts.length > MAX_PATH_DEPTH) return undefined;
  let at: unknown = claims;
  for (const part of parts) {
    if (at === null || typeof at !== 'object' || Array.isArray(at) || !Object.hasOwn(at, part)) return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}

function toScopes(value: unknown): readonly string[] {
  const out = new Set<string>();
  const add = (s: unknown): void => {
    if (typeof s === 'string' && s.length > 0 && s.length <= MAX_SCOPE_LENGTH && out.size < MAX_SCOPES) out.add(s);
  };
  if (typeof value === 'string') {
    // RFC 6749 §3.3: scope-tokens separated by a single space; tolerate runs of spaces.
    for (const s of value.slice(0, MAX_SCOPES * (MAX_SCOPE_LENGTH + 1)).split(' ')) add(s);
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length && i < MAX_SCOPES * 4; i++) add(value[i]);
  }
  return Object.freeze([...out]);
}
