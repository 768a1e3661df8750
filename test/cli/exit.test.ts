import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exitCodeForResults, oneLine, reportFailure } from '../../src/cli/exit.js';
import { useColor, type CliIo } from '../../src/cli/output.js';
import { ConfigError } from '../../src/errors.js';
import type { CheckResult, Severity } from '../../src/check/types.js';

function io(env: NodeJS.ProcessEnv = {}, tty = false): CliIo & { errors: string } {
  const o = {
    cwd: '/x',
    env,
    stdoutIsTTY: tty,
    stderrIsTTY: tty,
    errors: '',
    out: () => {},
    err: (t: string) => {
      o.errors += t;
    },
  };
  return o;
}

function result(severities: Severity[], fatal = false): CheckResult {
  return {
    document: 'a.yaml',
    asyncapi: '3.0.0',
    diagnostics: severities.map((severity) => ({
      rule: 'r',
      severity,
      message: 'm',
      pointer: '',
      file: 'a.yaml',
      range: null,
    })),
    summary: { errors: 0, warnings: 0, infos: 0 },
    ...(fatal && { fatal: { code: 'ERR_DOCUMENT_READ', message: 'a.yaml: no such file (ERR_DOCUMENT_READ)' } }),
  };
}

describe('cli exit codes', () => {
  it('0 below the threshold, 1 at or above it', () => {
    assert.equal(exitCodeForResults([result(['warning', 'info'])], 'error'), 0);
    assert.equal(exitCodeForResults([result(['warning'])], 'warning'), 1);
    assert.equal(exitCodeForResults([result(['error'])], 'warning'), 1);
    assert.equal(exitCodeForResults([result(['info'])], 'info'), 1);
    assert.equal(exitCodeForResults([result([])], 'info'), 0);
  });

  it('2 when any document is fatal, whatever the findings', () => {
    assert.equal(exitCodeForResults([result([]), result([], true)], 'error'), 2);
  });

  it('a GuardError: its message on one line, exit 2', () => {
    const o = io();
    assert.equal(
      reportFailure(new ConfigError('ERR_CONFIG_INVALID', 'expected x', { file: 'c.yaml', line: 1, column: 2 }), o),
      2,
    );
    assert.equal(o.errors, 'error: c.yaml:1:2: expected x (ERR_CONFIG_INVALID)\n');
  });

  it('a bug: internal error, a hint to report, no stack', () => {
    const o = io();
    assert.equal(reportFailure(new Error('boom\nsecond line'), o), 2);
    const lines = o.errors.trimEnd().split('\n');
    assert.equal(lines[0], 'internal error: boom second line');
    assert.match(lines[1]!, /please report it at https:\/\/github\.com\/asyncapi-guard\/asyncapi-guard\/issues/);
    assert.equal(lines.length, 2);
  });

  it('a bug with ASYNCAPI_GUARD_DEBUG=1: the stack', () => {
    const o = io({ ASYNCAPI_GUARD_DEBUG: '1' });
    reportFailure(new Error('boom'), o);
    assert.match(o.errors, /^internal error: boom\nError: boom\n\s+at /);
  });

  it('keeps messages on one line without control characters', () => {
    assert.equal(oneLine('a\r\nb\u001b[2Jc'), 'a b\ufffd[2Jc');
  });
});

describe('cli colors', () => {
  it('on for a terminal, off for a pipe', () => {
    assert.equal(useColor(true, io({}, true)), true);
    assert.equal(useColor(true, io({}, false)), false);
  });

  it('--no-color, NO_COLOR and TERM=dumb turn it off; FORCE_COLOR turns it on but not over --no-color', () => {
    assert.equal(useColor(false, io({}, true)), false);
    assert.equal(useColor(true, io({ NO_COLOR: '1' }, true)), false);
    assert.equal(useColor(true, io({ TERM: 'dumb' }, true)), false);
    assert.equal(useColor(true, io({ FORCE_COLOR: '1' }, false)), true);
    assert.equal(useColor(true, io({ FORCE_COLOR: '0' }, false)), false);
    assert.equal(useColor(false, io({ FORCE_COLOR: '1' }, true)), false);
  });
});
