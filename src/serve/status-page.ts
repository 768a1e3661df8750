// The admin status page: one server-rendered HTML document, no script, no external asset. The
// stylesheet is inline and allowed by its hash in the Content-Security-Policy, so the page runs
// under `default-src 'none'`. Every value is HTML-escaped (a server name or a claimed principal
// id comes from a user file or a client).

import { createHash } from 'node:crypto';
import type { RefusalEntry } from './refusals.js';

export interface StatusServer {
  readonly name: string;
  readonly protocol: string;
  readonly address: string;
  readonly schemes: readonly string[];
  readonly connections: number;
  readonly listening: boolean;
}

export interface StatusSkipped {
  readonly name: string;
  readonly protocol: string;
  readonly reason: string;
}

export interface StatusInput {
  readonly title: string;
  readonly bus: string;
  readonly busReady: boolean;
  readonly servers: readonly StatusServer[];
  readonly skipped: readonly StatusSkipped[];
  readonly refusals: readonly RefusalEntry[];
}

const STYLE =
  'body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}' +
  'h1{font-size:1.3em}h2{font-size:1.1em;margin-top:1.6em}table{border-collapse:collapse}' +
  'th,td{text-align:left;padding:.3em .8em;border-bottom:1px solid #ddd}th{background:#f4f4f4}' +
  '.ok{color:#176b2c}.bad{color:#a11}code{font-size:.95em}';

/** The policy the admin listener sends with the page. */
export const STATUS_PAGE_CSP =
  `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'; ` +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function renderStatusPage(input: StatusInput): string {
  const e = escapeHtml;
  const rows = input.servers
    .map(
      (s) =>
        `<tr data-server="${e(s.name)}"><td>${e(s.name)}</td><td>${e(s.protocol)}</td>` +
        `<td><code>${e(s.address)}</code></td>` +
        `<td>${s.schemes.length === 0 ? '<em>none</em>' : e(s.schemes.join(', '))}</td>` +
        `<td class="connections">${s.connections}</td>` +
        `<td class="${s.listening ? 'ok">listening' : 'bad">stopped'}</td></tr>`,
    )
    .join('');
  const skipped = input.skipped
    .map((s) => `<tr><td>${e(s.name)}</td><td>${e(s.protocol)}</td><td>${e(s.reason)}</td></tr>`)
    .join('');
  const refusals =
    input.refusals.length === 0
      ? '<p id="no-refusals">No refusal since start.</p>'
      : '<table id="refusals"><thead><tr><th>time (UTC)</th><th>server</th><th>action</th><th>scheme</th>' +
        '<th>reason</th><th>principal</th></tr></thead><tbody>' +
        input.refusals
          .map(
            (r) =>
              `<tr><td>${e(new Date(r.time).toISOString())}</td><td>${e(r.server)}</td><td>${e(r.action)}</td>` +
              `<td>${e(r.scheme ?? '')}</td><td>${e(r.reason)}</td><td>${e(r.principal ?? '')}</td></tr>`,
          )
          .join('') +
        '</tbody></table>';
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="10">` +
    `<title>${e(input.title)} — asyncapi-guard serve</title><style>${STYLE}</style></head><body>` +
    `<h1>${e(input.title)}</h1><p>Bus: <code>${e(input.bus)}</code> ` +
    `<span class="${input.busReady ? 'ok">ready' : 'bad">not ready'}</span></p>` +
    '<h2>Servers</h2><table id="servers"><thead><tr><th>server</th><th>protocol</th><th>listen</th>' +
    `<th>schemes</th><th>connections</th><th>state</th></tr></thead><tbody>${rows}</tbody></table>` +
    (skipped === ''
      ? ''
      : '<h2>Not served</h2><table id="skipped"><thead><tr><th>server</th><th>protocol</th><th>why</th></tr></thead>' +
        `<tbody>${skipped}</tbody></table>`) +
    `<h2>Latest refusals</h2>${refusals}</body></html>`
  );
}
