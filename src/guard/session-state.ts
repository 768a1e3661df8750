// A Session as the engine knows it: the frozen public object (types.ts) carries, under a
// non-enumerable symbol key, the facts `authorize` reads without I/O: the guard that made it, its
// server plan, the verdict of each distinct operation requirement and when it expires.

import type { Principal } from '../schemes/types.js';
import type { ServerPlan } from './plans.js';
import type { Coverage } from './authorize-context.js';
import type { Session } from './types.js';

/** Where the engine keeps a session's compiled facts: a non-enumerable symbol key on the frozen Session. */
export const SESSION_STATE: unique symbol = Symbol('asyncapi-guard.session');

export interface SessionState {
  /** The guard that made the session (a session from another guard is `wrong_server`). */
  readonly owner: object;
  readonly server: ServerPlan;
  /** Per `server.requirements[i]`: VERDICT_*. */
  readonly verdicts: Uint8Array;
  /** The verdicts as a string, computed on the first wildcard subscription (coverage cache key). */
  signature: string | null;
  /**
   * The coverage of that signature, kept on first use so a delivery check skips the two cache
   * lookups. Past 256 distinct signatures the shared cache is cleared while sessions keep theirs,
   * so the live Coverage objects are at most max(256, distinct signatures of live sessions), each
   * with bounded maps.
   */
  coverage: Coverage | null;
  /** `session.expiresAt`, or Infinity when no credential of the session expires (one comparison on the hot path). */
  readonly expiresAt: number;
}

export type InternalSession = Session & { readonly [SESSION_STATE]?: SessionState };

/** The principal of a session on a server without security (operation schemes still count). */
export const ANONYMOUS: Principal = Object.freeze({
  id: 'anonymous',
  scheme: '',
  scopes: Object.freeze([]),
  claims: Object.freeze({}),
});
