// `--format pretty`: for people at a terminal. Findings grouped by file, each as
// `file:line:column  severity  message  rule-id` (clickable in editors and terminals),
// followed by a code frame when the source is available, then one summary line. Text from a
// document (names, messages, file names) can hold escape sequences: it is never printed raw.

import type { CheckResult, Diagnostic, Severity } from '../types.js';
import { addSummaries } from '../severity.js';
import { codeFrame, sanitizeForTerminal } from './code-frame.js';
import { createColors, type Colors } from './colors.js';
import type { ReporterContext } from './types.js';

const SEVERITY_WIDTH = 'warning'.length;

export function formatPretty(results: readonly CheckResult[], ctx: ReporterContext): string {
  const c = createColors(ctx.color);
  const out: string[] = [];

  for (const [file, diagnostics] of groupByFile(results)) {
    out.push(c.underline(c.bold(sanitizeForTerminal(file))));
    const source = ctx.sourceFor(file);
    for (const d of diagnostics) {
      out.push(`  ${diagnosticLine(d, c)}`);
      if (source !== undefined && d.range) {
        const frame = codeFrame(source, d.range, { colors: c });
        if (frame.length > 0) {
          out.push('');
          for (const line of frame) out.push(`    ${line}`);
          out.push('');
        }
      }
    }
    if (out[out.length - 1] !== '') out.push('');
  }

  out.push(summaryLine(results, c));
  return `${out.join('\n')}\n`;
}

/** Every diagnostic by the file it is in, files in order of first appearance, lines ascending. */
function groupByFile(results: readonly CheckResult[]): Map<string, Diagnostic[]> {
  const groups = new Map<string, Diagnostic[]>();
  for (const r of results) {
    for (const d of r.diagnostics) {
      let list = groups.get(d.file);
      if (!list) groups.set(d.file, (list = []));
      list.push(d);
    }
  }
  for (const list of groups.values()) list.sort(byPosition); // Array#sort is stable
  return groups;
}

function byPosition(a: Diagnostic, b: Diagnostic): number {
  const la = a.range?.start.line ?? 0;
  const lb = b.range?.start.line ?? 0;
  if (la !== lb) return la - lb;
  return (a.range?.start.column ?? 0) - (b.range?.start.column ?? 0);
}

function diagnosticLine(d: Diagnostic, c: Colors): string {
  const place = d.range ? `${d.file}:${d.range.start.line}:${d.range.start.column}` : d.file;
  const severity = paintSeverity(d.severity, d.severity.padEnd(SEVERITY_WIDTH), c);
  return (
    `${c.dim(sanitizeForTerminal(place))}  ${severity}  ` +
    `${sanitizeForTerminal(d.message)}  ${c.dim(sanitizeForTerminal(d.rule))}`
  );
}

function paintSeverity(severity: Severity, text: string, c: Colors): string {
  if (severity === 'error') return c.red(text);
  if (severity === 'warning') return c.yellow(text);
  return c.blue(text);
}

function summaryLine(results: readonly CheckResult[], c: Colors): string {
  const s = addSummaries(results);
  const total = s.errors + s.warnings + s.infos;
  if (total === 0) return c.green(c.bold('✔ no problems'));
  const text =
    `✖ ${plural(total, 'problem')} ` +
    `(${plural(s.errors, 'error')}, ${plural(s.warnings, 'warning')}, ${plural(s.infos, 'info')})`;
  const paint = s.errors > 0 ? c.red : s.warnings > 0 ? c.yellow : c.blue;
  return paint(c.bold(text));
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
