// Types of the check engine: rules, diagnostics and results (docs/architecture.md, "CLI conventions").

import type { Location, LoadedDocument, SourceRange } from '../document/types.js';
import type { Analysis } from '../model/types.js';
import type { SchemaFinding } from '../document/schema.js';
import type { Severity, SeveritySetting } from '../config/types.js';

// Defined with the config file, which carries them (`check.rules`, `check.failOn`).
export type { Severity, SeveritySetting } from '../config/types.js';

export const severityRank: Readonly<Record<Severity, number>> = { info: 1, warning: 2, error: 3 };

export interface RuleMeta {
  /** kebab-case id; also the basename of the rule file, docs page and test. */
  id: string;
  severity: Severity;
  /** One line, shown in SARIF and `--help`. */
  description: string;
  /** Path of the docs page inside the package, e.g. `docs/rules/security-scheme-unused.md`. */
  docs: string;
  /** messageId → template with `{name}` placeholders. */
  messages: Record<string, string>;
}

export interface ReportInput {
  messageId: string;
  data?: Record<string, string | number>;
  at: Location;
  /** Point at the key of a map entry rather than its value. Default false. */
  atKey?: boolean;
  /**
   * A lesser finding of the rule: one step below the rule's configured severity (error → warning → info), e.g. a
   * requirement only some of whose alternatives are unusable. Default false.
   */
  lesser?: boolean;
}

/** What a rule sees: the normalized analysis, and the load and schema findings it may report. */
export interface RuleContext {
  analysis: Analysis;
  document: LoadedDocument;
  schemaFindings: readonly SchemaFinding[];
  report: (input: ReportInput) => void;
}

export interface Rule {
  meta: RuleMeta;
  check(ctx: RuleContext): void;
}

export interface Diagnostic {
  rule: string;
  severity: Severity;
  message: string;
  /** JSON pointer inside `file`. */
  pointer: string;
  /** Display path of the file the finding is in. */
  file: string;
  /** 1-based; null only when the place has no position (should not happen for loaded files). */
  range: SourceRange | null;
}

export interface CheckSummary {
  errors: number;
  warnings: number;
  infos: number;
}

/** One document's result: the `check --format json` contract. */
export interface CheckResult {
  document: string;
  /** null when the document could not be loaded far enough to know. */
  asyncapi: string | null;
  diagnostics: Diagnostic[];
  summary: CheckSummary;
  /** Set when the document could not be checked at all (exit code 2). */
  fatal?: { code: string; message: string };
}

export interface CheckOptions {
  /** Rule id → severity override or 'off'. */
  rules?: Record<string, SeveritySetting>;
}
