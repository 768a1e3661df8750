// The README quick start: examples/streetlights/setup.mjs creates the demo credentials, keys
// and certificates, and `serve` runs the example with them (in a copy of the folder, on free
// ports): a user and password over MQTT, a client certificate over MQTTS, a bearer JWT over
// WebSocket, an API key over HTTP, SCRAM-SHA-256 over Kafka with TLS (the printed kafkajs and kcat commands).

import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { kcat } from '../transports/kafka/helpers.js';
import mqtt from 'mqtt';
import WebSocket from 'ws';
import { startServe } from '../../src/serve/start.js';
import type { RunningServe } from '../../src/serve/types.js';
import { auditCapture, quietLogger } from '../serve/helpers.js';
import { mosquittoSub } from '../transports/fixtures-mqtt/helpers.js';

const example = fileURLToPath(new URL('../../examples/streetlights/', import.meta.url));
const tsxLoader = import.meta.resolve('tsx');

describe('examples/streetlights: setup.mjs then serve', () => {
  let dir: string;
  let serve: RunningServe;
  let setupOut: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'guard-example-'));
    cpSync(example, dir, { recursive: true, filter: (src) => !src.includes('.demo') });
    setupOut = execFileSync(process.execPath, ['--import', tsxLoader, join(dir, 'setup.mjs')], {
      cwd: dir,
      env: { ...process.env, ASYNCAPI_GUARD_MODULE: new URL('../../src/index.ts', import.meta.url).href },
      encoding: 'utf8',
    });
    serve = await startServe({
      document: 'serve.asyncapi.yaml',
      config: 'asyncapi-guard.yaml',
      cwd: dir,
      logger: quietLogger(),
      auditStream: auditCapture().stream,
      listen: {
        mqtt: '127.0.0.1:0',
        devices: '127.0.0.1:0',
        dashboard: '127.0.0.1:0',
        api: '127.0.0.1:0',
        stream: '127.0.0.1:0',
      },
      admin: '127.0.0.1:0',
    });
  });
  after(async () => {
    await serve?.close(0);
    rmSync(dir, { recursive: true, force: true });
  });
  const port = (name: string) => serve.servers.find((s) => s.name === name)!.port;
  const apiKey = () => /api key\s+(agk_\S+)/.exec(setupOut)![1]!;

  it('serves every server of the example, TLS where the protocol says so', () => {
    assert.deepEqual(
      serve.servers.map((s) => [s.name, s.protocol, s.tls]),
      [
        ['mqtt', 'mqtt', false],
        ['devices', 'secure-mqtt', true],
        ['dashboard', 'ws', false],
        ['api', 'http', false],
        ['stream', 'kafka-secure', true],
      ],
    );
  });

  it('accepts the demo user over MQTT and the demo API key as MQTT password', async () => {
    for (const [username, password] of [
      ['operator', 'streetlights-demo'],
      ['sensor-1', apiKey()],
    ] as const) {
      const c = await mqtt.connectAsync({
        host: '127.0.0.1',
        port: port('mqtt'),
        protocolVersion: 4,
        username,
        password,
        reconnectPeriod: 0,
      });
      await c.endAsync();
    }
  });

  it('the printed wildcard subscription (mosquitto_sub) is granted and receives a measurement', async () => {
    const printed = /mosquitto_sub -p 11883 (.+) -v\n/.exec(setupOut);
    assert.ok(printed, setupOut);
    const args = printed[1]!.split(' ').map((a) => a.replace(/^'(.*)'$/, '$1'));
    assert.ok(args.includes('streetlights/+/lighting/measured'), `a '+' filter is printed: ${printed[1]}`);
    const sub = mosquittoSub(['-p', String(port('mqtt')), ...args, '-v', '-C', '1', '-W', '10']);
    try {
      const pub = await mqtt.connectAsync({
        host: '127.0.0.1',
        port: port('mqtt'),
        protocolVersion: 4,
        username: 'sensor-1',
        password: apiKey(),
        reconnectPeriod: 0,
      });
      // Until it arrives: mosquitto_sub's SUBACK is not observable from here.
      for (let i = 0; i < 50 && sub.lines.length === 0; i++) {
        await pub.publishAsync('streetlights/3/lighting/measured', '{"lumens":7}', { qos: 1 });
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await pub.endAsync();
      assert.equal(await sub.exited, 0, sub.stderr());
      assert.deepEqual(sub.lines, ['streetlights/3/lighting/measured {"lumens":7}']);
    } finally {
      sub.stop();
    }
  });

  it('accepts the demo client certificate over MQTTS', async () => {
    const d = join(dir, '.demo');
    const c = await mqtt.connectAsync({
      protocol: 'mqtts',
      host: '127.0.0.1',
      port: port('devices'),
      protocolVersion: 4,
      ca: readFileSync(join(d, 'ca.pem')),
      cert: readFileSync(join(d, 'client.pem')),
      key: readFileSync(join(d, 'client-key.pem')),
      reconnectPeriod: 0,
    });
    await c.publishAsync('streetlights/7/lighting/measured', '{"lumens":42}');
    await c.endAsync();
  });

  it('accepts the demo bearer token over WebSocket and refuses a request without it (401)', async () => {
    const token = readFileSync(join(dir, '.demo', 'token.jwt'), 'utf8').trim();
    const url = `ws://127.0.0.1:${port('dashboard')}/ws/streetlights/7/lighting/measured`;
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.close();
    const status = await new Promise<number>((resolve) =>
      new WebSocket(url).once('unexpected-response', (_q, res) => resolve(res.statusCode!)).once('error', () => {}),
    );
    assert.equal(status, 401);
  });

  it('accepts the demo API key over HTTP', async () => {
    const res = await fetch(`http://127.0.0.1:${port('api')}/streetlights/7/lighting/measured`, {
      method: 'POST',
      headers: { 'x-api-key': apiKey() },
      body: '{"lumens":1}',
    });
    assert.ok(res.status >= 200 && res.status < 300, String(res.status));
  });

  it('Kafka (TLS, SCRAM-SHA-256): the printed kafkajs command produces, the printed kcat consumes', async () => {
    const port = String(serve.servers.find((s) => s.name === 'stream')!.port);
    const node = /node -e "(const \{Kafka\}[\s\S]*?p\.disconnect\(\)\))"/.exec(setupOut);
    assert.ok(node, setupOut);
    // As a shell would read it: the printed `\"` is a `"`; the port is the test's free one.
    const script = node[1]!.replace(/\\"/g, '"').replaceAll('19093', port);
    await new Promise<void>((resolve, reject) =>
      execFile(
        process.execPath,
        ['-e', script],
        {
          cwd: dir,
          env: { ...process.env, NODE_PATH: fileURLToPath(new URL('../../node_modules/', import.meta.url)) },
        },
        (err, _out, stderr) => (err === null ? resolve() : reject(new Error(stderr))),
      ),
    );
    const printed = /(kcat -b 127\.0\.0\.1:19093[\s\S]*?-o beginning)\n/.exec(setupOut);
    assert.ok(printed, setupOut);
    const args = printed[1]!
      .replace(/\\\n/g, ' ')
      .split(/\s+/)
      .slice(1)
      // The printed paths are relative to where setup ran (the copy).
      .map((a) => a.replace('19093', port).replace('=.demo/', `=${dir}/.demo/`));
    const got = await kcat([...args, '-c', '1', '-e'], undefined, 60_000);
    assert.equal(got.code, 0, got.stderr);
    assert.equal(got.stdout.trim(), '{"lumens":5}');
  });
});
