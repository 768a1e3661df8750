// `asyncapi-guard check`: exit codes, the JSON contract, flags, config, globs. Runs the real engine.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CLEAN_DOC,
  ERROR_DOC,
  makeProject,
  runCli,
  runCliOnTerminal,
  WARNING_DOC,
  type JsonResult,
} from './helpers.js';

const project = makeProject({
  'clean.yaml': CLEAN_DOC,
  'warn.yaml': WARNING_DOC,
  'error.yaml': ERROR_DOC,
  'specs/a.yaml': CLEAN_DOC,
  'specs/nested/b.yaml': WARNING_DOC,
  'broken.yaml': 'asyncapi: 3.0.0\ninfo: {title: x\n',
  'configs/strict.yaml': 'check:\n  failOn: warning\n',
  'configs/bad.yaml': 'check:\n  rules:\n    security-server-unsecured: loud\n',
  'configs/unknown-rule.yaml': 'check:\n  rules:\n    security-server-unsecure: off\n',
});

function json(stdout: string): JsonResult {
  return JSON.parse(stdout) as JsonResult;
}

function assertOneLineNoStack(stderr: string): void {
  assert.equal(stderr.trimEnd().split('\n').length, 1, `one line on stderr, got:\n${stderr}`);
  assert.doesNotMatch(stderr, /\n\s+at /);
}

describe('cli check: exit codes', () => {
  it('0 when there is no finding', async () => {
    const r = await runCli(['check', 'clean.yaml'], { cwd: project });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
  });

  it('0 when the findings are below --fail-on (default error)', async () => {
    const r = await runCli(['check', 'warn.yaml'], { cwd: project });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(
      json(r.stdout).diagnostics.some((d) => d.rule === 'security-server-unsecured' && d.severity === 'warning'),
    );
  });

  it('1 when a finding is an error', async () => {
    const r = await runCli(['check', 'error.yaml'], { cwd: project });
    assert.equal(r.code, 1, r.stderr);
    assert.ok(json(r.stdout).diagnostics.some((d) => d.rule === 'security-insecure-url' && d.severity === 'error'));
  });

  it('--fail-on warning: 1 for a warning', async () => {
    const r = await runCli(['check', 'warn.yaml', '--fail-on', 'warning'], { cwd: project });
    assert.equal(r.code, 1);
  });

  it('--fail-on with a bad value: 2', async () => {
    const r = await runCli(['check', 'warn.yaml', '--fail-on', 'fatal'], { cwd: project });
    assert.equal(r.code, 2);
    assertOneLineNoStack(r.stderr);
  });

  it('2 for a missing file: one line on stderr, no stack trace, the report still says why', async () => {
    const r = await runCli(['check', 'missing.yaml'], { cwd: project });
    assert.equal(r.code, 2);
    assertOneLineNoStack(r.stderr);
    assert.match(r.stderr, /^error: .*missing\.yaml.*\(ERR_DOCUMENT_READ\)\n$/);
    const out = json(r.stdout);
    assert.equal(out.fatal?.code, 'ERR_DOCUMENT_READ');
    assert.equal(out.asyncapi, null);
    assert.equal(out.diagnostics[0]?.rule, 'document-load');
  });

  it('2 for malformed YAML, even beside a clean document', async () => {
    const r = await runCli(['check', 'clean.yaml', 'broken.yaml'], { cwd: project });
    assert.equal(r.code, 2);
    assertOneLineNoStack(r.stderr);
    const out = JSON.parse(r.stdout) as JsonResult[];
    assert.deepEqual(
      out.map((x) => [x.document, x.fatal?.code]),
      [
        ['broken.yaml', 'ERR_DOCUMENT_SYNTAX'],
        ['clean.yaml', undefined],
      ],
    );
  });
});

