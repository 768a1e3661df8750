// What a scheme module describes. One module per AsyncAPI Security Scheme `type`
// (docs/architecture.md, "A scheme module"); `check` reads the protocol fit and secret facts,
// issue 3 adds the verifier and what a client must send to the same modules.

import type { Scheme } from '../model/types.js';
import type { CredentialStore } from '../credentials/types.js';
import type { InvalidReason } from '../invalid-reasons.js';
import type { PayloadVerdict } from '../tokens/jwe-inspect.js';
import type { WireFamily } from './protocols.js';

/** The 13 `type` values of AsyncAPI 2.1.0–3.1.0, case-sensitive (AsyncAPI 3.0.0, Security Scheme Object `type`). */
export type SchemeType =
  | 'X509'
  | 'apiKey'
  | 'asymmetricEncryption'
  | 'gssapi'
  | 'http'
  | 'httpApiKey'
  | 'oauth2'
  | 'openIdConnect'
  | 'plain'
  | 'scramSha256'
  | 'scramSha512'
  | 'symmetricEncryption'
  | 'userPassword';

export interface SchemeDescriptor<T extends SchemeType = SchemeType> {
  /** The spec's exact `type` string. */
  readonly type: T;
  /** Human name for messages, e.g. "SASL SCRAM-SHA-256". */
  readonly label: string;
  /**
   * Protocols (lowercase, as in `protocols.ts`) the scheme can be presented over, or
   * `'any'`. Only protocols asyncapi-guard knows are judged against this list; an
   * unknown protocol is never called a mismatch.
   */
  readonly protocols: 'any' | readonly string[];
  /**
   * True when presenting the scheme sends a reusable secret (password, API key,
   * bearer token) over the connection, so a cleartext transport exposes it.
   * A function because for `http` the answer depends on the `scheme` field.
   */
  carriesSecret(scheme: Scheme): boolean;
  /** The scheme exists only inside TLS (X509: the client certificate is a TLS handshake feature). */
  readonly requiresTls?: boolean;
  /**
   * Where the credential travels on one connection of a protocol family (protocols.ts, `WireFamily`): the places
   * of which a connection has only one (the MQTT CONNECT password, the HTTP `Authorization` header, the SASL
   * mechanism…) and what the scheme puts there. Two schemes that put different forms in one place cannot both
   * be presented on one connection (`security-requirement-unpresentable`). `[]`: the scheme takes no such
   * place; null: not judged for that family (the scheme does not fit it, or its wire form there is not fixed).
   */
  wirePlaces(scheme: Scheme, family: WireFamily): readonly WirePlace[] | null;
  /**
   * JSON Schema (draft-07) of the scheme's binding in the config (`schemes.<name>`), with
   * `additionalProperties: false`. The keys `verifier` and `options` (a plug-in) are common
   * to all types and are not listed here.
   */
  readonly configSchema: Readonly<Record<string, unknown>>;
  /**
   * The built-in verifier factory; absent when the type has no built-in verifier (then only a
   * plug-in can verify it, and without one the guard refuses to start).
   */
  readonly createVerifier?: (context: VerifierContext) => Verifier | Promise<Verifier>;
}

/**
 * One place of a connection a credential occupies. `slot` names the place (`mqtt.password`, `authorization`,
 * `sasl.mechanism`, `header:x-key`…, see `wireSlotLabel`); `form` is what the scheme writes there (`password`,
 * `token`, `apiKey`, an HTTP auth scheme, a SASL mechanism name). Equal forms may be one credential that
 * satisfies both schemes (two userPassword schemes read one store), so only different forms collide.
 */
export interface WirePlace {
  readonly slot: string;
  readonly form: string;
}

export type SchemeRegistry = { readonly [K in SchemeType]: SchemeDescriptor<K> };

// ---------------------------------------------------------------- verifier contract (guard/ re-exports these)

