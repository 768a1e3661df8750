// The Kafka front over TLS (kafka-secure) with a CA generated per run, with kafkajs and kcat (librdkafka):
// SCRAM-SHA-256 inside TLS, X509 client certificates mapped to their principal (no SASL), a stranger's certificate
// refused, TLS below 1.2 refused; and kcat with SCRAM on the plain server (librdkafka's SCRAM client).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect as tlsConnect } from 'node:tls';
import { CLIENT_EXT, createPki, type Issued, type Pki } from '../../schemes/x509-pki.js';
import {
  captureLog,
  consume,
  kafkaErrorType,
  kafkajs,
  kafkaModel,
  kcat,
  produce,
  startKafkaFront,
  type Harness,
} from './helpers.js';

let pki: Pki;
let serverCert: Issued;
let alice: Issued;
let stranger: Issued;
let rootCert: Issued;
let caFile = '';
let aliceCert = '';
let aliceKey = '';
let secure: Harness;
let certs: Harness;
let plain: Harness;
const log = captureLog();

before(async () => {
  pki = await createPki();
  serverCert = await pki.issue(
    'root',
    'kafka-server',
    '/CN=127.0.0.1',
    'basicConstraints = CA:FALSE\nkeyUsage = critical, digitalSignature\nextendedKeyUsage = ' +
      'serverAuth\nsubjectAltName = IP:127.0.0.1',
  );
  alice = await pki.issue('root', 'alice', '/CN=alice', CLIENT_EXT);
  rootCert = await pki.issue('root', 'root-user', '/CN=root', CLIENT_EXT);
  stranger = await pki.issue('otherRoot', 'stranger', '/CN=alice', CLIENT_EXT);
  caFile = await pki.write('ca-root.pem', pki.root.pem);
  aliceCert = await pki.write('alice.pem', alice.pem);
  aliceKey = await pki.write('alice-key.pem', alice.keyPem);
  const model = await kafkaModel(['secure', 'certs', 'sasl']);
  const schemes = { scram256: {}, scram512: {}, plain: {}, mtls: { ca: `file:${caFile}` } };
  const tls = { cert: serverCert.pem, key: serverCert.keyPem, requestCert: true };
  secure = await startKafkaFront(model, { server: 'secure', schemes, tls, logger: log.logger });
  certs = await startKafkaFront(model, { server: 'certs', schemes, tls, store: secure.store, logger: log.logger });
  plain = await startKafkaFront(model, { server: 'sasl', schemes, store: secure.store });
});
after(async () => {
  await Promise.all([secure.close(), certs.close(), plain.close()]);
  await pki.cleanup();
});

const ssl = (extra: Record<string, unknown> = {}) => ({ ca: [pki.root.pem], servername: '127.0.0.1', ...extra });

test('kafkajs: SCRAM-SHA-256 inside TLS produces and consumes', async () => {
  const kafka = kafkajs(
    secure.broker,
    { mechanism: 'scram-sha-256', username: 'alice', password: 'alice-pw' },
    { ssl: ssl() },
  );
  await produce(kafka, 'plant/tls/status', ['s1']);
  assert.deepEqual(await consume(kafka, 'plant/tls/status', 1, 'g-tls'), ['s1']);
});

test('kafkajs: an X509 client certificate alone is the session, mapped to its principal', async () => {
  const kafka = kafkajs(certs.broker, undefined, { ssl: ssl({ cert: alice.pem, key: alice.keyPem }) });
  await produce(kafka, 'plant/cert/status', ['c1']);
  assert.deepEqual(await consume(kafka, 'plant/cert/status', 1, 'g-cert'), ['c1']);
  await assert.rejects(produce(kafka, 'plant/cert/command', ['on']), (err) => {
    assert.equal(kafkaErrorType(err), 'TOPIC_AUTHORIZATION_FAILED');
    return true;
  });
  // CN=root maps to the store principal root, whose admin scope allows the command.
  const rootClient = kafkajs(certs.broker, undefined, { ssl: ssl({ cert: rootCert.pem, key: rootCert.keyPem }) });
  await produce(rootClient, 'plant/cert/command', ['on']);
});

test('kafkajs: a certificate from another CA, or none, gets no session', async () => {
  const strangerClient = kafkajs(certs.broker, undefined, { ssl: ssl({ cert: stranger.pem, key: stranger.keyPem }) });
  await assert.rejects(produce(strangerClient, 'plant/x/status', ['no']));
  await assert.rejects(produce(kafkajs(certs.broker, undefined, { ssl: ssl() }), 'plant/x/status', ['no']));
});

