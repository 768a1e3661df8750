// `asyncapi-guard probe` end to end, the CLI in a child process against a real `serve` on free loopback ports:
// exit codes (0, 1 by --fail-on, 2 could not probe), the JSON output against its published schema, SARIF results at
// the server's place in the document, --output, bad flags and files as one line, and no secret of the credentials
// file in any format (a unique marker password is planted and searched for).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import type { RunningServe } from '../../src/serve/types.js';
import { makeServeProject, startServeOnFreePorts, PASSWORD, SERVE_CONFIG, type Project } from '../serve/helpers.js';
import { runCli } from '../cli/helpers.js';

const MARKER = `marker-${randomBytes(8).toString('hex')}`;
let project: Project;
let serve: RunningServe;
let hostFlags: string[];
const env = (): Record<string, string> => ({ ALICE_PASSWORD: PASSWORD, MALLORY_PASSWORD: MARKER });

before(async () => {
  // Each run's refusals (anonymous, wrong credentials, mallory) count in serve's throttling; a dozen runs would lock
  // this address out (20 failures in 15 minutes) and later runs would check a locked-out server.
  project = await makeServeProject({
    'asyncapi-guard.yaml': `${SERVE_CONFIG}throttle: { freeFailures: 1000, lockoutAfter: 100000 }\n`,
  });
  writeFileSync(join(project.dir, 'alice.key'), `${project.apiKey}\n`);
  // mallory is nobody in the store: its password (the marker) is sent, refused, and must never be shown.
  writeFileSync(
    join(project.dir, 'creds.yaml'),
    `schemes:
  userPass:
    - { name: alice, password: env:ALICE_PASSWORD, scopes: [lights] }
    - { name: mallory, password: env:MALLORY_PASSWORD }
  deviceKey:
    - { name: alice-key, user: alice, apiKey: file:./alice.key }
  basic:
    - { name: alice, password: env:ALICE_PASSWORD }
`,
  );
  serve = await startServeOnFreePorts(project.dir);
  hostFlags = serve.servers.flatMap((s) => ['--host', `${s.name}=127.0.0.1:${s.port}`]);
});

after(async () => {
  await serve.close();
});

const probe = (...args: string[]) =>
  runCli(['probe', 'asyncapi.yaml', '--server', 'broker', ...hostFlags, ...args], { cwd: project.dir, env: env() });

test('cli: json output matches its published schema; exit 0 below --fail-on, 1 at it', async () => {
  const run = await probe('--credentials', 'creds.yaml', '--format', 'json');
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stderr, '');
  const report = JSON.parse(run.stdout) as {
    servers: { name: string; checks: { id: string; status: string; severity: string }[] }[];
    summary: { failed: number; warnings: number; errors: number };
  };
  const schemaText = readFileSync(new URL('../../schemas/probe-report.schema.json', import.meta.url), 'utf8');
  const validate = new Ajv({ strict: true }).compile(JSON.parse(schemaText) as object);
  assert.ok(validate(report), JSON.stringify(validate.errors));
  // mallory's refusal is a warning (the server is stricter than the file says), nothing else fails.
  assert.deepEqual(report.summary.failed, 1);
  assert.deepEqual(report.summary.warnings, 1);
  const failed = report.servers.flatMap((s) => s.checks).filter((c) => c.status === 'fail');
  assert.deepEqual(
    failed.map((c) => c.id),
    ['auth-credential-refused'],
  );

  const strict = await probe('--credentials', 'creds.yaml', '--format', 'json', '--fail-on', 'warning');
  assert.equal(strict.code, 1);
});

test('cli: no secret of the credentials file in any format, on stdout or stderr', async () => {
  for (const format of ['json', 'pretty', 'sarif', 'junit', 'html']) {
    const run = await probe('--credentials', 'creds.yaml', '--format', format);
    assert.equal(run.code, 0, `${format}: ${run.stderr}`);
    for (const secret of [MARKER, PASSWORD, project.apiKey]) {
      assert.ok(!run.stdout.includes(secret), `${format} stdout holds a secret`);
      assert.ok(!run.stderr.includes(secret), `${format} stderr holds a secret`);
    }
    assert.ok(run.stdout.includes('mallory'), `${format} names the principal`);
  }
});

test('cli: sarif results point at the server in the document', async () => {
  const run = await probe('--credentials', 'creds.yaml', '--format', 'sarif');
  const log = JSON.parse(run.stdout) as {
    runs: {
      tool: { driver: { rules: { id: string }[] } };
      results: {
        ruleId: string;
        locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[];
      }[];
    }[];
  };
  const [result] = log.runs[0]!.results;
  assert.equal(result!.ruleId, 'auth-credential-refused');
  const location = result!.locations[0]!.physicalLocation;
  assert.equal(location.artifactLocation.uri, 'asyncapi.yaml');
  // `broker:` is on line 4 of the serve test document.
  assert.equal(location.region.startLine, 4);
  assert.ok(log.runs[0]!.tool.driver.rules.some((r) => r.id === 'authz-all-topics-accepted'));
});

test('cli: --output writes the report to a file; stdout stays empty', async () => {
  const run = await probe('--credentials', 'creds.yaml', '--format', 'junit', '--output', 'probe.xml');
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, '');
  assert.match(readFileSync(join(project.dir, 'probe.xml'), 'utf8'), /^<\?xml version="1.0"/);
});

test('cli: exit 2 with one line why: an unreachable server, a bad flag, a bad credentials file', async () => {
  const unreachable = await runCli(
    ['probe', 'asyncapi.yaml', '--server', 'broker', '--host', 'broker=127.0.0.1:1', '--format', 'json'],
    { cwd: project.dir },
  );
  assert.equal(unreachable.code, 2);
  assert.match(unreachable.stderr, /^error: server broker: cannot connect to 127\.0\.0\.1:1: ECONNREFUSED.*\n$/);

  const badHost = await runCli(['probe', 'asyncapi.yaml', '--host', 'broker'], { cwd: project.dir });
  assert.equal(badHost.code, 2);
  assert.equal(badHost.stderr, 'error: --host broker: expected NAME=HOST:PORT (IPv6 as [ADDRESS]:PORT) (ERR_USAGE)\n');

  const unknown = await runCli(['probe', 'asyncapi.yaml', '--server', 'nope'], { cwd: project.dir });
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /no server 'nope' \(its servers: broker, web, api, events\)/);

  writeFileSync(join(project.dir, 'bad.yaml'), 'schemes:\n  userPass:\n    - { name: a, password: literal }\n');
  const badFile = await runCli(['probe', 'asyncapi.yaml', '--credentials', 'bad.yaml'], { cwd: project.dir });
  assert.equal(badFile.code, 2);
  assert.match(badFile.stderr, /^error: bad\.yaml:3:18 schemes\.userPass\.0\.password: not a reference/);
  assert.ok(!badFile.stderr.includes('literal'));
  assert.equal(badFile.stderr.split('\n').length, 2);

  const timeout = await runCli(['probe', 'asyncapi.yaml', '--timeout', '0'], { cwd: project.dir });
  assert.equal(timeout.code, 2);
  assert.match(timeout.stderr, /--timeout 0: expected a whole number of milliseconds/);
});
