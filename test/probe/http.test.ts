// Misconfigured HTTP endpoints (plain node:http/https servers on loopback) give the right findings: answering 200
// without credentials, offering Basic in its 401 where the document declares only Bearer, and serving HTTPS with
// an expired certificate.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { loadDocumentFromText } from '../../src/document/load.js';
import { probeLoaded } from '../../src/probe/run.js';
import { probers } from '../../src/probe/probers.js';
import type { ProbeReport } from '../../src/probe/types.js';
import { createProbePki, type ProbePki } from './helpers.js';

const doc = (protocol: string, scheme: string): string => `asyncapi: 3.0.0
info: { title: api, version: '1' }
servers:
  api:
    host: api.example
    protocol: ${protocol}
    security:
      - $ref: '#/components/securitySchemes/auth'
channels:
  status: { address: 'lights/{id}/status' }
operations:
  sendStatus: { action: send, channel: { $ref: '#/channels/status' } }
components:
  securitySchemes:
    auth: ${scheme}
`;

const servers: Server[] = [];
let pki: ProbePki;
before(async () => {
  pki = await createProbePki();
});
after(async () => {
  for (const s of servers) s.close();
  await pki.pki.cleanup();
});

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function probe(text: string, port: number, ca?: string): Promise<ProbeReport> {
  return probeLoaded(await loadDocumentFromText(text), {
    probers,
    hosts: { api: `127.0.0.1:${port}` },
    ...(ca === undefined ? {} : { ca }),
  });
}

const statuses = (report: ProbeReport, id: string): string[] =>
  report.servers
    .flatMap((s) => s.outcomes)
    .filter((o) => o.id === id)
    .map((o) => o.status);

test('http: an endpoint answering 200 without credentials is the anonymous finding', async () => {
  const port = await listen(createServer((req, res) => req.resume().on('end', () => res.end('ok'))));
  const report = await probe(doc('http', '{ type: http, scheme: bearer }'), port);
  assert.deepEqual(statuses(report, 'auth-anonymous-accepted'), ['fail']);
  // The wrong token is "accepted" too: the endpoint checks nothing.
  assert.deepEqual(statuses(report, 'auth-wrong-credential-accepted'), ['fail']);
  const anonymous = report.servers[0]!.outcomes.find((o) => o.id === 'auth-anonymous-accepted')!;
  assert.equal(anonymous.evidence?.received, '200, ok');
  assert.match(anonymous.evidence?.sent ?? '', /^POST \/lights\/asyncapi-guard-probe\/status without credentials$/);
  assert.equal(report.summary.errors, 2);
});

test('http: a 401 offering Basic where only Bearer is declared is the mechanism finding', async () => {
  const port = await listen(
    createServer((req, res) => {
      req.resume();
      res.writeHead(401, { 'www-authenticate': ['Bearer realm="api"', 'Basic realm="api", charset="UTF-8"'] });
      res.end();
    }),
  );
  const report = await probe(doc('http', '{ type: http, scheme: bearer }'), port);
  assert.deepEqual(statuses(report, 'auth-anonymous-accepted'), ['pass']);
  const mechanism = report.servers[0]!.outcomes.find((o) => o.id === 'auth-mechanism-undeclared')!;
  assert.equal(mechanism.status, 'fail');
  assert.match(mechanism.message, /offers basic, which the document does not declare/);
  assert.equal(mechanism.severity, 'warning');
});

test('https: an expired certificate is the certificate finding; no credential is sent to it', async () => {
  const port = await listen(
    createHttpsServer({ cert: pki.expired.pem, key: pki.expired.keyPem }, (req, res) => {
      req.resume();
      res.writeHead(401, { 'www-authenticate': 'Bearer' }).end();
    }),
  );
  const report = await probe(doc('https', '{ type: http, scheme: bearer }'), port, pki.pki.root.pem);
  const cert = report.servers[0]!.outcomes.find((o) => o.id === 'transport-certificate-invalid')!;
  assert.equal(cert.status, 'fail');
  assert.match(cert.message, /CERT_HAS_EXPIRED/);
  assert.deepEqual(statuses(report, 'transport-tls-legacy-accepted'), ['pass']);
  assert.deepEqual(statuses(report, 'transport-cleartext-accepted'), ['pass']);
});

test('http: a server that cannot be reached is "could not probe", not a pass', async () => {
  const closed = createServer();
  const port = await listen(closed);
  servers.pop();
  await new Promise((resolve) => closed.close(resolve));
  const report = await probe(doc('http', '{ type: http, scheme: bearer }'), port);
  assert.match(report.servers[0]!.error ?? '', /cannot connect to 127\.0\.0\.1:\d+: ECONNREFUSED/);
  assert.deepEqual(report.servers[0]!.outcomes, []);
});
