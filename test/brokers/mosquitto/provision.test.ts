// `provision mosquitto` against a real Mosquitto 2.0 with the dynamic security plugin, through the
// real CLI (a child process): what it sends, that Mosquitto then enforces the document (mqtt.js and
// mosquitto_pub/sub as clients), that a second run sends nothing, that --dry-run changes nothing,
// that --watch applies a `users disable` and ends the live connection, and that no password shows.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { makeProject, mainPath, runCli, type Run } from '../../cli/helpers.js';
import { freePort } from '../../helpers/brokers.js';
import { eventually } from '../../helpers/eventually.js';
import { ADMIN_USER, documentedConfLines, startMosquitto, type StartedMosquitto } from '../../helpers/mosquitto.js';
import {
  closed,
  connect,
  connected,
  end,
  inbox,
  mosquittoPub,
  mosquittoSub,
  refusedWith,
  subscribe,
} from '../../transports/fixtures-mqtt/helpers.js';

const MARK = randomBytes(6).toString('hex');
const PASSWORDS = { alice: `alice-${MARK}-pw`, bob: `bob-${MARK}-pw`, carol: `carol-${MARK}-pw` };
const NEW_ALICE_PASSWORD = `alice-${MARK}-new`;

const DOC = `
asyncapi: 3.0.0
info: { title: Devices, version: '1' }
servers:
  production:
    host: 127.0.0.1:1883
    protocol: mqtt
    security:
      - $ref: '#/components/securitySchemes/userPass'
channels:
  status:
    address: 'devices/{id}/status'
    parameters: { id: {} }
  commands:
    address: 'devices/{id}/commands'
    parameters: { id: {} }
operations:
  sendStatus:
    action: send
    channel: { $ref: '#/channels/status' }
  receiveStatus:
    action: receive
    channel: { $ref: '#/channels/status' }
  sendCommand:
    action: send
    channel: { $ref: '#/channels/commands' }
    security: [ { $ref: '#/components/securitySchemes/operatorPass' } ]
  receiveCommands:
    action: receive
    channel: { $ref: '#/channels/commands' }
    security: [ { $ref: '#/components/securitySchemes/operatorPass' } ]
components:
  securitySchemes:
    userPass: { type: userPassword }
    operatorPass: { type: userPassword, scopes: ['devices:command'] }
`;

let broker: StartedMosquitto;
let dir: string;
const outputs: string[] = [];
const env = () => ({ MOSQ_ADMIN: broker.adminPassword });

async function cli(args: string[], stdin?: string): Promise<Run> {
  const run = await runCli(args, { cwd: dir, env: env(), ...(stdin !== undefined && { stdin }) });
  outputs.push(run.stdout, run.stderr);
  return run;
}
const provision = (...extra: string[]) =>
  cli(['provision', 'mosquitto', 'asyncapi.yaml', '--config', 'asyncapi-guard.yaml', ...extra]);
const login = (user: keyof typeof PASSWORDS, password = PASSWORDS[user]) => ({
  username: user,
  password,
  clientId: `${user}-${randomBytes(4).toString('hex')}`,
});

const clients: MqttClient[] = [];
async function open(user: keyof typeof PASSWORDS): Promise<MqttClient> {
  const client = await connected(broker.url, login(user));
  clients.push(client);
  return client;
}

before(async () => {
  broker = await startMosquitto();
  dir = makeProject({
    'asyncapi.yaml': DOC,
    'asyncapi-guard.yaml': [
      'store: file:./credentials.yaml',
      'mosquitto:',
      `  broker: mqtt://${ADMIN_USER}@127.0.0.1:${broker.port}`,
      '  adminPassword: env:MOSQ_ADMIN',
      `  dynsecFile: ${broker.dynsecFile}`,
      '',
    ].join('\n'),
  });
  for (const [user, scopes] of [
    ['alice', ''],
    ['bob', 'devices:command'],
  ] as const) {
    const added = await cli(
      ['users', 'add', user, '--password-stdin', '--scopes', scopes, '--config', 'asyncapi-guard.yaml'],
      `${PASSWORDS[user]}\n`,
    );
    assert.equal(added.code, 0, added.stderr);
  }
});

after(async () => {
  await Promise.all(clients.map((c) => end(c)));
  await broker?.stop();
});

