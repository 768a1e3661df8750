// An operation's own requirement (AsyncAPI 2.6: `security: [{ userPass: [admin] }]` on the operation): a principal
// that lacks the scope must be refused. `serve` enforces it (pass); Mosquitto with a password file and no ACL lets
// every user publish and subscribe everywhere (authz-requirement-not-enforced, seen by the broker's SUBACK and by the
// message arriving at the allowed principal's connection).

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { probeDocument } from '../../src/probe/run.js';
import { probers } from '../../src/probe/probers.js';
import type { ProbeReport } from '../../src/probe/types.js';
import { requireBinary } from '../helpers/binaries.js';
import { makeServeProject, startServeOnFreePorts, PASSWORD } from '../serve/helpers.js';
import { startMosquitto, type Mosquitto } from './mosquitto.js';

const DOC = `asyncapi: 2.6.0
info: { title: lights, version: '1' }
servers:
  broker:
    url: 127.0.0.1:1883
    protocol: mqtt
    security:
      - userPass: []
channels:
  lights/{id}/command:
    parameters:
      id: { schema: { type: string, enum: [lamp-7] } }
    publish:
      operationId: sendCommand
      security:
        - userPass: [lights]
    subscribe:
      operationId: receiveCommand
components:
  securitySchemes:
    userPass: { type: userPassword }
`;

const principals = new Map([
  [
    'userPass',
    [
      { name: 'alice', scheme: 'userPass', scopes: ['lights'], password: PASSWORD },
      { name: 'bob', scheme: 'userPass', scopes: [], password: PASSWORD },
    ],
  ],
]);

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups) await c();
});

const outcome = (report: ProbeReport, id: string) => report.servers[0]!.outcomes.filter((o) => o.id === id);

test('requirement: serve refuses the principal lacking the operation scope', async () => {
  const project = await makeServeProject({
    'asyncapi.yaml': DOC,
    'asyncapi-guard.yaml': 'store: file:./credentials.yaml\nschemes:\n  userPass: {}\n',
  });
  const serve = await startServeOnFreePorts(project.dir, { listen: { broker: '127.0.0.1:0' } });
  cleanups.push(() => serve.close());
  const report = await probeDocument('asyncapi.yaml', {
    cwd: project.dir,
    probers,
    principals,
    hosts: { broker: `127.0.0.1:${serve.servers[0]!.port}` },
  });
  // The scope guards sendCommand (2.x `publish`): bob gets onto the server but lacks it.
  const lacking = outcome(report, 'authz-requirement-not-enforced');
  assert.equal(lacking.length, 1, JSON.stringify(report.servers[0]!.outcomes));
  assert.equal(lacking[0]!.status, 'pass');
  assert.equal(lacking[0]!.operation, 'sendCommand');
  assert.match(lacking[0]!.message, /^bob lacks sendCommand's requirement and may not/);
  assert.equal(report.summary.failed, 0);
});

test('requirement: Mosquitto without an ACL lets the principal lacking the scope in', async () => {
  const dir = (await makeServeProject()).dir;
  const passwd = join(dir, 'passwd');
  await writeFile(passwd, '');
  const tool = requireBinary('mosquitto_passwd', 'mosquitto');
  for (const user of ['alice', 'bob']) await promisify(execFile)(tool, ['-b', passwd, user, PASSWORD]);
  await writeFile(join(dir, 'asyncapi.yaml'), DOC);
  const broker: Mosquitto = await startMosquitto(() => `allow_anonymous false\npassword_file ${passwd}\n`);
  cleanups.push(
    () => broker.stop(),
    () => rm(dir, { recursive: true, force: true }),
  );
  const report = await probeDocument('asyncapi.yaml', {
    cwd: dir,
    probers,
    principals,
    hosts: { broker: `127.0.0.1:${broker.port}` },
  });
  const lacking = outcome(report, 'authz-requirement-not-enforced');
  assert.equal(lacking.length, 1);
  assert.equal(lacking[0]!.status, 'fail');
  assert.equal(lacking[0]!.severity, 'error');
  assert.equal(lacking[0]!.pointer, '/channels/lights~1{id}~1command/publish');
});
