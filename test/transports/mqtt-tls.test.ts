// The MQTT front over TLS (secure-mqtt, mqtts) with a CA generated per run: X509 client
// certificates through the guard (mqtt.js and mosquitto_pub --cert/--key), a session ended when its
// certificate expires, userPassword inside TLS, TLS 1.2 as the floor.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect as tlsConnect } from 'node:tls';
import { connect as netConnect, type Socket } from 'node:net';
import { X509Certificate } from 'node:crypto';
import { createMemoryStore, type MemoryStore } from '../../src/credentials/memory.js';
import { CLIENT_EXT, createPki, type Issued, type Pki } from '../schemes/x509-pki.js';
import { lightsModel } from './fixtures-mqtt/documents.js';
import {
  captureLog,
  closed,
  connected,
  end,
  inbox,
  mosquittoPub,
  refusedWith,
  startFront,
  subscribe,
  type Harness,
} from './fixtures-mqtt/helpers.js';

let pki: Pki;
let store: MemoryStore;
let server: Issued;
let alice: Issued;
let stranger: Issued;
let caFile = '';

before(async () => {
  pki = await createPki();
  server = await pki.issue(
    'root',
    'mqtt-server',
    '/CN=127.0.0.1',
    'basicConstraints = CA:FALSE\nkeyUsage = critical, digitalSignature\nextendedKeyUsage = ' +
      'serverAuth\nsubjectAltName = IP:127.0.0.1',
  );
  alice = await pki.issue('intermediate', 'alice', '/CN=alice', CLIENT_EXT);
  stranger = await pki.issue('otherRoot', 'stranger', '/CN=alice', CLIENT_EXT);
  caFile = await pki.write('ca-root.pem', pki.root.pem);
  await pki.write('alice-chain.pem', alice.pem + pki.intermediate.pem);
  store = createMemoryStore();
  await store.addPrincipal({ name: 'alice', password: 'alice-pw', scopes: [], iterations: 4096 });
});
after(() => pki.cleanup());

const tls = () => ({ cert: server.pem, key: server.keyPem, requestCert: true });

/** The `certs` server (secure-mqtt, X509) with this PKI; `extra` adds or overrides harness options. */
const startCerts = async (extra: Partial<Parameters<typeof startFront>[1]> = {}) =>
  startFront(await lightsModel(['certs']), {
    server: 'certs',
    // sendCommand's scoped alternatives (lightsModel) name userPass and apiKey.
    schemes: { mtls: { ca: `file:${caFile}` }, userPass: {}, apiKey: {} },
    store,
    tls: tls(),
    guardExtra: { baseDir: pki.dir },
    ...extra,
  });

