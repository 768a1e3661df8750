// Channel addresses → NATS subject patterns, for the allow-lists of the user JWTs authd issues
// (docs/brokers/nats.md, "Mapping"). A NATS document usually writes dotted addresses
// (`lights.{id}.on`); others write MQTT-style ones (`lights/{id}/on`). Both read as NATS tokens:
//
//   - one leading `/` is dropped (as for HTTP and WebSocket paths, docs/channels.md);
//   - the rest is split at `/` and at `.`: each piece is one subject token;
//   - a piece that is exactly one `{param}` becomes `*` (one token, like a parameter's one level);
//   - a literal piece must be a valid NATS token: non-empty, no whitespace, not `*` or `>`;
//   - the first token must not start with `$`: `$SYS`, `$JS`, … are the server's own APIs.
//
// Anything else (a parameter sharing its piece with text, `dev-{id}`; an empty piece, `a//b`;
// a literal wildcard) has no exact NATS pattern: `*` would grant more than the document, so the
// operation is granted nothing on NATS (fail closed) and startup warns about it.
//
// This is narrower than the guard's own matching, never wider: a parameter there may hold a `.`,
// while `*` matches one token only.

/** Longest subject pattern we issue (nats-server's control line is 4 KiB by default). */
export const MAX_PATTERN_LENGTH = 1024;

export type SubjectMapping =
  | { readonly ok: true; readonly subject: string }
  | {
      readonly ok: false;
      readonly reason: 'no_address' | 'partial_parameter' | 'empty_token' | 'bad_token' | 'reserved' | 'too_long';
    };

const WHOLE_PARAMETER = /^\{[^{}]+\}$/;
// Whitespace and the wildcards; NUL is a control character the `\s` class does not cover.
const BAD_TOKEN_CHAR = /[\s*>{}]/;
const hasNul = (s: string): boolean => s.includes('\0');

/** The NATS subject pattern of a channel address, or why it has none. */
export function addressToSubject(address: string | null): SubjectMapping {
  if (address === null) return { ok: false, reason: 'no_address' };
  const rest = address.startsWith('/') ? address.slice(1) : address;
  const tokens: string[] = [];
  for (const piece of rest.split(/[/.]/)) {
    if (WHOLE_PARAMETER.test(piece)) tokens.push('*');
    else if (piece === '') return { ok: false, reason: 'empty_token' };
    else if (piece.includes('{') || piece.includes('}')) return { ok: false, reason: 'partial_parameter' };
    else if (BAD_TOKEN_CHAR.test(piece) || hasNul(piece)) return { ok: false, reason: 'bad_token' };
    else tokens.push(piece);
  }
  if (tokens[0]?.startsWith('$') === true) return { ok: false, reason: 'reserved' };
  const subject = tokens.join('.');
  return subject.length > MAX_PATTERN_LENGTH ? { ok: false, reason: 'too_long' } : { ok: true, subject };
}
