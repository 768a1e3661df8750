// What every reporter receives. A reporter is a pure function of its inputs: it never reads
// `process.*`, the environment or the filesystem; everything it needs comes through here.

import type { CheckResult, RuleMeta } from '../types.js';

export interface ReporterContext {
  /** Absolute directory that relative `file` names are relative to (SARIF URIs are made from it). */
  cwd: string;
  /** Emit ANSI colors (pretty only). Decided by the caller, never read from the environment. */
  color: boolean;
  /** Metadata of every known rule, by id (SARIF lists them all). */
  rules: Readonly<Record<string, RuleMeta>>;
  /** Version of asyncapi-guard, as written in package.json. */
  version: string;
  /** The text of a file named as in `Diagnostic.file`, for code frames; undefined when unknown. */
  sourceFor(file: string): string | undefined;
}

export type Reporter = (results: readonly CheckResult[], ctx: ReporterContext) => string;