test('docs/brokers/mosquitto.md shows the mosquitto.conf lines this broker runs with, verbatim', async () => {
  const page = await readFile(new URL('../../../docs/brokers/mosquitto.md', import.meta.url), 'utf8');
  const block = /`mosquitto.conf`[^\n]*\n\n```\n([\s\S]*?)```/.exec(page);
  assert.ok(block !== null, 'the page has a mosquitto.conf block');
  assert.deepEqual(block[1]!.trim().split('\n'), documentedConfLines(1883, '/var/lib/mosquitto/dynamic-security.json'));
  const conf = await readFile(broker.confFile, 'utf8');
  for (const line of documentedConfLines(broker.port, broker.dynsecFile)) assert.ok(conf.includes(`${line}\n`), line);
});

test('provision mosquitto: the store keeps a Mosquitto verifier when the config has a mosquitto section', async () => {
  const text = await readFile(join(dir, 'credentials.yaml'), 'utf8');
  assert.match(text, /alice:[\s\S]*?mosquitto: \{ salt: "[A-Za-z0-9+/]{16}", iterations: 10000, hash: "/);
  assert.ok(!text.includes(MARK), 'no password in the store');
});

test('provision mosquitto --dry-run: prints every command, sends none and writes nothing', async () => {
  const before = await readFile(broker.dynsecFile, 'utf8');
  const run = await provision('--dry-run');
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.trim().split('\n');
  assert.ok(
    lines.includes(
      'createClient {"username":"alice","textname":"managed by asyncapi-guard","roles":' +
        '[{"rolename":"asyncapi-guard:receiveStatus"},{"rolename":"asyncapi-guard:sendStatus"}]}',
    ),
    run.stdout,
  );
  assert.ok(
    lines.includes(
      'createRole {"rolename":"asyncapi-guard:sendCommand","textname":"managed by asyncapi-guard","acls":' +
        '[{"acltype":"publishClientSend","topic":"devices/+/commands","allow":true}]}',
    ),
    run.stdout,
  );
  assert.match(
    run.stderr,
    /dry run: \d+ commands would be sent .* and 2 password verifier\(s\) written .*; nothing was sent or written/,
  );
  assert.equal(await readFile(broker.dynsecFile, 'utf8'), before, 'the plugin file is unchanged');
  // Nothing reached the broker: a second dry run would send the same.
  const again = await provision('--dry-run');
  assert.equal(again.stdout.trim().split('\n').length, lines.length);
});

test('provision mosquitto: applies roles, clients and default access; passwords count after a restart', async () => {
  const run = await provision();
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^setDefaultACLAccess /m);
  assert.match(run.stdout, /^createClient \{"username":"bob",.*"asyncapi-guard:receiveCommands"/m);
  assert.match(run.stdout, /^createClient \{"username":"alice",/m);
  assert.doesNotMatch(run.stdout, /^createClient \{"username":"alice",.*Command/m);
  assert.doesNotMatch(run.stdout, /setClientPassword/, 'a new client has no password to withdraw');
  assert.match(run.stderr, /2 passwords written to .*restart it/);
  const file = JSON.parse(await readFile(broker.dynsecFile, 'utf8')) as { clients: { username: string }[] };
  assert.ok(file.clients.some((c) => c.username === 'alice'));
  await broker.restart();
});

test('provision mosquitto: the right password connects, a wrong one and anonymous are refused', async () => {
  const client = await open('alice');
  assert.ok(client.connected);
  assert.equal(await refusedWith(broker.url, login('alice', 'not-the-password')), 5);
  assert.equal(await refusedWith(broker.url, { clientId: `anon-${randomBytes(4).toString('hex')}` }), 5);
  assert.equal(await refusedWith(broker.url, login('carol')), 5, 'a principal not in the store');
  const pub = await mosquittoPub([
    '-p',
    String(broker.port),
    '-u',
    'bob',
    '-P',
    PASSWORDS.bob,
    '-t',
    'devices/7/status',
    '-m',
    'up',
  ]);
  assert.equal(pub.code, 0, pub.stderr);
  const refused = await mosquittoPub(['-p', String(broker.port), '-u', 'bob', '-P', 'wrong', '-t', 'x', '-m', 'y']);
  assert.notEqual(refused.code, 0);
  // mosquitto_sub as bob receives what alice publishes on a declared channel (published until it arrives: when the
  // subscription is in place is not observable from outside).
  const sub = mosquittoSub([
    '-p',
    String(broker.port),
    '-u',
    'bob',
    '-P',
    PASSWORDS.bob,
    '-t',
    'devices/+/status',
    '-C',
    '1',
  ]);
  try {
    await eventually(
      () => {
        client.publish('devices/9/status', 'hello');
        return sub.lines.includes('hello');
      },
      30_000,
      'mosquitto_sub to receive',
      200,
    );
  } finally {
    sub.stop();
  }
});

test('provision mosquitto: an operation extra scope is enforced on publish (seen by a subscriber)', async () => {
  const bob = await open('bob');
  const alice = await open('alice');
  const seen = inbox(bob);
  assert.deepEqual(await subscribe(bob, ['devices/+/commands', 'devices/+/status']), [0, 0]);
  // Mosquitto drops an unauthorized QoS 0 publish silently: bob's own publish after it is the
  // marker that alice's would have arrived by then (one broker delivers to one subscriber in order).
  alice.publish('devices/1/commands', 'from-alice');
  alice.publish('devices/1/status', 'status-from-alice');
  await new Promise<void>((resolve) => alice.publish('devices/1/status', 'flush', { qos: 1 }, () => resolve()));
  bob.publish('devices/1/commands', 'from-bob');
  await seen.waitFor(3);
  const payloads = seen.messages.map((m) => `${m.topic} ${m.payload}`);
  assert.ok(payloads.includes('devices/1/status status-from-alice'), payloads.join());
  assert.ok(payloads.includes('devices/1/commands from-bob'), payloads.join());
  assert.ok(!payloads.includes('devices/1/commands from-alice'), payloads.join());
});

test('provision mosquitto: subscribe needs the scope (SUBACK 0x80), an undeclared channel is refused', async () => {
  const alice = await open('alice');
  assert.deepEqual(await subscribe(alice, ['devices/+/commands']), [0x80]);
  assert.deepEqual(await subscribe(alice, ['devices/+/status']), [0]);
  const bob = await open('bob');
  assert.deepEqual(await subscribe(bob, ['other/#']), [0x80]);
  assert.deepEqual(await subscribe(bob, ['#']), [0x80]);
  // An undeclared publish is dropped: the admin (who may receive `#`) sees the later marker only.
  const observer = await connected(broker.url, {
    username: ADMIN_USER,
    password: broker.adminPassword,
    clientId: `observer-${randomBytes(4).toString('hex')}`,
  });
  clients.push(observer);
  const seen = inbox(observer);
  assert.deepEqual(await subscribe(observer, ['#']), [0]);
  bob.publish('other/topic', 'undeclared');
  bob.publish('devices/2/status', 'marker');
  await seen.waitFor(1);
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(
    seen.messages.map((m) => m.topic),
    ['devices/2/status'],
  );
});

test('provision mosquitto: a second run sends nothing and says so', async () => {
  const run = await provision();
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, '');
  assert.match(run.stderr, /already matches the document and the store: no command sent/);
});

test('provision mosquitto --watch: a disabled user is refused and its live connection ends', async () => {
  const alice = await open('alice');
  const watcher: ChildProcess = spawn(
    process.execPath,
    ['--import', import.meta.resolve('tsx'), mainPath, 'provision', 'mosquitto', 'asyncapi.yaml', '--watch'],
    { cwd: dir, env: { ...process.env, ...env() }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  watcher.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  watcher.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  try {
    await eventually(() => out.includes('watching the store'), 30_000, 'the watch to start');
    const ended = closed(alice, 30_000);
    const started = Date.now();
    const disabled = await cli(['users', 'disable', 'alice', '--config', 'asyncapi-guard.yaml']);
    assert.equal(disabled.code, 0, disabled.stderr);
    await ended;
    const tookMs = Date.now() - started;
    await eventually(() => out.includes('disableClient {"username":"alice"}'), 30_000, 'the disableClient line');
    assert.equal(await refusedWith(broker.url, login('alice')), 5);
    // Reported, not asserted as a bound (a busy machine may be slow): the issue asks for under 5 s.
    console.log(`# disable → live connection closed in ${tookMs} ms`);

    // Mosquitto restarts (as after a password write): the watch reconnects and keeps applying changes.
    await broker.restart();
    const enabled = await cli(['users', 'enable', 'alice', '--config', 'asyncapi-guard.yaml']);
    assert.equal(enabled.code, 0, enabled.stderr);
    await eventually(
      async () => {
        const r = await connect(broker.url, login('alice'));
        r.client.end(true);
        return !('returnCode' in r);
      },
      30_000,
      'alice enabled again',
    );

    const scoped = await cli(['users', 'scopes', 'alice', 'devices:command', '--config', 'asyncapi-guard.yaml']);
    assert.equal(scoped.code, 0, scoped.stderr);
    await eventually(
      () => /addClientRole \{"username":"alice","rolename":"asyncapi-guard:receiveCommands"\}/.test(out),
      30_000,
      'the new role',
    );
    const again = await open('alice');
    assert.deepEqual(await subscribe(again, ['devices/+/commands']), [0]);

    // A removed principal's client is deleted, which also ends its live connection.
    const bob = await open('bob');
    const bobEnded = closed(bob, 30_000);
    const removed = await cli(['users', 'remove', 'bob', '--config', 'asyncapi-guard.yaml']);
    assert.equal(removed.code, 0, removed.stderr);
    await bobEnded;
    await eventually(() => out.includes('deleteClient {"username":"bob"}'), 30_000, 'the deleteClient line');
    assert.equal(await refusedWith(broker.url, login('bob')), 5);

    // A password change: the broker's copy of the old one is withdrawn at once, the new one works after a restart.
    const passwd = await cli(
      ['users', 'passwd', 'alice', '--password-stdin', '--config', 'asyncapi-guard.yaml'],
      `${NEW_ALICE_PASSWORD}\n`,
    );
    assert.equal(passwd.code, 0, passwd.stderr);
    await eventually(
      () => out.includes('setClientPassword {"username":"alice","password":"***"}') && /1 password written/.test(out),
      30_000,
      'the withdrawal and the file write',
    );
    assert.equal(await refusedWith(broker.url, login('alice')), 5, 'the old password fails at once');
    assert.equal(await refusedWith(broker.url, login('alice', NEW_ALICE_PASSWORD)), 5, 'the new one needs a restart');
    await broker.restart();
    const renewed = await connected(broker.url, login('alice', NEW_ALICE_PASSWORD));
    clients.push(renewed);
    assert.equal(await refusedWith(broker.url, login('alice')), 5);
  } finally {
    outputs.push(out);
    watcher.kill('SIGTERM');
    await new Promise((resolve) => watcher.once('exit', resolve));
  }
  assert.match(out, /stopped/);
});

test('provision mosquitto: a password in --broker is refused without echoing it', async () => {
  const run = await cli([
    'provision',
    'mosquitto',
    'asyncapi.yaml',
    '--config',
    'asyncapi-guard.yaml',
    '--broker',
    `mqtt://admin:${MARK}-secret@127.0.0.1:${broker.port}`,
  ]);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /--broker: holds a password/);
});

test(
  'provision mosquitto: a wrong admin password, an unreachable broker, conflicting flags: exit 2, ' + 'one line',
  async () => {
    const wrong = await runCli(['provision', 'mosquitto', 'asyncapi.yaml', '--config', 'asyncapi-guard.yaml'], {
      cwd: dir,
      env: { MOSQ_ADMIN: `wrong-${MARK}-admin` },
    });
    outputs.push(wrong.stdout, wrong.stderr);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /the broker refused the admin user name or password.*\(ERR_BROKER_UNAVAILABLE\)/);
    const port = await freePort();
    const down = await cli([
      'provision',
      'mosquitto',
      'asyncapi.yaml',
      '--config',
      'asyncapi-guard.yaml',
      '--broker',
      `mqtt://admin@127.0.0.1:${port}`,
    ]);
    assert.equal(down.code, 2);
    assert.match(down.stderr, /connection refused.*\(ERR_BROKER_UNAVAILABLE\)/);
    const both = await provision('--dry-run', '--watch');
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--dry-run and --watch cannot be used together/);
    for (const run of [wrong, down, both]) assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
  },
);

test('provision mosquitto: no password or admin secret in any output, the store or the broker log', async () => {
  const everything = [...outputs, broker.output(), await readFile(join(dir, 'credentials.yaml'), 'utf8')].join('\n');
  assert.ok(!everything.includes(MARK), 'a password marker leaked');
  assert.ok(!everything.includes(broker.adminPassword), 'the admin password leaked');
});
