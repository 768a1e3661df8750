// The HTML report in headless Chromium (one self-contained page: no request leaves it, no console error, the
// servers × operations matrix coloured by result, a section per server; a screenshot that is a real picture), and
// the JUnit XML read back by the browser's XML parser (well-formed even with a server's hostile bytes in it).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { loadDocumentFromText } from '../../src/document/load.js';
import { probeLoaded } from '../../src/probe/run.js';
import { probers } from '../../src/probe/probers.js';
import { findingRegistry } from '../../src/probe/findings.js';
import { formatProbeHtml } from '../../src/probe/reporters/html.js';
import { formatProbeJunit } from '../../src/probe/reporters/junit.js';
import type { ProbeReport } from '../../src/probe/types.js';
import type { RunningServe } from '../../src/serve/types.js';
import { launchChromium } from '../helpers/chromium.js';
import { makeServeProject, startServeOnFreePorts, PASSWORD, SERVE_DOC } from '../serve/helpers.js';

// The page's DOM, as far as these tests read it (the project's TypeScript has no DOM library).
interface DomNode {
  readonly nodeName: string;
  readonly className: string;
  readonly textContent: string | null;
  readonly children: ArrayLike<DomNode>;
  readonly documentElement: DomNode;
  getAttribute(name: string): string | null;
  querySelector(selector: string): DomNode | null;
  querySelectorAll(selector: string): ArrayLike<DomNode>;
}
interface DomWindow {
  DOMParser: new () => { parseFromString(text: string, type: string): DomNode };
  getComputedStyle(node: DomNode): { backgroundColor: string };
}

let serve: RunningServe;
let browser: Browser;
let report: ProbeReport;
const ctx = { cwd: '/', color: false, findings: findingRegistry(probers), version: '0.0.0-test' };

before(async () => {
  const project = await makeServeProject();
  serve = await startServeOnFreePorts(project.dir);
  const hosts = Object.fromEntries(serve.servers.map((s) => [s.name, `127.0.0.1:${s.port}`]));
  const principals = new Map([
    [
      'userPass',
      [
        { name: 'alice', scheme: 'userPass', scopes: ['lights'], password: PASSWORD },
        { name: 'mallory', scheme: 'userPass', scopes: [], password: 'not-a-user-here' },
      ],
    ],
    ['basic', [{ name: 'alice', scheme: 'basic', scopes: [], password: PASSWORD }]],
  ]);
  const probed = await probeLoaded(await loadDocumentFromText(SERVE_DOC), {
    probers,
    hosts,
    principals,
    servers: ['broker', 'api'],
  });
  // A server's answer may hold anything: control characters, markup, a CDATA end.
  const hostile = '\u0001<script>alert(1)</script> ]]> & "\'\u0007';
  const [broker, ...rest] = probed.servers;
  report = {
    ...probed,
    servers: [
      {
        ...broker!,
        outcomes: [
          ...broker!.outcomes,
          { ...broker!.outcomes[0]!, status: 'fail', message: hostile, evidence: { sent: hostile, received: hostile } },
        ],
      },
      ...rest,
    ],
  };
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await serve?.close();
});

test('html: self-contained, no console error, matrix and sections laid out, a real screenshot', async () => {
  const html = formatProbeHtml(report, ctx);
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('request', (r) => requests.push(r.url()));
  await page.setContent(html, { waitUntil: 'load' });
  assert.deepEqual(problems, []);
  assert.deepEqual(requests, []);
  assert.equal(await page.title(), 'asyncapi-guard probe: document.yaml');
  // The hostile text is text, not markup.
  assert.equal(await page.locator('script').count(), 0);

  const matrix = await page
    .locator('table.matrix tr')
    .evaluateAll((trs: DomNode[]) =>
      trs.map((tr) => Array.from(tr.children).map((c) => `${c.textContent ?? ''}|${c.className}`)),
    );
  assert.deepEqual(matrix[0], ['server|', 'connection|', 'sendStatus|', 'receiveStatus|']);
  assert.deepEqual(matrix[1], ['broker|', 'fail|cell fail', 'pass|cell pass', 'pass|cell pass']);
  assert.deepEqual(matrix[2], ['api|', 'pass|cell pass', 'pass|cell pass', 'pass|cell pass']);
  assert.equal(matrix.length, 3);
  const failColor = await page
    .locator('td.cell.fail')
    .first()
    .evaluate((td: DomNode) => (globalThis as unknown as DomWindow).getComputedStyle(td).backgroundColor);
  assert.equal(failColor, 'rgb(253, 226, 225)');

  assert.deepEqual(await page.locator('h2[id^="server-"]').allTextContents(), [
    `broker mqtt · ${report.servers[0]!.target!}`,
    `api http · ${report.servers[1]!.target!}`,
  ]);
  assert.match((await page.locator('#server-broker + p.schemes').textContent()) ?? '', /userPass.*deviceKey/);
  const badges = await page.locator('table.checks .badge').allTextContents();
  assert.ok(badges.includes('fail') && badges.includes('pass') && badges.includes('skipped'));

  const png = await page.screenshot({ fullPage: true });
  assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  assert.equal(width, 1200);
  assert.ok(height > 800, `a full page taller than the viewport (${height})`);
  assert.ok(png.length > 40_000, `a picture with content (${png.length} bytes)`);
  await page.close();
});

test('junit: the browser XML parser reads it; one testcase per check, failures and skips counted', async () => {
  const xml = formatProbeJunit(report, ctx);
  const page = await browser.newPage();
  const parsed = await page.evaluate((text: string) => {
    const { DOMParser } = globalThis as unknown as DomWindow;
    const doc = new DOMParser().parseFromString(text, 'application/xml');
    const error = doc.querySelector('parsererror');
    const root = doc.documentElement;
    return {
      error: error?.textContent ?? null,
      root: root.nodeName,
      tests: root.getAttribute('tests'),
      failures: root.getAttribute('failures'),
      cases: doc.querySelectorAll('testcase').length,
      failed: doc.querySelectorAll('testcase > failure').length,
      skipped: doc.querySelectorAll('testcase > skipped').length,
      hostile: doc.querySelectorAll('testcase > failure')[1]?.getAttribute('message') ?? '',
    };
  }, xml);
  await page.close();
  const all = report.servers.flatMap((s) => s.outcomes);
  const errors = report.servers.filter((s) => s.error !== undefined).length;
  assert.equal(parsed.error, null);
  assert.equal(parsed.root, 'testsuites');
  assert.equal(parsed.cases, all.length + errors);
  assert.equal(Number(parsed.tests), all.length + errors);
  assert.equal(parsed.failed, all.filter((o) => o.status === 'fail').length);
  assert.equal(Number(parsed.failures), parsed.failed);
  assert.equal(parsed.skipped, all.filter((o) => o.status === 'skipped').length);
  assert.match(parsed.hostile, /<script>alert\(1\)<\/script> \]\]> & "'/);
});
