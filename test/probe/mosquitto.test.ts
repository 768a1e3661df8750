// Misconfigured real Mosquitto brokers (private, generated configs, free loopback ports) give the right findings:
// `allow_anonymous true` → anonymous accepted; dynamic security granting every topic to every client → undeclared
// channels and `#` accepted, each seen from the broker's own answers (SUBACK) and, for publishes, from a second
// connection that received the message.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { requireBinary } from '../helpers/binaries.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeDocument } from '../../src/probe/run.js';
import { probers } from '../../src/probe/probers.js';
import { loadProbeCredentials } from '../../src/probe/credentials.js';
import type { LocatedOutcome, ProbeReport } from '../../src/probe/types.js';
import { DYNSEC_PLUGIN, initDynsec, startMosquitto, type Mosquitto } from './mosquitto.js';

const DOC = `asyncapi: 3.0.0
info: { title: lights, version: '1' }
servers:
  broker:
    host: broker.example:1883
    protocol: mqtt
    security:
      - $ref: '#/components/securitySchemes/userPass'
channels:
  status:
    address: 'lights/{id}/status'
    parameters:
      id: { enum: [lamp-1, lamp-2] }
operations:
  sendStatus: { action: send, channel: { $ref: '#/channels/status' } }
  receiveStatus: { action: receive, channel: { $ref: '#/channels/status' } }
components:
  securitySchemes:
    userPass: { type: userPassword }
`;