/** What a client presented, as a transport extracted it. Every field is optional. */
export interface Presented {
  /** Remote address (`127.0.0.1`, `::1`), for throttling and audit. Never a credential. */
  readonly remote?: string;
  /**
   * A protocol login: MQTT CONNECT user name and password, AMQP/STOMP/NATS login. The password
   * stays bytes where the wire carries bytes (MQTT); verifiers decode it as strict UTF-8.
   */
  readonly login?: { readonly username?: string; readonly password?: string | Uint8Array };
  /**
   * HTTP request headers (HTTP, WebSocket handshake), as Node gives them: lowercase names,
   * `string | string[]` values. Authorization, httpApiKey headers and Cookie are read here.
   */
  readonly headers?: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The raw query string of the request URL, without `?` (httpApiKey `in: query`). */
  readonly query?: string;
  /** A one-step SASL exchange (PLAIN): the mechanism name and the client's initial response. */
  readonly sasl?: { readonly mechanism: string; readonly response: Uint8Array };
  /**
   * A bearer token the transport found somewhere other than `Authorization: Bearer` or the login
   * password, e.g. the WebSocket `Sec-WebSocket-Protocol` a browser can set (docs/architecture.md, "Wire conventions").
   */
  readonly token?: string;
  /**
   * The client's TLS certificate chain as it was sent, DER, leaf first (X509). The verifier
   * checks it against its own CA bundle; whether the TLS layer accepted it does not matter.
   */
  readonly peerCertificates?: readonly Uint8Array[];
}

/** A verified identity (docs/architecture.md, "Absent vs invalid"). Plain data, frozen. */
export interface Principal {
  /** The principal id: the user name (also for an API key, whose id is in `claims.keyId`). Safe to log. */
  readonly id: string;
  /** The document scheme name that verified it. */
  readonly scheme: string;
  /** Granted scopes. */
  readonly scopes: readonly string[];
  /** Extra facts (e.g. `{ keyId }`, token claims, certificate subject). Never a secret. */
  readonly claims: Readonly<Record<string, unknown>>;
  /** When the credential stops being valid (token `exp`, certificate notAfter), ms since the epoch; absent = no end. */
  readonly expiresAt?: number;
}

/** Why a presented credential was refused: a closed list (src/invalid-reasons.ts). */
export type { InvalidReason } from '../invalid-reasons.js';

export type VerifyOutcome =
  | { readonly kind: 'absent' }
  | {
      readonly kind: 'invalid';
      readonly reason: InvalidReason;
      /** The identity the credential claimed (user name, API key id), for throttling and audit. Never a secret. */
      readonly subject?: string;
    }
  | { readonly kind: 'ok'; readonly principal: Principal };

/** Where a verifier reads its credential; lets a transport know what to extract and what to challenge. */
export type CredentialSource =
  | 'login'
  | 'authorization'
  | 'bearer' // a bearer token: Authorization: Bearer, the login password (MQTT), or `presented.token`
  | 'header'
  | 'query'
  | 'cookie'
  | 'sasl'
  | 'certificate' // the TLS client certificate chain (`presented.peerCertificates`)
  | 'payload' // end-to-end encryption: nothing at connect, every published payload (`inspectPayload`)
  | 'custom';

/** One step of a multi-step SASL exchange (SCRAM) run through the guard. */
export type SaslStep =
  | { readonly kind: 'challenge'; readonly message: Uint8Array }
  /** Success: `message` is the final server message to send (SCRAM `v=…`), may be empty. */
  | { readonly kind: 'success'; readonly message: Uint8Array; readonly principal: Principal }
  /** Failure: `message` is what to send (SCRAM `e=…`), may be empty. */
  | {
      readonly kind: 'failure';
      readonly message: Uint8Array;
      readonly reason: InvalidReason;
      readonly subject?: string;
    };

export interface SaslExchange {
  /** Feeds one client message. Never throws. */
  step(message: Uint8Array): Promise<SaslStep>;
}

