// The check layer's public surface (`asyncapi-guard/check`).
export { checkDocument, checkDocuments, checkLoaded, checkDocument as check } from './run.js';
export type { CheckRunOptions } from './run.js';
export { rules, ruleMetas } from './rules/index.js';
export type { RuleId } from './rules/index.js';
export {
  severities,
  severitySettings,
  isSeverity,
  isSeveritySetting,
  isAtOrAbove,
  hasFindingsAtOrAbove,
  addSummaries,
} from './severity.js';
export type * from './types.js';