describe('mqtt front: secure-mqtt with X509 client certificates', () => {
  let h: Harness;
  before(async () => {
    h = await startCerts();
  });
  after(() => h.close());

  it('X509: a client certificate from the CA connects (mqtt.js), and publishes', async () => {
    const c = await connected(h.url, {
      key: alice.keyPem,
      cert: alice.pem + pki.intermediate.pem,
      ca: pki.root.pem,
      rejectUnauthorized: true,
    });
    const got = inbox(c);
    assert.deepEqual(await subscribe(c, ['lights/1/status']), [0]);
    await c.publishAsync('lights/1/status', 'tls', { qos: 1 });
    await got.waitFor(1);
    assert.deepEqual(got.messages, [{ topic: 'lights/1/status', payload: 'tls' }]);
    await end(c);
  });

  it('X509: no client certificate is refused with CONNACK 4', async () => {
    assert.equal(await refusedWith(h.url, { ca: pki.root.pem }), 4);
  });

  it('X509: a certificate from another CA is refused with CONNACK 4', async () => {
    assert.equal(await refusedWith(h.url, { key: stranger.keyPem, cert: stranger.pem }), 4);
  });

  it('X509: mosquitto_pub --cert/--key publishes; without them it is refused', async () => {
    const ok = await mosquittoPub([
      '-p',
      String(h.port),
      '--cafile',
      caFile,
      '--cert',
      `${pki.dir}/alice-chain.pem`,
      '--key',
      `${pki.dir}/alice.key`,
      '-t',
      'lights/2/status',
      '-m',
      'm',
      '-q',
      '1',
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    const refused = await mosquittoPub(['-p', String(h.port), '--cafile', caFile, '-t', 'lights/2/status', '-m', 'm']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /bad user name or password/i);
  });

  it(
    'closes a connection that never completes its TLS handshake after handshakeTimeoutMs (it cannot hold a ' +
      'connection slot)',
    async () => {
      const short = await startCerts({ limits: { handshakeTimeoutMs: 300, maxConnections: 2 } });
      // Raw TCP: no ClientHello at all, and one cut short.
      const silent = netConnect({ host: '127.0.0.1', port: short.port });
      const partial = netConnect({ host: '127.0.0.1', port: short.port }, () =>
        partial.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00])),
      );
      try {
        const closedWithin = (s: Socket) =>
          new Promise<void>((resolve, reject) => {
            const t = setTimeout(() => reject(new Error('still open after 3 s')), 3_000);
            s.on('error', () => {});
            s.once('close', () => {
              clearTimeout(t);
              resolve();
            });
          });
        await Promise.all([closedWithin(silent), closedWithin(partial)]);
        // The slots are free again: a real client connects.
        await end(
          await connected(short.url, {
            key: alice.keyPem,
            cert: alice.pem + pki.intermediate.pem,
            ca: pki.root.pem,
            rejectUnauthorized: true,
          }),
        );
      } finally {
        silent.destroy();
        partial.destroy();
        await short.close();
      }
    },
  );

  it('rejects a TLS 1.1 client (minimum TLS 1.2)', async () => {
    const err = await new Promise<Error | null>((resolve) => {
      const socket = tlsConnect(
        { host: '127.0.0.1', port: h.port, ca: pki.root.pem, minVersion: 'TLSv1', maxVersion: 'TLSv1.1' },
        () => {
          socket.destroy();
          resolve(null);
        },
      );
      socket.on('error', resolve);
    });
    assert.ok(err instanceof Error);
  });
});

describe('mqtt front: a session lasts no longer than its credential', () => {
  let h: Harness;
  // The front's clock only: the guard verifies with the real one, so the certificate is valid at CONNECT.
  let clock = Date.now();
  const log = captureLog();
  before(async () => {
    h = await startCerts({ frontExtra: { now: () => clock, expiryCheckMs: 20 }, logger: log.logger });
  });
  after(() => h.close());

  it(
    'X509: once the client certificate is past its notAfter, ' +
      'the connection is closed (logged mqtt.session.expired)',
    async () => {
      const c = await connected(h.url, {
        key: alice.keyPem,
        cert: alice.pem + pki.intermediate.pem,
        ca: pki.root.pem,
        rejectUnauthorized: true,
      });
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(c.connected, true, 'still valid: stays');
      const gone = closed(c);
      clock = new Date(new X509Certificate(alice.pem).validTo).getTime() + 1;
      await gone;
      const expired = log.lines
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l['event'] === 'mqtt.session.expired');
      assert.ok(expired !== undefined, 'mqtt.session.expired logged');
      assert.equal(expired['principal'], 'alice');
      await end(c);
    },
  );
});

describe('mqtt front: mqtts with userPassword', () => {
  let h: Harness;
  before(async () => {
    h = await startFront(await lightsModel(['tlsLogin']), {
      server: 'tlsLogin',
      schemes: { userPass: {}, apiKey: {} },
      store,
      tls: { cert: server.pem, key: server.keyPem },
    });
  });
  after(() => h.close());

  it('userPassword inside TLS: right password connects, wrong one is CONNACK 4 (mosquitto_pub too)', async () => {
    await end(
      await connected(h.url, { username: 'alice', password: 'alice-pw', ca: pki.root.pem, rejectUnauthorized: true }),
    );
    assert.equal(await refusedWith(h.url, { username: 'alice', password: 'nope', ca: pki.root.pem }), 4);
    const ok = await mosquittoPub([
      '-p',
      String(h.port),
      '--cafile',
      caFile,
      '-u',
      'alice',
      '-P',
      'alice-pw',
      '-t',
      'lights/3/status',
      '-m',
      'x',
    ]);
    assert.equal(ok.code, 0, ok.stderr);
  });
});
