// Ending a user's live RabbitMQ connections through the management HTTP API, when a store change
// ends the session authd kept for them (docs/brokers/rabbitmq.md, "Live connections"). RabbitMQ
// asks authd at login and per publish to a topic exchange, but caches exchange and queue
// permissions per channel, and its MQTT plugin caches topics: without this, a disabled user's open
// connection keeps what it was granted until it reconnects.
//
// `GET /api/connections?columns=name,user,vhost` lists the connections (AMQP, MQTT, Web MQTT);
// each of the user's on the vhost gets `DELETE /api/connections/<name>` with an `X-Reason`. The
// management user's password is a secret reference, sent only as HTTP Basic to that URL and
// never logged; every request has a timeout, and the list read is bounded.

import type { Logger } from 'pino';

/** Longest management API answer read (a connection list of some thousand connections). */
const MAX_LIST_BYTES = 16 * 1024 * 1024;
/** Per call: the management API answers in seconds on a busy broker. */
const TIMEOUT_MS = 10_000;
/** A failed close (timeout, error status) is tried again, this many times in all. */
const ATTEMPTS = 3;
const RETRY_AFTER_MS = 1_000;

export interface ManagementTarget {
  /** `http(s)://HOST:PORT` of the management plugin. */
  readonly url: string;
  readonly user: string;
  readonly password: string;
  readonly vhost: string;
}

export interface ConnectionCloser {
  /** Closes every connection of `user` on the vhost; resolves to how many were closed (errors are logged). */
  closeUser(user: string, why: string): Promise<number>;
}

export function createConnectionCloser(target: ManagementTarget, logger: Logger): ConnectionCloser {
  const base = target.url.replace(/\/+$/, '');
  const authorization = `Basic ${Buffer.from(`${target.user}:${target.password}`, 'utf8').toString('base64')}`;
  const once = (method: 'GET' | 'DELETE', path: string, reason?: string): Promise<Response> =>
    fetch(`${base}${path}`, {
      method,
      headers: { authorization, ...(reason !== undefined ? { 'x-reason': reason } : {}) },
      signal: AbortSignal.timeout(TIMEOUT_MS),
      redirect: 'error',
    });
  // Once more after a network error: the management listener closes idle keep-alive sockets, and
  // a request sent on one just closed fails with "other side closed" (both calls are idempotent).
  const call = (method: 'GET' | 'DELETE', path: string, reason?: string): Promise<Response> =>
    once(method, path, reason).catch((err: unknown) => {
      if (err instanceof Error && err.name === 'TimeoutError') throw err;
      return once(method, path, reason);
    });
  /** One try: the user's connections listed and each closed; `complete` false when something failed. */
  const attempt = async (user: string, why: string): Promise<{ closed: number; complete: boolean }> => {
    const listed = await call('GET', '/api/connections?columns=name,user,vhost');
    if (!listed.ok) {
      logger.warn({ status: listed.status }, 'authd.rabbitmq.management_failed');
      return { closed: 0, complete: false };
    }
    const text = await readAtMost(listed, MAX_LIST_BYTES);
    if (text === null) {
      logger.warn({ why: 'list_too_large' }, 'authd.rabbitmq.management_failed');
      return { closed: 0, complete: true };
    }
    const rows = JSON.parse(text) as unknown;
    if (!Array.isArray(rows)) return { closed: 0, complete: false };
    const names = (rows as { name?: unknown; user?: unknown; vhost?: unknown }[])
      .filter((row) => row.user === user && row.vhost === target.vhost && typeof row.name === 'string')
      .map((row) => row.name as string);
    // All at once: each call can take seconds on a busy broker.
    const results = await Promise.all(
      names.map(async (name) => {
        const res = await call('DELETE', `/api/connections/${encodeURIComponent(name)}`, why);
        // 404: it closed by itself meanwhile.
        if (res.ok || res.status === 404) return true;
        logger.warn({ status: res.status }, 'authd.rabbitmq.management_failed');
        return false;
      }),
    );
    return { closed: results.filter(Boolean).length, complete: results.every(Boolean) };
  };
  return {
    async closeUser(user, why) {
      let closed = 0;
      for (let i = 1; i <= ATTEMPTS; i++) {
        try {
          const r = await attempt(user, why);
          closed += r.closed;
          if (r.complete) return closed;
        } catch (err) {
          logger.warn(
            { err: err instanceof Error ? err.name : 'error', attempt: i },
            'authd.rabbitmq.management_failed',
          );
        }
        if (i < ATTEMPTS) await new Promise((r) => setTimeout(r, RETRY_AFTER_MS));
      }
      return closed;
    },
  };
}

/** The body as text, or null when it is longer than `max` bytes (the rest is not read). */
async function readAtMost(res: Response, max: number): Promise<string | null> {
  if (res.body === null) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > max) {
      await res.body.cancel().catch(() => {});
      return null;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
