// The check engine: load → schema → analysis → rules → located, sorted diagnostics.
// This is the one place where a finding's `at` (file uri + JSON pointer) becomes a file
// display name and a 1-based range, and where message templates are filled.

import { DocumentError, invalidArgType, invalidArgValue } from '../errors.js';
import { loadDocument } from '../document/load.js';
import { validateSchema } from '../document/schema.js';
import type { SchemaFinding } from '../document/schema.js';
import type { LoadedDocument, LoadOptions, Location, SourceRange } from '../document/types.js';
import { buildAnalysis } from '../model/index.js';
import { isPlainObject } from '../document/pointer.js';
import { rules } from './rules/index.js';
import { documentLoad } from './rules/document-load.js';
import { asyncapiSchema } from './rules/asyncapi-schema.js';
import { isSeveritySetting } from './severity.js';
import type {
  CheckOptions,
  CheckResult,
  CheckSummary,
  Diagnostic,
  ReportInput,
  Rule,
  RuleMeta,
  Severity,
  SeveritySetting,
} from './types.js';

export interface CheckRunOptions extends CheckOptions {
  /** Options for loading the document (remote refs, limits, cwd). */
  load?: LoadOptions;
}

/** A diagnostic with the message id and data it was built from (tests and tools; not in the JSON contract). */
export interface DetailedDiagnostic extends Diagnostic {
  messageId: string;
  data: Readonly<Record<string, string | number>>;
}

/** Check one document file. A document that cannot be loaded gives a result with `fatal`, never a throw. */
export async function checkDocument(path: string, options: CheckRunOptions = {}): Promise<CheckResult> {
  if (typeof path !== 'string' || path === '') throw invalidArgType('path', 'a non-empty string');
  const severities = readSeverityOverrides(options);
  let doc: LoadedDocument;
  try {
    doc = await loadDocument(path, options.load);
  } catch (err) {
    if (err instanceof DocumentError) return fatalResult(path, err, severities);
    throw err;
  }
  return finalize(await runChecks(doc, severities));
}

/** Check several documents one after the other; a document that fails to load does not stop the rest. */
export async function checkDocuments(paths: readonly string[], options: CheckRunOptions = {}): Promise<CheckResult[]> {
  // Tested as unknown: JavaScript callers may pass anything, and Array.isArray would retype the argument as any[].
  const given: unknown = paths;
  if (!Array.isArray(given) || paths.some((p) => typeof p !== 'string' || p === '')) {
    throw invalidArgType('paths', 'an array of non-empty strings');
  }
  readSeverityOverrides(options); // fail on bad options before any work
  const results: CheckResult[] = [];
  for (const path of paths) results.push(await checkDocument(path, options));
  return results;
}

/** Check a document already loaded (e.g. with `loadDocumentFromText`). */
export async function checkLoaded(doc: LoadedDocument, options: CheckOptions = {}): Promise<CheckResult> {
  return finalize(await runChecks(doc, readSeverityOverrides(options)));
}

/**
 * `checkLoaded` keeping each diagnostic's message id and data, optionally with an explicit
 * rule list instead of the registry (the rule tester runs one rule this way).
 */
export async function checkLoadedDetailed(
  doc: LoadedDocument,
  options: CheckOptions & { only?: readonly Rule[] } = {},
): Promise<CheckResult & { diagnostics: DetailedDiagnostic[] }> {
  const severities = readSeverityOverrides(options);
  return runChecks(doc, severities, options.only);
}

// ---------------------------------------------------------------- steps

type Severities = ReadonlyMap<string, SeveritySetting>;

/** Validate `options.rules` once, at the edge: known ids, known settings. */
function readSeverityOverrides(options: CheckOptions): Severities {
  if (options === null || typeof options !== 'object') throw invalidArgType('options', 'an object');
  const out = new Map<string, SeveritySetting>();
  const given = options.rules;
  if (given === undefined) return out;
  if (!isPlainObject(given)) throw invalidArgType('options.rules', 'an object of rule id → severity');
  for (const [id, setting] of Object.entries(given)) {
    if (!Object.hasOwn(rules, id)) throw invalidArgValue('options.rules', `names an unknown rule '${id}'`);
    if (!isSeveritySetting(setting)) {
      throw invalidArgValue(
        'options.rules',
        `sets rule '${id}' to ${JSON.stringify(setting)}; expected off, info, warning or error`,
      );
    }
    out.set(id, setting);
  }
  return out;
}

/** One step below (ReportInput `lesser`); info stays info. */
const lesserSeverity: Readonly<Record<Severity, Severity>> = { error: 'warning', warning: 'info', info: 'info' };

function severityOf(meta: RuleMeta, severities: Severities): SeveritySetting {
  return severities.get(meta.id) ?? meta.severity;
}

