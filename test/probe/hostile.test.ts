// Hostile or broken servers: probe's work stays bounded and silence is never taken for a refusal. A server that
// accepts TCP and says nothing gets its checks skipped (not passed) within the step timeouts; a server that streams
// an endless body is read no further than a first answer needs (counted on the server's side: bytes it could write
// before probe closed the connection).

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadDocumentFromText } from '../../src/document/load.js';
import { probeLoaded } from '../../src/probe/run.js';
import { probers } from '../../src/probe/probers.js';
import { eventually } from '../helpers/eventually.js';

const doc = (protocol: string, scheme: string): string => `asyncapi: 3.0.0
info: { title: t, version: '1' }
servers:
  s:
    host: s.example
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
const sockets = new Set<Socket>();
after(() => {
  for (const s of sockets) s.destroy();
  for (const s of servers) s.close();
});

async function listen(server: Server): Promise<number> {
  servers.push(server);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

test('hostile: an MQTT port that never answers: checks skipped, never passed', { timeout: 60_000 }, async () => {
  const port = await listen(createTcpServer(() => {}));
  const report = await probeLoaded(await loadDocumentFromText(doc('mqtt', '{ type: userPassword }')), {
    probers,
    hosts: { s: `127.0.0.1:${port}` },
    timeoutMs: 300,
  });
  const outcomes = report.servers[0]!.outcomes;
  const status = (id: string) => outcomes.filter((o) => o.id === id).map((o) => o.status);
  assert.deepEqual(status('auth-anonymous-accepted'), ['skipped']);
  assert.deepEqual(status('auth-wrong-credential-accepted'), ['skipped']);
  assert.match(outcomes.find((o) => o.id === 'auth-anonymous-accepted')!.message, /did not answer \(no CONNACK/);
  assert.equal(outcomes.filter((o) => o.status === 'pass').length, 0);
  assert.equal(report.servers[0]!.error, undefined);
});

test('hostile: an HTTP server streaming an endless body is read no further than a first answer', async () => {
  const LIMIT = 64 * 1024 * 1024;
  const written: number[] = [];
  const port = await listen(
    createHttpServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      let total = 0;
      const pump = (): void => {
        while (total < LIMIT && !res.destroyed) {
          total += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
        if (total >= LIMIT) res.end();
      };
      res.on('close', () => written.push(total));
      pump();
    }),
  );
  const report = await probeLoaded(await loadDocumentFromText(doc('http', '{ type: http, scheme: bearer }')), {
    probers,
    hosts: { s: `127.0.0.1:${port}` },
  });
  assert.deepEqual(
    report.servers[0]!.outcomes.filter((o) => o.id === 'auth-anonymous-accepted').map((o) => o.status),
    ['fail'],
  );
  // The anonymous and the wrong-credential requests' responses end when probe closes their connections.
  await eventually(() => written.length >= 2, 30_000, 'both responses closed');
  // Loopback socket buffers hold a few MiB; the rest of the 64 MiB was never asked for.
  for (const n of written) assert.ok(n < 16 * 1024 * 1024, `${n} bytes written before probe closed`);
  const evidence = report.servers[0]!.outcomes.find((o) => o.id === 'auth-anonymous-accepted')!.evidence!;
  assert.ok(evidence.received.length < 200, 'evidence quotes a bounded prefix of the body');
});
