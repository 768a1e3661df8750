// The guard's contract (docs/architecture.md, "Enforcement semantics" and "Errors and outcomes").
// Transports extract wire data into a `Presented`; verifiers (src/schemes, types there) answer
// absent / invalid / ok; the engine turns that into a `Session` or a `Refusal`, and each
// publish/subscribe into a `Decision`. Outcomes are values; nothing here throws on wire input.

import type { InvalidReason, Principal } from '../schemes/types.js';

export type {
  CredentialSource,
  InvalidReason,
  PayloadVerdict,
  PluginVerifier,
  PluginVerifierFactory,
  Presented,
  Principal,
  SaslExchange,
  SaslStep,
  Verifier,
  VerifierContext,
  VerifyOutcome,
} from '../schemes/types.js';

/** The client action on the wire. Perspective maps the document's send/receive onto it. */
export type WireAction = 'publish' | 'subscribe';

/** A verified connection to one server. Frozen; `authorize` reads it without I/O. */
export interface Session {
  readonly server: string;
  readonly remote: string | null;
  /**
   * The principal of the first entry of the server alternative that was satisfied (anonymous when the server has no
   * security).
   */
  readonly principal: Principal;
  /** Index of the satisfied alternative in the server's requirement; -1 when the server has none. */
  readonly alternative: number;
  /** Every scheme the presented credentials satisfied, by scheme name (server and operation schemes). */
  readonly principals: Readonly<Record<string, Principal>>;
  /**
   * When the earliest of those credentials expires (ms since the epoch; a token's exp, a client
   * certificate's notAfter); absent when none does. From then on `authorize`, `authorizeSubscription`
   * and `checkPayload` answer `credentials_expired`, and the fronts disconnect the session.
   */
  readonly expiresAt?: number;
}

export type RefusalReason =
  | 'no_credentials' // nothing the server accepts was presented (every alternative: absent)
  | 'invalid_credentials' // something was presented and it is wrong
  | 'scope_missing' // verified, but without the scopes the alternative lists
  | 'throttled' // the remote address or claimed principal is locked out
  | 'store_unavailable' // fail closed
  | 'unknown_server'; // the server name is not in the model

export interface Refusal {
  readonly reason: RefusalReason;
  /** Each scheme tried and how it answered; no secret. */
  readonly tried: readonly {
    readonly scheme: string;
    readonly outcome: 'absent' | 'invalid' | 'scope_missing';
    readonly reason?: InvalidReason;
  }[];
  /** One `WWW-Authenticate` challenge per acceptable HTTP scheme (for a 401). */
  readonly challenges: readonly string[];
}

export type AuthResult =
  { readonly ok: true; readonly session: Session } | { readonly ok: false; readonly refusal: Refusal };

export type DecisionReason =
  | 'allowed'
  | 'allowed_uncovered' // no operation covers the channel, and the server allows uncovered channels
  | 'uncovered_channel' // no operation of this action covers the channel on this server: default deny
  | 'credentials_missing' // an operation covers it, but the session satisfied none of its alternatives
  | 'scope_missing' // an alternative's scheme was satisfied, without every listed scope
  | 'invalid_channel' // not a valid channel / topic name / filter
  | 'wildcard_not_covered' // a wildcard filter can match a channel the session may not subscribe to
  | 'wrong_server' // the session belongs to another guard's server
  | 'credentials_expired' // the session's earliest-expiring credential (session.expiresAt) has expired
  // checkPayload: an encryption scheme applies and the payload is not a JWE (or a malformed or oversized one)
  | 'payload_not_encrypted'
  | 'payload_alg_not_allowed'; // checkPayload: a JWE whose alg/enc (or zip) no applicable encryption scheme allows

/** What `guard.checkPayload` is asked about: a payload about to be published on a channel. */
export interface PayloadRequest {
  /** The concrete channel it is published to (as given to `authorize`). */
  readonly channel: string;
  /** The payload as received. */
  readonly payload: Uint8Array | string;
}

export interface Decision {
  readonly allowed: boolean;
  readonly reason: DecisionReason;
  /** The operation id that allowed or (for scope/credential failures) refused it, when there is one. */
  readonly operation: string | null;
}
