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
export { compileAddress, isAddressError } from '../address/template.js';
export type {
  AddressError,
  AddressMatcher,
  AddressProblem,
  ChannelParams,
  CompiledAddress,
} from '../address/template.js';
export { explainFilterCoverage, filterCanMatch, filterCoveredBy } from '../address/filter-coverage.js';
export type { FilterCoverage, FilterCoverageOptions } from '../address/filter-coverage.js';
export { createChannelTable } from './channel-table.js';
export type { ChannelEntry, ChannelHit, ChannelTable } from './channel-table.js';
export { createPathTable, pathToChannel } from './http-path.js';
export type { PathTable } from './http-path.js';
export { checkTopicName, isValidTopicName, parseTopicFilter, topicMatchesFilter } from '../address/mqtt-topic.js';
export type * from './types.js';