const started: Mosquitto[] = [];
const dirs: string[] = [];
after(async () => {
  for (const m of started) await m.stop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function project(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'probe-mqtt-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

const failed = (report: ProbeReport, id: string): LocatedOutcome[] =>
  report.servers.flatMap((s) => s.outcomes).filter((o) => o.id === id && o.status === 'fail');

test('mosquitto with allow_anonymous true: the anonymous finding, located at the server', async () => {
  const broker = await startMosquitto(() => 'allow_anonymous true\n');
  started.push(broker);
  const dir = await project({ 'asyncapi.yaml': DOC });
  const report = await probeDocument('asyncapi.yaml', {
    cwd: dir,
    probers,
    hosts: { broker: `127.0.0.1:${broker.port}` },
  });
  const [anonymous] = failed(report, 'auth-anonymous-accepted');
  assert.ok(anonymous, JSON.stringify(report.servers, null, 1));
  assert.equal(anonymous.severity, 'error');
  assert.equal(anonymous.pointer, '/servers/broker');
  assert.equal(anonymous.range?.start.line, 4);
  assert.match(anonymous.evidence!.received, /CONNACK 0/);
  // The open broker's anonymous client shows what anyone may do.
  assert.equal(failed(report, 'authz-all-topics-accepted').length, 1);
  assert.equal(report.servers[0]!.target, `127.0.0.1:${broker.port}`);
});

test('mosquitto with dynsec granting # to every client: undeclared-channel and all-topics findings', async () => {
  const admin = { user: 'admin', password: 'admin-pass-for-tests' };
  const confDir = await project({});
  const dynsec = await initDynsec(confDir, admin);
  const broker = await startMosquitto(
    () => `allow_anonymous false\nplugin ${DYNSEC_PLUGIN}\nplugin_opt_config_file ${dynsec}\n`,
    admin,
  );
  started.push(broker);
  await broker.ctrl('dynsec', 'createClient', 'sensor', '-p', 'sensor-secret-1234');
  // A role allowing `#` for everything, given to every client (the one this broker has).
  await broker.ctrl('dynsec', 'createRole', 'everything');
  for (const type of ['publishClientSend', 'publishClientReceive', 'subscribePattern']) {
    await broker.ctrl('dynsec', 'addRoleACL', 'everything', type, '#', 'allow');
  }
  await broker.ctrl('dynsec', 'addClientRole', 'sensor', 'everything');
  const dir = await project({
    'asyncapi.yaml': DOC,
    'probe-credentials.yaml': `schemes:\n  userPass:\n    - { name: sensor, password: env:PROBE_SENSOR_PASSWORD }\n`,
  });
  const principals = await loadProbeCredentials('probe-credentials.yaml', {
    cwd: dir,
    env: { PROBE_SENSOR_PASSWORD: 'sensor-secret-1234' },
  });
  const report = await probeDocument('asyncapi.yaml', {
    cwd: dir,
    probers,
    principals,
    hosts: { broker: `127.0.0.1:${broker.port}` },
  });
  const outcomes = report.servers[0]!.outcomes;
  const status = (id: string) => outcomes.filter((o) => o.id === id).map((o) => o.status);
  assert.deepEqual(status('auth-anonymous-accepted'), ['pass']);
  assert.deepEqual(status('auth-wrong-credential-accepted'), ['pass']);
  assert.deepEqual(status('auth-credential-refused'), ['pass']);
  assert.deepEqual(status('authz-operation-refused'), ['pass', 'pass']);
  // Subscribe (SUBACK granted) and publish (the watcher received it) on a channel the document does not declare.
  assert.deepEqual(status('authz-undeclared-channel-accepted'), ['fail', 'fail']);
  const publish = outcomes.filter((o) => o.id === 'authz-undeclared-channel-accepted')[1]!;
  assert.match(publish.evidence!.received, /the message arrived/);
  assert.deepEqual(status('authz-all-topics-accepted'), ['fail']);
  // The sample address takes the parameter's first enum value.
  assert.match(outcomes.find((o) => o.operation === 'sendStatus')!.message, /lights\/lamp-1\/status/);
  assert.ok(!JSON.stringify(report).includes('sensor-secret-1234'));
});

test('mosquitto with an ACL: a refused publish is observed as not delivered, not trusted from a PUBACK', async () => {
  const dir = await project({
    passwd: '',
    acl: 'user sensor\ntopic readwrite lights/+/status\n',
    'asyncapi.yaml': DOC,
  });
  const passwd = join(dir, 'passwd');
  await promisify(execFile)(requireBinary('mosquitto_passwd', 'mosquitto'), ['-b', passwd, 'sensor', 'sensor-pw-5678']);
  const broker = await startMosquitto(
    () => `allow_anonymous false\npassword_file ${passwd}\nacl_file ${join(dir, 'acl')}\n`,
  );
  started.push(broker);
  const principals = new Map([
    ['userPass', [{ name: 'sensor', scheme: 'userPass', scopes: [], password: 'sensor-pw-5678' }]],
  ]);
  const report = await probeDocument('asyncapi.yaml', {
    cwd: dir,
    probers,
    principals,
    hosts: { broker: `127.0.0.1:${broker.port}` },
  });
  const outcomes = report.servers[0]!.outcomes;
  const undeclared = outcomes.filter((o) => o.id === 'authz-undeclared-channel-accepted');
  // The publish to a topic the ACL denies got a PUBACK (3.1.1 has no negative one) but never arrived: refused,
  // as the watcher saw. Trusting the PUBACK would have called it accepted.
  assert.equal(undeclared.length, 2);
  assert.equal(undeclared[1]!.status, 'pass', JSON.stringify(undeclared[1]));
  assert.match(undeclared[1]!.evidence!.received, /PUBACK/);
  assert.match(undeclared[1]!.evidence!.received, /not delivered/);
  assert.deepEqual(
    outcomes.filter((o) => o.id === 'authz-operation-refused').map((o) => o.status),
    ['pass', 'pass'],
  );
});

test('mosquitto speaking MQTT 5 (protocolVersion 5): refusals read from v5 reason codes', async () => {
  const dir = await project({
    passwd: '',
    acl: 'user sensor\ntopic readwrite lights/+/status\n',
    'asyncapi.yaml': DOC.replace('protocol: mqtt\n', "protocol: mqtt\n    protocolVersion: '5'\n"),
  });
  const passwd = join(dir, 'passwd');
  await promisify(execFile)(requireBinary('mosquitto_passwd', 'mosquitto'), ['-b', passwd, 'sensor', 'sensor-pw-5']);
  const broker = await startMosquitto(
    () => `allow_anonymous false\npassword_file ${passwd}\nacl_file ${join(dir, 'acl')}\n`,
  );
  started.push(broker);
  const principals = new Map([
    ['userPass', [{ name: 'sensor', scheme: 'userPass', scopes: [], password: 'sensor-pw-5' }]],
  ]);
  const report = await probeDocument('asyncapi.yaml', {
    cwd: dir,
    probers,
    principals,
    hosts: { broker: `127.0.0.1:${broker.port}` },
  });
  const outcomes = report.servers[0]!.outcomes;
  const find = (id: string) => outcomes.filter((o) => o.id === id);
  // MQTT 5 §3.2.2.2: 0x87 Not authorized / 0x86 Bad User Name or Password (3.1.1 would say 5 / 4).
  assert.match(find('auth-anonymous-accepted')[0]!.evidence!.received, /^CONNACK 13[45] /);
  assert.equal(find('auth-anonymous-accepted')[0]!.status, 'pass');
  assert.match(find('auth-wrong-credential-accepted')[0]!.evidence!.received, /^CONNACK 13[45] /);
  assert.deepEqual(
    find('authz-operation-refused').map((o) => o.status),
    ['pass', 'pass'],
  );
  // Mosquitto 2.0 grants a SUBSCRIBE its ACL denies reading (it filters deliveries instead): by its own answer the
  // subscriptions are accepted, which probe reports; the undeclared publish is not delivered, so it passes.
  assert.deepEqual(
    outcomes.filter((o) => o.status === 'fail').map((o) => [o.id, o.evidence!.received]),
    [
      ['authz-undeclared-channel-accepted', 'SUBACK granted QoS 0'],
      ['authz-all-topics-accepted', 'SUBACK granted QoS 0'],
    ],
  );
  assert.equal(find('authz-undeclared-channel-accepted')[1]!.status, 'pass');
});
