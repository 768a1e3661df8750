// The admin status page in a real browser (headless Chromium through playwright-core): it loads
// under its strict CSP, shows every server row, and a refusal after a failed login.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import mqtt from 'mqtt';
import type { Browser } from 'playwright-core';
import { escapeHtml, renderStatusPage } from '../../src/serve/status-page.js';
import type { RunningServe } from '../../src/serve/types.js';
import { launchChromium } from '../helpers/chromium.js';
import { makeServeProject, startServeOnFreePorts } from './helpers.js';

/** What the page functions below use of a table row: they run in the browser, and this project has no DOM types. */
interface DomRow {
  querySelectorAll(selector: string): Iterable<{ textContent: string | null }>;
}

describe('status page: rendering', () => {
  it('escapes every value (a hostile claimed principal id cannot inject markup)', () => {
    const html = renderStatusPage({
      title: 't',
      bus: 'memory',
      busReady: true,
      servers: [],
      skipped: [],
      refusals: [
        {
          time: 0,
          server: 's',
          action: 'connect',
          scheme: 'userPass',
          reason: 'bad_password',
          principal: '<script>alert(1)</script>',
        },
      ],
    });
    assert.ok(!html.includes('<script>'));
    assert.ok(html.includes(escapeHtml('<script>alert(1)</script>')));
  });
});

describe('status page: in headless Chromium', () => {
  let serve: RunningServe;
  let browser: Browser;
  const cspErrors: string[] = [];

  before(async () => {
    const p = await makeServeProject();
    serve = await startServeOnFreePorts(p.dir, { admin: '127.0.0.1:0' });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await serve?.close(0);
  });

  it('loads, shows each server row, and a refusal after a failed MQTT login', async () => {
    const broker = serve.servers.find((s) => s.name === 'broker')!;
    await new Promise<void>((resolve) => {
      const c = mqtt.connect({
        host: '127.0.0.1',
        port: broker.port,
        protocolVersion: 4,
        username: 'alice',
        password: 'not-the-password',
        reconnectPeriod: 0,
      });
      c.once('error', () => {
        c.end(true);
        resolve();
      });
    });
    const page = await browser.newPage();
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspErrors.push(m.text());
    });
    const res = await page.goto(`http://127.0.0.1:${serve.admin!.port}/`);
    assert.equal(res?.status(), 200);
    const rows = await page
      .locator('#servers tbody tr')
      .evaluateAll((trs: readonly DomRow[]) =>
        trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)),
      );
    assert.deepEqual(
      rows.map((r) => r.slice(0, 2)),
      [
        ['broker', 'mqtt'],
        ['web', 'ws'],
        ['api', 'http'],
      ],
    );
    assert.equal(rows[0]![2], `127.0.0.1:${broker.port}`);
    assert.equal(rows[0]![3], 'userPass, deviceKey');
    assert.equal(await page.locator('#skipped tbody tr td').first().textContent(), 'events');
    const refusal = await page
      .locator('#refusals tbody tr')
      .first()
      .evaluate((tr: DomRow) => [...tr.querySelectorAll('td')].map((td) => td.textContent));
    assert.deepEqual(refusal.slice(1), ['broker', 'connect', 'userPass', 'bad_password', 'alice']);
    // The inline stylesheet is allowed by its hash: it applied, and nothing was blocked.
    assert.equal(
      await page
        .locator('th')
        .first()
        .evaluate(
          (th) =>
            (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(
              th,
            ).backgroundColor,
        ),
      'rgb(244, 244, 244)',
    );
    assert.deepEqual(cspErrors, []);
    assert.ok(!(await page.content()).includes('not-the-password'));
  });
});
