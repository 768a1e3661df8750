// Which aedes client holds which guard session, and how a session ends: when its credential
// expires (a token past its exp, a certificate past its notAfter: src/transports/expiry.ts), when
// `endSessions` says so (revoked key, disabled user), or when its connection closes.
//
// The session lives beside the aedes client, never on it: a plug-in or a later hook reading client
// properties cannot see or forge it.

import type { Socket } from 'node:net';
import type { Client } from 'aedes';
import type { Logger } from 'pino';
import type { Session } from '../../guard/types.js';
import { createExpirySweep } from '../expiry.js';
import { remoteOf } from './context.js';
import type { MqttFrontOptions } from './options.js';

export interface SessionTable {
  /** The session of each authenticated client that may still act. Read-only here: only this table changes it. */
  readonly byClient: Pick<WeakMap<Client, Session>, 'get' | 'has'>;
  /** Authenticated clients whose connection is open (they count against `maxConnections`). */
  readonly live: ReadonlySet<Client>;
  /** Records an authenticated client's session and watches its expiry. */
  admit(client: Client, session: Session): void;
  /** The client's connection closed, whatever closed it. */
  disconnected(client: Client): void;
  /** Forgets the client's session first (a will message published on close is then refused), then disconnects it. */
  end(client: Client): void;
  /** Ends each live client whose session `shouldEnd` says so; returns how many. */
  endMatching(shouldEnd: (session: Session) => boolean): number;
  /** Stops the expiry sweep (the front is closing). */
  close(): void;
}

export function createSessionTable(
  logger: Logger,
  options: Pick<MqttFrontOptions, 'now' | 'expiryCheckMs'>,
): SessionTable {
  const sessions = new WeakMap<Client, Session>();
  const live = new Set<Client>();

  const end = (client: Client): void => {
    sessions.delete(client);
    live.delete(client);
    expiring.delete(client);
    (client.conn as Socket).destroy();
  };

  const expiring = createExpirySweep<Client>({
    intervalMs: options.expiryCheckMs,
    now: options.now ?? Date.now,
    onExpired: (client) => {
      const session = sessions.get(client);
      if (session === undefined) return;
      logger.info({
        event: 'mqtt.session.expired',
        remote: remoteOf(client),
        principal: session.principal.id,
        scheme: session.principal.scheme,
      });
      end(client);
    },
  });

  return {
    byClient: sessions,
    live,
    admit(client, session) {
      sessions.set(client, session);
      live.add(client);
      expiring.add(client, session.expiresAt);
    },
    disconnected(client) {
      live.delete(client);
      expiring.delete(client);
    },
    end,
    endMatching(shouldEnd) {
      let ended = 0;
      for (const client of [...live]) {
        const session = sessions.get(client);
        if (session === undefined || !shouldEnd(session)) continue;
        end(client);
        ended++;
      }
      if (ended > 0) logger.info({ event: 'mqtt.sessions.ended', count: ended });
      return ended;
    },
    close() {
      expiring.close();
    },
  };
}
