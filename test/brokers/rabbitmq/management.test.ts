// The management API client that closes a revoked user's RabbitMQ connections, against a fake
// management listener: only that user's connections on that vhost are closed, with Basic auth and
// an X-Reason; a failing call is tried again; an oversized list is not read whole; the password
// never reaches a log line.

import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { createConnectionCloser } from '../../../src/brokers/rabbitmq/management.js';

const PASSWORD = 'MARKER-mgmt-9b1f';
let server: Server;
let port = 0;
const deleted: { name: string; reason: string | undefined; auth: string | undefined }[] = [];
let failNextLists = 0;
let hugeList = false;

before(async () => {
  server = createServer((req: IncomingMessage, res) => {
    const url = req.url ?? '';
    if (req.method === 'GET' && url.startsWith('/api/connections')) {
      if (failNextLists > 0) {
        failNextLists--;
        res.writeHead(503).end();
        return;
      }
      if (hugeList) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('[' + '{"name":"x","user":"y","vhost":"/"},'.repeat(600_000) + '{}]');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify([
          { name: '127.0.0.1:1 -> 127.0.0.1:5672', user: 'carol', vhost: '/' },
          { name: '127.0.0.1:2 -> 127.0.0.1:1883', user: 'carol', vhost: '/' },
          { name: '127.0.0.1:3 -> 127.0.0.1:5672', user: 'carol', vhost: 'other' },
          { name: '127.0.0.1:4 -> 127.0.0.1:5672', user: 'dave', vhost: '/' },
        ]),
      );
      return;
    }
    if (req.method === 'DELETE' && url.startsWith('/api/connections/')) {
      deleted.push({
        name: decodeURIComponent(url.slice('/api/connections/'.length)),
        reason: req.headers['x-reason'] as string | undefined,
        auth: req.headers.authorization,
      });
      res.writeHead(204).end();
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
after(() => new Promise<void>((r) => server.close(() => r())));

function logCapture() {
  const lines: string[] = [];
  return { logger: pino({ level: 'debug' }, { write: (s: string) => void lines.push(s) }), lines };
}

test("closes that user's connections on that vhost only, with Basic auth and a reason", async () => {
  deleted.length = 0;
  const log = logCapture();
  const closer = createConnectionCloser(
    { url: `http://127.0.0.1:${port}/`, user: 'admin', password: PASSWORD, vhost: '/' },
    log.logger,
  );
  assert.equal(await closer.closeUser('carol', 'revoked'), 2);
  assert.deepEqual(deleted.map((d) => d.name).sort(), [
    '127.0.0.1:1 -> 127.0.0.1:5672',
    '127.0.0.1:2 -> 127.0.0.1:1883',
  ]);
  const basic = `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}`;
  assert.ok(deleted.every((d) => d.reason === 'revoked' && d.auth === basic));
});

test('a failing list is tried again; an oversized one is not read whole; no password in the log', async () => {
  deleted.length = 0;
  const log = logCapture();
  const closer = createConnectionCloser(
    { url: `http://127.0.0.1:${port}`, user: 'admin', password: PASSWORD, vhost: '/' },
    log.logger,
  );
  failNextLists = 2;
  assert.equal(await closer.closeUser('carol', 'revoked'), 2);
  assert.equal(log.lines.filter((l) => l.includes('authd.rabbitmq.management_failed')).length, 2);
  hugeList = true;
  try {
    assert.equal(await closer.closeUser('carol', 'revoked'), 0);
  } finally {
    hugeList = false;
  }
  assert.ok(log.lines.some((l) => l.includes('list_too_large')));
  const unreachable = createConnectionCloser(
    { url: 'http://127.0.0.1:1', user: 'admin', password: PASSWORD, vhost: '/' },
    log.logger,
  );
  assert.equal(await unreachable.closeUser('carol', 'revoked'), 0);
  const all = log.lines.join('');
  assert.ok(!all.includes(PASSWORD));
  assert.ok(!all.includes(Buffer.from(`admin:${PASSWORD}`).toString('base64')));
});
