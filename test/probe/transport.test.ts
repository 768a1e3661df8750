// The shared transport checks against real TLS listeners on loopback: a certificate from the test CA, an
// expired one, a self-signed one, a listener that still speaks TLS 1.0/1.1, one that also answers in cleartext
// on its TLS port, and X509-only servers with and without a client certificate enforced.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type TlsOptions } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { checkTransport, type ProtocolHello } from '../../src/probe/transport.js';
import { contextFor, createProbePki, statusesOf, type ProbePki } from './helpers.js';

// A line protocol: the client says HELLO, the server answers OK (accepted) or NO (refused).
const hello: ProtocolHello = {
  bytes: Buffer.from('HELLO\n'),
  describe: 'HELLO',
  complete: (b) => b.includes(0x0a),
  classify: (a) => {
    const text = a.bytes.toString('latin1');
    return text.startsWith('OK') ? 'accepted' : text.startsWith('NO') ? 'refused' : 'none';
  },
};

const doc = (security: string): string => `asyncapi: 3.0.0
info: { title: t, version: '1' }
servers:
  secure:
    host: 127.0.0.1:1
    protocol: secure-mqtt
    security:
${security}
components:
  securitySchemes:
    cert: { type: X509 }
    pass: { type: userPassword }
`;
const CERT_ONLY = doc("      - $ref: '#/components/securitySchemes/cert'");
const CERT_OR_PASSWORD = doc(
  "      - $ref: '#/components/securitySchemes/cert'\n      - $ref: '#/components/securitySchemes/pass'",
);

let pki: ProbePki;
const servers: TcpServer[] = [];

before(async () => {
  pki = await createProbePki();
});

after(async () => {
  for (const s of servers) s.close();
  await pki.pki.cleanup();
});

const answer = (socket: Socket, reply: string): void => {
  socket.on('error', () => {});
  socket.once('data', () => socket.end(reply));
};

async function listen(server: TcpServer): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function tlsServer(options: TlsOptions, reply = 'OK\n'): Promise<number> {
  const server = createTlsServer(options, (socket) => answer(socket, reply));
  server.on('tlsClientError', () => {});
  return listen(server);
}

async function run(port: number, text = CERT_OR_PASSWORD, ca: string | null = pki.pki.root.pem) {
  const { ctx, outcomes } = await contextFor(text, { server: 'secure', port, tls: true, ...(ca ? { ca } : {}) });
  await checkTransport(ctx, hello);
  return outcomes;
}

test('transport: a TLS 1.2+ listener with a certificate from the --ca passes every check', async () => {
  const port = await tlsServer({ cert: pki.good.pem, key: pki.good.keyPem });
  const outcomes = await run(port);
  assert.deepEqual(statusesOf(outcomes, 'transport-cleartext-accepted'), ['pass']);
  assert.deepEqual(statusesOf(outcomes, 'transport-tls-legacy-accepted'), ['pass']);
  assert.deepEqual(statusesOf(outcomes, 'transport-certificate-invalid'), ['pass']);
  // X509 is one alternative of two: a client may come in with a password, so no certificate is required.
  assert.deepEqual(statusesOf(outcomes, 'transport-client-certificate-optional'), ['skipped']);
});

test('transport: without --ca the same certificate is from an unknown CA', async () => {
  const port = await tlsServer({ cert: pki.good.pem, key: pki.good.keyPem });
  const outcomes = await run(port, CERT_OR_PASSWORD, null);
  assert.deepEqual(statusesOf(outcomes, 'transport-certificate-invalid'), ['fail']);
});

test('transport: an expired certificate and a self-signed one are certificate findings, naming why', async () => {
  const expired = await run(await tlsServer({ cert: pki.expired.pem, key: pki.expired.keyPem }));
  const expiredOutcome = expired.find((o) => o.id === 'transport-certificate-invalid')!;
  assert.equal(expiredOutcome.status, 'fail');
  assert.match(expiredOutcome.message, /CERT_HAS_EXPIRED/);
  const self = await run(await tlsServer({ cert: pki.selfSigned.pem, key: pki.selfSigned.keyPem }));
  const selfOutcome = self.find((o) => o.id === 'transport-certificate-invalid')!;
  assert.equal(selfOutcome.status, 'fail');
  assert.match(selfOutcome.message, /SELF_SIGNED/);
});

test('transport: a listener that still completes TLS 1.0/1.1 handshakes is a legacy-TLS finding', async () => {
  const port = await tlsServer({
    cert: pki.good.pem,
    key: pki.good.keyPem,
    minVersion: 'TLSv1',
    ciphers: 'DEFAULT@SECLEVEL=0',
  });
  const outcome = (await run(port)).find((o) => o.id === 'transport-tls-legacy-accepted')!;
  assert.equal(outcome.status, 'fail');
  assert.match(outcome.message, /TLSv1\.1|TLSv1\b/);
});

test('transport: a TLS port that also answers the protocol in cleartext is a cleartext finding', async () => {
  // Sniffs the first byte: a TLS record (0x16, a handshake) goes to TLS, anything else is answered in clear.
  const secure = createTlsServer({ cert: pki.good.pem, key: pki.good.keyPem }, (socket) => answer(socket, 'OK\n'));
  secure.on('tlsClientError', () => {});
  const server = createTcpServer((socket) => {
    socket.on('error', () => {});
    socket.once('data', (first) => {
      socket.pause();
      socket.unshift(first);
      if (first[0] === 0x16) secure.emit('connection', socket);
      else answer(socket, 'OK\n');
      process.nextTick(() => socket.resume());
    });
  });
  const outcomes = await run(await listen(server));
  const cleartext = outcomes.find((o) => o.id === 'transport-cleartext-accepted')!;
  assert.equal(cleartext.status, 'fail');
  assert.equal(cleartext.evidence?.received, 'OK\\x0a');
  assert.deepEqual(statusesOf(outcomes, 'transport-certificate-invalid'), ['pass']);
});

test('transport: X509 only: a listener that lets a client in without a certificate is a finding', async () => {
  const open = await tlsServer({ cert: pki.good.pem, key: pki.good.keyPem });
  assert.deepEqual(statusesOf(await run(open, CERT_ONLY), 'transport-client-certificate-optional'), ['fail']);
  // Requests and requires one (the handshake fails, after it completes on the client's side under TLS 1.3).
  const strict = await tlsServer({
    cert: pki.good.pem,
    key: pki.good.keyPem,
    ca: pki.pki.root.pem,
    requestCert: true,
    rejectUnauthorized: true,
  });
  assert.deepEqual(statusesOf(await run(strict, CERT_ONLY), 'transport-client-certificate-optional'), ['pass']);
  // Requests one but lets the protocol decide, and the protocol refuses (as serve does).
  const refusing = await tlsServer(
    { cert: pki.good.pem, key: pki.good.keyPem, ca: pki.pki.root.pem, requestCert: true, rejectUnauthorized: false },
    'NO\n',
  );
  assert.deepEqual(statusesOf(await run(refusing, CERT_ONLY), 'transport-client-certificate-optional'), ['pass']);
});

test('transport: a cleartext server records no transport check', async () => {
  const { ctx, outcomes } = await contextFor(CERT_ONLY, { server: 'secure', port: 1, tls: false });
  await checkTransport(ctx, hello);
  assert.deepEqual(outcomes, []);
});
