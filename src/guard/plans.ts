// The plans startup compiles (compile.ts) and the request paths read: per server its scheme
// slots bound to verifiers, its requirement and the distinct operation requirements, and per wire
// action the channel table with the frozen Decision objects `authorize` returns. Everything here
// is frozen before the guard listens; nothing on the hot path builds any of it.

import type { AddressMatcher } from '../address/template.js';
import type { Verifier } from '../schemes/types.js';
import type { ChannelTable } from './channel-table.js';
import type { GuardWarning } from './guard-options.js';
import type { Decision, WireAction } from './types.js';

/** One scheme a server's requests may be checked against, with its verifier. */
export interface SchemeSlot {
  readonly name: string;
  /** Index in the guard's sorted scheme list (metrics labels). */
  readonly metricIndex: number;
  readonly verifier: Verifier;
}

export interface EntryPlan {
  /** Index into `ServerPlan.slots`. */
  readonly slot: number;
  readonly scopes: readonly string[];
}

/** OR of AND lists; empty = no requirement. */
export type RequirementPlan = readonly (readonly EntryPlan[])[];

export interface OperationPlan {
  readonly id: string;
  /** Index into `ServerPlan.requirements`. */
  readonly requirement: number;
  readonly matcher: AddressMatcher | null;
  readonly allowed: Decision;
  readonly scopeMissing: Decision;
  readonly credentialsMissing: Decision;
  /**
   * Publish only: the end-to-end encryption schemes (verifier source `payload`) that apply to a
   * payload on this operation's channels — the server's (any alternative) and this operation's —
   * in slot order; empty when none applies (and always for subscribe).
   */
  readonly payload: readonly SchemeSlot[];
  readonly payloadNotEncrypted: Decision;
  readonly payloadAlgNotAllowed: Decision;
}

export interface ActionPlan {
  readonly action: WireAction;
  readonly table: ChannelTable;
  /** By operation id (the channel table's keys). */
  readonly operations: ReadonlyMap<string, OperationPlan>;
  readonly list: readonly OperationPlan[];
  /** `uncovered_channel`, or `allowed_uncovered` when the server allows uncovered channels. */
  readonly uncovered: Decision;
  /** Slot base in `metrics.decisions`. */
  readonly metricBase: number;
}

export interface ServerPlan {
  readonly name: string;
  readonly index: number;
  /** Server schemes first (in the order the alternatives name them), then the operations' other schemes. */
  readonly slots: readonly SchemeSlot[];
  /** The server's requirement (empty: no security). */
  readonly security: RequirementPlan;
  /** Distinct operation requirements of this server. */
  readonly requirements: readonly RequirementPlan[];
  readonly publish: ActionPlan;
  readonly subscribe: ActionPlan;
  readonly allowUncoveredChannels: boolean;
  readonly wildcardsIgnoreEmptyLevels: boolean;
  /** One `WWW-Authenticate` challenge per acceptable verifier that has one. */
  readonly challenges: readonly string[];
  /** SASL mechanisms the server's alternatives accept, by mechanism name → slot. */
  readonly sasl: ReadonlyMap<string, number>;
  /**
   * The encryption schemes of the server's requirement (any alternative): they apply to every
   * publish, covered or not.
   */
  readonly payload: readonly SchemeSlot[];
  /** The payload decisions of a channel no publish operation covers (operation null). */
  readonly payloadAllowed: Decision;
  readonly payloadNotEncrypted: Decision;
  readonly payloadAlgNotAllowed: Decision;
}

export interface CompiledGuard {
  readonly servers: readonly ServerPlan[];
  readonly byName: ReadonlyMap<string, ServerPlan>;
  /** Every scheme in use, sorted (metrics labels). */
  readonly schemeNames: readonly string[];
  readonly warnings: readonly GuardWarning[];
}
