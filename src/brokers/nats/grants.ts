// What a NATS user JWT allows: exactly the subjects of the operations the session's credentials
// satisfy (docs/brokers/nats.md, "Mapping"). The plan is made once per document server; a session
// is then read against it without I/O.
//
// An operation is satisfied as the guard decides it (docs/architecture.md, "Enforcement
// semantics"): an empty requirement is none; otherwise one alternative whose every scheme the
// session holds (`session.principals`) with every listed scope. The guard allows a concrete
// channel when any covering operation is satisfied, and NATS allows a subject when any pattern of
// the list matches it: so the list of satisfied operations' patterns decides as the guard does.
//
// Replies (AsyncAPI 3.0, Operation Reply Object): the requester receives the reply on an inbox
// (`_INBOX.>`, nats.js's and nats.go's default), and the replier may publish once to the reply
// subject of a request it received (NATS `allow_responses`, `resp`). Nothing of either without a
// declared reply.
//
// Channels no operation covers are never granted, even with `allowUncoveredChannels` (NATS has
// no "everything but" list that would follow the guard there): startup warns.

import { wireActionOf } from '../../guard/perspective.js';
import type { Session } from '../../guard/types.js';
import type { Perspective } from '../../config/types.js';
import type { Requirement, SecurityModel } from '../../model/types.js';
import { addressToSubject } from './subjects.js';
import { satisfies } from '../authd/requirement.js';

export const INBOX_PATTERN = '_INBOX.>';

export interface GrantedOperation {
  readonly id: string;
  readonly wire: 'publish' | 'subscribe';
  readonly subject: string;
  readonly security: Requirement;
  /** The operation declares a reply. */
  readonly reply: boolean;
}

export interface GrantPlan {
  readonly server: string;
  readonly operations: readonly GrantedOperation[];
  /** Operations of the server that NATS cannot express, with why (startup warnings). */
  readonly unmapped: readonly { readonly id: string; readonly reason: string }[];
}

export interface NatsPermissions {
  readonly pub: readonly string[];
  readonly sub: readonly string[];
  /** Replier: may publish to the reply subject of a received request. */
  readonly respond: boolean;
  /** Operation ids that granted something (for the audit line). */
  readonly operations: readonly string[];
}

export function buildGrantPlan(
  model: SecurityModel,
  server: string,
  perspective: Perspective,
  replies: ReadonlySet<string>,
): GrantPlan {
  const operations: GrantedOperation[] = [];
  const unmapped: { id: string; reason: string }[] = [];
  for (const op of model.operations) {
    if (!op.servers.includes(server)) continue;
    const mapped = addressToSubject(op.address);
    if (!mapped.ok) {
      unmapped.push({ id: op.id, reason: mapped.reason });
      continue;
    }
    operations.push(
      Object.freeze({
        id: op.id,
        wire: wireActionOf(op.action, perspective),
        subject: mapped.subject,
        security: op.security,
        reply: replies.has(op.id),
      }),
    );
  }
  return Object.freeze({ server, operations: Object.freeze(operations), unmapped: Object.freeze(unmapped) });
}

/** The allow-lists of one session (sorted, without duplicates). */
export function permissionsOf(plan: GrantPlan, session: Session): NatsPermissions {
  const pub = new Set<string>();
  const sub = new Set<string>();
  const ids: string[] = [];
  let respond = false;
  for (const op of plan.operations) {
    if (!satisfies(op.security, session.principals)) continue;
    ids.push(op.id);
    (op.wire === 'publish' ? pub : sub).add(op.subject);
    if (!op.reply) continue;
    // The publisher of a request awaits its reply on an inbox; the subscriber answers it.
    if (op.wire === 'publish') sub.add(INBOX_PATTERN);
    else respond = true;
  }
  return Object.freeze({
    pub: Object.freeze([...pub].sort()),
    sub: Object.freeze([...sub].sort()),
    respond,
    operations: Object.freeze(ids),
  });
}
