// Shared by the RabbitMQ authd tests: a project folder (document, config, file store) and a small
// HTTP client that asks authd what RabbitMQ's HTTP auth backend asks, over keep-alive.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileStore } from '../../../src/credentials/file.js';

export const ALICE_PASSWORD = 'alice-correct-horse';
export const BOB_PASSWORD = 'bob-battery-staple';

/**
 * One AMQP server (vhost `/`) with userPassword or apiKey (in: password). `lights/{id}/on` needs
 * nothing beyond the server's security; `lights/{id}/dim` needs the scope `lights:admin`; `alarms`
 * is a queue; `status.{id}` is a routing key on the `events` exchange.
 */
export const RABBIT_DOC = `asyncapi: 3.0.0
info: { title: rabbitmq authd test, version: '1' }
servers:
  broker:
    host: 127.0.0.1:5672
    protocol: amqp
    security:
      - $ref: '#/components/securitySchemes/userPass'
      - $ref: '#/components/securitySchemes/deviceKey'
channels:
  lightOn: { address: 'lights/{id}/on' }
  dim: { address: 'lights/{id}/dim' }
  alarms:
    address: alarms
    bindings: { amqp: { is: queue, queue: { name: alarms } } }
  status:
    address: 'status.{id}'
    bindings: { amqp: { is: routingKey, exchange: { name: events, type: topic } } }
operations:
  sendLightOn: { action: send, channel: { $ref: '#/channels/lightOn' } }
  receiveLightOn: { action: receive, channel: { $ref: '#/channels/lightOn' } }
  sendDim:
    action: send
    channel: { $ref: '#/channels/dim' }
    security:
      - $ref: '#/components/securitySchemes/userPassAdmin'
      - $ref: '#/components/securitySchemes/deviceKeyAdmin'
  receiveDim:
    action: receive
    channel: { $ref: '#/channels/dim' }
    security:
      - $ref: '#/components/securitySchemes/userPassAdmin'
      - $ref: '#/components/securitySchemes/deviceKeyAdmin'
  receiveAlarms: { action: receive, channel: { $ref: '#/channels/alarms' } }
  sendStatus: { action: send, channel: { $ref: '#/channels/status' } }
components:
  securitySchemes:
    userPass: { type: userPassword }
    deviceKey: { type: apiKey, in: password }
    userPassAdmin: { type: userPassword, scopes: ['lights:admin'] }
    deviceKeyAdmin: { type: apiKey, in: password, scopes: ['lights:admin'] }
`;

export function rabbitConfig(extra = ''): string {
  return `store: file:./credentials.yaml
audit: { level: info }
schemes: { userPass: {}, deviceKey: {}, userPassAdmin: {}, deviceKeyAdmin: {} }
authd:
  listen: 127.0.0.1:0
  rabbitmq:
    - server: broker
${extra}`;
}

export interface RabbitProject {
  readonly dir: string;
  /** bob's API key (whole), and its id. */
  readonly bobKey: string;
  readonly bobKeyId: string;
  /** carol has an API key only (no password): her kept session is always the key's. */
  readonly carolKey: string;
  readonly carolKeyId: string;
}

/** alice (password, scope lights:admin), bob (password, no scope, one API key), carol (one API key, no password). */
export async function makeRabbitProject(config = rabbitConfig()): Promise<RabbitProject> {
  const dir = mkdtempSync(join(tmpdir(), 'guard-authd-'));
  writeFileSync(join(dir, 'asyncapi.yaml'), RABBIT_DOC);
  writeFileSync(join(dir, 'asyncapi-guard.yaml'), config);
  const store = await createFileStore(join(dir, 'credentials.yaml'), { watch: false });
  await store.addPrincipal({ name: 'alice', password: ALICE_PASSWORD, scopes: ['lights:admin'], iterations: 4096 });
  await store.addPrincipal({ name: 'bob', password: BOB_PASSWORD, scopes: [], iterations: 4096 });
  await store.addPrincipal({ name: 'carol', scopes: [] });
  const created = await store.createApiKey('bob');
  const carol = await store.createApiKey('carol');
  await store.close();
  return {
    dir,
    bobKey: created.key,
    bobKeyId: created.record.id,
    carolKey: carol.key,
    carolKeyId: carol.record.id,
  };
}

/** Applies a change to the project's store through a second handle (as `users disable` does). */
export async function changeStore(
  dir: string,
  change: (store: Awaited<ReturnType<typeof createFileStore>>) => Promise<unknown>,
): Promise<void> {
  const store = await createFileStore(join(dir, 'credentials.yaml'), { watch: false });
  try {
    await change(store);
  } finally {
    await store.close();
  }
}

export interface Answer {
  readonly status: number;
  readonly body: string;
}

/** A keep-alive client for one authd. */
export function authdClient(port: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  const send = (method: string, path: string, body?: string, headers: Record<string, string> = {}) =>
    new Promise<Answer>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method,
          path,
          agent,
          headers: {
            ...(body !== undefined
              ? { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) }
              : {}),
            ...headers,
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  return {
    agent,
    send,
    /** POST form-encoded, as RabbitMQ does with `auth_http.http_method = post`. */
    post: (path: string, fields: Record<string, string>) => send('POST', path, new URLSearchParams(fields).toString()),
    /** GET with a query, RabbitMQ's default. */
    get: (path: string, fields: Record<string, string>) =>
      send('GET', `${path}?${new URLSearchParams(fields).toString()}`),
    close: () => agent.destroy(),
  };
}
