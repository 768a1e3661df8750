// The README's "probe against the demo": examples/streetlights set up with setup.mjs (in a copy of the folder),
// `serve` on free loopback ports, and `probe` with examples/streetlights/probe-credentials.yaml and the demo CA
// finds nothing on any of its servers, with every scheme's principal logging in.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServe } from '../../src/serve/start.js';
import type { RunningServe } from '../../src/serve/types.js';
import { loadProbeCredentials } from '../../src/probe/credentials.js';
import { probeDocument } from '../../src/probe/run.js';
import { probers } from '../../src/probe/probers.js';
import type { ProbeReport } from '../../src/probe/types.js';
import { auditCapture, quietLogger } from '../serve/helpers.js';

const example = fileURLToPath(new URL('../../examples/streetlights/', import.meta.url));
let dir: string;
let serve: RunningServe;
let report: ProbeReport;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'probe-demo-'));
  cpSync(example, dir, { recursive: true, filter: (src) => !src.includes('.demo') });
  const out = execFileSync(process.execPath, ['--import', import.meta.resolve('tsx'), join(dir, 'setup.mjs')], {
    cwd: dir,
    env: { ...process.env, ASYNCAPI_GUARD_MODULE: new URL('../../src/index.ts', import.meta.url).href },
    encoding: 'utf8',
  });
  const apiKey = /api key\s+(agk_\S+)/.exec(out)![1]!;
  const names = ['mqtt', 'devices', 'dashboard', 'api', 'stream'];
  serve = await startServe({
    document: 'serve.asyncapi.yaml',
    config: 'asyncapi-guard.yaml',
    cwd: dir,
    logger: quietLogger(),
    auditStream: auditCapture().stream,
    listen: Object.fromEntries(names.map((n) => [n, '127.0.0.1:0'])),
  });
  const principals = await loadProbeCredentials('probe-credentials.yaml', {
    cwd: dir,
    env: { DEMO_PASSWORD: 'streetlights-demo', DEMO_API_KEY: apiKey },
  });
  report = await probeDocument('serve.asyncapi.yaml', {
    cwd: dir,
    probers,
    principals,
    hosts: Object.fromEntries(serve.servers.map((s) => [s.name, `127.0.0.1:${s.port}`])),
    ca: readFileSync(join(dir, '.demo/ca.pem'), 'utf8'),
  });
});

after(async () => {
  await serve?.close(0);
  rmSync(dir, { recursive: true, force: true });
});

test('streetlights demo: no finding on any server, nothing that could not be probed', () => {
  assert.deepEqual(
    report.servers.map((s) => [s.name, s.error ?? null]),
    [
      ['mqtt', null],
      ['devices', null],
      ['dashboard', null],
      ['api', null],
      ['stream', null],
    ],
  );
  const failed = report.servers.flatMap((s) => s.outcomes).filter((o) => o.status === 'fail');
  assert.deepEqual(failed, []);
});

test('streetlights demo: every principal of the credentials file logs in, TLS verified against the demo CA', () => {
  const logins = report.servers
    .flatMap((s) => s.outcomes.map((o) => ({ ...o, name: s.name })))
    .filter((o) => o.id === 'auth-credential-refused' && o.status === 'pass')
    .map((o) => o.name);
  assert.deepEqual([...new Set(logins)], ['mqtt', 'devices', 'dashboard', 'api', 'stream']);
  const devices = report.servers.find((s) => s.name === 'devices')!.outcomes;
  const status = (id: string) => devices.filter((o) => o.id === id).map((o) => o.status);
  assert.deepEqual(status('transport-certificate-invalid'), ['pass']);
  assert.deepEqual(status('transport-client-certificate-optional'), ['pass']);
  assert.deepEqual(status('transport-tls-legacy-accepted'), ['pass']);
  assert.deepEqual(status('transport-cleartext-accepted'), ['pass']);
});
