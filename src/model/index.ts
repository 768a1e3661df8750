// Public entry of the model layer: LoadedDocument → SecurityModel (and the located Analysis).

export { buildAnalysis, buildModel, toSecurityModel } from './build.js';
export { splitServerUrl } from './v2.js';
export type {
  Action,
  Alternative,
  Analysis,
  AnalyzedOperation,
  AnalyzedScheme,
  AnalyzedServer,
  LocatedAlternative,
  LocatedEntry,
  LocatedRequirement,
  ModelIssue,
  ModelOperation,
  ModelServer,
  Requirement,
  RequirementEntry,
  Scheme,
  SecurityModel,
} from './types.js';
