// The NATS client protocol lines `probe` reads, as pure functions (NATS docs, "Client Protocol"):
// INFO's JSON, `-ERR '…'` texts, MSG headers. The connection that uses them is ./client.ts.
//
// Bounded: a control line is refused above MAX_CONTROL_LINE_BYTES (nats-server's own default
// max_control_line is 4 KiB; INFO can be longer with connect_urls, so 64 KiB), and only the INFO
// fields probe reports are kept, each checked for its type.

export const MAX_CONTROL_LINE_BYTES = 64 * 1024;

/** The INFO fields probe reads. Absent booleans are false, as nats-server omits them when false. */
export interface NatsInfo {
  readonly serverId: string | null;
  readonly version: string | null;
  readonly authRequired: boolean;
  readonly tlsRequired: boolean;
  readonly tlsVerify: boolean;
  readonly tlsAvailable: boolean;
  /** Present when the server asks for an nkey signature (probe sends none). Not a secret, never reported. */
  readonly nonce: string | null;
  readonly maxPayload: number | null;
}

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

function str(v: unknown, max = 256): string | null {
  return typeof v === 'string' ? v.slice(0, max) : null;
}

/** Parses an `INFO {json}` line (without its CRLF). */
export function parseInfoLine(line: string): Parsed<NatsInfo> {
  if (!/^INFO\s/i.test(line)) return { ok: false, reason: 'the first line is not INFO' };
  let json: unknown;
  try {
    json = JSON.parse(line.slice(5));
  } catch {
    return { ok: false, reason: 'INFO does not carry a JSON object' };
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    return { ok: false, reason: 'INFO does not carry a JSON object' };
  }
  const o = json as Record<string, unknown>;
  return {
    ok: true,
    value: {
      serverId: str(o.server_id),
      version: str(o.version, 64),
      authRequired: o.auth_required === true,
      tlsRequired: o.tls_required === true,
      tlsVerify: o.tls_verify === true,
      tlsAvailable: o.tls_available === true,
      nonce: str(o.nonce, 128),
      maxPayload: typeof o.max_payload === 'number' && Number.isSafeInteger(o.max_payload) ? o.max_payload : null,
    },
  };
}

export type ServerError =
  | { readonly kind: 'authorization' }
  | { readonly kind: 'permission'; readonly operation: 'publish' | 'subscription'; readonly subject: string }
  | { readonly kind: 'other'; readonly text: string };

/**
 * Classifies a `-ERR '…'` line. nats-server's texts: `Authorization Violation`,
 * `Permissions Violation for Publish to "x"`, `Permissions Violation for Subscription to "x"`
 * (nats-server server/client.go); compared case-insensitively, as nats.js does.
 */
export function parseErrLine(line: string): ServerError {
  const text = line
    .replace(/^-ERR\s*/i, '')
    .replace(/^'(.*)'$/s, '$1')
    .slice(0, 512);
  const lower = text.toLowerCase();
  if (lower.includes('authorization violation') || lower.includes('authentication')) return { kind: 'authorization' };
  const m = /permissions violation for (publish|subscription) to "([^"]*)"/i.exec(text);
  if (m !== null) {
    return { kind: 'permission', operation: m[1]!.toLowerCase() as 'publish' | 'subscription', subject: m[2]! };
  }
  return { kind: 'other', text };
}

/** `MSG <subject> <sid> [reply-to] <#bytes>`: the subject and payload size, or null when malformed. */
export function parseMsgLine(line: string): { subject: string; sid: string; bytes: number } | null {
  const parts = line.split(/\s+/);
  if (parts[0]?.toUpperCase() !== 'MSG' || (parts.length !== 4 && parts.length !== 5)) return null;
  const bytes = Number(parts.at(-1));
  if (!Number.isSafeInteger(bytes) || bytes < 0) return null;
  return { subject: parts[1]!, sid: parts[2]!, bytes };
}

/** A subject probe may send: tokens of visible ASCII other than wildcards, joined by `.`. */
export function isPlainSubject(subject: string): boolean {
  return /^[!-~]+$/.test(subject) && !/(^|\.)[*>](\.|$)/.test(subject) && !subject.split('.').includes('');
}
