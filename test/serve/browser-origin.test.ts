// Cross-site WebSocket hijacking, tried from a real browser (headless Chromium through
// playwright-core). Cookies belong to a host, not a port: a page on another port of the same host
// carries the cookie API key of a ws server to it without asking. `serve` refuses that page's
// handshake unless its origin is listed in `servers.<name>.allowedOrigins`, and lets it in when it is.

import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startServe } from '../../src/serve/start.js';
import type { RunningServe } from '../../src/serve/types.js';
import { launchChromium } from '../helpers/chromium.js';
import { auditCapture, makeServeProject, quietLogger } from './helpers.js';

const DOC = `asyncapi: 3.0.0
info: { title: browser origin, version: '1' }
servers:
  listed:
    host: 127.0.0.1:8080
    protocol: ws
    security: [{ $ref: '#/components/securitySchemes/cookieKey' }]
  unlisted:
    host: 127.0.0.1:8081
    protocol: ws
    security: [{ $ref: '#/components/securitySchemes/cookieKey' }]
channels:
  status: { address: 'lights/{id}/status' }
operations:
  sendStatus: { action: send, channel: { $ref: '#/channels/status' } }
  receiveStatus: { action: receive, channel: { $ref: '#/channels/status' } }
components:
  securitySchemes:
    cookieKey: { type: httpApiKey, in: cookie, name: session }
`;

type Outcome = { kind: 'message'; data: string } | { kind: 'failed'; code: number };

/** Runs in the browser: opens the WebSocket (no credential of its own), sends one frame, waits for it back. */
function openInPage(page: Page, url: string): Promise<Outcome> {
  return page.evaluate(
    (url) =>
      new Promise<Outcome>((resolve) => {
        const G = globalThis as unknown as {
          WebSocket: new (u: string) => {
            onopen: () => void;
            onmessage: (e: { data: string }) => void;
            onclose: (e: { code: number }) => void;
            send(d: string): void;
            close(): void;
          };
        };
        const ws = new G.WebSocket(url);
        ws.onopen = () => ws.send('from the page');
        ws.onmessage = (e) => {
          resolve({ kind: 'message', data: String(e.data) });
          ws.close();
        };
        ws.onclose = (e) => resolve({ kind: 'failed', code: e.code });
      }),
    url,
  );
}

function refusedOrigins(serve: RunningServe, server: string): number {
  const re = new RegExp(
    `^asyncapi_guard_serve_refused_origins_total\\{server="${server}",protocol="ws"\\} (\\d+)$`,
    'm',
  );
  const m = re.exec(serve.metrics());
  assert.ok(m, `the refused-origins counter of ${server}`);
  return Number(m[1]);
}

describe('serve: Origin checks from a browser page of another origin (headless Chromium)', () => {
  let serve: RunningServe;
  let browser: Browser;
  let pageServer: Server;
  let pageOrigin: string;
  let apiKey: string;

  before(async () => {
    pageServer = createServer((_req, res) => {
      res.setHeader('Content-Type', 'text/html');
      res.end('<!doctype html><title>another site</title><p>page</p>');
    });
    await new Promise<void>((resolve) => pageServer.listen(0, '127.0.0.1', () => resolve()));
    pageOrigin = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}`;
    const config =
      `store: file:./credentials.yaml\naudit: { level: silent }\nschemes: { cookieKey: {} }\n` +
      `servers:\n  listed: { allowedOrigins: ['${pageOrigin}'] }\n`;
    const p = await makeServeProject({ 'asyncapi.yaml': DOC, 'asyncapi-guard.yaml': config });
    apiKey = p.apiKey;
    serve = await startServe({
      document: 'asyncapi.yaml',
      cwd: p.dir,
      logger: quietLogger(),
      auditStream: auditCapture().stream,
      listen: { listed: '127.0.0.1:0', unlisted: '127.0.0.1:0' },
    });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await serve?.close(0);
    pageServer?.close();
  });

  it("the page's cookie rides along; the unlisted server refuses its origin, the listed one lets it in", async () => {
    const context = await browser.newContext();
    try {
      // The browser holds the user's cookie for the host 127.0.0.1 (as after a login elsewhere).
      await context.addCookies([{ name: 'session', value: apiKey, domain: '127.0.0.1', path: '/' }]);
      const page = await context.newPage();
      await page.goto(`${pageOrigin}/`);
      const port = (name: string) => serve.servers.find((s) => s.name === name)!.port;
      const unlisted = await openInPage(page, `ws://127.0.0.1:${port('unlisted')}/lights/1/status`);
      assert.deepEqual(unlisted, { kind: 'failed', code: 1006 });
      assert.equal(refusedOrigins(serve, 'unlisted'), 1, 'refused for its Origin, not for its credential');
      const listed = await openInPage(page, `ws://127.0.0.1:${port('listed')}/lights/1/status`);
      assert.deepEqual(listed, { kind: 'message', data: 'from the page' });
      assert.equal(refusedOrigins(serve, 'listed'), 0);
    } finally {
      await context.close();
    }
  });
});
