// What security-requirement-unpresentable claims, seen from a real MQTT 3.1.1 client (mqtt.js): a `send` operation
// needing an API key in the CONNECT user name, on a server needing a user name/password pair, cannot be used by a
// principal holding both, however it fills the one CONNECT; the same principal publishes on an operation whose
// security fits beside the server's. And `check` says so for the same document.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import mqtt from 'mqtt';
import { checkDocument } from '../../src/check/index.js';
import type { RunningServe } from '../../src/serve/types.js';
import { makeServeProject, PASSWORD, startServeOnFreePorts, type Project } from '../serve/helpers.js';

const DOC = `asyncapi: 3.0.0
info: { title: unreachable, version: '1' }
servers:
  broker:
    host: 127.0.0.1:1883
    protocol: mqtt
    security: [{ $ref: '#/components/securitySchemes/userPass' }]
channels:
  status: { address: 'lights/{id}/status' }
  admin: { address: 'admin/{id}' }
operations:
  sendStatus:
    action: send
    channel: { $ref: '#/channels/status' }
    security: [{ $ref: '#/components/securitySchemes/userKey' }]
  sendAdmin:
    action: send
    channel: { $ref: '#/channels/admin' }
    security: [{ $ref: '#/components/securitySchemes/userPass' }]
components:
  securitySchemes:
    userPass: { type: userPassword }
    userKey: { type: apiKey, in: user }
`;
const CONFIG = 'store: file:./credentials.yaml\naudit: { level: silent }\nschemes: { userPass: {}, userKey: {} }\n';

let project: Project;
let serve: RunningServe;

before(async () => {
  project = await makeServeProject({ 'asyncapi.yaml': DOC, 'asyncapi-guard.yaml': CONFIG });
  serve = await startServeOnFreePorts(project.dir, { listen: { broker: '127.0.0.1:0' } });
});
after(async () => serve.close(500));

type Outcome = 'connect refused' | 'publish refused' | 'published';

/** Connects with the pair and publishes once at QoS 1 (a refused QoS 1 PUBLISH disconnects: no negative PUBACK). */
function tryPublish(username: string, password: string, topic: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const c = mqtt.connect({
      host: '127.0.0.1',
      port: serve.servers[0]!.port,
      protocolVersion: 4,
      username,
      password,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
    });
    let connected = false;
    const done = (o: Outcome) => {
      c.end(true);
      resolve(o);
    };
    c.once('connect', () => {
      connected = true;
      c.publishAsync(topic, 'on', { qos: 1 }).then(
        () => done('published'),
        () => done('publish refused'),
      );
    });
    c.once('close', () => done(connected ? 'publish refused' : 'connect refused'));
    c.once('error', () => done(connected ? 'publish refused' : 'connect refused'));
  });
}

describe('an operation check calls unreachable is unreachable for a real MQTT client', () => {
  it('check: error for sendStatus, nothing for sendAdmin', async () => {
    const r = await checkDocument(join(project.dir, 'asyncapi.yaml'));
    const found = r.diagnostics.filter((d) => d.rule === 'security-requirement-unpresentable');
    assert.deepEqual(
      found.map((d) => [d.severity, d.pointer]),
      [['error', '/operations/sendStatus/security']],
    );
  });

  it('alice holds a password and an API key: every way to fill CONNECT is refused on sendStatus', async () => {
    // The pair: connected (the server's requirement is met), the publish refused (no key in the user name).
    assert.equal(await tryPublish('alice', PASSWORD, 'lights/1/status'), 'publish refused');
    // The key in the user name: the pair's user name is gone, so the server's requirement is not met.
    assert.equal(await tryPublish(project.apiKey, PASSWORD, 'lights/1/status'), 'connect refused');
    assert.equal(await tryPublish(project.apiKey, '', 'lights/1/status'), 'connect refused');
  });

  it('control: the same principal publishes where the operation asks what the server asks', async () => {
    assert.equal(await tryPublish('alice', PASSWORD, 'admin/1'), 'published');
  });
});
