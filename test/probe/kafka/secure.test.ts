// The Kafka prober on kafka-secure: serve's Kafka front over TLS with a CA generated per run, SCRAM-SHA-256 inside
// TLS and X509 client certificates (no SASL). The transport checks run with the Kafka hello; a principal's
// credential is sent only once the server's certificate verifies.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { kafkaProber } from '../../../src/probe/kafka/index.js';
import type { CheckOutcome, TestPrincipal } from '../../../src/probe/types.js';
import { CLIENT_EXT, createPki, type Issued, type Pki } from '../../schemes/x509-pki.js';
import { kafkaModel, startKafkaFront, type Harness } from '../../transports/kafka/helpers.js';
import { contextFor } from '../helpers.js';

const doc = `asyncapi: 2.6.0
info: { title: Plant, version: '1' }
servers:
  secure: { url: 127.0.0.1:9096, protocol: kafka-secure, security: [{ scram256: [] }, { mtls: [] }] }
  certs: { url: 127.0.0.1:9097, protocol: kafka-secure, security: [{ mtls: [] }] }
channels:
  'plant/{id}/status':
    parameters: { id: { schema: { type: string, enum: ['1'] } } }
    subscribe: { operationId: sendStatus, message: { payload: { type: string } } }
  'plant/{id}/command':
    parameters: { id: { schema: { type: string, enum: ['1'] } } }
    subscribe:
      operationId: sendCommand
      security: [{ scram256: [admin] }, { mtls: [admin] }]
      message: { payload: { type: string } }
components:
  securitySchemes:
    scram256: { type: scramSha256 }
    mtls: { type: X509 }
`;

let pki: Pki;
let alice: Issued;
let root: Issued;
let secure: Harness;
let certs: Harness;

before(async () => {
  pki = await createPki();
  const server = await pki.issue(
    'root',
    'kafka-server',
    '/CN=127.0.0.1',
    'basicConstraints = CA:FALSE\nkeyUsage = critical, digitalSignature\nextendedKeyUsage = ' +
      'serverAuth\nsubjectAltName = IP:127.0.0.1',
  );
  alice = await pki.issue('root', 'alice', '/CN=alice', CLIENT_EXT);
  root = await pki.issue('root', 'root-user', '/CN=root', CLIENT_EXT);
  const caFile = await pki.write('ca-root.pem', pki.root.pem);
  const model = await kafkaModel(['secure', 'certs']);
  const schemes = { scram256: {}, mtls: { ca: `file:${caFile}` } };
  const tls = { cert: server.pem, key: server.keyPem, requestCert: true };
  secure = await startKafkaFront(model, { server: 'secure', schemes, tls });
  certs = await startKafkaFront(model, { server: 'certs', schemes, tls, store: secure.store });
});
after(async () => {
  await Promise.all([secure?.close(), certs?.close()]);
  await pki?.cleanup();
});

function principals(): Map<string, readonly TestPrincipal[]> {
  return new Map<string, readonly TestPrincipal[]>([
    ['scram256', [{ name: 'alice-scram', scheme: 'scram256', scopes: [], user: 'alice', password: 'alice-pw' }]],
    [
      'mtls',
      [
        { name: 'alice-cert', scheme: 'mtls', scopes: [], cert: alice.pem, key: alice.keyPem },
        { name: 'root-cert', scheme: 'mtls', scopes: ['admin'], cert: root.pem, key: root.keyPem },
      ],
    ],
  ]);
}

function byId(outcomes: readonly CheckOutcome[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const o of outcomes) (out[o.operation === undefined ? o.id : `${o.id}:${o.operation}`] ??= []).push(o.status);
  return out;
}

test('kafka-secure: SCRAM inside TLS and client certificates, enforced as declared: no finding', async () => {
  const { ctx, outcomes } = await contextFor(doc, {
    server: 'secure',
    port: secure.port,
    tls: true,
    ca: pki.root.pem,
    principals: principals(),
    timeoutMs: 10_000,
  });
  await kafkaProber.probe(ctx);
  assert.deepEqual(byId(outcomes), {
    'transport-cleartext-accepted': ['pass'],
    'transport-tls-legacy-accepted': ['pass'],
    'transport-certificate-invalid': ['pass'],
    // scram256 is another way in: a handshake without a certificate is not judged.
    'transport-client-certificate-optional': ['skipped'],
    'auth-mechanism-undeclared': ['pass'],
    'auth-anonymous-accepted': ['pass'],
    'auth-wrong-credential-accepted': ['pass', 'skipped'],
    'auth-credential-refused': ['pass', 'pass', 'pass'],
    'kafka-metadata-topics-leaked': ['pass', 'pass', 'pass'],
    'authz-operation-refused:sendStatus': ['pass'],
    'authz-operation-refused:sendCommand': ['pass'],
    'authz-requirement-not-enforced:sendCommand': ['pass'],
    'authz-undeclared-channel-accepted': ['pass', 'pass'],
    'authz-all-topics-accepted': ['skipped'],
  });
});

test('kafka-secure: a certificate that does not verify means no credential is sent', async () => {
  // No --ca: the per-run CA is not among the system's roots.
  const { ctx, outcomes } = await contextFor(doc, {
    server: 'certs',
    port: certs.port,
    tls: true,
    principals: principals(),
    timeoutMs: 10_000,
  });
  await kafkaProber.probe(ctx);
  const statuses = byId(outcomes);
  assert.deepEqual(statuses['transport-certificate-invalid'], ['fail']);
  assert.deepEqual(statuses['auth-credential-refused'], ['skipped', 'skipped']);
  assert.ok(
    outcomes
      .filter((o) => o.id === 'auth-credential-refused')
      .every((o) => /not sent: the server's certificate does not verify/.test(o.message)),
  );
});

test('kafka-secure: where X509 is the only way in, a client without a certificate is refused', async () => {
  const { ctx, outcomes } = await contextFor(doc, {
    server: 'certs',
    port: certs.port,
    tls: true,
    ca: pki.root.pem,
    principals: principals(),
    timeoutMs: 10_000,
  });
  await kafkaProber.probe(ctx);
  const statuses = byId(outcomes);
  assert.deepEqual(statuses['transport-client-certificate-optional'], ['pass']);
  assert.deepEqual(statuses['auth-anonymous-accepted'], ['pass']);
  assert.deepEqual(statuses['auth-credential-refused'], ['pass', 'pass']);
  assert.deepEqual(statuses['authz-requirement-not-enforced:sendCommand'], ['pass']);
  assert.deepEqual(statuses['authz-operation-refused:sendCommand'], ['pass']);
});
