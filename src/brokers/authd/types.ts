// `authd` (issue 12): the decision service real brokers ask (docs/authd.md). The service is one
// HTTP(S) listener, one guard, one credential store and a list of broker parts; each part answers
// its broker's questions (RabbitMQ's HTTP auth backend: HTTP routes; NATS's auth callout: a
// connection of its own) through the same guard, so a principal added once is the same
// principal everywhere, and a store change reaches every part through `endSessions`.

import type { DestinationStream, Logger } from 'pino';
import type { ConfigLocator, ConfigSettings } from '../../config/types.js';
import type { LoadedDocument } from '../../document/types.js';
import type { Guard } from '../../guard/create.js';
import type { Session } from '../../guard/types.js';
import type { SecurityModel } from '../../model/types.js';
import type { AuthdMetrics } from './metrics.js';

export type { AuthdSettings, RabbitmqAuthdSettings } from '../../config/types.js';

export interface AuthdOptions {
  /** The AsyncAPI document (path, relative to `cwd`). */
  readonly document: string;
  /** `--config FILE`; else `asyncapi-guard.yaml` in `cwd` when present. */
  readonly config?: string;
  /** Absolute folder relative paths resolve against (default `process.cwd()`). */
  readonly cwd?: string;
  /** `--listen HOST:PORT`: beats `authd.listen`. */
  readonly listen?: string;
  /** Operational log (default: warnings and errors as JSON lines on stderr). */
  readonly logger?: Logger;
  /** Where audit lines go instead of `audit.destination` (tests). */
  readonly auditStream?: DestinationStream;
  readonly now?: () => number;
  readonly env?: NodeJS.ProcessEnv;
}

/** A broker's question as the listener parsed it: the form body (POST) or the query (GET). */
export interface AuthdRequest {
  readonly path: string;
  readonly params: URLSearchParams;
  /** The TCP peer that asked: the broker itself, not its client (RabbitMQ names the client's address in `ip`). */
  readonly peer: string | null;
}

export interface AuthdAnswer {
  readonly allowed: boolean;
  /** The response body, e.g. `allow`, `deny`. */
  readonly body: string;
}

export type AuthdRoute = (request: AuthdRequest) => AuthdAnswer | Promise<AuthdAnswer>;

/** What a broker part is started with: everything authd loaded once. */
export interface AuthdPartContext {
  readonly document: LoadedDocument;
  readonly model: SecurityModel;
  readonly settings: ConfigSettings;
  /** The config file (for errors naming its keys); null when there is none. */
  readonly configFile: string | null;
  readonly locate: ConfigLocator;
  /** The config file's folder (relative paths and `file:` references resolve against it). */
  readonly baseDir: string;
  readonly guard: Guard;
  /** The audit logger (the guard's): broker-specific refusals (bad input) go here too. */
  readonly audit: Logger;
  /** Operational log. */
  readonly logger: Logger;
  readonly metrics: AuthdMetrics;
  readonly now: () => number;
  readonly env: NodeJS.ProcessEnv;
}

/** One broker's part of authd. */
export interface AuthdPart {
  /** `rabbitmq`, `nats`: also the metrics label. */
  readonly name: string;
  /** HTTP routes by exact path (`/rabbitmq/user`, …); empty for a part that answers no HTTP. */
  readonly routes: ReadonlyMap<string, AuthdRoute>;
  /** Ends the kept sessions `pred` holds for (a store change took their grounds away); how many. */
  endSessions(pred: (session: Session) => boolean): number;
  /** False while the part cannot answer (e.g. its broker connection is down); absent: always ready. */
  ready?(): boolean;
  /** Extra Prometheus text of the part. */
  metrics?(): string;
  close(): Promise<void>;
}

/** Starts a part from the config, or returns null when the config has no section for it. */
export type AuthdPartStarter = (context: AuthdPartContext) => AuthdPart | null | Promise<AuthdPart | null>;

export interface AuthdWarning {
  readonly code: string;
  readonly message: string;
}

export interface RunningAuthd {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  /** The parts started, by name (`rabbitmq`, …). */
  readonly parts: readonly string[];
  readonly warnings: readonly AuthdWarning[];
  /** `/readyz`: listening, the store in step, every part ready. */
  ready(): boolean;
  /** `/metrics`: the guard's counters, authd's decisions and latency, the store's families. */
  metrics(): string;
  /** Stops answering, closes the parts, the guard and the store. Idempotent. */
  close(): Promise<void>;
}
