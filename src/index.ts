// The public entry point: `import { loadDocument, buildModel, check } from 'asyncapi-guard'`.
// The CLI imports only from here (test/cli checks that).

export { loadDocument, loadDocumentFromText } from './document/load.js';
export { supportedAsyncApiVersions } from './document/versions.js';
export type {
  LoadedDocument,
  LoadOptions,
  LoadProblem,
  Location,
  SourceFile,
  SourceRange,
  NodeRange,
  Resolution,
} from './document/types.js';
export { buildAnalysis, buildModel, toSecurityModel } from './model/index.js';
export type * from './model/types.js';
export { check, checkDocument, checkDocuments, checkLoaded, rules } from './check/index.js';
export type * from './check/types.js';
export {
  GuardError,
  DocumentError,
  ConfigError,
  UsageError,
  StartupError,
  StoreError,
  errorCodes,
  isGuardError,
} from './errors.js';
export type { ErrorCode } from './errors.js';

// Reporters, config, document arguments and the model printer (used by the CLI).
export { reporters, reportFormats, isReportFormat, createSourceReader } from './check/reporters/index.js';
export type { Reporter, ReporterContext, ReportFormat } from './check/reporters/index.js';
export { CONFIG_FILE_NAME, loadConfig, parseConfig } from './config/load.js';
export type { CheckConfig, GuardConfig, LoadConfigOptions, ParseConfigOptions } from './config/load.js';
export { closestId } from './config/key-path.js';
export { parseRuleOverrides, resolveCheckSettings } from './check/config.js';
export type { CheckSettings } from './check/config.js';
export type * from './config/types.js';
export { expandDocumentArgs } from './check/glob.js';
export {
  ruleMetas,
  severities,
  severitySettings,
  isSeverity,
  isSeveritySetting,
  isAtOrAbove,
  hasFindingsAtOrAbove,
  addSummaries,
} from './check/index.js';
export { formatModelPretty } from './model/pretty.js';
export type { FormatModelOptions } from './model/pretty.js';

// Credentials (issue 3): the store contract, opening a store by reference (`file:` / `postgres://`),
// password checks against stored SCRAM verifiers, API keys. The `users` and `keys` commands use these.
export {
  API_KEY_PREFIX,
  apiKeySecretMatches,
  checkPassword,
  createFileStore,
  createMemoryStore,
  createPostgresStore,
  DEFAULT_PASSWORD_ITERATIONS,
  DEFAULT_STORE_REF,
  isApiKeyId,
  normalizePrincipalName,
  openStore,
  parseApiKey,
  passwordVerifierOf,
  storeKind,
} from './credentials/index.js';
export type {
  AddPrincipalInput,
  ApiKeyRecord,
  CreatedApiKey,
  CredentialStore,
  FileStoreOptions,
  OpenStoreOptions,
  PostgresStoreOptions,
  PrincipalRecord,
  StoreChange,
} from './credentials/index.js';
export { MAX_SCRAM_ITERATIONS, MIN_SCRAM_ITERATIONS, saslprep } from './sasl/index.js';

