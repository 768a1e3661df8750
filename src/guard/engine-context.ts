// What `authenticate` and the SASL exchanges run with, made once per guard by createGuard.

import type { Logger } from 'pino';
import type { GuardMetrics } from './metrics.js';
import type { CompiledGuard } from './plans.js';
import type { Throttle } from './throttle.js';

export interface EngineContext {
  readonly owner: object;
  readonly compiled: CompiledGuard;
  readonly throttle: Throttle;
  readonly metrics: GuardMetrics;
  readonly logger: Logger;
  readonly sleep: (ms: number) => Promise<void>;
  readonly timeoutMs: number;
  readonly storeDescription: string;
  readonly closed: () => boolean;
  /** The guard's clock (ms since the epoch). */
  readonly now: () => number;
}
