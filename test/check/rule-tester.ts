// The shared rule tester (ESLint RuleTester pattern). A rule test is a table of named
// cases; each runs the document through the real loader, model and engine with only the
// rule under test enabled. It fails on: an unknown messageId or an unfilled placeholder
// (the engine throws), a duplicate case name, an invalid case whose `errors` do not list
// every diagnostic produced (exact count, in order), and a valid case with any diagnostic.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadDocumentFromText } from '../../src/document/load.js';
import { checkLoadedDetailed, type DetailedDiagnostic } from '../../src/check/run.js';
import type { Rule } from '../../src/check/types.js';

export interface ValidCase {
  name: string;
  /** YAML text of a whole document (use the `v2` / `v3` helpers). */
  doc: string;
}

export interface ExpectedDiagnostic {
  messageId: string;
  /** JSON pointer of the finding in the root file. */
  pointer: string;
  /** 1-based start line, counted in the whole document (the v2/v3 header is lines 1-2). */
  line?: number;
  /** Values the message data must have (only the keys given are compared). */
  data?: Record<string, string | number>;
  /** The finding's severity; default the rule's (a `lesser` report is one step below). */
  severity?: 'error' | 'warning' | 'info';
}

export interface InvalidCase extends ValidCase {
  errors: ExpectedDiagnostic[];
}

export interface RuleTests {
  valid: ValidCase[];
  invalid: InvalidCase[];
}

/** Remove the common indentation and the first and last blank lines of a template literal. */
export function dedent(strings: TemplateStringsArray | readonly string[], ...values: unknown[]): string {
  let text = strings[0] ?? '';
  values.forEach((v, i) => {
    text += String(v) + (strings[i + 1] ?? '');
  });
  const lines = text
    .replace(/^[ \t]*\r?\n/, '')
    .replace(/\r?\n[ \t]*$/, '')
    .split(/\r?\n/);
  const indents = lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)![0].length);
  const cut = indents.length ? Math.min(...indents) : 0;
  return lines.map((l) => l.slice(cut)).join('\n') + '\n';
}

/** An AsyncAPI 3.0.0 document: header (2 lines) + the dedented body. */
export function v3(strings: TemplateStringsArray, ...values: unknown[]): string {
  return "asyncapi: 3.0.0\ninfo: {title: t, version: '1'}\n" + dedent(strings, ...values);
}

/** An AsyncAPI 2.6.0 document: header (2 lines) + the dedented body. */
export function v2(strings: TemplateStringsArray, ...values: unknown[]): string {
  return "asyncapi: 2.6.0\ninfo: {title: t, version: '1'}\n" + dedent(strings, ...values);
}

/** Run one document with only `rule` enabled; the diagnostics with message id and data. */
export async function runRule(rule: Rule, doc: string): Promise<DetailedDiagnostic[]> {
  const loaded = await loadDocumentFromText(doc, { file: 'test.yaml' });
  const result = await checkLoadedDetailed(loaded, { only: [rule] });
  for (const d of result.diagnostics) assert.equal(d.rule, rule.meta.id, 'a diagnostic of another rule');
  return result.diagnostics;
}

function show(diagnostics: readonly DetailedDiagnostic[]): string {
  if (diagnostics.length === 0) return '  (none)';
  return diagnostics
    .map(
      (d) =>
        `  ${d.messageId} ${d.pointer} line ${d.range?.start.line ?? '?'} ${JSON.stringify(d.data)}\n    ${d.message}`,
    )
    .join('\n');
}

export function ruleTester(rule: Rule, tests: RuleTests): void {
  const names = new Set<string>();
  for (const c of [...tests.valid, ...tests.invalid]) {
    if (names.has(c.name)) throw new Error(`rule tester: duplicate case name '${c.name}' for ${rule.meta.id}`);
    names.add(c.name);
  }
  describe(rule.meta.id, () => {
    describe('valid', () => {
      for (const c of tests.valid) {
        it(c.name, async () => {
          const got = await runRule(rule, c.doc);
          assert.equal(got.length, 0, `expected no diagnostics, got ${got.length}:\n${show(got)}`);
        });
      }
    });
    describe('invalid', () => {
      for (const c of tests.invalid) {
        it(c.name, async () => {
          assert.ok(c.errors.length > 0, 'an invalid case must expect at least one diagnostic');
          for (const e of c.errors) {
            assert.ok(
              Object.prototype.hasOwnProperty.call(rule.meta.messages, e.messageId),
              `case expects unknown messageId '${e.messageId}'`,
            );
          }
          const got = await runRule(rule, c.doc);
          const listing =
            `expected:\n` +
            `${c.errors.map((e) => `  ${e.messageId} ${e.pointer}${e.line ? ` line ${e.line}` : ''}`).join('\n')}\n` +
            `got:\n${show(got)}`;
          assert.equal(
            got.length,
            c.errors.length,
            `expected ${c.errors.length} diagnostics, got ${got.length}\n${listing}`,
          );
          c.errors.forEach((e, i) => {
            const d = got[i]!;
            assert.equal(d.messageId, e.messageId, `diagnostic ${i}: messageId\n${listing}`);
            assert.equal(d.pointer, e.pointer, `diagnostic ${i}: pointer\n${listing}`);
            if (e.line !== undefined) assert.equal(d.range?.start.line, e.line, `diagnostic ${i}: line\n${listing}`);
            if (e.data !== undefined) {
              for (const [k, v] of Object.entries(e.data))
                assert.equal(d.data[k], v, `diagnostic ${i}: data.${k}\n${listing}`);
            }
            assert.equal(d.severity, e.severity ?? rule.meta.severity, `diagnostic ${i}: severity\n${listing}`);
          });
        });
      }
    });
  });
}
