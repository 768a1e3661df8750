// The SecurityModel (docs/architecture.md, "The SecurityModel contract") and the located Analysis the rules read.
// The SecurityModel is plain JSON data; the Analysis is the same model with, for each
// part, the place in the source it came from, so every finding points at the place.

import type { Location } from '../document/types.js';

export type Action = 'send' | 'receive';

/** One scheme of an alternative, with the scopes it must grant. */
export interface RequirementEntry {
  scheme: string;
  scopes: string[];
}

/** AND: every entry must be satisfied (always one entry in 3.x). */
export type Alternative = RequirementEntry[];

/** OR: any one alternative satisfies. Empty = no requirement at this level. */
export type Requirement = Alternative[];

/** A Security Scheme Object as written (refs resolved), plain JSON. */
export interface Scheme {
  type: string;
  [field: string]: unknown;
}

export interface ModelServer {
  name: string;
  host: string;
  protocol: string;
  protocolVersion?: string;
  pathname?: string;
  security: Requirement;
}

export interface ModelOperation {
  id: string;
  action: Action;
  channel: string;
  /** null: unknown at design time (3.x null/absent address). Matches no concrete topic. */
  address: string | null;
  /** Servers the operation's channel is available on (all servers when the channel lists none). */
  servers: string[];
  security: Requirement;
}

export interface SecurityModel {
  asyncapi: string;
  schemes: Record<string, Scheme>;
  servers: ModelServer[];
  operations: ModelOperation[];
}

// ---------------------------------------------------------------- located analysis

export interface LocatedEntry extends RequirementEntry {
  /** The security list item (3.x) or the requirement object key (2.x). */
  at: Location;
  /** Where the scheme itself is defined; absent when it could not be resolved. */
  schemeAt?: Location;
  /** False when the entry names a scheme that does not exist or does not resolve. */
  resolved: boolean;
  /** 3.x: keys written beside `$ref` in the list item, which the spec ignores. */
  ignoredSiblings: { key: string; at: Location }[];
}

export interface LocatedAlternative {
  /** The list item (3.x) or the requirement object (2.x). */
  at: Location;
  entries: LocatedEntry[];
}

export interface LocatedRequirement {
  /** The `security` list itself; null when absent. */
  at: Location | null;
  alternatives: LocatedAlternative[];
}

export interface AnalyzedScheme {
  name: string;
  scheme: Scheme;
  /** Where the scheme object is (after resolving refs). */
  at: Location;
  /** True when it is listed in components.securitySchemes (so "unused" applies). */
  component: boolean;
}

export interface AnalyzedServer extends Omit<ModelServer, 'security'> {
  at: Location;
  security: LocatedRequirement;
}

export interface AnalyzedOperation extends Omit<ModelOperation, 'security'> {
  at: Location;
  /** Where the effective security came from after traits. */
  securitySource: 'operation' | 'trait' | 'none';
  security: LocatedRequirement;
}

/** Something the model builder could not make sense of; rules turn these into findings. */
export interface ModelIssue {
  kind:
    | 'scheme-ref-unresolved' // a $ref in a security list or components.securitySchemes does not resolve
    | 'scheme-ref-not-scheme' // it resolves, but not to a security scheme object
    | 'scheme-undefined' // 2.x requirement names a scheme not in components.securitySchemes
    | 'structure'; // an object the model needs is not of the expected shape (reported, never skipped silently)
  at: Location;
  /** The $ref string or scheme name concerned. */
  subject: string;
  reason: string;
}

export interface Analysis {
  asyncapi: string;
  major: 2 | 3;
  /** Scheme name → scheme, for every scheme used or declared in components. */
  schemes: Map<string, AnalyzedScheme>;
  servers: AnalyzedServer[];
  operations: AnalyzedOperation[];
  issues: ModelIssue[];
}
