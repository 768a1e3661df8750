// The public entry point: `import { loadDocument, buildModel, check } from 'asyncapi-guard'`.
// The CLI imports only from here (test/cli checks that).

export { loadDocument, loadDocumentFromText } from './document/load.js';
export { supportedAsyncApiVersions } from './document/versions.js';
export type { LoadedDocument, LoadOptions, LoadProblem, Location, SourceFile, SourceRange, NodeRange, Resolution } from './document/types.js';
export { buildAnalysis, buildModel, toSecurityModel } from './model/index.js';
export type * from './model/types.js';
export { check, checkDocument, checkDocuments, checkLoaded, rules } from './check/index.js';
export type * from './check/types.js';
export { GuardError, DocumentError, ConfigError, UsageError, errorCodes, isGuardError } from './errors.js';
export type { ErrorCode } from './errors.js';

// Reporters, config, document arguments and the model printer (used by the CLI).
export { reporters, reportFormats, isReportFormat, createSourceReader } from './check/reporters/index.js';
export type { Reporter, ReporterContext, ReportFormat } from './check/reporters/index.js';
export { CONFIG_FILE_NAME, loadConfig, parseConfig, parseRuleOverrides, resolveCheckSettings, closestId } from './check/config.js';
export type { CheckConfig, CheckSettings, GuardConfig, LoadConfigOptions, ParseConfigOptions } from './check/config.js';
export { expandDocumentArgs } from './check/glob.js';
export { ruleMetas, severities, severitySettings, isSeverity, isSeveritySetting, isAtOrAbove, hasFindingsAtOrAbove, addSummaries } from './check/index.js';
export { formatModelPretty } from './model/pretty.js';
export type { FormatModelOptions } from './model/pretty.js';
