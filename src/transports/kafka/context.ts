// What the Kafka front's parts share. front.ts builds it once and hands the same object to the connections and
// the request handlers, so nothing is re-created per connection or per request.

import type { Logger } from 'pino';
import type { Bus } from '../../bus/types.js';
import type { Guard } from '../../guard/index.js';
import type { ModelServer } from '../../model/types.js';
import type { FrontLimits } from '../types.js';
import type { EchoFilter } from './echo.js';
import type { GroupCoordinator } from './groups.js';
import type { TopicStore } from './log.js';
import type { KafkaAuthPlan } from './mechanisms.js';

/** What `stats()` reports besides the open sockets; each part counts in place. */
export interface KafkaCounters {
  messagesIn: number;
  messagesOut: number;
  refusedConnections: number;
  dropped: number;
}

export interface KafkaFrontContext {
  readonly server: ModelServer;
  readonly guard: Guard;
  readonly bus: Bus;
  readonly limits: FrontLimits;
  /** The front's child logger (`front: 'kafka'`, `server`). */
  readonly logger: Logger;
  readonly secure: boolean;
  readonly auth: KafkaAuthPlan;
  readonly topics: TopicStore;
  readonly groups: GroupCoordinator;
  readonly echo: EchoFilter;
  /** Topics of the document's concrete addresses on this server, listed by Metadata when a session may use them. */
  readonly declaredTopics: readonly string[];
  readonly counters: KafkaCounters;
  readonly now: () => number;
  /** Set once by `close()`. */
  closing: boolean;
}
