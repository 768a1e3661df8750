// The guard's public API: `import { createGuard } from 'asyncapi-guard/guard'` (docs/guard.md).

export { createGuard } from './create.js';
export type { Guard } from './create.js';
export type { GuardOptions, GuardWarning } from './compile.js';
export type { AuthorizeRequest } from './decide.js';
export type { GuardSaslExchange, GuardSaslStep } from './session.js';
export { ANONYMOUS } from './session.js';
export { createAuditLogger, REDACT_PATHS } from './audit.js';
export type { AuditAction, AuditLoggerOptions, DecisionEvent, StartupEvent, StoreUnavailableEvent } from './audit.js';
export { guardOptionsFromConfig } from './config.js';
export type { GuardConfigExtras, LoadedGuardConfig } from './config.js';
export { THROTTLE_DEFAULTS } from './throttle.js';
export { DEFAULT_VERIFIER_TIMEOUT_MS } from './plugins.js';
export { AUTH_REASONS, DECISION_REASONS, THROTTLE_KINDS } from './metrics.js';
export type { AuthReason, ThrottleKind } from './metrics.js';
export { wireActionOf } from './perspective.js';
export {
  compileAddress,
  createChannelTable,
  createPathTable,
  explainFilterCoverage,
  filterCanMatch,
  filterCoveredBy,
  isAddressError,
  pathToChannel,
} from './channels.js';
export type {
  AddressError,
  AddressMatcher,
  AddressProblem,
  ChannelEntry,
  ChannelHit,
  ChannelParams,
  ChannelTable,
  CompiledAddress,
  FilterCoverage,
  FilterCoverageOptions,
  PathTable,
} from './channels.js';
export { checkTopicName, isValidTopicName, parseTopicFilter, topicMatchesFilter } from './mqtt-topic.js';
export type * from './types.js';
