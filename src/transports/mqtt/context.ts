// What the MQTT front's parts share. front.ts builds it once and hands the same object to each
// part (connect, publish, subscribe, delivery, accept, listener), so no part closes over another's
// variables and none is re-created per connection or per message.

import type { Socket } from 'node:net';
import type { Client } from 'aedes';
import type { Logger } from 'pino';
import type { Bus } from '../../bus/types.js';
import type { Guard } from '../../guard/index.js';
import type { ModelServer } from '../../model/types.js';
import type { FrontLimits } from '../types.js';
import type { SessionTable } from './sessions.js';

/** What `stats()` reports besides the open sockets; each part counts in place. */
export interface FrontCounters {
  messagesIn: number;
  messagesOut: number;
  refusedConnections: number;
  dropped: number;
}

export interface FrontContext {
  readonly server: ModelServer;
  readonly guard: Guard;
  readonly bus: Bus;
  readonly limits: FrontLimits;
  /** The front's own child logger (`front: 'mqtt'`, `server`). */
  readonly logger: Logger;
  /** TLS (`secure-mqtt`, `mqtts`) rather than plain TCP (`mqtt`). */
  readonly secure: boolean;
  readonly counters: FrontCounters;
  readonly sessions: SessionTable;
  /** Set once by `close()`: from then on no connection is admitted and bus messages are ignored. */
  closing: boolean;
}

/** The client's address for the operational log ('' once the socket has lost it). */
export const remoteOf = (client: Client): string => (client.conn as Socket).remoteAddress ?? '';

export const noop = (): void => {};
