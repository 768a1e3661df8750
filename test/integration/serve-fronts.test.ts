// `serve` with the real fronts and real clients: messages cross fronts (MQTT → WebSocket and
// SSE), each subscriber only if authorized, and credential changes end live connections.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import mqtt from 'mqtt';
import WebSocket from 'ws';
import { createFileStore } from '../../src/credentials/file.js';
import type { RunningServe } from '../../src/serve/types.js';
import { makeServeProject, PASSWORD, startServeOnFreePorts, type Project } from '../serve/helpers.js';

const DOC = `asyncapi: 3.0.0
info: { title: cross, version: '1' }
servers:
  broker:
    host: 127.0.0.1:1883
    protocol: mqtt
    security:
      - $ref: '#/components/securitySchemes/userPass'
      - $ref: '#/components/securitySchemes/deviceKey'
  web:
    host: 127.0.0.1:8080
    protocol: ws
    security: [{ $ref: '#/components/securitySchemes/headerKey' }]
  api:
    host: 127.0.0.1:8081
    protocol: http
    security: [{ $ref: '#/components/securitySchemes/basic' }]
channels:
  status: { address: 'lights/{id}/status' }
  admin: { address: 'admin/{id}' }
operations:
  sendStatus: { action: send, channel: { $ref: '#/channels/status' } }
  receiveStatus: { action: receive, channel: { $ref: '#/channels/status' } }
  sendAdmin: { action: send, channel: { $ref: '#/channels/admin' } }
  receiveAdmin:
    action: receive
    channel: { $ref: '#/channels/admin' }
    security: [{ $ref: '#/components/securitySchemes/basic' }]
components:
  securitySchemes:
    userPass: { type: userPassword }
    deviceKey: { type: apiKey, in: password }
    headerKey: { type: httpApiKey, in: header, name: x-api-key }
    basic: { type: http, scheme: basic }
`;
const CONFIG =
  'store: file:./credentials.yaml\naudit: { level: silent }\nschemes: { userPass: {}, deviceKey: {}, ' +
  'headerKey: {}, basic: {} }\n';

let project: Project;
let serve: RunningServe;
const port = (name: string): number => serve.servers.find((s) => s.name === name)!.port;
const basic = (user: string, pass: string): string => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

before(async () => {
  project = await makeServeProject({ 'asyncapi.yaml': DOC, 'asyncapi-guard.yaml': CONFIG });
  serve = await startServeOnFreePorts(project.dir);
});
after(async () => serve.close(500));

function mqttConnect(username: string, password: string): Promise<mqtt.MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect({
      host: '127.0.0.1',
      port: port('broker'),
      protocolVersion: 4,
      username,
      password,
      reconnectPeriod: 0,
      connectTimeout: 5000,
    });
    c.once('connect', () => resolve(c));
    c.once('error', (err) => {
      c.end(true);
      reject(err);
    });
  });
}

function wsOpen(path: string, apiKey: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port('web')}${path}`, { headers: { 'x-api-key': apiKey } });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) =>
      reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })),
    );
    ws.once('error', reject);
  });
}

/** Opens an SSE stream; `next()` resolves with the text received so far once it contains `needle`. */
async function sseOpen(path: string, authorization: string) {
  const controller = new AbortController();
  const res = await fetch(`http://127.0.0.1:${port('api')}${path}`, {
    headers: { accept: 'text/event-stream', authorization },
    signal: controller.signal,
  });
  assert.equal(res.status, 200);
  // A fetch body is a byte stream; the global type leaves its chunks untyped.
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  let text = '';
  return {
    async waitFor(needle: string): Promise<string> {
      const decoder = new TextDecoder();
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) assert.fail(`stream ended before ${needle}`);
        text += decoder.decode(value, { stream: true });
      }
      return text;
    },
    close: () => controller.abort(),
  };
}

/** The text of a WebSocket message, whichever shape `ws` delivers it in. */
const textOf = (data: WebSocket.RawData): string =>
  (Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)).toString('utf8');

