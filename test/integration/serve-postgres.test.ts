// `serve` on the REAL PostgreSQL store: a change made by another process (another store
// connection, as `asyncapi-guard keys revoke` / `users disable` would make it) reaches the running
// serve through LISTEN/NOTIFY and ends the live connections it no longer allows, and only those.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import mqtt from 'mqtt';
import { createPostgresStore } from '../../src/credentials/postgres.js';
import type { CredentialStore } from '../../src/credentials/types.js';
import type { RunningServe } from '../../src/serve/types.js';
import { dropSchema, findPostgresUrl, randomSchemaName } from '../helpers/postgres.js';
import { makeServeProject, PASSWORD, SERVE_DOC, startServeOnFreePorts } from '../serve/helpers.js';

describe('serve with a postgres:// store: credential changes end live connections', () => {
  let url: string;
  const schema = randomSchemaName();
  let admin: CredentialStore;
  let serve: RunningServe;
  let apiKey: string;
  let apiKeyId: string;

  before(async () => {
    url = await findPostgresUrl();
    admin = await createPostgresStore(url, { schema });
    await admin.addPrincipal({ name: 'carol', password: PASSWORD, scopes: ['lights'], iterations: 4096 });
    await admin.addPrincipal({ name: 'dave', password: PASSWORD, scopes: [], iterations: 4096 });
    const created = await admin.createApiKey('carol');
    apiKey = created.key;
    apiKeyId = created.record.id;
    const config =
      `store: ${url}?schema=${schema}\naudit: { level: silent }\nschemes: { userPass: {}, deviceKey: {}, ` +
      `headerKey: {}, basic: {} }\n`;
    const project = await makeServeProject({ 'asyncapi.yaml': SERVE_DOC, 'asyncapi-guard.yaml': config });
    serve = await startServeOnFreePorts(project.dir);
  });
  after(async () => {
    await serve?.close(500);
    await admin?.close();
    if (url !== undefined) await dropSchema(url, schema);
  });

  const connect = (username: string, password: string): Promise<mqtt.MqttClient> =>
    new Promise((resolve, reject) => {
      const port = serve.servers.find((s) => s.name === 'broker')!.port;
      const c = mqtt.connect({
        host: '127.0.0.1',
        port,
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
  const closed = (c: mqtt.MqttClient): Promise<void> => new Promise((resolve) => c.once('close', () => resolve()));
  const within = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
    Promise.race([
      p,
      new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms)),
    ]);

  it(
    'a revoked API key: its live MQTT client is disconnected, the password client of the same user stays, and ' +
      'the key is refused after',
    async () => {
      const keyClient = await connect('carol', apiKey);
      const pwClient = await connect('carol', PASSWORD);
      const gone = closed(keyClient);
      await admin.revokeApiKey(apiKeyId);
      await within(gone, 10_000, 'the disconnect of the revoked key’s client');
      assert.ok(pwClient.connected);
      await assert.rejects(connect('carol', apiKey), (err: { code?: number }) => err.code === 4);
      await pwClient.endAsync();
    },
  );

  it('a disabled user: its live client is disconnected and it cannot log in again', async () => {
    const client = await connect('dave', PASSWORD);
    const gone = closed(client);
    await admin.setDisabled('dave', true);
    await within(gone, 10_000, 'the disconnect of the disabled user’s client');
    await assert.rejects(connect('dave', PASSWORD), (err: { code?: number }) => err.code === 4);
  });
});
