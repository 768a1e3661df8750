// Per server and wire action (publish, subscribe): the operations that cover a channel, found
// through a channel table of their addresses, each with its requirement's index, its frozen
// Decisions and, for publish, the end-to-end encryption schemes that apply to its payloads. The
// channel addresses of every operation are compiled once, before any server is planned.

import { StartupError } from '../errors.js';
import type { ModelOperation, Requirement } from '../model/types.js';
import type { Perspective } from '../config/types.js';
import { compileAddress, type AddressMatcher } from '../address/template.js';
import { createChannelTable } from './channel-table.js';
import { decision, DECISION_REASON_COUNT } from './decisions.js';
import { wireActionOf } from './perspective.js';
import type { ActionPlan, OperationPlan, SchemeSlot } from './plans.js';
import type { RequirementTable } from './requirement-plans.js';
import type { Problems } from './startup-problems.js';
import type { WireAction } from './types.js';

/**
 * The address matcher of every operation (null: the address is unknown at design time, which
 * matches nothing). An operation whose address template is malformed is left out and recorded as
 * ERR_CHANNEL_ADDRESS_INVALID.
 */
export function compileChannelAddresses(
  operations: readonly ModelOperation[],
  problems: Problems,
): Map<ModelOperation, AddressMatcher | null> {
  const matcherOf = new Map<ModelOperation, AddressMatcher | null>();
  for (const op of operations) {
    const compiled = compileAddress(op.address);
    if (compiled !== null && !compiled.ok) {
      problems.add(
        new StartupError(
          'ERR_CHANNEL_ADDRESS_INVALID',
          `the address ${JSON.stringify(op.address)} of channel '${op.channel}' (operation '${op.id}') ` +
            `is not a valid address template: ${compiled.reason.replace(/_/g, ' ')} at offset ${compiled.offset}`,
          {
            expected:
              'literal text and {parameter} names ([A-Za-z0-9_.-]), balanced braces, no two parameters side by side',
          },
        ),
      );
      continue;
    }
    matcherOf.set(op, compiled);
  }
  return matcherOf;
}

/**
 * End-to-end encryption (docs/guard.md "Payload encryption"): the schemes of `req` whose verifier
 * inspects payloads, appended to `into` (each once, in the order the requirement names them).
 */
export function payloadSlotsOf(
  req: Requirement,
  into: SchemeSlot[],
  slots: readonly SchemeSlot[],
  slotOf: ReadonlyMap<string, number>,
): SchemeSlot[] {
  for (const alt of req) {
    for (const e of alt) {
      const slot = slots[slotOf.get(e.scheme)!] as SchemeSlot;
      if (slot.verifier.source === 'payload' && !into.includes(slot)) into.push(slot);
    }
  }
  return into;
}

/** What every action plan of one server is compiled from. */
export interface ServerOperations {
  /** Position of the server in the document (metrics slots). */
  readonly serverIndex: number;
  /** The server's operations whose address compiled. */
  readonly operations: readonly ModelOperation[];
  readonly matcherOf: ReadonlyMap<ModelOperation, AddressMatcher | null>;
  readonly perspective: Perspective;
  readonly allowUncoveredChannels: boolean;
  readonly slots: readonly SchemeSlot[];
  readonly slotOf: ReadonlyMap<string, number>;
  readonly requirements: RequirementTable;
  /** The encryption schemes of the server's own requirement: they head every publish operation's list. */
  readonly serverPayload: readonly SchemeSlot[];
}

/** The operations whose action maps to `action` under the perspective, and the channel table of their addresses. */
export function compileActionPlan(server: ServerOperations, action: WireAction, actionIndex: 0 | 1): ActionPlan {
  const { slots, slotOf, serverPayload, matcherOf } = server;
  const ops = server.operations.filter((op) => wireActionOf(op.action, server.perspective) === action);
  const list = ops.map((op): OperationPlan =>
    Object.freeze({
      id: op.id,
      requirement: server.requirements.indexOf(op.security),
      matcher: matcherOf.get(op) ?? null,
      allowed: decision(true, 'allowed', op.id),
      scopeMissing: decision(false, 'scope_missing', op.id),
      credentialsMissing: decision(false, 'credentials_missing', op.id),
      payload:
        action === 'publish'
          ? Object.freeze(payloadSlotsOf(op.security, [...serverPayload], slots, slotOf))
          : Object.freeze([]),
      payloadNotEncrypted: decision(false, 'payload_not_encrypted', op.id),
      payloadAlgNotAllowed: decision(false, 'payload_alg_not_allowed', op.id),
    }),
  );
  return Object.freeze({
    action,
    table: createChannelTable(ops.map((op) => ({ key: op.id, address: op.address }))),
    operations: new Map(list.map((p) => [p.id, p])),
    list: Object.freeze(list),
    uncovered: server.allowUncoveredChannels
      ? decision(true, 'allowed_uncovered', null)
      : decision(false, 'uncovered_channel', null),
    metricBase: (server.serverIndex * 2 + actionIndex) * DECISION_REASON_COUNT,
  });
}