// The guard (issue 3): `createGuard(model, options)` compiles the model once; `authenticate`,
// `authorize`, SASL exchanges, audit and metrics (docs/guard.md). Also `asyncapi-guard/guard`.
export {
  createGuard,
  createAuditLogger,
  guardOptionsFromConfig,
  THROTTLE_DEFAULTS,
  AUTH_REASONS,
  DECISION_REASONS,
} from './guard/index.js';
export type {
  AuthResult,
  AuthorizeRequest,
  Decision,
  DecisionReason,
  Guard,
  GuardOptions,
  GuardSaslExchange,
  GuardSaslStep,
  GuardWarning,
  InvalidReason,
  PluginVerifier,
  PluginVerifierFactory,
  Presented,
  Principal,
  Refusal,
  RefusalReason,
  Session,
  Verifier,
  VerifierContext,
  VerifyOutcome,
  WireAction,
} from './guard/index.js';
// How a client presents HTTP Basic credentials (RFC 7617), for clients and tests.
export { basicAuthorization, encodeBasicCredentials } from './schemes/wire/basic.js';
// End-to-end encryption (issue 4): seal / open payloads for symmetricEncryption and
// asymmetricEncryption schemes, keys (JWK / JWKS) by reference (docs/encryption.md). The `seal`
// and `open` commands use these.
export {
  sealPayload,
  openPayload,
  JWE_KEY_ALGORITHMS,
  JWE_CONTENT_ENCRYPTIONS,
  DEFAULT_CONTENT_ENCRYPTION,
  DEFAULT_MAX_JWE_BYTES,
} from './tokens/jwe.js';
export type { SealOptions, OpenOptions } from './tokens/jwe.js';
export { loadJwks, checkJwk, publicJwkOf, MAX_JWKS_BYTES, MAX_JWKS_KEYS } from './tokens/keys.js';
export type { JWK, LoadJwksOptions } from './tokens/keys.js';
export { KeyError, PayloadError } from './errors.js';
export type { PayloadRefusal } from './errors.js';
export type { PayloadRequest, PayloadVerdict } from './guard/index.js';
// Tokens (issue 4): JWT / JWKS / OpenID Connect discovery / RFC 7662 introspection
// (docs/tokens.md), and what transports and clients need to present or extract credentials.
export {
  createJwtVerifier,
  createIntrospectionVerifier,
  createOpenIdVerifier,
  discoverOpenIdConfiguration,
  extractScopes,
} from './tokens/index.js';
export type {
  IntrospectionOptions,
  JwtVerifierOptions,
  KeySource,
  OpenIdConfiguration,
  TokenOutcome,
  TokenVerifier,
} from './tokens/index.js';
export { bearerAuthorization, bearerChallenge, readBearerToken } from './schemes/wire/bearer.js';
export { peerCertificatesOf } from './schemes/x509.js';
// serve (issue 5): the document's servers (MQTT, WebSocket, HTTP/SSE), each secured as declared,
// with a message bus, credential hot reload and an admin listener (docs/serve.md). The `serve`
// command uses these.
export { startServe, parseListenFlags, describeServe, DEFAULT_GRACE_MS, FRONTED_PROTOCOLS } from './serve/index.js';
export type {
  RunningServe,
  ServeOptions,
  ServedServer,
  SkippedServer,
  ServeWarning,
  ServeSettings,
} from './serve/index.js';
// authd (issue 12): the decision service real brokers ask (RabbitMQ's HTTP auth backend, and the
// parts other brokers add), through the same guard and store as serve (docs/authd.md). The
// `authd` command uses these.
export { startAuthd, DEFAULT_AUTHD_LISTEN } from './brokers/authd/index.js';
export type {
  AuthdOptions,
  AuthdPart,
  AuthdPartContext,
  AuthdPartStarter,
  AuthdWarning,
  RunningAuthd,
} from './brokers/authd/index.js';
// probe (issue 14): prove that a live server enforces the security its document declares
// (docs/probe.md). The `probe` command uses these.
export {
  findingRegistry,
  loadProbeCredentials,
  probeDocument,
  probeFormats,
  probeLoaded,
  probeReporters,
  probers,
} from './probe/index.js';
export type { ProbeFormat, ProbeReport, RunProbeOptions, TestPrincipal } from './probe/index.js';
// provision mosquitto (issue 12): the document's roles and the store's principals into Mosquitto's
// dynamic security plugin (docs/brokers/mosquitto.md). The `provision` command uses these.
export {
  connectDynsec,
  formatCommand,
  planMosquitto,
  provisionMosquitto,
  watchMosquitto,
} from './brokers/mosquitto/index.js';
export type {
  DynsecCommand,
  DynsecConnection,
  MosquittoPlan,
  MosquittoWatch,
  ProvisionOptions,
  ProvisionResult,
} from './brokers/mosquitto/index.js';
export { parseSecretRef, resolveSecretRef } from './credentials/index.js';
