// Bounded HTTP for the token layer (JWKS, discovery, introspection): https only, or plain http to
// a loopback address (a test IdP, a sidecar); a deadline on the whole exchange; the body read at
// most `maxBytes` far. Failures are values (`FetchFailure`), never exceptions, and never carry the
// URL's query, a header or the body: callers turn them into `keys_unavailable` (fail closed).

import { invalidArgType, invalidArgValue } from '../errors.js';

const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', '[::1]', 'localhost']);

/**
 * Checks a token-layer endpoint URL once, at construction. `https:`, or `http:` to 127.0.0.1,
 * ::1 or localhost only (a token or a key set fetched in clear from a remote host could be
 * swapped by anyone on the path). No credentials in the URL. Throws TypeError
 * ERR_INVALID_ARG_VALUE naming `name`; the message never repeats the URL (it may hold a query).
 */
export function checkEndpointUrl(value: unknown, name: string): URL {
  if (typeof value !== 'string') throw invalidArgType(name, 'a string (an https URL)');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidArgValue(name, 'must be an absolute URL');
  }
  if (url.username !== '' || url.password !== '') throw invalidArgValue(name, 'must not carry credentials in the URL');
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return url;
  throw invalidArgValue(name, 'must be https (plain http is accepted only to 127.0.0.1, ::1 or localhost)');
}

export type FetchFailure = 'timeout' | 'network' | 'status' | 'too_large' | 'not_json';

export type FetchJsonResult =
  | { readonly ok: true; readonly status: number; readonly json: unknown }
  | { readonly ok: false; readonly failure: FetchFailure };

export interface FetchJsonOptions {
  readonly method?: 'GET' | 'POST';
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly timeoutMs: number;
  readonly maxBytes: number;
  /** Aborts the exchange early (the owner's `close()`). */
  readonly signal?: AbortSignal;
  /** Status codes whose JSON body is wanted (default: 200 only). */
  readonly acceptStatus?: readonly number[];
}

/**
 * GET or POST `url` and parse a JSON answer. Redirects are refused (`redirect: 'error'`): a
 * redirect could lead to a URL that `checkEndpointUrl` would not have accepted.
 */
export async function fetchJson(url: string, options: FetchJsonOptions): Promise<FetchJsonResult> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal]);
  let response: Response;
  try {
    response = await fetch(url, {
      method: options.method ?? 'GET',
      headers: { accept: 'application/json', ...options.headers },
      ...(options.body === undefined ? {} : { body: options.body }),
      redirect: 'error',
      signal,
    });
  } catch {
    return { ok: false, failure: timeout.aborted ? 'timeout' : 'network' };
  }
  const accepted = options.acceptStatus ?? [200];
  if (!accepted.includes(response.status)) {
    await response.body?.cancel().catch(() => {});
    return { ok: false, failure: 'status' };
  }
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > options.maxBytes) {
    await response.body?.cancel().catch(() => {});
    return { ok: false, failure: 'too_large' };
  }
  const read = await readBounded(response, options.maxBytes);
  if (read === 'too_large') return { ok: false, failure: 'too_large' };
  if (read === null) return { ok: false, failure: timeout.aborted ? 'timeout' : 'network' };
  try {
    return { ok: true, status: response.status, json: JSON.parse(read.text) as unknown };
  } catch {
    return { ok: false, failure: 'not_json' };
  }
}

/** The body as UTF-8 text, stopping (and cancelling the stream) as soon as it passes `maxBytes`. */
async function readBounded(response: Response, maxBytes: number): Promise<{ text: string } | 'too_large' | null> {
  // A fetch body is a byte stream; the global type leaves its chunks untyped.
  const body = response.body as ReadableStream<Uint8Array> | null;
  if (body === null) return { text: '' };
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => {});
        return 'too_large';
      }
      chunks.push(value);
    }
  } catch {
    return null;
  }
  return { text: Buffer.concat(chunks, total).toString('utf8') };
}
