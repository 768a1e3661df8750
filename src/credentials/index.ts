// asyncapi-guard/credentials: the credential store API (docs/credentials.md).

export type {
  AddPrincipalInput,
  ApiKeyRecord,
  CreatedApiKey,
  CredentialStore,
  PrincipalRecord,
  ScramHash,
  ScramVerifier,
  StoreChange,
} from './types.js';
export { DEFAULT_STORE_REF, openStore, storeKind, type OpenStoreOptions } from './open.js';
export { createFileStore, MAX_CREDENTIALS_FILE_BYTES, type FileStoreOptions } from './file.js';
export { createPostgresStore, DEFAULT_POSTGRES_SCHEMA, type PostgresStoreOptions } from './postgres.js';
export {
  createMemoryStore,
  DEFAULT_PASSWORD_ITERATIONS,
  normalizePrincipalName,
  type MemoryStore,
  type MemoryStoreOptions,
  type MemoryStoreState,
} from './memory.js';
export { checkPassword, passwordVerifierOf } from './password.js';
export {
  API_KEY_PREFIX,
  apiKeySecretMatches,
  generateApiKey,
  isApiKeyId,
  parseApiKey,
  type ParsedApiKey,
} from './api-keys.js';
export { parseSecretRef, resolveEnvRef, resolveSecretRef, type SecretRef } from './secret-ref.js';
