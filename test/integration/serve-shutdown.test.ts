// `serve`'s graceful shutdown with real fronts: while the fronts drain, the admin listener still
// answers and /readyz says 503 (a load balancer stops sending traffic); the fronts drain together,
// so in-flight work on two of them takes the grace period once, not once per front.

import assert from 'node:assert/strict';
import { createConnection, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { loadFrontFactory } from '../../src/serve/fronts.js';
import type { FrontKind } from '../../src/serve/protocols.js';
import type { FrontFactory } from '../../src/transports/types.js';
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

/** The built-in fronts, each recording in `events` when its close starts and when it ends. */
async function recordingFronts(events: string[]): Promise<Record<FrontKind, FrontFactory>> {
  const wrap = async (kind: FrontKind): Promise<FrontFactory> => {
    const create = await loadFrontFactory(kind);
    return (options) => {
      const front = create(options);
      const name = options.server.name;
      return new Proxy(front, {
        get(target, key, receiver) {
          if (key !== 'close') return Reflect.get(target, key, receiver) as unknown;
          return async (graceMs?: number) => {
            events.push(`${name}:close-start`);
            await target.close(graceMs);
            events.push(`${name}:close-end`);
          };
        },
      });
    };
  };
  return { mqtt: await wrap('mqtt'), ws: await wrap('ws'), http: await wrap('http'), kafka: await wrap('kafka') };
}

describe('serve: graceful shutdown', () => {
  it(
    'keeps /readyz answering 503 while the fronts drain, ' + 'and drains them together within the grace period',
    async () => {
      const p = await makeServeProject();
      const events: string[] = [];
      const serve = await startServeOnFreePorts(p.dir, { admin: '127.0.0.1:0', fronts: await recordingFronts(events) });
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
        `GET /lights/1/status HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: ` +
          `Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n` +
          `x-api-key: ${p.apiKey}\r\n\r\n`,
      );
      await new Promise((r) => setTimeout(r, 200));
      // Generous: /readyz is asked while the fronts drain, which is at most this long.
      const graceMs = 5_000;
      const closing = serve.close(graceMs);
      assert.equal(await readyz(), 503, 'draining: not ready, still answering');
      await closing;
      // Together: every front's close started before any of them ended (one after the other,
      // two fronts with work in flight would take the grace period twice).
      const firstEnd = events.findIndex((e) => e.endsWith(':close-end'));
      const starts = events.filter((e) => e.endsWith(':close-start')).sort();
      assert.deepEqual(starts, ['api:close-start', 'broker:close-start', 'web:close-start']);
      assert.ok(
        events.slice(0, firstEnd).filter((e) => e.endsWith(':close-start')).length === starts.length,
        `drained together: ${events.join(', ')}`,
      );
      assert.equal(events.filter((e) => e.endsWith(':close-end')).length, 3, 'each front closed');
      await assert.rejects(readyz(), 'the admin listener is closed after the fronts');
      post.destroy();
      ws.destroy();
    },
  );
});