async function runChecks(
  doc: LoadedDocument,
  severities: Severities,
  only?: readonly Rule[],
): Promise<CheckResult & { diagnostics: DetailedDiagnostic[] }> {
  const ruleList: readonly Rule[] = only ?? Object.values(rules);
  const enabled = ruleList.filter((r) => severityOf(r.meta, severities) !== 'off');
  // The schema validation is the costly step; only asyncapi-schema reads its findings.
  const schemaFindings: readonly SchemaFinding[] = enabled.some((r) => r.meta.id === asyncapiSchema.meta.id)
    ? await validateSchema(doc.asyncapi, doc.root.value, doc.root.uri)
    : [];
  const analysis = buildAnalysis(doc);
  const diagnostics: DetailedDiagnostic[] = [];
  const seen = new Set<string>();
  for (const rule of enabled) {
    const severity = severityOf(rule.meta, severities) as Severity;
    const report = (input: ReportInput): void => {
      const d = toDiagnostic(doc, rule.meta, input.lesser === true ? lesserSeverity[severity] : severity, input);
      // One place, one finding: a shared trait or component reached from several owners
      // yields the same diagnostic several times.
      const key = `${d.rule}\u0000${d.file}\u0000${d.pointer}\u0000${d.message}`;
      if (seen.has(key)) return;
      seen.add(key);
      diagnostics.push(d);
    };
    rule.check({ analysis, document: doc, schemaFindings, report });
  }
  diagnostics.sort(compareDiagnostics);
  return { document: doc.root.displayName, asyncapi: doc.asyncapi, diagnostics, summary: summarize(diagnostics) };
}

/** Strip the detail fields so the result is exactly the JSON contract. */
function finalize(result: CheckResult & { diagnostics: DetailedDiagnostic[] }): CheckResult {
  return {
    ...result,
    diagnostics: result.diagnostics.map(({ rule, severity, message, pointer, file, range }) => ({
      rule,
      severity,
      message,
      pointer,
      file,
      range,
    })),
  };
}

function fatalResult(path: string, err: DocumentError, severities: Severities): CheckResult {
  const setting = severityOf(documentLoad.meta, severities);
  const diagnostics: Diagnostic[] = [];
  if (setting !== 'off') {
    const expected = err.expected !== undefined ? `: expected ${err.expected}` : '';
    const position = err.line !== undefined ? { line: err.line, column: err.column ?? 1 } : null;
    diagnostics.push({
      rule: documentLoad.meta.id,
      severity: setting,
      message: fillTemplate(documentLoad.meta, 'loadFailed', { reason: `${err.reason}${expected}`, code: err.code }),
      pointer: err.pointer ?? '',
      file: err.file ?? path,
      range: position === null ? null : { start: position, end: position },
    });
  }
  return {
    document: path,
    asyncapi: null,
    diagnostics,
    summary: summarize(diagnostics),
    fatal: { code: err.code, message: err.message },
  };
}

// ---------------------------------------------------------------- messages and places

/**
 * Fill `{name}` placeholders from `data`. An unknown message id or a placeholder without a
 * value is a bug in the rule, so it throws (the rule tester turns it into a failed test).
 */
export function fillTemplate(
  meta: RuleMeta,
  messageId: string,
  data: Readonly<Record<string, string | number>> = {},
): string {
  if (!Object.hasOwn(meta.messages, messageId)) throw new Error(`rule ${meta.id}: unknown messageId '${messageId}'`);
  const template = meta.messages[messageId] as string;
  return template.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
    if (!Object.hasOwn(data, name))
      throw new Error(`rule ${meta.id}: message '${messageId}' has placeholder {${name}} but no data.${name}`);
    return String(data[name]);
  });
}

function toDiagnostic(doc: LoadedDocument, meta: RuleMeta, severity: Severity, input: ReportInput): DetailedDiagnostic {
  const data = input.data ?? {};
  const message = fillTemplate(meta, input.messageId, data);
  const place = locate(doc, input.at, input.atKey ?? false);
  return {
    rule: meta.id,
    severity,
    message,
    pointer: input.at.pointer,
    file: place.file,
    range: place.range,
    messageId: input.messageId,
    data,
  };
}

/**
 * The one place a Location becomes a display file name and a 1-based range. When the exact
 * pointer has no range (a missing field, say), the nearest parent that has one is used.
 */
export function locate(doc: LoadedDocument, at: Location, atKey: boolean): { file: string; range: SourceRange | null } {
  const file = doc.files.get(at.file);
  if (file === undefined) return { file: at.file, range: null };
  const exact = file.ranges.get(at.pointer);
  if (exact !== undefined) return { file: file.displayName, range: atKey ? (exact.key ?? exact.value) : exact.value };
  let pointer = at.pointer;
  while (pointer !== '') {
    pointer = pointer.slice(0, pointer.lastIndexOf('/'));
    const parent = file.ranges.get(pointer);
    // For a parent, its key (the line naming it) is the most useful place to show.
    if (parent !== undefined) return { file: file.displayName, range: parent.key ?? parent.value };
  }
  return { file: file.displayName, range: null };
}

function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return (
    compareStrings(a.file, b.file) ||
    (a.range?.start.line ?? 0) - (b.range?.start.line ?? 0) ||
    (a.range?.start.column ?? 0) - (b.range?.start.column ?? 0) ||
    compareStrings(a.rule, b.rule) ||
    compareStrings(a.pointer, b.pointer) ||
    compareStrings(a.message, b.message)
  );
}

/** Code-unit order: the same on every machine and locale. */
function compareStrings(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}

function summarize(diagnostics: readonly Diagnostic[]): CheckSummary {
  const summary: CheckSummary = { errors: 0, warnings: 0, infos: 0 };
  for (const d of diagnostics) {
    if (d.severity === 'error') summary.errors++;
    else if (d.severity === 'warning') summary.warnings++;
    else summary.infos++;
  }
  return summary;
}
