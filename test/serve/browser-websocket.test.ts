// A browser's WebSocket against `serve` (headless Chromium through playwright-core): a page served
// from another loopback port opens `new WebSocket(url, ['asyncapi-guard.bearer', token])` against a
// ws server secured by a bearer JWT scheme, exactly as the startup hint and docs/serve.md say, and
// receives a message; without the token, or with the token alone as the subprotocol, it does not.

import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { describeServe } from '../../src/serve/describe.js';
import type { RunningServe } from '../../src/serve/types.js';
import { launchChromium } from '../helpers/chromium.js';
import { startIdp, type Idp } from '../tokens/helpers.js';
import { auditCapture, makeServeProject, quietLogger } from './helpers.js';
import { startServe } from '../../src/serve/start.js';

const DOC = `asyncapi: 3.0.0
info: { title: browser, version: '1' }
servers:
  web:
    host: 127.0.0.1:8080
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
    jwt: { type: http, scheme: bearer, bearerFormat: JWT }
`;

/** What the page's script reports: the first message received, or how the connection failed. */
type Outcome = { kind: 'message'; data: string; protocol: string } | { kind: 'failed'; code: number };

/** Runs in the browser: opens the WebSocket with `protocols`, sends one frame once open, waits for one back. */
function openInPage(page: Page, url: string, protocols: string[]): Promise<Outcome> {
  return page.evaluate(
    ({ url, protocols }) =>
      new Promise<Outcome>((resolve) => {
        const G = globalThis as unknown as {
          WebSocket: new (
            u: string,
            p: string[],
          ) => {
            protocol: string;
            onopen: () => void;
            onmessage: (e: { data: string }) => void;
            onclose: (e: { code: number }) => void;
            send(d: string): void;
            close(): void;
          };
        };
        const ws = new G.WebSocket(url, protocols);
        ws.onopen = () => ws.send('hello from the browser');
        ws.onmessage = (e) => {
          resolve({ kind: 'message', data: String(e.data), protocol: ws.protocol });
          ws.close();
        };
        ws.onclose = (e) => resolve({ kind: 'failed', code: e.code });
      }),
    { url, protocols },
  );
}

function refusedConnections(serve: RunningServe): number {
  const m = /^asyncapi_guard_serve_refused_connections_total\{server="web",protocol="ws"\} (\d+)$/m.exec(
    serve.metrics(),
  );
  assert.ok(m, 'the refused-connections counter of web');
  return Number(m[1]);
}

describe('serve: a browser WebSocket with a bearer JWT (headless Chromium)', () => {
  let idp: Idp;
  let serve: RunningServe;
  let browser: Browser;
  let pageServer: Server;
  let pageUrl: string;
  let wsUrl: string;

  before(async () => {
    idp = await startIdp(['RS256']);
    const config =
      `store: file:./credentials.yaml\naudit: { level: silent }\nschemes:\n` +
      `  jwt: { issuer: '${idp.issuer}', audience: lights, jwks: '${idp.jwksUrl}', algorithms: [RS256] }\n`;
    const p = await makeServeProject({ 'asyncapi.yaml': DOC, 'asyncapi-guard.yaml': config });
    serve = await startServe({
      document: 'asyncapi.yaml',
      cwd: p.dir,
      logger: quietLogger(),
      auditStream: auditCapture().stream,
      listen: { web: '127.0.0.1:0' },
    });
    wsUrl = `ws://127.0.0.1:${serve.servers[0]!.port}/ws/lights/7/status`;
    // The page comes from another origin (another port), as a dashboard would.
    pageServer = createServer((_req, res) => {
      res.setHeader('Content-Type', 'text/html');
      res.end('<!doctype html><title>dashboard</title><p>dashboard</p>');
    });
    await new Promise<void>((resolve) => pageServer.listen(0, '127.0.0.1', () => resolve()));
    pageUrl = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}/`;
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await serve?.close(0);
    pageServer?.close();
    await idp?.stop();
  });

  it('the startup hint prints the exact browser form', () => {
    const hint = describeServe(serve).find((l) => l.startsWith('  web: '));
    assert.ok(hint, describeServe(serve).join('\n'));
    assert.ok(
      hint.includes(
        `new WebSocket('${wsUrl.replace('lights/7/status', 'CHANNEL')}', ['asyncapi-guard.bearer', TOKEN])`,
      ),
      hint,
    );
    assert.ok(hint.includes('Sec-WebSocket-Protocol: asyncapi-guard.bearer, TOKEN'), hint);
  });

  it("['asyncapi-guard.bearer', token] opens it, a message arrives; the token is never selected", async () => {
    const token = await idp.buildToken({ aud: 'lights' });
    const page = await browser.newPage();
    try {
      await page.goto(pageUrl);
      const outcome = await openInPage(page, wsUrl, ['asyncapi-guard.bearer', token]);
      assert.deepEqual(outcome, {
        kind: 'message',
        data: 'hello from the browser',
        protocol: 'asyncapi-guard.bearer',
      });
    } finally {
      await page.close();
    }
  });

  it('without the token, or with the token alone as the subprotocol, the handshake fails', async () => {
    const token = await idp.buildToken({ aud: 'lights' });
    const page = await browser.newPage();
    try {
      await page.goto(pageUrl);
      const before = refusedConnections(serve);
      // A browser sees a refused handshake (401 here) as close code 1006, without the status.
      assert.deepEqual(await openInPage(page, wsUrl, []), { kind: 'failed', code: 1006 });
      assert.deepEqual(await openInPage(page, wsUrl, [token]), { kind: 'failed', code: 1006 });
      assert.deepEqual(await openInPage(page, wsUrl, ['asyncapi-guard.bearer']), { kind: 'failed', code: 1006 });
      // Each was refused by the front (a 401 before the upgrade), not lost on the way.
      assert.equal(refusedConnections(serve) - before, 3);
    } finally {
      await page.close();
    }
  });
});
