// WebSocket servers that do not enforce the document (a `ws` server on loopback accepting every handshake and
// relaying every frame to every connection of the same path) give the anonymous, wrong-credential and
// undeclared-channel findings; one that answers 401 with a Basic challenge where only Bearer is declared gives the
// mechanism finding. The operations pass: delivery is observed with a second connection.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { loadDocumentFromText } from '../../src/document/load.js';
import { probeLoaded } from '../../src/probe/run.js';
import { probers } from '../../src/probe/probers.js';
import type { ProbeReport } from '../../src/probe/types.js';

const DOC = `asyncapi: 3.0.0
info: { title: t, version: '1' }
servers:
  web:
    host: web.example
    protocol: ws
    pathname: /ws
    security:
      - $ref: '#/components/securitySchemes/jwt'
channels:
  status: { address: 'lights/{id}/status' }
operations:
  sendStatus: { action: send, channel: { $ref: '#/channels/status' } }
  receiveStatus: { action: receive, channel: { $ref: '#/channels/status' } }
components:
  securitySchemes:
    jwt: { type: http, scheme: bearer }
`;

const servers: Server[] = [];
after(() => {
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
});

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

const statuses = (report: ProbeReport, id: string): string[] =>
  report.servers[0]!.outcomes.filter((o) => o.id === id).map((o) => o.status);

test('ws: a server that lets everyone in on every path: anonymous, wrong token and undeclared findings', async () => {
  const http = createServer();
  const wss = new WebSocketServer({ server: http });
  const byPath = new Map<string, Set<WebSocket>>();
  wss.on('connection', (socket, req) => {
    const path = req.url ?? '/';
    const peers = byPath.get(path) ?? new Set<WebSocket>();
    byPath.set(path, peers);
    peers.add(socket);
    socket.on('close', () => peers.delete(socket));
    socket.on('message', (data: Buffer) => {
      for (const peer of peers) if (peer !== socket) peer.send(data.toString('utf8'));
    });
  });
  const port = await listen(http);
  const principals = new Map([['jwt', [{ name: 'dashboard', scheme: 'jwt', scopes: [], token: 'eyJ.test.token' }]]]);
  const report = await probeLoaded(await loadDocumentFromText(DOC), {
    probers,
    principals,
    hosts: { web: `127.0.0.1:${port}` },
  });
  wss.close();
  assert.deepEqual(statuses(report, 'auth-anonymous-accepted'), ['fail']);
  assert.deepEqual(statuses(report, 'auth-wrong-credential-accepted'), ['fail']);
  assert.deepEqual(statuses(report, 'auth-credential-refused'), ['pass']);
  // The frame went from one connection to the other on the operation's path: both directions observed.
  assert.deepEqual(statuses(report, 'authz-operation-refused'), ['pass', 'pass']);
  const send = report.servers[0]!.outcomes.find((o) => o.operation === 'sendStatus')!;
  assert.match(send.evidence!.received, /the frame arrived/);
  assert.match(send.evidence!.sent, /^WebSocket handshake on \/lights\/asyncapi-guard-probe\/status as dashboard/);
  assert.deepEqual(statuses(report, 'authz-undeclared-channel-accepted'), ['fail']);
  assert.deepEqual(statuses(report, 'authz-all-topics-accepted'), ['skipped']);
  assert.ok(!JSON.stringify(report).includes('eyJ.test.token'));
});

test('ws: a 401 offering Basic where only Bearer is declared is the mechanism finding', async () => {
  const http = createServer((_req, res) => res.writeHead(404).end());
  http.on('upgrade', (_req, socket) => {
    socket.end('HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm="ws"\r\nContent-Length: 0\r\n\r\n');
  });
  const port = await listen(http);
  const report = await probeLoaded(await loadDocumentFromText(DOC), { probers, hosts: { web: `127.0.0.1:${port}` } });
  assert.deepEqual(statuses(report, 'auth-anonymous-accepted'), ['pass']);
  assert.deepEqual(statuses(report, 'auth-mechanism-undeclared'), ['fail']);
  assert.deepEqual(statuses(report, 'auth-wrong-credential-accepted'), ['pass']);
});
