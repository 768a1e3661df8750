// What a scheme module describes. One module per AsyncAPI Security Scheme `type`
// (STYLE.md "A scheme module"); `check` reads the protocol fit and secret facts,
// issue 3 adds the verifier and what a client must send to the same modules.

import type { Scheme } from '../model/types.js';

/** The 13 `type` values of AsyncAPI 2.1.0–3.1.0, case-sensitive (reference §1.1). */
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
}

export type SchemeRegistry = { readonly [K in SchemeType]: SchemeDescriptor<K> };
