// authd's own connection to nats-server: TLS (1.2 or later, the server's certificate checked against
// the configured CA) for `tls://`, and no cleartext `nats://` beyond loopback, since the callout
// requests carry every client's password (docs/brokers/nats.md, step 3). The CA is made per run.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { connect } from 'nats';
import { createMemoryStore } from '../../../src/credentials/memory.js';
import { loadDocumentFromText } from '../../../src/document/load.js';
import { createGuard, type Guard } from '../../../src/guard/index.js';
import { buildModel } from '../../../src/model/build.js';
import type { SecurityModel } from '../../../src/model/types.js';
import { startNatsCallout, type NatsCalloutOptions } from '../../../src/brokers/nats/callout.js';
import { buildGrantPlan } from '../../../src/brokers/nats/grants.js';
import { requireNatsServer210 } from '../../helpers/binaries.js';
import {
  calloutConfig,
  calloutKeys,
  startNatsServer,
  type CalloutKeys,
  type NatsServerNode,
} from '../../helpers/nats-callout.js';
import { createPki, type Pki } from '../../schemes/x509-pki.js';

const DOC = `asyncapi: 3.0.0
info: { title: nats tls, version: '1' }
servers:
  production:
    host: 127.0.0.1:4222
    protocol: nats
    security: [{ $ref: '#/components/securitySchemes/userPass' }]
channels:
  status: { address: 'lights.{id}.status' }
operations:
  sendStatus: { action: send, channel: { $ref: '#/channels/status' } }
components:
  securitySchemes:
    userPass: { type: userPassword }
`;
const SERVER_EXT =
  'basicConstraints = CA:FALSE\nkeyUsage = critical, digitalSignature\nextendedKeyUsage = serverAuth\n' +
  // nats.js names no server for an IP address in its STARTTLS-style upgrade, so Node checks `localhost`.
  'subjectAltName = IP:127.0.0.1, DNS:localhost';

let pki: Pki;
let keys: CalloutKeys;
let nats: NatsServerNode;
let guard: Guard;
let model: SecurityModel;
let ca = '';
let otherCa = '';

const options = (over: Partial<NatsCalloutOptions>): NatsCalloutOptions => ({
  guard,
  plan: buildGrantPlan(model, 'production', 'application', new Set()),
  url: `tls://127.0.0.1:${nats.port}`,
  ca,
  login: keys.authUser,
  issuerSeed: keys.issuerSeed,
  account: 'APP',
  logger: pino({ level: 'silent' }),
  ...over,
});

before(async () => {
  pki = await createPki();
  const cert = await pki.issue('root', 'nats-server', '/CN=127.0.0.1', SERVER_EXT);
  const keyFile = await pki.write('nats-server.key', cert.keyPem);
  ca = pki.root.pem;
  otherCa = pki.otherRoot.pem;
  keys = calloutKeys();
  nats = await startNatsServer(
    requireNatsServer210(),
    (port) =>
      `${calloutConfig(port, keys)}tls { cert_file: "${cert.certPath}", key_file: "${keyFile}", min_version: "1.2" }\n`,
  );
  const store = createMemoryStore();
  await store.addPrincipal({ name: 'alice', password: 'alice-pw', scopes: [], iterations: 4096 });
  model = buildModel(await loadDocumentFromText(DOC));
  guard = await createGuard(model, { store, schemes: { userPass: {} } });
});

after(async () => {
  await guard?.close();
  await nats?.stop();
  await pki?.cleanup();
});

describe('nats callout: authd over TLS', () => {
  it('tls:// with the CA: authd serves the callout, and a TLS client gets in through it', async () => {
    const callout = await startNatsCallout(options({}));
    try {
      const nc = await connect({
        servers: [`127.0.0.1:${nats.port}`],
        user: 'alice',
        pass: 'alice-pw',
        tls: { ca },
        reconnect: false,
      });
      assert.ok(nc.info);
      await nc.close();
      assert.equal(callout.stats().allowed, 1);
    } finally {
      await callout.close();
    }
  });

  it('a server certificate from another CA: ERR_BROKER_UNAVAILABLE, nothing served', async () => {
    await assert.rejects(startNatsCallout(options({ ca: otherCa })), { code: 'ERR_BROKER_UNAVAILABLE' });
  });

  it('tls:// without a CA, and cleartext nats:// beyond loopback: config errors before any connection', async () => {
    const { ca: _ca, ...noCa } = options({});
    await assert.rejects(startNatsCallout(noCa), (e: { message?: string }) =>
      /authd\.nats\.ca: a tls:\/\/ URL needs the CA/.test(e.message ?? ''),
    );
    for (const url of ['nats://192.0.2.10:4222', 'nats://nats.example:4222', 'nats://[2001:db8::1]:4222'])
      await assert.rejects(startNatsCallout(options({ url })), (e: { code?: string; message?: string }) => {
        assert.equal(e.code, 'ERR_CONFIG_INVALID');
        assert.match(e.message ?? '', /authd\.nats\.url: a cleartext NATS URL beyond loopback/);
        return true;
      });
    await assert.rejects(startNatsCallout(options({ url: 'nats://user:pw@127.0.0.1:4222' })), /not a NATS URL/);
  });
});
