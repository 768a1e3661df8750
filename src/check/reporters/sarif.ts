// `--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.
// One run; the driver lists every known rule (so a viewer can show rules with no results);
// each result points at its rule by id and index, at the file relative to %SRCROOT%, and
// carries a fingerprint made from rule + file + JSON pointer, which survives edits that only
// move lines.

import { createHash } from 'node:crypto';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CheckResult, Diagnostic, RuleMeta, Severity } from '../types.js';
import type { ReporterContext } from './types.js';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
export const INFORMATION_URI = 'https://github.com/asyncapi-guard/asyncapi-guard';
const DOCS_BASE = `${INFORMATION_URI}/blob/main/`;
/** Key of our entry in `partialFingerprints`; bump the version if the recipe changes. */
export const FINGERPRINT_KEY = 'asyncapiGuardPointerHash/v1';

type SarifLevel = 'error' | 'warning' | 'note';

const levels: Readonly<Record<Severity, SarifLevel>> = { error: 'error', warning: 'warning', info: 'note' };

interface ArtifactLocation {
  uri: string;
  uriBaseId?: string;
}

export function formatSarif(results: readonly CheckResult[], ctx: ReporterContext): string {
  const ruleIds = listRuleIds(results, ctx.rules);
  const ruleIndex = new Map(ruleIds.map((id, i) => [id, i]));
  const seen = new Map<string, number>();

  const sarifResults = [];
  for (const r of results) {
    for (const d of r.diagnostics) {
      const artifactLocation = toArtifactLocation(d.file, ctx.cwd);
      const base = fingerprint(d, artifactLocation.uri);
      const n = (seen.get(base) ?? 0) + 1;
      seen.set(base, n);
      sarifResults.push({
        ruleId: d.rule,
        ruleIndex: ruleIndex.get(d.rule)!,
        level: levels[d.severity],
        message: { text: d.message },
        locations: [{ physicalLocation: { artifactLocation, region: toRegion(d) } }],
        partialFingerprints: { [FINGERPRINT_KEY]: `${base}:${n}` },
        properties: { pointer: d.pointer },
      });
    }
  }

  const log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'asyncapi-guard',
            version: ctx.version,
            semanticVersion: ctx.version,
            informationUri: INFORMATION_URI,
            rules: ruleIds.map((id) => toReportingDescriptor(id, ctx.rules[id])),
          },
        },
        columnKind: 'utf16CodeUnits',
        results: sarifResults,
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

/** Every known rule sorted by id, then any rule id found only in the results (e.g. `document-load`). */
function listRuleIds(results: readonly CheckResult[], rules: Readonly<Record<string, RuleMeta>>): string[] {
  const known = Object.keys(rules).sort();
  const extra = new Set<string>();
  for (const r of results) for (const d of r.diagnostics) if (!Object.hasOwn(rules, d.rule)) extra.add(d.rule);
  return [...known, ...[...extra].sort()];
}

function toReportingDescriptor(id: string, meta: RuleMeta | undefined): Record<string, unknown> {
  if (!meta) return { id, shortDescription: { text: id } };
  const helpUri = DOCS_BASE + meta.docs.split('/').map(encodeURIComponent).join('/');
  return {
    id,
    shortDescription: { text: meta.description },
    helpUri,
    help: {
      text: `${meta.description}\n\nDocumentation: ${helpUri}`,
      markdown: `${meta.description}\n\n[Documentation](${helpUri})`,
    },
    defaultConfiguration: { level: levels[meta.severity] },
    // GitHub shows results of rules tagged `security` as security alerts.
    properties: { tags: id.startsWith('security-') ? ['security'] : ['correctness'] },
  };
}

/**
 * Files inside `cwd` become a relative URI (forward slashes, percent-encoded segments) against
 * `%SRCROOT%`, as code scanning expects; files outside it become `file:` URLs; remote files
 * (fetched through `--allow-remote-refs`) keep their URL.
 */
export function toArtifactLocation(file: string, cwd: string): ArtifactLocation {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(file)) return { uri: file };
  const abs = resolve(cwd, file);
  const rel = relative(cwd, abs);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    return { uri: pathToFileURL(abs).href };
  }
  return { uri: rel.split(sep).map(encodeURIComponent).join('/'), uriBaseId: '%SRCROOT%' };
}

/** SARIF regions are 1-based like ours; `endColumn` is the column just after the region. */
function toRegion(d: Diagnostic): Record<string, number> {
  if (!d.range) return { startLine: 1, startColumn: 1 };
  const { start, end } = d.range;
  const endLine = Math.max(end.line, start.line);
  const endColumn = endLine === start.line ? Math.max(end.column, start.column) : end.column;
  return { startLine: start.line, startColumn: start.column, endLine, endColumn };
}

function fingerprint(d: Diagnostic, uri: string): string {
  return createHash('sha256').update(`${d.rule}\u0000${uri}\u0000${d.pointer}`).digest('hex').slice(0, 32);
}