describe('cli check: output formats', () => {
  it('json is the default when stdout is not a terminal, and follows the contract', async () => {
    const r = await runCli(['check', 'warn.yaml'], { cwd: project });
    const out = json(r.stdout);
    assert.deepEqual(Object.keys(out), ['document', 'asyncapi', 'diagnostics', 'summary']);
    assert.equal(out.document, 'warn.yaml');
    assert.equal(out.asyncapi, '3.0.0');
    for (const d of out.diagnostics) {
      assert.deepEqual(Object.keys(d), ['rule', 'severity', 'message', 'pointer', 'file', 'range']);
      assert.equal(d.file, 'warn.yaml');
      assert.ok(d.range && d.range.start.line >= 1 && d.range.start.column >= 1);
    }
    assert.deepEqual(Object.keys(out.summary), ['errors', 'warnings', 'infos']);
    assert.equal(out.summary.warnings, out.diagnostics.filter((d) => d.severity === 'warning').length);
  });

  it('pretty with colors is the default on a terminal', () => {
    const r = runCliOnTerminal(['check', 'warn.yaml'], project);
    assert.equal(r.code, 0);
    assert.ok(r.stdout.includes('\u001b[33mwarning'), r.stdout);
    assert.match(r.stdout, /✖ \d+ problems?/);
  });

  it('--format pretty: plain text without colors when not on a terminal', async () => {
    const r = await runCli(['check', 'warn.yaml', '--format', 'pretty'], { cwd: project });
    assert.match(r.stdout, /^warn\.yaml\n {2}warn\.yaml:6:3 {2}warning {2}.* {2}security-server-unsecured\n/);
    assert.match(r.stdout, /> 6 \| {3}public:/);
    assert.match(r.stdout, /✖ \d+ problems? \(0 errors, \d+ warnings?, \d+ infos?\)\n$/);
    assert.equal(r.stdout.includes('\u001b'), false);
  });

  it('--format pretty with FORCE_COLOR colors, --no-color wins over it', async () => {
    const colored = await runCli(['check', 'warn.yaml', '--format', 'pretty'], {
      cwd: project,
      env: { FORCE_COLOR: '1' },
    });
    assert.ok(colored.stdout.includes('\u001b['));
    const plain = await runCli(['check', 'warn.yaml', '--format', 'pretty', '--no-color'], {
      cwd: project,
      env: { FORCE_COLOR: '1' },
    });
    assert.equal(plain.stdout.includes('\u001b'), false);
  });

  it('--format sarif: a SARIF 2.1.0 log with every rule and a %SRCROOT%-relative location', async () => {
    const r = await runCli(['check', 'specs/nested/b.yaml', '--format', 'sarif'], { cwd: project });
    const log = JSON.parse(r.stdout) as {
      version: string;
      runs: {
        tool: { driver: { name: string; rules: { id: string }[] } };
        results: {
          ruleId: string;
          locations: { physicalLocation: { artifactLocation: { uri: string; uriBaseId: string } } }[];
        }[];
      }[];
    };
    assert.equal(log.version, '2.1.0');
    const run = log.runs[0]!;
    assert.equal(run.tool.driver.name, 'asyncapi-guard');
    assert.ok(run.tool.driver.rules.some((x) => x.id === 'security-server-unsecured'));
    assert.ok(run.tool.driver.rules.some((x) => x.id === 'asyncapi-schema'));
    const res = run.results.find((x) => x.ruleId === 'security-server-unsecured')!;
    assert.deepEqual(res.locations[0]!.physicalLocation.artifactLocation, {
      uri: 'specs/nested/b.yaml',
      uriBaseId: '%SRCROOT%',
    });
  });

  it('--format with an unknown format: 2', async () => {
    const r = await runCli(['check', 'warn.yaml', '--format', 'xml'], { cwd: project });
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assertOneLineNoStack(r.stderr);
  });
});

