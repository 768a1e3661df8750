// The credential store contract (issue 3). One interface, two implementations: `file:` (the
// embedded default, a YAML file) and `postgres://` (shared by several guards). A store holds
// principals with salted SCRAM verifiers (never a password) and API keys as hashes (never the
// key). Every password scheme (userPassword, plain, http basic, SCRAM) verifies against the
// same stored verifiers, so one stored form serves them all.

import type { ScramHash, ScramVerifier } from '../sasl/types.js';
import type { MosquittoVerifier } from './mosquitto-verifier.js';

export type { MosquittoVerifier, ScramHash, ScramVerifier };

/** A principal as stored. Plain data; byte fields are Uint8Array. */
export interface PrincipalRecord {
  /** The user name, SASLprep'd (stored form), unique in the store. */
  readonly name: string;
  /** Granted scopes / roles, as the guard compares them with a requirement's `scopes`. */
  readonly scopes: readonly string[];
  /** A disabled principal authenticates with no credential (password or API key). */
  readonly disabled: boolean;
  /** One salted verifier per SCRAM hash; a principal with none has no password. */
  readonly verifiers: Readonly<Partial<Record<ScramHash, ScramVerifier>>>;
  /**
   * The Mosquitto-format verifier of the same password (own salt), present only when the principal's password was set
   * with `mosquitto: true` (a deployment that provisions Mosquitto; docs/brokers/mosquitto.md).
   */
  readonly mosquitto?: MosquittoVerifier;
  /** ISO 8601. */
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** An API key as stored: the public id and a hash of the secret part, never the key. */
export interface ApiKeyRecord {
  /** Public key id: the prefix shown in listings and logs (`agk_<id>_…`). */
  readonly id: string;
  /** The principal the key acts as. */
  readonly principal: string;
  /** SHA-256 of the key's secret part (the key carries 256 bits of entropy, so a fast hash is enough). */
  readonly hash: Uint8Array;
  /** Scopes of the key; null = the principal's scopes. A key never grants more than its principal holds. */
  readonly scopes: readonly string[] | null;
  readonly createdAt: string;
  /** ISO 8601 when revoked; a revoked key never authenticates. */
  readonly revokedAt: string | null;
}

/** What a store change was about, for watchers (e.g. `serve` ends live connections of a revoked key). */
export type StoreChange =
  | { readonly kind: 'principal'; readonly name: string }
  | { readonly kind: 'apiKey'; readonly id: string; readonly principal: string }
  | { readonly kind: 'reload' }; // everything may have changed (file reloaded)

export interface AddPrincipalInput {
  readonly name: string;
  /** SASLprep'd and turned into SCRAM-SHA-256 and SCRAM-SHA-512 verifiers; never stored. */
  readonly password?: string;
  readonly scopes?: readonly string[];
  /** Default 10,000 (RFC 7677 asks at least 4096; see docs/credentials.md for the trade-off). */
  readonly iterations?: number;
  /** Also keep a Mosquitto-format verifier of the password (docs/brokers/mosquitto.md). Default false. */
  readonly mosquitto?: boolean;
}

export interface SetPasswordOptions {
  readonly iterations?: number;
  /**
   * Keep a Mosquitto-format verifier of the new password. Default: whether the principal had one, so a password
   * change never leaves a Mosquitto verifier of the old password behind. `false` removes it.
   */
  readonly mosquitto?: boolean;
}

export interface CreatedApiKey {
  readonly record: ApiKeyRecord;
  /** The whole key, `agk_<id>_<secret>`: returned once, stored nowhere. */
  readonly key: string;
}

/**
 * The store. Reads may be called on every authentication: implementations keep them cheap
 * (in-memory index for `file:`, primary-key lookups for `postgres://`). Every method rejects
 * with a `StoreError` (`ERR_STORE_UNAVAILABLE`) when the backend cannot answer; the guard
 * turns that into a refusal (fail closed), never an allow.
 */
export interface CredentialStore {
  /** `file:/abs/path` or `postgres://host/db` with the password elided. Safe to log. */
  readonly description: string;

  getPrincipal(name: string): Promise<PrincipalRecord | null>;
  getApiKey(id: string): Promise<ApiKeyRecord | null>;

  listPrincipals(): Promise<readonly PrincipalRecord[]>;
  listApiKeys(principal?: string): Promise<readonly ApiKeyRecord[]>;

  /** Throws `StoreError` `ERR_STORE_CONFLICT` when the name exists. */
  addPrincipal(input: AddPrincipalInput): Promise<PrincipalRecord>;
  /** Replaces both verifiers (and the Mosquitto one: see the options). `ERR_STORE_NOT_FOUND` for an unknown name. */
  setPassword(name: string, password: string, options?: SetPasswordOptions): Promise<PrincipalRecord>;
  setScopes(name: string, scopes: readonly string[]): Promise<PrincipalRecord>;
  setDisabled(name: string, disabled: boolean): Promise<PrincipalRecord>;
  /** Removes the principal and its API keys. */
  removePrincipal(name: string): Promise<void>;

  /** Creates a key for an existing principal. The key is in the result once and nowhere else. */
  createApiKey(principal: string, options?: { scopes?: readonly string[] }): Promise<CreatedApiKey>;
  /** Marks the key revoked (kept for listing). Throws `ERR_STORE_NOT_FOUND` for an unknown id. */
  revokeApiKey(id: string): Promise<ApiKeyRecord>;

  /**
   * Calls `listener` after any change, by this process or another (file watch, LISTEN/NOTIFY). Returns an unsubscribe.
   */
  watch(listener: (change: StoreChange) => void): () => void;
  close(): Promise<void>;
}
