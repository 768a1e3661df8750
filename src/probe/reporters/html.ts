// `probe --format html`: one self-contained page (docs/probe.md, "HTML report"): inline CSS, no script, no
// fetch (a Content-Security-Policy of `default-src 'none'` makes sure), so it can be archived as a CI artifact and
// opened anywhere. A servers × operations matrix coloured by result, then per server its declared schemes and
// every check with its status and evidence. Everything from the document or a server is escaped.

import type { CheckStatus, LocatedOutcome, ProbeReport, ServerReport } from '../types.js';
import type { ProbeReporterContext } from './types.js';
import { escapeXml as h } from './xml.js';

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem;color:#1d2330;background:#fafbfc}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.15rem;margin:2rem 0 .5rem}
.sub{color:#5b6475;margin:0 0 1.5rem}
.summary span{display:inline-block;margin-right:1rem;font-weight:600}
table{border-collapse:collapse;background:#fff;box-shadow:0 1px 2px #0002;margin:.5rem 0 1rem}
th,td{border:1px solid #dde1e8;padding:.35rem .6rem;text-align:left;vertical-align:top}
th{background:#f0f2f6;font-weight:600}
td.cell{text-align:center;min-width:6rem;font-weight:600}
.fail{background:#fde2e1;color:#9b1c1c}.pass{background:#def7e5;color:#14532d}
.skipped{background:#f1f3f5;color:#5b6475}.none{background:#fff;color:#aab}.error{background:#fde2e1;color:#9b1c1c}
.badge{display:inline-block;border-radius:3px;padding:0 .4rem;font-size:.8rem;font-weight:700;text-transform:uppercase}
code{font:12px/1.4 ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap;word-break:break-all}
.schemes code{background:#eef1f6;padding:0 .3rem;border-radius:3px;margin-right:.3rem}
.note{padding:.5rem .75rem;border-left:4px solid #9b1c1c;background:#fff}
`;

const rank: Readonly<Record<CheckStatus, number>> = { fail: 3, pass: 2, skipped: 1 };

/** The worst status of some outcomes (fail > pass > skipped), null for none. */
function worst(outcomes: readonly LocatedOutcome[]): CheckStatus | null {
  let best: CheckStatus | null = null;
  for (const o of outcomes) if (best === null || rank[o.status] > rank[best]) best = o.status;
  return best;
}

export function formatProbeHtml(report: ProbeReport, ctx: ProbeReporterContext): string {
  const m = report.summary;
  const asyncapi = report.asyncapi === null ? '' : ` · AsyncAPI ${h(report.asyncapi)}`;
  const body = report.fatal
    ? `<p class="note">${h(report.fatal.message)}</p>`
    : '<p class="summary">' +
      `<span class="badge fail">${m.failed} failed</span>` +
      `<span class="badge pass">${m.passed} passed</span>` +
      `<span class="badge skipped">${m.skipped} skipped</span></p>` +
      matrix(report) +
      report.servers.map((s) => serverSection(s, ctx)).join('');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>asyncapi-guard probe: ${h(report.document)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>asyncapi-guard probe</h1>
<p class="sub">${h(report.document)}${asyncapi} · asyncapi-guard ${h(ctx.version)}</p>
${body}
</body>
</html>
`;
}

function matrix(report: ProbeReport): string {
  const columns = report.operations.map((op) => `<th>${h(op.id)}</th>`).join('');
  const head = `<tr><th>server</th><th>connection</th>${columns}</tr>`;
  const rows = report.servers.map((s) => {
    const serverLevel = s.outcomes.filter((o) => o.operation === undefined);
    const first = s.error !== undefined ? cell('error', 'could not probe') : cellFor(worst(serverLevel));
    const cells = report.operations.map((op) => {
      if (!op.servers.includes(s.name)) return '<td class="cell none" title="not on this server">·</td>';
      return cellFor(worst(s.outcomes.filter((o) => o.operation === op.id)));
    });
    return `<tr><th><a href="#server-${h(s.name)}">${h(s.name)}</a></th>${first}${cells.join('')}</tr>`;
  });
  return `<h2>Servers × operations</h2>\n<table class="matrix">${head}${rows.join('')}</table>\n`;
}

function cellFor(status: CheckStatus | null): string {
  return status === null ? cell('none', '—') : cell(status, status);
}

function cell(cls: string, text: string): string {
  return `<td class="cell ${cls}">${h(text)}</td>`;
}

function serverSection(s: ServerReport, ctx: ProbeReporterContext): string {
  const target = s.target === null ? '' : ` · ${h(s.target)}`;
  const schemes = s.schemes.length === 0 ? 'none declared' : s.schemes.map((n) => `<code>${h(n)}</code>`).join('');
  const notes =
    (s.error === undefined ? '' : `<p class="note">Could not probe: ${h(s.error)}</p>`) +
    (s.skipped === undefined ? '' : `<p class="note">Not probed: ${h(s.skipped)}</p>`);
  const rows = s.outcomes.map((o) => {
    const evidence =
      o.evidence === undefined
        ? ''
        : `<code>sent: ${h(o.evidence.sent)}</code><br><code>received: ${h(o.evidence.received)}</code>`;
    const title = ctx.findings.get(o.id)?.description ?? '';
    return (
      `<tr><td><span class="badge ${o.status}">${o.status}</span></td>` +
      `<td title="${h(title)}">${h(o.id)}${o.status === 'fail' ? ` (${o.severity})` : ''}</td>` +
      `<td>${o.operation === undefined ? '' : h(o.operation)}</td><td>${h(o.message)}</td><td>${evidence}</td></tr>`
    );
  });
  const table =
    rows.length === 0
      ? ''
      : '<table class="checks"><tr><th>result</th><th>check</th><th>operation</th><th>what happened</th>' +
        `<th>evidence</th></tr>${rows.join('')}</table>`;
  return (
    `<h2 id="server-${h(s.name)}">${h(s.name)} <small>${h(s.protocol)}${target}</small></h2>\n` +
    `<p class="schemes">Declared schemes: ${schemes}</p>\n${notes}${table}\n`
  );
}
