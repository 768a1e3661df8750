// provision mosquitto with a `postgres://` store: the Mosquitto verifiers come from the database
// (migration 2), and --watch hears `users disable` from another process through LISTEN/NOTIFY and
// ends the live connection.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { makeProject, mainPath, runCli } from '../../cli/helpers.js';
import { eventually } from '../../helpers/eventually.js';
import { ADMIN_USER, startMosquitto, type StartedMosquitto } from '../../helpers/mosquitto.js';
import { dropSchema, findPostgresUrl, randomSchemaName } from '../../helpers/postgres.js';
import { closed, connected, end, refusedWith } from '../../transports/fixtures-mqtt/helpers.js';

const PASSWORD = `dana-${randomBytes(6).toString('hex')}`;
const DOC = `
asyncapi: 3.0.0
info: { title: Devices, version: '1' }
servers:
  production:
    host: 127.0.0.1:1883
    protocol: mqtt
    security: [ { $ref: '#/components/securitySchemes/userPass' } ]
channels:
  status: { address: 'devices/{id}/status', parameters: { id: {} } }
operations:
  sendStatus: { action: send, channel: { $ref: '#/channels/status' } }
components:
  securitySchemes:
    userPass: { type: userPassword }
`;

let broker: StartedMosquitto;
let dir: string;
let url: string;
const schema = randomSchemaName();
const clients: MqttClient[] = [];
const env = () => ({ MOSQ_ADMIN: broker.adminPassword });
const run = (args: string[], stdin?: string) =>
  runCli(args, { cwd: dir, env: env(), ...(stdin !== undefined && { stdin }) });

before(async () => {
  url = await findPostgresUrl();
  broker = await startMosquitto();
  dir = makeProject({
    'asyncapi.yaml': DOC,
    'asyncapi-guard.yaml': [
      `store: ${url}?schema=${schema}`,
      'mosquitto:',
      `  broker: mqtt://${ADMIN_USER}@127.0.0.1:${broker.port}`,
      '  adminPassword: env:MOSQ_ADMIN',
      `  dynsecFile: ${broker.dynsecFile}`,
      '',
    ].join('\n'),
  });
});

after(async () => {
  await Promise.all(clients.map((c) => end(c)));
  await broker?.stop();
  await dropSchema(url, schema);
});

test(
  'provision mosquitto, postgres store: the verifier from the database logs in; ' + '--watch hears a disable',
  async () => {
    const added = await run(['users', 'add', 'dana', '--password-stdin'], `${PASSWORD}\n`);
    assert.equal(added.code, 0, added.stderr);
    const first = await run(['provision', 'mosquitto', 'asyncapi.yaml']);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /1 password written/);
    await broker.restart();
    const dana = await connected(broker.url, { username: 'dana', password: PASSWORD, clientId: 'dana-1' });
    clients.push(dana);

    const watcher = spawn(
      process.execPath,
      ['--import', import.meta.resolve('tsx'), mainPath, 'provision', 'mosquitto', 'asyncapi.yaml', '--watch'],
      { cwd: dir, env: { ...process.env, ...env() }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    watcher.stdout.on('data', (d: Buffer) => (out += d.toString()));
    watcher.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await eventually(() => out.includes('watching the store'), 30_000, 'the watch to start');
      assert.match(out, /already matches the document and the store: no command sent/);
      const ended = closed(dana, 30_000);
      const disabled = await run(['users', 'disable', 'dana']);
      assert.equal(disabled.code, 0, disabled.stderr);
      await ended;
      await eventually(() => out.includes('disableClient {"username":"dana"}'), 30_000, 'the disableClient line');
      assert.equal(await refusedWith(broker.url, { username: 'dana', password: PASSWORD, clientId: 'dana-2' }), 5);
    } finally {
      watcher.kill('SIGTERM');
      await new Promise((resolve) => watcher.once('exit', resolve));
    }
    assert.ok(!out.includes(PASSWORD) && !out.includes(broker.adminPassword), 'no secret in the output');
  },
);
