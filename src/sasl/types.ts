// Types shared by the SASL modules: SASLprep, SCRAM (RFC 5802 / RFC 7677) and PLAIN (RFC 4616).
// Outcomes are values: every parser and state machine returns one of these unions, never throws
// on wire input (docs/architecture.md, "Errors and outcomes").

// ── SASLprep ───────────────────────────────────────────────────────────────────────────────

export type SaslprepReason = 'prohibited' | 'bidi' | 'unassigned' | 'empty';

export type SaslprepResult =
  { readonly ok: true; readonly value: string } | { readonly ok: false; readonly reason: SaslprepReason };

// ── SCRAM ──────────────────────────────────────────────────────────────────────────────────

/** The hash functions offered as SCRAM mechanisms: SCRAM-SHA-256 (RFC 7677) and SCRAM-SHA-512. */
export type ScramHash = 'SHA-256' | 'SHA-512';

/**
 * A hash function as SCRAM uses it. `createScramServer` / `createScramClient` take a
 * `ScramHash` and look the digest up in `scramDigests`; the digest-level factories exist so
 * tests can replay the published SHA-1 vectors without SHA-1 ever being offered.
 */
export interface ScramDigest {
  /** The name in the mechanism, `SCRAM-<name>`. */
  readonly name: string;
  /** Node's name for `crypto.createHash` / `createHmac` / `pbkdf2`. */
  readonly nodeName: string;
  /** Output length in bytes. */
  readonly length: number;
}

/**
 * What a server stores per user and mechanism (RFC 5802 §3): never the password, never the
 * SaltedPassword. `storedKey` = H(ClientKey), `serverKey` = HMAC(SaltedPassword, "Server Key").
 */
export interface ScramVerifier {
  readonly hash: ScramHash;
  readonly salt: Uint8Array;
  readonly iterations: number;
  readonly storedKey: Uint8Array;
  readonly serverKey: Uint8Array;
}

/** RFC 5802 §7 `server-error-value`. */
export type ScramServerError =
  | 'invalid-encoding'
  | 'extensions-not-supported'
  | 'invalid-proof'
  | 'channel-bindings-dont-match'
  | 'server-does-support-channel-binding'
  | 'channel-binding-not-supported'
  | 'unsupported-channel-binding-type'
  | 'unknown-user'
  | 'invalid-username-encoding'
  | 'no-resources'
  | 'other-error';

/**
 * Why a server-side exchange failed. This is for audit logs; the client sees only the `e=`
 * value, which for an unknown user is the same as for a wrong password.
 */
export type ScramServerFailureReason =
  | 'malformed' // the message is not valid SCRAM (bad syntax, escaping, base64, UTF-8, attribute order)
  | 'message_too_large' // larger than `maxMessageBytes`
  | 'extensions_not_supported' // `m=` in client-first
  | 'channel_binding_not_supported' // `p=` GS2 flag: we do no channel binding
  | 'channel_binding_mismatch' // client-final `c=` is not base64 of the GS2 header sent
  | 'invalid_username' // the user name fails SASLprep
  | 'nonce_mismatch' // client-final `r=` is not the combined nonce
  | 'bad_password' // the proof does not verify
  | 'unknown_principal' // no verifier for this user (the client saw `e=invalid-proof`)
  | 'verifier_invalid' // the stored verifier is unusable (wrong hash, key length, iteration count)
  | 'authzid_not_allowed' // authenticated, but may not act as the requested authzid
  | 'store_unavailable' // `lookup` threw or rejected
  | 'server_misconfigured' // the nonce source failed or produced an invalid nonce (or an unexpected internal error)
  | 'unexpected_message'; // a step after the exchange ended

export type ScramServerStep =
  | { readonly kind: 'challenge'; readonly message: string }
  | {
      readonly kind: 'success';
      /** server-final-message, `v=…` */
      readonly message: string;
      /** The SASLprep'd user name (query mode). */
      readonly username: string;
      /** The authorization identity: the requested `a=` value, or the user name when none was sent. */
      readonly authzid: string;
      /** Which client-final nonce form was accepted; see `clientFinalNonce` in docs/sasl.md. */
      readonly nonceForm: 'exact' | 'librdkafka-repeated-client-nonce';
    }
  | {
      readonly kind: 'failure';
      /** `e=…`, to send to the client. */
      readonly message: string;
      readonly reason: ScramServerFailureReason;
      /** The user name, when the client-first message got that far (for audit logs). */
      readonly username?: string;
    };

export type ScramClientFailureReason =
  | 'invalid_username' // the user name fails SASLprep
  | 'invalid_password' // the password fails SASLprep
  | 'malformed' // a server message is not valid SCRAM
  | 'extensions_not_supported' // `m=` in a server message
  | 'nonce_mismatch' // the server nonce does not extend ours
  | 'iterations_too_low' // below 4096: a downgrade
  | 'iterations_too_high' // above the client's maximum: a CPU exhaustion attempt
  | 'server_error' // the server sent `e=…` (see `serverError`)
  | 'bad_server_signature' // `v=` does not match: the server does not know our verifier
  | 'out_of_order'; // a call in the wrong state

export type ScramClientStep =
  | { readonly ok: true; readonly message: string }
  | {
      readonly ok: false;
      readonly reason: ScramClientFailureReason;
      /** The `e=` value the server sent, when `reason` is `'server_error'` (printable ASCII only). */
      readonly serverError?: string;
    };

export type ScramClientVerify =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: ScramClientFailureReason; readonly serverError?: string };

// ── PLAIN ──────────────────────────────────────────────────────────────────────────────────

export type PlainParseReason =
  | 'too_large' // over 255 + 1 + 255 + 1 + 255 octets
  | 'invalid_utf8'
  | 'bad_separators' // not exactly two NUL octets
  | 'empty_authcid'
  | 'empty_passwd'
  | 'field_too_long'; // a field over 255 octets

export type PlainMessage = {
  readonly ok: true;
  /** Empty when the client asked for no authorization identity. */
  readonly authzid: string;
  readonly authcid: string;
  readonly passwd: string;
};

export type PlainParseResult = PlainMessage | { readonly ok: false; readonly reason: PlainParseReason };

export type PlainServerFailureReason =
  | 'malformed' // see `detail`
  | 'bad_password' // `verify` answered false, or SASLprep refused the password (unknown users look the same)
  | 'authzid_not_allowed' // authenticated, but may not act as authzid (RFC 4616 §2)
  | 'store_unavailable'; // `verify` threw or rejected

export type PlainServerResult =
  | { readonly kind: 'success'; readonly authcid: string; readonly authzid: string }
  | {
      readonly kind: 'failure';
      readonly reason: PlainServerFailureReason;
      /**
       * When `reason` is `'malformed'`: the parse reason, or `'invalid_identity'` when SASLprep refused authcid or
       * authzid.
       */
      readonly detail?: PlainParseReason | 'invalid_identity';
      /** The authentication identity when the message parsed (for audit logs). */
      readonly authcid?: string;
    };