const messageOf = (ws: WebSocket): Promise<string> =>
  new Promise((resolve) => ws.once('message', (m) => resolve(textOf(m))));

/**
 * Publishes until `received` settles: a subscription made on another front may land a moment after the client saw its
 * handshake.
 */
async function publishUntil<T>(
  client: mqtt.MqttClient,
  topic: string,
  payload: string,
  received: Promise<T>,
): Promise<T> {
  let done = false;
  void received.then(() => (done = true));
  for (let i = 0; i < 50 && !done; i++) {
    await client.publishAsync(topic, payload, { qos: 0 });
    await Promise.race([received, new Promise((r) => setTimeout(r, 100))]);
  }
  return received;
}

describe('serve: messages cross fronts, each subscriber only if authorized', () => {
  it('an MQTT publish reaches a WebSocket and an SSE subscriber of the same channel', async () => {
    const ws = await wsOpen('/lights/7/status', project.apiKey);
    const sse = await sseOpen('/lights/7/status', basic('alice', PASSWORD));
    const publisher = await mqttConnect('alice', PASSWORD);
    const got = messageOf(ws);
    assert.equal(await publishUntil(publisher, 'lights/7/status', 'lumens=310', got), 'lumens=310');
    assert.match(await sse.waitFor('lumens=310'), /data: lumens=310/);
    ws.close();
    sse.close();
    await publisher.endAsync();
  });

  it(
    'does not deliver to a WebSocket client the channel ' + 'needs another scheme to receive, while SSE gets it',
    async () => {
      // The WebSocket front accepts the handshake (it may publish on admin/1) but subscribes it
      // only if authorize(subscribe) allows: receiveAdmin needs basic, which the key client lacks.
      const ws = await wsOpen('/admin/1', project.apiKey);
      const wsGot: string[] = [];
      ws.on('message', (m) => wsGot.push(textOf(m)));
      const sse = await sseOpen('/admin/1', basic('alice', PASSWORD));
      const publisher = await mqttConnect('alice', PASSWORD);
      await publishUntil(publisher, 'admin/1', 'reboot-1', sse.waitFor('reboot-1'));
      // One more round trip through the bus: a delivery to the WebSocket would have landed by now.
      await publishUntil(publisher, 'admin/1', 'reboot-2', sse.waitFor('reboot-2'));
      assert.deepEqual(wsGot, []);
      ws.close();
      sse.close();
      await publisher.endAsync();
    },
  );

  it('refuses a WebSocket handshake with a wrong API key (401)', async () => {
    await assert.rejects(wsOpen('/lights/7/status', 'agk_nope_nope'), (err: { status?: number }) => err.status === 401);
  });

  it('refuses MQTT CONNECT with a wrong password (CONNACK 4)', async () => {
    await assert.rejects(mqttConnect('alice', 'wrong'), (err: { code?: number }) => err.code === 4);
  });
});

describe('serve: credential hot reload with live clients', () => {
  const closed = (c: mqtt.MqttClient): Promise<void> => new Promise((resolve) => c.once('close', () => resolve()));

  it('disconnects an MQTT client whose API key is revoked, and keeps the password client', async () => {
    const keyClient = await mqttConnect('alice', project.apiKey);
    const pwClient = await mqttConnect('alice', PASSWORD);
    const gone = closed(keyClient);
    const other = await createFileStore(join(project.dir, 'credentials.yaml'), { watch: false });
    await other.revokeApiKey(project.apiKeyId);
    await other.close();
    await gone;
    assert.ok(pwClient.connected);
    await pwClient.endAsync();
  });

  it('disconnects the clients of a disabled user (MQTT and SSE)', async () => {
    const client = await mqttConnect('bob', PASSWORD);
    const sse = await sseOpen('/lights/9/status', basic('bob', PASSWORD));
    const gone = closed(client);
    const other = await createFileStore(join(project.dir, 'credentials.yaml'), { watch: false });
    await other.setDisabled('bob', true);
    await other.close();
    await gone;
    await assert.rejects(sse.waitFor('never-sent'));
    await assert.rejects(mqttConnect('bob', PASSWORD));
  });
});
