// The `postgres://` store's change feed. A change this store makes is told to its own watchers at
// commit, and to other processes by NOTIFY inside the same transaction (PostgreSQL delivers it on
// COMMIT only). A LISTEN connection hears the other processes' changes; when it drops it is
// reconnected with backoff, and a `reload` says that changes in between may have been missed.
// Payloads hold kind, name/id and principal: never a secret.

import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { StoreError } from '../errors.js';
import { unavailable, type PostgresConnection } from './postgres-connection.js';
import type { StoreChange } from './types.js';

export interface ChangeFeed {
  /** `SELECT pg_notify(…, $1)` with `payload(change)` as $1; run it inside the change's transaction. */
  readonly notifySql: string;
  /** The NOTIFY payload for `change`, stamped with this store's origin so it does not hear itself. */
  payload(change: StoreChange): string;
  /** Tells this process's watchers (a watcher's failure is its own). */
  emit(change: StoreChange): void;
  readonly watch: (listener: (change: StoreChange) => void) => () => boolean;
  /** Opens the LISTEN connection. Throws `StoreError` ERR_STORE_UNAVAILABLE when it cannot. */
  listen(): Promise<void>;
  /** Forgets the watchers, stops reconnecting, ends the LISTEN connection. */
  close(): Promise<void>;
}

/** `onError`: the LISTEN connection dropped, or could not be made again. */
export function createChangeFeed(
  db: PostgresConnection,
  schemaName: string,
  description: string,
  onError: ((error: StoreError) => void) | undefined,
  onReloaded?: () => void,
): ChangeFeed {
  const channel = `asyncapi_guard_${schemaName}`;
  const origin = randomBytes(8).toString('hex');
  const listeners = new Set<(change: StoreChange) => void>();
  const emit = (change: StoreChange) => {
    for (const l of [...listeners]) {
      try {
        l(change);
      } catch {
        // A watcher's failure is its own.
      }
    }
  };
  let closed = false;
  let listener: pg.Client | null = null;
  let retry: NodeJS.Timeout | null = null;

  const onNotification = (msg: pg.Notification) => {
    if (msg.channel !== channel || msg.payload === undefined) return;
    const change = parseNotification(msg.payload, origin);
    if (change !== null) emit(change);
  };
  const connectListener = async (): Promise<void> => {
    const client = new db.pg.Client(db.clientConfig);
    client.on('error', () => undefined); // handled by 'end'
    try {
      await client.connect();
      await client.query(`LISTEN "${channel}"`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw unavailable(description, err);
    }
    client.on('notification', onNotification);
    client.on('end', () => {
      if (closed || listener !== client) return;
      listener = null;
      onError?.(
        new StoreError('ERR_STORE_UNAVAILABLE', 'the LISTEN connection was lost; reconnecting', { file: description }),
      );
      scheduleReconnect(500);
    });
    listener = client;
  };
  const scheduleReconnect = (delay: number) => {
    if (closed) return;
    retry = setTimeout(() => {
      retry = null;
      connectListener().then(
        // Notifications sent while we were away are lost: everything may have changed.
        () => {
          emit({ kind: 'reload' });
          onReloaded?.();
        },
        (err: unknown) => {
          if (err instanceof StoreError) onError?.(err);
          scheduleReconnect(Math.min(delay * 2, 30_000));
        },
      );
    }, delay);
    retry.unref();
  };

  return {
    notifySql: `SELECT pg_notify('${channel}', $1)`,
    payload: (change) => JSON.stringify({ ...change, origin }),
    emit,
    watch: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    listen: connectListener,
    close() {
      closed = true;
      listeners.clear();
      if (retry !== null) clearTimeout(retry);
      const l = listener;
      listener = null;
      return l === null ? Promise.resolve() : l.end().catch(() => undefined);
    },
  };
}

/**
 * A NOTIFY payload → a change, or null for our own, a malformed or a foreign one. Bounded: payloads
 * are at most 8000 bytes.
 */
export function parseNotification(payload: string, origin: string): StoreChange | null {
  let v: unknown;
  try {
    v = JSON.parse(payload);
  } catch {
    return null;
  }
  if (v === null || typeof v !== 'object') return null;
  const o = v as Record<string, unknown>;
  if (o.origin === origin) return null; // ours: already told to our watchers at commit
  if (o.kind === 'principal' && typeof o.name === 'string') return { kind: 'principal', name: o.name };
  if (o.kind === 'apiKey' && typeof o.id === 'string' && typeof o.principal === 'string')
    return { kind: 'apiKey', id: o.id, principal: o.principal };
  if (o.kind === 'reload') return { kind: 'reload' };
  return null;
}
