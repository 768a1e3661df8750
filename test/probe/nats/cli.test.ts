// `asyncapi-guard probe` end to end on NATS: the CLI in a child process, a credentials file with `env:` secrets, two
// real nats-servers (one enforcing per-user permissions over TLS, one without authorization): exit 0 and 1, the
// NATS finding ids in the JSON report, and the planted password in no output.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../cli/helpers.js';
import { createProbePki, type ProbePki } from '../helpers.js';
import { requireBinary } from '../../helpers/binaries.js';
import { startNatsServer, type NatsServerNode as NatsNode } from '../../helpers/nats-callout.js';

/** nats-server 2.9 (Debian's) from a generated config (test/helpers/nats-callout.ts). */
const startNats = (config: (port: number) => string) =>
  startNatsServer(requireBinary('nats-server', 'nats-server'), config);

const MARKER = `marker-${randomBytes(8).toString('hex')}`;
const DOC = `asyncapi: 2.6.0
info: { title: lights, version: '1' }
servers:
  broker: { url: 'nats.example:4222', protocol: nats, security: [{ userPass: [] }] }
channels:
  lights.on:
    subscribe: { operationId: turnOn, message: { payload: { type: string } } }
components:
  securitySchemes:
    userPass: { type: userPassword }
`;

let dir: string;
let pki: ProbePki;
let enforcing: NatsNode;
let open: NatsNode;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'agd-probe-nats-cli-'));
  pki = await createProbePki();
  writeFileSync(join(dir, 'asyncapi.yaml'), DOC);
  writeFileSync(join(dir, 'ca.pem'), pki.pki.root.pem);
  writeFileSync(join(dir, 'server.key'), pki.good.keyPem, { mode: 0o600 });
  writeFileSync(
    join(dir, 'creds.yaml'),
    'schemes:\n  userPass:\n    - { name: alice, password: env:ALICE_PASSWORD }\n',
  );
  enforcing = await startNats(
    (port) => `listen: 127.0.0.1:${port}
tls { cert_file: "${pki.good.certPath}", key_file: "${join(dir, 'server.key')}" }
authorization { users = [ { user: alice, password: "${MARKER}",
  permissions: { publish: ["lights.on"], subscribe: { deny: [">"] } } } ] }
`,
  );
  open = await startNats((port) => `listen: 127.0.0.1:${port}\n`);
});
after(async () => {
  await Promise.all([enforcing?.stop(), open?.stop()]);
  await pki?.pki.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const probe = (port: number, ...args: string[]) =>
  runCli(
    [
      'probe',
      'asyncapi.yaml',
      '--host',
      `broker=127.0.0.1:${port}`,
      '--credentials',
      'creds.yaml',
      '--timeout',
      '10000',
      ...args,
    ],
    {
      cwd: dir,
      env: { ALICE_PASSWORD: MARKER },
    },
  );

interface Report {
  servers: { name: string; checks: { id: string; status: string; severity: string }[] }[];
}

test('cli probe, NATS enforcing the document over TLS: exit 0, every check passes', async () => {
  const run = await probe(enforcing.port, '--ca', 'ca.pem', '--format', 'json');
  assert.equal(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout) as Report;
  const checks = report.servers[0]!.checks;
  assert.deepEqual(
    checks.filter((c) => c.status !== 'pass').map((c) => c.id),
    [],
  );
  assert.ok(checks.some((c) => c.id === 'nats-credentials-cleartext'));
  assert.ok(!run.stdout.includes(MARKER) && !run.stderr.includes(MARKER));
});

test('cli probe, NATS without authorization: exit 1 with the anonymous and wildcard findings', async () => {
  const run = await probe(open.port, '--format', 'json');
  assert.equal(run.code, 1, run.stderr);
  const report = JSON.parse(run.stdout) as Report;
  const failed = report.servers[0]!.checks.filter((c) => c.status === 'fail').map((c) => `${c.id}/${c.severity}`);
  assert.deepEqual(failed.sort(), [
    'auth-anonymous-accepted/error',
    'auth-wrong-credential-accepted/error',
    'authz-all-topics-accepted/error',
    'authz-undeclared-channel-accepted/error',
    'authz-undeclared-channel-accepted/error',
    'nats-credentials-cleartext/warning',
  ]);
  for (const format of ['pretty', 'sarif', 'junit', 'html']) {
    const other = await probe(open.port, '--format', format);
    assert.equal(other.code, 1, other.stderr);
    assert.ok(!other.stdout.includes(MARKER) && !other.stderr.includes(MARKER), format);
  }
});