describe('cli check: --rule', () => {
  it('changes a rule severity', async () => {
    const r = await runCli(['check', 'warn.yaml', '--rule', 'security-server-unsecured=error'], { cwd: project });
    assert.equal(r.code, 1);
    const d = json(r.stdout).diagnostics.find((x) => x.rule === 'security-server-unsecured');
    assert.equal(d?.severity, 'error');
  });

  it('turns a rule off', async () => {
    const r = await runCli(['check', 'error.yaml', '--rule', 'security-insecure-url=off'], { cwd: project });
    assert.equal(
      json(r.stdout).diagnostics.some((x) => x.rule === 'security-insecure-url'),
      false,
    );
  });

  it('an unknown rule id: 2, naming the id and the closest known id', async () => {
    const r = await runCli(['check', 'warn.yaml', '--rule', 'security-server-unsecure=off'], { cwd: project });
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assertOneLineNoStack(r.stderr);
    assert.match(r.stderr, /security-server-unsecure\b.*did you mean 'security-server-unsecured'/);
  });

  it('a bad severity: 2', async () => {
    const r = await runCli(['check', 'warn.yaml', '--rule', 'security-server-unsecured=loud'], { cwd: project });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /security-server-unsecured=loud: expected one of off, info, warning, error/);
  });
});

describe('cli check: config file', () => {
  it('reads asyncapi-guard.yaml from the current folder', async () => {
    const dir = makeProject({
      'warn.yaml': WARNING_DOC,
      'asyncapi-guard.yaml': 'check:\n  rules:\n    security-server-unsecured: error\n',
    });
    const r = await runCli(['check', 'warn.yaml'], { cwd: dir });
    assert.equal(r.code, 1);
    assert.equal(json(r.stdout).diagnostics.find((x) => x.rule === 'security-server-unsecured')?.severity, 'error');
  });

  it('--config FILE sets failOn; --fail-on on the command line wins over it', async () => {
    assert.equal((await runCli(['check', 'warn.yaml', '--config', 'configs/strict.yaml'], { cwd: project })).code, 1);
    assert.equal(
      (await runCli(['check', 'warn.yaml', '--config', 'configs/strict.yaml', '--fail-on', 'error'], { cwd: project }))
        .code,
      0,
    );
  });

  it('--rule wins over the config file', async () => {
    const dir = makeProject({
      'warn.yaml': WARNING_DOC,
      'asyncapi-guard.yaml': 'check:\n  rules:\n    security-server-unsecured: error\n',
    });
    const r = await runCli(['check', 'warn.yaml', '--rule', 'security-server-unsecured=info'], { cwd: dir });
    assert.equal(r.code, 0);
    assert.equal(json(r.stdout).diagnostics.find((x) => x.rule === 'security-server-unsecured')?.severity, 'info');
  });

  it('a bad config: 2, naming file:line:column and the key path', async () => {
    const r = await runCli(['check', 'warn.yaml', '--config', 'configs/bad.yaml'], { cwd: project });
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assertOneLineNoStack(r.stderr);
    assert.equal(
      r.stderr,
      'error: configs/bad.yaml:3:5 check.rules.security-server-unsecured: expected one of off, info, ' +
        'warning, error (ERR_CONFIG_INVALID)\n',
    );
  });

  it('an unknown rule id in the config: 2, naming the closest id', async () => {
    const r = await runCli(['check', 'warn.yaml', '--config', 'configs/unknown-rule.yaml'], { cwd: project });
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      new RegExp(
        String.raw`configs\/unknown-rule\.yaml:3:5 check\.rules\.security-server-unsecure: unknown rule id: ` +
          String.raw`expected .*'security-server-unsecured'`,
      ),
    );
  });

  it('a missing --config file: 2', async () => {
    const r = await runCli(['check', 'warn.yaml', '--config', 'nope.yaml'], { cwd: project });
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'error: nope.yaml: the file does not exist (ERR_CONFIG_INVALID)\n');
  });
});

describe('cli check: several documents and globs', () => {
  it('expands globs, sorted, one result per document, as a JSON array', async () => {
    const r = await runCli(['check', 'specs/**/*.yaml', 'clean.yaml', 'specs/a.yaml'], { cwd: project });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as JsonResult[];
    assert.deepEqual(
      out.map((x) => x.document),
      ['clean.yaml', 'specs/a.yaml', 'specs/nested/b.yaml'],
    );
  });

  it('a glob that matches nothing: 2, naming it', async () => {
    const r = await runCli(['check', 'clean.yaml', 'nothing/*.yml'], { cwd: project });
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'error: no file matches "nothing/*.yml" (ERR_USAGE)\n');
  });
});
