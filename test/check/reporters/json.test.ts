import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatJson } from '../../../src/check/reporters/json.js';
import type { CheckResult } from '../../../src/check/types.js';
import { assertGolden, fixedContext, loadResults } from './helpers.js';

describe('json reporter', () => {
  it('matches the golden output for several documents (an array)', () => {
    assertGolden('json-multi.json', formatJson(loadResults(), fixedContext()));
  });

  it('matches the golden output for one document (an object, not an array)', () => {
    assertGolden('json-single.json', formatJson([loadResults()[0]!], fixedContext()));
  });

  it('prints exactly the contract keys, in contract order, with 2-space indent and a final newline', () => {
    const out = formatJson([loadResults()[0]!], fixedContext());
    assert.ok(out.endsWith('}\n'));
    assert.ok(out.startsWith('{\n  "document": '));
    const parsed = JSON.parse(out) as Record<string, unknown>;
    assert.deepEqual(Object.keys(parsed), ['document', 'asyncapi', 'diagnostics', 'summary']);
    const d = (parsed.diagnostics as Record<string, unknown>[])[0]!;
    assert.deepEqual(Object.keys(d), ['rule', 'severity', 'message', 'pointer', 'file', 'range']);
    assert.deepEqual(Object.keys(d.range as object), ['start', 'end']);
    assert.deepEqual(Object.keys((d.range as { start: object }).start), ['line', 'column']);
    assert.deepEqual(Object.keys(parsed.summary as object), ['errors', 'warnings', 'infos']);
  });

  it('includes fatal only when it is set', () => {
    const [ok, , , broken] = loadResults();
    assert.equal('fatal' in (JSON.parse(formatJson([ok!], fixedContext())) as object), false);
    const parsed = JSON.parse(formatJson([broken!], fixedContext())) as { fatal: unknown; asyncapi: unknown };
    assert.deepEqual(parsed.fatal, broken!.fatal);
    assert.equal(parsed.asyncapi, null);
  });

  it('key order does not depend on the order of the input objects', () => {
    const scrambled: CheckResult = {
      summary: { infos: 0, warnings: 1, errors: 0 },
      diagnostics: [
        {
          range: { end: { column: 3, line: 2 }, start: { column: 1, line: 2 } },
          file: 'a.yaml',
          pointer: '/x',
          message: 'm',
          severity: 'warning',
          rule: 'r',
        },
      ],
      asyncapi: '3.0.0',
      document: 'a.yaml',
    };
    const out = formatJson([scrambled], fixedContext());
    assert.match(
      out,
      /^\{\n {2}"document": "a\.yaml",\n {2}"asyncapi": "3\.0\.0",\n {2}"diagnostics": \[\n {4}\{\n {6}"rule": "r"/,
    );
    assert.match(out, /"start": \{\n\s+"line": 2,\n\s+"column": 1\n/);
  });

  it('prints an empty array when there are no results', () => {
    assert.equal(formatJson([], fixedContext()), '[]\n');
  });
});
