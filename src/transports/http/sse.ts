// Server-Sent Events framing (HTML Living Standard §9.2 "Server-sent events"). A bus message
// becomes one event:
//   id: <bus id>            when the bus gives one (for Last-Event-ID), and it holds no CR/LF/NUL
//   data: <line>            per line of a UTF-8 payload (split on CRLF, CR or LF: the client joins
//                           them with LF, so a CRLF in a payload arrives as LF)
// or, for a payload that is not valid UTF-8:
//   event: binary
//   data: <base64 of the payload>
// Heartbeat: a comment line `:` (ignored by EventSource) keeps proxies from timing out the stream.

import { isUtf8 } from 'node:buffer';
import type { BusMessage } from '../../bus/types.js';

export const SSE_HEARTBEAT = ':\n\n';

/** Longest Last-Event-ID value honoured; longer ones are ignored (the stream starts from now). */
export const MAX_LAST_EVENT_ID = 256;

const UNSAFE_ID = /[\r\n\0]/;

export function formatSseEvent(message: BusMessage): string {
  let out = message.id !== null && !UNSAFE_ID.test(message.id) ? `id: ${message.id}\n` : '';
  const payload = message.payload;
  if (isUtf8(payload)) {
    const text = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8');
    for (const line of text.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  } else {
    const base64 = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('base64');
    out += `event: binary\ndata: ${base64}\n`;
  }
  return `${out}\n`;
}

/** The Last-Event-ID header value to replay from, or null (absent, repeated, too long, or with CR/LF/NUL). */
export function lastEventIdOf(value: string | string[] | undefined): string | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_LAST_EVENT_ID || UNSAFE_ID.test(value))
    return null;
  return value;
}
