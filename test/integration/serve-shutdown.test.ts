// `serve`'s graceful shutdown with real fronts: while the fronts drain, the admin listener still
// answers and /readyz says 503 (a load balancer stops sending traffic); the fronts drain together,
// so in-flight work on two of them takes the grace period once, not once per front.

import assert from 'node:assert/strict';
import { createConnection, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { makeServeProject, PASSWORD, startServeOnFreePorts } from '../serve/helpers.js';

const basic = `Basic ${Buffer.from(`alice:${PASSWORD}`).toString('base64')}`;

function raw(port: number, text: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createConnection({ host: '127.0.0.1', port }, () => {
      s.write(text);
      resolve(s);
    });
    s.on('error', reject);
  });
}

describe('serve: graceful shutdown', () => {
  it('keeps /readyz answering 503 while the fronts drain, and drains them together within the grace period', async () => {
    const p = await makeServeProject();
    const serve = await startServeOnFreePorts(p.dir, { admin: '127.0.0.1:0' });
    const port = (name: string) => serve.servers.find((s) => s.name === name)!.port;
    const readyz = () => fetch(`http://127.0.0.1:${serve.admin!.port}/readyz`).then((r) => r.status);
    assert.equal(await readyz(), 200);
    // In flight on two fronts: a POST whose body never completes (api), and a WebSocket client
    // that never answers the closing handshake (web).
    const post = await raw(
      port('api'),
      `POST /lights/1/status HTTP/1.1\r\nHost: x\r\nAuthorization: ${basic}\r\nContent-Length: 100\r\n\r\nab`,
    );
    const ws = await raw(
      port('web'),
      `GET /lights/1/status HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nx-api-key: ${p.apiKey}\r\n\r\n`,
    );
    await new Promise((r) => setTimeout(r, 200));
    const graceMs = 1_500;
    const t0 = Date.now();
    const closing = serve.close(graceMs);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(await readyz(), 503, 'draining: not ready, still answering');
    await closing;
    const took = Date.now() - t0;
    assert.ok(took < graceMs * 2 - 200, `drained together: ${took} ms for a ${graceMs} ms grace on two fronts`);
    await assert.rejects(readyz(), 'the admin listener is closed after the fronts');
    post.destroy();
    ws.destroy();
  });
});
