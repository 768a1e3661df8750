// `serve` (issue 5): the document's servers, each secured as declared (docs/serve.md).

import type { DestinationStream, Logger } from 'pino';
import type { Bus } from '../bus/types.js';
import type { SecurityModel } from '../model/types.js';
import type { FrontFactory } from '../transports/types.js';
import type { FrontKind } from './protocols.js';

/** The config keys `serve` reads beyond the guard's: part of the config contract (src/config/types.ts). */
export type { AdminSettings, LimitsSettings, TlsSettings } from '../config/types.js';
export type { ServerSettings as ServeServerSettings, ConfigSettings as ServeSettings } from '../config/types.js';

export interface ServeOptions {
  /** The AsyncAPI document (path, relative to `cwd`). */
  readonly document: string;
  /** `--config FILE`; else `asyncapi-guard.yaml` in `cwd` when present. */
  readonly config?: string;
  /** Absolute folder relative paths resolve against (default `process.cwd()`). */
  readonly cwd?: string;
  /** `--listen NAME=HOST:PORT`: server name → `HOST:PORT`, beats `servers.<name>.listen`. */
  readonly listen?: Readonly<Record<string, string>>;
  /** `--admin HOST:PORT`: beats `admin.listen`. */
  readonly admin?: string;
  /** Operational log (default: warnings and errors as JSON lines on stderr). */
  readonly logger?: Logger;
  /** Where audit lines go instead of `audit.destination` (tests). */
  readonly auditStream?: DestinationStream;
  readonly now?: () => number;
  readonly env?: NodeJS.ProcessEnv;
  /** Replace a front (tests, embedding); default: the built-in front of that kind. */
  readonly fronts?: Partial<Record<FrontKind, FrontFactory>>;
  /** Replace how the bus is opened (tests, embedding); default `openBus(settings.bus ?? 'memory')`. */
  readonly openBus?: (ref: string) => Promise<Bus>;
  /** Live sessions re-checked at once after a store reload (default 8). */
  readonly reloadConcurrency?: number;
}

export interface ServedServer {
  readonly name: string;
  readonly protocol: string;
  readonly kind: FrontKind;
  /** The bound address (the real port when 0 was asked). */
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  /** The schemes of the server's alternatives, in document order (`a+b` for an AND). */
  readonly schemes: readonly string[];
  readonly pathname: string | null;
}

export interface SkippedServer {
  readonly name: string;
  readonly protocol: string;
  readonly reason: string;
}

export interface ServeWarning {
  readonly code: string;
  readonly message: string;
}

export interface RunningServe {
  /** The document's security model (what the fronts enforce). */
  readonly model: SecurityModel;
  readonly servers: readonly ServedServer[];
  readonly skipped: readonly SkippedServer[];
  /** The admin listener's address, null when off. */
  readonly admin: { readonly host: string; readonly port: number } | null;
  /** Risky switches that are on (also logged at startup). */
  readonly warnings: readonly ServeWarning[];
  /** Safe to print: the bus without credentials. */
  readonly bus: string;
  /** True while every front listens and the bus is ready (`/readyz`). */
  ready(): boolean;
  /** Prometheus text: the guard's counters and the fronts' (`/metrics`). */
  metrics(): string;
  /** Stops accepting, drains up to `graceMs` (default 5000), closes fronts, admin, bus, guard, store. Idempotent. */
  close(graceMs?: number): Promise<void>;
}
