// A correctly configured `serve` (the real MQTT, WebSocket and HTTP/SSE fronts on free loopback ports, a file store
// with alice and bob) gives zero findings, with test principals read from a credentials file whose secrets are
// file: and env: references; and every check that can run did run (passes, not skips).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { probeDocument } from '../../src/probe/run.js';
import { probers } from '../../src/probe/probers.js';
import { loadProbeCredentials } from '../../src/probe/credentials.js';
import type { RunningServe } from '../../src/serve/types.js';
import type { ProbeReport } from '../../src/probe/types.js';
import { makeServeProject, startServeOnFreePorts, PASSWORD, type Project } from '../serve/helpers.js';

let project: Project;
let serve: RunningServe;
let report: ProbeReport;

export const SERVE_CREDENTIALS = `schemes:
  userPass:
    - { name: alice, password: env:ALICE_PASSWORD, scopes: [lights] }
  deviceKey:
    - { name: alice-key, user: alice, apiKey: file:./alice.key }
  headerKey:
    - { name: alice-key, apiKey: file:./alice.key }
  basic:
    - { name: alice, password: env:ALICE_PASSWORD }
`;

before(async () => {
  project = await makeServeProject();
  writeFileSync(join(project.dir, 'alice.key'), `${project.apiKey}\n`);
  writeFileSync(join(project.dir, 'probe-credentials.yaml'), SERVE_CREDENTIALS);
  serve = await startServeOnFreePorts(project.dir);
  const hosts = Object.fromEntries(serve.servers.map((s) => [s.name, `127.0.0.1:${s.port}`]));
  const principals = await loadProbeCredentials('probe-credentials.yaml', {
    cwd: project.dir,
    env: { ALICE_PASSWORD: PASSWORD },
  });
  // `events` (AMQP at amqp.example) is not served: left out, so no traffic leaves this machine.
  report = await probeDocument('asyncapi.yaml', {
    cwd: project.dir,
    probers,
    hosts,
    principals,
    servers: ['broker', 'web', 'api'],
  });
});

after(async () => {
  await serve.close();
});

test('serve: zero findings on every front it serves', () => {
  const failed = report.servers.flatMap((s) => s.outcomes).filter((o) => o.status === 'fail');
  assert.deepEqual(failed, []);
  assert.equal(report.summary.failed, 0);
  assert.deepEqual(
    report.servers.map((s) => [s.name, s.error]),
    [
      ['broker', undefined],
      ['web', undefined],
      ['api', undefined],
    ],
  );
});

test('serve: authentication and authorization were checked, not skipped', () => {
  for (const name of ['broker', 'web', 'api']) {
    const outcomes = report.servers.find((s) => s.name === name)!.outcomes;
    const passed = (id: string) => outcomes.filter((o) => o.id === id && o.status === 'pass').length;
    assert.equal(passed('auth-anonymous-accepted'), 1, name);
    assert.ok(passed('auth-wrong-credential-accepted') >= 1, name);
    assert.ok(passed('auth-credential-refused') >= 1, name);
    assert.equal(passed('authz-operation-refused'), 2, `${name}: ${JSON.stringify(outcomes)}`);
    assert.ok(passed('authz-undeclared-channel-accepted') >= 1, name);
  }
  const broker = report.servers.find((s) => s.name === 'broker')!.outcomes;
  assert.equal(broker.filter((o) => o.id === 'authz-all-topics-accepted' && o.status === 'pass').length, 1);
});