test('TLS below 1.2 is refused', async () => {
  await assert.rejects(
    new Promise<void>((resolve, reject) => {
      const s = tlsConnect({
        host: '127.0.0.1',
        port: secure.port,
        maxVersion: 'TLSv1.1',
        minVersion: 'TLSv1',
        rejectUnauthorized: false,
      });
      s.once('secureConnect', () => {
        s.destroy();
        resolve();
      });
      s.once('error', reject);
    }),
  );
});

const kcatTls = (port: number) => [
  '-b',
  `127.0.0.1:${port}`,
  '-X',
  'security.protocol=ssl',
  '-X',
  `ssl.ca.location=${caFile}`,
  '-X',
  `ssl.certificate.location=${aliceCert}`,
  '-X',
  `ssl.key.location=${aliceKey}`,
];

test('kcat: mutual TLS produces and consumes', async () => {
  const put = await kcat([...kcatTls(certs.port), '-P', '-t', 'plant/kc/status'], 'k1\nk2\n');
  assert.equal(put.code, 0, put.stderr);
  const got = await kcat([...kcatTls(certs.port), '-C', '-t', 'plant/kc/status', '-o', 'beginning', '-c', '2', '-e']);
  assert.equal(got.code, 0, got.stderr);
  assert.deepEqual(got.stdout.trim().split('\n'), ['k1', 'k2']);
});

const kcatScram = (port: number, mechanism: string, password: string, extra: string[] = []) => [
  '-b',
  `127.0.0.1:${port}`,
  '-X',
  `security.protocol=${extra.length > 0 ? 'sasl_ssl' : 'sasl_plaintext'}`,
  '-X',
  `sasl.mechanisms=${mechanism}`,
  '-X',
  'sasl.username=alice',
  '-X',
  `sasl.password=${password}`,
  ...extra,
];

test('kcat: SCRAM-SHA-256 inside TLS, and SCRAM-SHA-512 and PLAIN in cleartext, produce and consume', async () => {
  const cases: [number, string, string[]][] = [
    [secure.port, 'SCRAM-SHA-256', ['-X', `ssl.ca.location=${caFile}`]],
    [plain.port, 'SCRAM-SHA-512', []],
    [plain.port, 'PLAIN', []],
  ];
  for (const [port, mechanism, extra] of cases) {
    const topic = `plant/kcat-${mechanism}/status`;
    const args = kcatScram(port, mechanism, 'alice-pw', extra);
    const put = await kcat([...args, '-P', '-t', topic], `${mechanism}-v\n`);
    assert.equal(put.code, 0, put.stderr);
    const got = await kcat([...args, '-C', '-t', topic, '-o', 'beginning', '-c', '1', '-e']);
    assert.equal(got.code, 0, got.stderr);
    assert.equal(got.stdout.trim(), `${mechanism}-v`);
  }
});

test('kcat: a wrong SCRAM password fails authentication', async () => {
  const r = await kcat([...kcatScram(plain.port, 'SCRAM-SHA-256', 'wrong-pw'), '-L'], undefined, 30_000);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /[Aa]uthentication failed|SASL/);
});

test('kcat -e: a consumer reads to the end of the partition and exits, with no protocol error', async () => {
  // A Fetch with nothing new answers an empty record set: librdkafka refuses a null one (MessageSetSize -1) and
  // retries forever, so `-e` (exit at the end) never ended. The demo prints such a consumer.
  const args = kcatScram(plain.port, 'SCRAM-SHA-256', 'alice-pw');
  const topic = 'plant/kcat-end/status';
  const put = await kcat([...args, '-P', '-t', topic], 'e1\ne2\n');
  assert.equal(put.code, 0, put.stderr);
  const got = await kcat([...args, '-C', '-t', topic, '-o', 'beginning', '-e'], undefined, 30_000);
  assert.equal(got.code, 0, got.stderr);
  assert.deepEqual(got.stdout.trim().split('\n'), ['e1', 'e2']);
  assert.doesNotMatch(got.stderr, /PROTOERR|MessageSetSize/);
  // Nothing to read from an offset at the end: the same, at once.
  const none = await kcat([...args, '-C', '-t', topic, '-o', 'end', '-e'], undefined, 30_000);
  assert.equal(none.code, 0, none.stderr);
  assert.equal(none.stdout.trim(), '');
  assert.doesNotMatch(none.stderr, /PROTOERR|MessageSetSize/);
});
