// The sessions a broker's later questions are decided against. A broker asks authd about a
// user's credentials once (RabbitMQ's `user_path`, when the connection opens); its later
// questions (vhost, resource, topic) carry the user name only, never the password
// (docs/brokers/rabbitmq.md, "Sessions"). So the Session the guard made is kept here, by broker
// part, server and user name:
// - bounded: at most `max` entries, the least recently authenticated dropped first (a dropped
//   user's next question is denied: fail closed);
// - expiring with the credential (`session.expiresAt`: a token's exp);
// - ended by store changes: the credential reloader (src/serve/reload.ts) asks `endSessions`
//   exactly as it asks serve's fronts, so `users disable` / `keys revoke` reach authd too.
// One entry per user name: the most recent authentication wins (see the page for why).

import type { Session } from '../../guard/types.js';

export const DEFAULT_MAX_SESSIONS = 100_000;

export interface BrokerSessions {
  /** Keeps `session` for `user` on `server`, replacing an earlier one. */
  set(server: string, user: string, session: Session): void;
  /** The live session, or undefined (none, or expired: then it is dropped). */
  get(server: string, user: string): Session | undefined;
  /** Drops the session of `user` on `server`. */
  delete(server: string, user: string): void;
  /** Drops every session `pred` holds for; how many (the reloader's contract). `ended` hears each one dropped. */
  endSessions(pred: (session: Session) => boolean, ended?: (server: string, user: string) => void): number;
  readonly size: number;
}

export function createBrokerSessions(options: { max?: number; now?: () => number } = {}): BrokerSessions {
  const max = options.max ?? DEFAULT_MAX_SESSIONS;
  const now = options.now ?? Date.now;
  // Insertion order is recency order: `set` deletes before it inserts.
  const entries = new Map<string, Session>();
  // NUL cannot occur in a server name from the document's keys nor in a user name the guard accepts.
  const keyOf = (server: string, user: string): string => `${server}\u0000${user}`;
  return {
    set(server, user, session) {
      const key = keyOf(server, user);
      entries.delete(key);
      entries.set(key, session);
      while (entries.size > max) entries.delete(entries.keys().next().value as string);
    },
    get(server, user) {
      const key = keyOf(server, user);
      const session = entries.get(key);
      if (session === undefined) return undefined;
      if (session.expiresAt !== undefined && session.expiresAt <= now()) {
        entries.delete(key);
        return undefined;
      }
      return session;
    },
    delete(server, user) {
      entries.delete(keyOf(server, user));
    },
    endSessions(pred, ended) {
      let count = 0;
      for (const [key, session] of entries) {
        if (!pred(session)) continue;
        entries.delete(key);
        count++;
        if (ended !== undefined) {
          const cut = key.indexOf('\u0000');
          ended(key.slice(0, cut), key.slice(cut + 1));
        }
      }
      return count;
    },
    get size() {
      return entries.size;
    },
  };
}
