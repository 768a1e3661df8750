// provision mosquitto over mqtts://: a Mosquitto listener with TLS 1.2 or later and a certificate
// from a CA made for this run. Trusted through NODE_EXTRA_CA_CERTS, provisioning works; without
// it the broker is refused as untrusted, with one line and no secret.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { makeProject, runCli } from '../../cli/helpers.js';
import { ADMIN_USER, startMosquitto, type StartedMosquitto } from '../../helpers/mosquitto.js';
import { createPki, type Pki } from '../../schemes/x509-pki.js';

const DOC = `
asyncapi: 3.0.0
info: { title: Devices, version: '1' }
servers:
  production:
    host: 127.0.0.1:8883
    protocol: secure-mqtt
    security: [ { $ref: '#/components/securitySchemes/userPass' } ]
channels:
  status: { address: 'devices/{id}/status', parameters: { id: {} } }
operations:
  sendStatus: { action: send, channel: { $ref: '#/channels/status' } }
components:
  securitySchemes:
    userPass: { type: userPassword }
`;
const SERVER_EXT =
  'basicConstraints = CA:FALSE\nkeyUsage = critical, digitalSignature\nextendedKeyUsage = serverAuth\n' +
  'subjectAltName = IP:127.0.0.1';

let pki: Pki;
let broker: StartedMosquitto;
let dir: string;

before(async () => {
  pki = await createPki();
  const cert = await pki.issue('root', 'mosquitto', '/CN=127.0.0.1', SERVER_EXT);
  const keyFile = await pki.write('mosquitto.key', cert.keyPem);
  broker = await startMosquitto({ tls: { certFile: cert.certPath, keyFile } });
  dir = makeProject({
    'asyncapi.yaml': DOC,
    'asyncapi-guard.yaml': `store: file:./credentials.yaml\nmosquitto:\n  adminPassword: env:MOSQ_ADMIN\n`,
  });
});

after(async () => {
  await broker?.stop();
  await pki?.cleanup();
});

const provision = (extraEnv: Record<string, string>) =>
  runCli(
    [
      'provision',
      'mosquitto',
      'asyncapi.yaml',
      '--config',
      'asyncapi-guard.yaml',
      '--broker',
      `mqtts://${ADMIN_USER}@127.0.0.1:${broker.port}`,
    ],
    { cwd: dir, env: { MOSQ_ADMIN: broker.adminPassword, ...extraEnv } },
  );

test('provision mosquitto over mqtts: a broker whose CA is trusted is provisioned', async () => {
  const caFile = await pki.write('ca.pem', pki.root.pem);
  const run = await provision({ NODE_EXTRA_CA_CERTS: caFile });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /mosquitto at mqtts:\/\/127\.0\.0\.1:\d+ \(server production\): \d+ commands sent/);
});

test('provision mosquitto over mqtts: an untrusted certificate is refused, one line, no secret', async () => {
  const run = await provision({});
  assert.equal(run.code, 2);
  assert.match(run.stderr, /TLS certificate is not trusted .*\(ERR_BROKER_UNAVAILABLE\)/);
  assert.equal(run.stderr.trim().split('\n').length, 1);
  assert.ok(!run.stderr.includes(broker.adminPassword));
});
