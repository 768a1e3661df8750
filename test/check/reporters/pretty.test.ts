import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatPretty } from '../../../src/check/reporters/pretty.js';
import type { CheckResult, Diagnostic } from '../../../src/check/types.js';
import { assertGolden, fixedContext, loadResults } from './helpers.js';

const ESC = '\u001b';

function result(diagnostics: Diagnostic[], summary = { errors: 0, warnings: 0, infos: 0 }): CheckResult {
  return { document: 'a.yaml', asyncapi: '3.0.0', diagnostics, summary };
}

function diag(overrides: Partial<Diagnostic> = {}): Diagnostic {
  return {
    rule: 'security-server-unsecured',
    severity: 'warning',
    message: 'server has no security',
    pointer: '/servers/a',
    file: 'a.yaml',
    range: { start: { line: 2, column: 3 }, end: { line: 2, column: 4 } },
    ...overrides,
  };
}

describe('pretty reporter', () => {
  it('matches the golden output without color', () => {
    assertGolden('pretty.txt', formatPretty(loadResults(), fixedContext()));
  });

  it('matches the golden output with color', () => {
    assertGolden('pretty-color.txt', formatPretty(loadResults(), fixedContext({ color: true })));
  });

  it('uses no ANSI escape at all when color is off', () => {
    assert.equal(formatPretty(loadResults(), fixedContext()).includes(ESC), false);
  });

  it('colors when ctx.color is true, whatever the environment says', () => {
    assert.equal(formatPretty(loadResults(), fixedContext({ color: true })).includes(`${ESC}[31m`), true);
  });

  it('writes one line per finding as file:line:column  severity  message  rule-id', () => {
    const out = formatPretty(loadResults(), fixedContext({ sourceFor: () => undefined }));
    assert.ok(
      out.includes(
        "  asyncapi/streetlights.yaml:13:3  warning  server 'dev' has no security and its host " +
          "'test.mosquitto.org' is not a loopback address  security-server-unsecured\n",
      ),
    );
  });

  it('groups findings by the file they are in, including referenced files', () => {
    const out = formatPretty(loadResults(), fixedContext({ sourceFor: () => undefined }));
    const headers = out.split('\n').filter((l) => l !== '' && !l.startsWith(' ') && !/^[✖✔]/.test(l));
    assert.deepEqual(headers, [
      'asyncapi/streetlights.yaml',
      'asyncapi/legacy/orders.yaml',
      'asyncapi/legacy/schemes.yaml',
      'asyncapi/broken.yaml',
    ]);
  });

  it('sorts the findings of one file by position', () => {
    const out = formatPretty(
      [result([diag({ range: { start: { line: 9, column: 1 }, end: { line: 9, column: 2 } } }), diag()])],
      fixedContext({ sourceFor: () => undefined }),
    );
    assert.ok(out.indexOf('a.yaml:2:3') < out.indexOf('a.yaml:9:1'));
  });

  it('adds a code frame with line numbers and a caret when the source is available', () => {
    const source = 'asyncapi: 3.0.0\nservers:\n  a:\n    host: example.com\n    protocol: ws\n';
    const out = formatPretty(
      [result([diag({ range: { start: { line: 3, column: 3 }, end: { line: 3, column: 4 } } })])],
      fixedContext({ sourceFor: () => source }),
    );
    assert.ok(
      out.includes(
        [
          '      1 | asyncapi: 3.0.0',
          '      2 | servers:',
          '    > 3 |   a:',
          '        |   ^',
          '      4 |     host: example.com',
          '      5 |     protocol: ws',
        ].join('\n'),
      ),
      out,
    );
  });

  it('prints no frame when the diagnostic has no range', () => {
    const out = formatPretty([result([diag({ range: null })])], fixedContext({ sourceFor: () => 'x: 1\n' }));
    assert.ok(out.includes('  a.yaml  warning  server has no security'));
    assert.equal(out.includes('|'), false);
  });

  it('summarizes: plural and singular forms', () => {
    const one = formatPretty(
      [result([diag()], { errors: 1, warnings: 0, infos: 1 })],
      fixedContext({ sourceFor: () => undefined }),
    );
    assert.ok(one.endsWith('✖ 2 problems (1 error, 0 warnings, 1 info)\n'));
  });

  it('says no problems when there are none', () => {
    assert.equal(formatPretty([result([])], fixedContext()), '✔ no problems\n');
  });

  it('never prints control characters or bidi overrides from the document', () => {
    const hostile = diag({ message: `scheme '${ESC}[2J${ESC}]0;pwned\u0007' \u202eevil`, file: `a${ESC}[31m.yaml` });
    const source = `servers:\n  a${ESC}[2J: {}\n`;
    const out = formatPretty([result([hostile])], fixedContext({ sourceFor: () => source }));
    assert.equal(out.includes(ESC), false);
    assert.equal(out.includes('\u0007'), false);
    assert.equal(out.includes('\u202e'), false);
  });
});
