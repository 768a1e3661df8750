// A 3.x document asks for scopes with a second scheme object of the same type (`userPassAdmin: { type: userPassword,
// scopes: [lights:admin] }`): the guard checks the one password against both. Probing a correctly configured `serve`
// of such a document (the real MQTT, WebSocket and HTTP/SSE fronts) gives zero findings: alice, filed under
// `userPass` with `lights:admin`, is the principal allowed `dim`, and bob, without it, the one lacking it
// (src/probe/credential-match.ts). Matching by scheme name took alice for one lacking `dim`: a false
// `authz-requirement-not-enforced` on every front.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createFileStore } from '../../src/credentials/file.js';
import { probeLoaded } from '../../src/probe/run.js';
import { probers } from '../../src/probe/probers.js';
import { loadDocumentFromText } from '../../src/document/load.js';
import type { RunningServe } from '../../src/serve/types.js';
import type { ProbeReport, TestPrincipal } from '../../src/probe/types.js';
import { makeServeProject, startServeOnFreePorts, PASSWORD } from '../serve/helpers.js';

const SCOPED_DOC = `asyncapi: 3.0.0
info: { title: scoped scheme, version: '1' }
servers:
  broker: { host: 127.0.0.1:1883, protocol: mqtt, security: [{ $ref: '#/components/securitySchemes/userPass' }] }
  web: { host: 127.0.0.1:8080, protocol: ws, security: [{ $ref: '#/components/securitySchemes/userPass' }] }
  api: { host: 127.0.0.1:8081, protocol: http, security: [{ $ref: '#/components/securitySchemes/userPass' }] }
channels:
  status: { address: 'lights/{id}/status' }
  dim: { address: 'lights/{id}/dim' }
operations:
  sendStatus: { action: send, channel: { $ref: '#/channels/status' } }
  receiveStatus: { action: receive, channel: { $ref: '#/channels/status' } }
  sendDim:
    action: send
    channel: { $ref: '#/channels/dim' }
    security: [{ $ref: '#/components/securitySchemes/userPassAdmin' }]
  receiveDim:
    action: receive
    channel: { $ref: '#/channels/dim' }
    security: [{ $ref: '#/components/securitySchemes/userPassAdmin' }]
components:
  securitySchemes:
    userPass: { type: userPassword }
    userPassAdmin: { type: userPassword, scopes: ['lights:admin'] }
`;

const CONFIG = `store: file:./credentials.yaml
audit: { level: info }
schemes: { userPass: {}, userPassAdmin: {} }
`;

let serve: RunningServe;
let report: ProbeReport;

before(async () => {
  const project = await makeServeProject({ 'asyncapi.yaml': SCOPED_DOC, 'asyncapi-guard.yaml': CONFIG });
  const store = await createFileStore(join(project.dir, 'credentials.yaml'), { watch: false });
  await store.setScopes('alice', ['lights:admin']);
  await store.close();
  serve = await startServeOnFreePorts(project.dir);
  const hosts = Object.fromEntries(serve.servers.map((s) => [s.name, `127.0.0.1:${s.port}`]));
  const alice: TestPrincipal = { name: 'alice', scheme: 'userPass', scopes: ['lights:admin'], password: PASSWORD };
  const bob: TestPrincipal = { name: 'bob', scheme: 'userPass', scopes: [], password: PASSWORD };
  report = await probeLoaded(await loadDocumentFromText(SCOPED_DOC), {
    probers,
    hosts,
    principals: new Map([['userPass', [alice, bob]]]),
  });
});

after(async () => {
  await serve.close();
});

test('scoped scheme: zero findings on every front of serve', () => {
  const failed = report.servers.flatMap((s) => s.outcomes).filter((o) => o.status === 'fail');
  assert.deepEqual(failed, []);
  assert.deepEqual(
    report.servers.map((s) => [s.name, s.error]),
    [
      ['broker', undefined],
      ['web', undefined],
      ['api', undefined],
    ],
  );
});

test('scoped scheme: alice may dim, bob (lacking the scope) may not, on every front', () => {
  for (const server of report.servers) {
    const dim = server.outcomes.filter((o) => o.operation === 'sendDim' || o.operation === 'receiveDim');
    const by = (id: string) => dim.filter((o) => o.id === id).map((o) => [o.status, o.message.split(' ')[0]]);
    const twice = (name: string) => [
      ['pass', name],
      ['pass', name],
    ];
    assert.deepEqual(by('authz-operation-refused'), twice('alice'), server.name);
    assert.deepEqual(by('authz-requirement-not-enforced'), twice('bob'), server.name);
  }
});