/** A ready verifier for one document scheme. Created once at startup. */
export interface Verifier {
  /** The document scheme name. */
  readonly scheme: string;
  /** The scheme's `type`. */
  readonly type: string;
  readonly source: CredentialSource;
  /**
   * The identity the presented credential claims, without verifying anything (user name,
   * API key id), or null. Cheap, synchronous; used to refuse throttled subjects before any
   * expensive check. Never returns a secret.
   */
  claimedSubject(presented: Presented): string | null;
  /** absent / invalid / ok. Never throws and never rejects (the engine still guards against it). */
  verify(presented: Presented): Promise<VerifyOutcome>;
  /** SASL mechanism name (`PLAIN`, `SCRAM-SHA-256`, `SCRAM-SHA-512`) when the scheme is a SASL mechanism. */
  readonly saslMechanism?: string;
  /** Starts a multi-step SASL exchange (SCRAM). Absent for one-step schemes. */
  startSasl?(presented: Presented): SaslExchange;
  /**
   * The HTTP `WWW-Authenticate` challenge for a 401 (RFC 7235), e.g. `Basic realm="…", charset="UTF-8"`,
   * when the credential rides an HTTP Authorization header; null otherwise.
   */
  readonly challenge: string | null;
  /**
   * `challenge` for another realm (another server). A verifier that has it holds nothing that
   * depends on the server, so the guard builds one per scheme and shares it between the servers
   * that use the scheme (one key cache, one discovery, one verified-token cache), asking this for
   * each server's challenge. Without it (plug-ins) the guard builds one per (server, scheme).
   */
  challengeFor?(realm: string): string | null;
  /**
   * End-to-end encryption schemes: is this published payload acceptable (a JWE whose `alg`/`enc`
   * are allowed)? Synchronous and bounded; never throws. Absent for every other scheme.
   */
  inspectPayload?(payload: Uint8Array | string): PayloadVerdict;
  /**
   * Releases what the verifier holds (timers, fetches, connections); called once by
   * `guard.close()`, which waits for a returned promise up to the verifier timeout.
   */
  close?(): void | PromiseLike<void>;
}

/** What `inspectPayload` answers (defined with the JWE inspection, tokens/jwe-inspect.ts). */
export type { PayloadVerdict } from '../tokens/jwe-inspect.js';

/** What a verifier factory gets (built-in scheme modules and plug-ins alike). */
export interface VerifierContext {
  /** The document scheme name. */
  readonly name: string;
  /** The Security Scheme Object from the document (refs resolved). */
  readonly scheme: Readonly<Scheme>;
  /** The scheme's binding from the config's `schemes.<name>`, validated against the type's config schema, frozen. */
  readonly options: Readonly<Record<string, unknown>>;
  readonly store: CredentialStore;
  /** Milliseconds since the epoch; injected so tests never sleep. */
  readonly now: () => number;
  /** Realm for HTTP challenges (the server name by default). */
  readonly realm: string;
  /** Folder that `file:` references in the options resolve against (the config file's folder). */
  readonly baseDir: string;
  /**
   * Operational events after startup (e.g. an X509 CA bundle or CRL reloaded, or a reload that
   * failed): the guard writes them to its log at the level given. Fields are never secrets,
   * credentials or file contents. Absent: nothing is reported.
   */
  readonly report?: (
    level: 'info' | 'warn',
    event: string,
    fields?: Readonly<Record<string, string | number | boolean | null>>,
  ) => void;
}

/**
 * A plug-in verifier module (config `schemes.<name>.verifier: ./path.js`) exports
 * `createVerifier(context)` returning this or a promise of it. `verify` has the same
 * absent/invalid/ok contract; a throw or a value that is not an outcome is a refusal
 * (`verifier_error`), never an allow.
 */
export interface PluginVerifier {
  readonly source?: CredentialSource;
  claimedSubject?(presented: Presented): string | null;
  verify(presented: Presented): Promise<VerifyOutcome> | VerifyOutcome;
  readonly challenge?: string | null;
  /** A SASL mechanism name when the plug-in verifies one (e.g. `GSSAPI`). */
  readonly saslMechanism?: string;
  /** A multi-step SASL exchange (e.g. Kerberos via GSSAPI); steps are wrapped like `verify`. */
  startSasl?(presented: Presented): SaslExchange;
  /**
   * Releases what the plug-in holds (connections, timers, files) at `guard.close()`: called once
   * per verifier made, waited for up to `verifierTimeoutMs`; a throw or rejection is ignored.
   */
  close?(): void | Promise<void>;
}
export type PluginVerifierFactory = (context: VerifierContext) => PluginVerifier | Promise<PluginVerifier>;
