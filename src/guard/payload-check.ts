// The payload check (docs/guard.md "Payload encryption"): may this payload be published on this
// channel? The encryption schemes that apply are the server's (any alternative) and those of the
// publish operations covering the channel (precomputed per operation at startup); when any
// applies, at least one must accept the payload (`inspectPayload`: a JWE with allowed alg/enc,
// without decrypting). Synchronous, bounded, no I/O. Checks the payload only: whether the session
// may publish there at all is `authorize`'s answer.

import type { PayloadVerdict } from '../schemes/types.js';
import { auditDecision } from './audit.js';
import {
  auditAuthorization,
  deniedWrongServer,
  refuseExpired,
  stateOf,
  type DecideContext,
} from './authorize-context.js';
import { INVALID_CHANNEL } from './decisions.js';
import { DECISION_REASON_INDEX } from './metrics.js';
import type { OperationPlan, SchemeSlot } from './plans.js';
import type { Decision, PayloadRequest, Session } from './types.js';

const I_INVALID = DECISION_REASON_INDEX.invalid_channel;
const I_PAYLOAD_NOT_ENCRYPTED = DECISION_REASON_INDEX.payload_not_encrypted;
const I_PAYLOAD_ALG = DECISION_REASON_INDEX.payload_alg_not_allowed;
/** A payload-source verifier without `inspectPayload` (a plug-in) accepts nothing: fail closed. */
const CANNOT_INSPECT: PayloadVerdict = Object.freeze({ ok: false, reason: 'payload_not_encrypted' });
const INSPECT_FAILED: PayloadVerdict = Object.freeze({ ok: false, reason: 'malformed' });

/** One verifier's verdict; a throw (a bug, a plug-in) is a refusal, never an allow. */
function inspect(slot: SchemeSlot, payload: Uint8Array | string): PayloadVerdict {
  // Read once (a plug-in's object may be anything) and called with its verifier as `this`.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const fn = slot.verifier.inspectPayload;
  if (typeof fn !== 'function') return CANNOT_INSPECT;
  try {
    const v = fn.call(slot.verifier, payload);
    return v !== null && typeof v === 'object' && (v.ok === true || v.ok === false) ? v : INSPECT_FAILED;
  } catch {
    return INSPECT_FAILED;
  }
}

/** The `guard.decision` event of a payload check: `scheme` is the encryption scheme that accepted or refused it. */
function auditPayload(dc: DecideContext, session: Session, channel: string, scheme: string | null, d: Decision): void {
  auditDecision(dc.logger, {
    server: session.server,
    remote: session.remote,
    scheme,
    principal: session.principal.id,
    action: 'payload',
    channel,
    result: d.allowed ? 'allowed' : 'denied',
    reason: d.reason,
    operation: d.operation,
  });
}

/** `guard.checkPayload(session, { channel, payload })`. */
export function checkPayload(dc: DecideContext, session: Session, request: PayloadRequest): Decision {
  const channel = request?.channel;
  const payload = request?.payload;
  const st = stateOf(dc, session);
  if (st === null) return deniedWrongServer(dc, session, 'publish', String(channel));
  const sp = st.server;
  const ap = sp.publish;
  if (st.expiresAt !== Infinity && st.expiresAt <= dc.now())
    return refuseExpired(dc, session, ap, 'publish', String(channel));
  if (
    typeof channel !== 'string' ||
    channel.length === 0 ||
    channel.indexOf('+') !== -1 ||
    channel.indexOf('#') !== -1
  ) {
    dc.counts[ap.metricBase + I_INVALID]!++;
    if (dc.auditDenied) auditAuthorization(dc, session, 'publish', String(channel), INVALID_CHANNEL);
    return INVALID_CHANNEL;
  }
  const hits = ap.table.lookup(channel);
  // Which schemes apply, and which decisions name the operation (the first covering one).
  let first: OperationPlan | null = null;
  let applies = sp.payload.length > 0;
  for (let i = 0; i < hits.length; i++) {
    const op = ap.operations.get(hits[i]!.key)!;
    if (first === null) first = op;
    if (op.payload.length > 0) applies = true;
  }
  if (!applies) return first === null ? sp.payloadAllowed : first.allowed; // nothing to check: not audited again
  // Inspect each applicable scheme once (server schemes head every operation's list), stop at
  // the first that accepts. More than one covering operation is rare: only then is a list of
  // the schemes already tried kept.
  let acceptedBy: SchemeSlot | null = null;
  let algRefused: SchemeSlot | null = null;
  let refusedBy: SchemeSlot | null = null;
  let tried: SchemeSlot[] | null = null;
  const lists = hits.length === 0 ? 1 : hits.length;
  for (let i = 0; i < lists && acceptedBy === null; i++) {
    const list = hits.length === 0 ? sp.payload : ap.operations.get(hits[i]!.key)!.payload;
    for (let j = 0; j < list.length; j++) {
      const slot = list[j]!;
      if (tried !== null) {
        if (tried.includes(slot)) continue;
        tried.push(slot);
      }
      const v = inspect(slot, payload);
      if (v.ok) {
        acceptedBy = slot;
        break;
      }
      if (v.reason === 'alg_not_allowed') algRefused ??= slot;
      else refusedBy ??= slot;
    }
    if (i === 0 && lists > 1) tried = [...list];
  }
  const accepted = acceptedBy !== null;
  let d: Decision;
  let scheme: string | null;
  if (accepted) {
    d = first === null ? sp.payloadAllowed : first.allowed;
    scheme = (acceptedBy as SchemeSlot).name;
    if (dc.auditAllowed) auditPayload(dc, session, channel, scheme, d);
    return d;
  }
  // A JWE whose algorithm no scheme allows says more than "not encrypted".
  const alg = algRefused;
  if (alg !== null) {
    d = first === null ? sp.payloadAlgNotAllowed : first.payloadAlgNotAllowed;
    scheme = alg.name;
    dc.counts[ap.metricBase + I_PAYLOAD_ALG]!++;
  } else {
    d = first === null ? sp.payloadNotEncrypted : first.payloadNotEncrypted;
    scheme = refusedBy?.name ?? null;
    dc.counts[ap.metricBase + I_PAYLOAD_NOT_ENCRYPTED]!++;
  }
  if (dc.auditDenied) auditPayload(dc, session, channel, scheme, d);
  return d;
}
