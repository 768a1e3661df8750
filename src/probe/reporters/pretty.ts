// `probe --format pretty`: per server its target and declared schemes, then each check (fails with their
// evidence), then one summary line. For a person at a terminal; json is the contract.

import { createColors } from '../../check/reporters/colors.js';
import type { ProbeReport } from '../types.js';
import type { ProbeReporterContext } from './types.js';

export function formatProbePretty(report: ProbeReport, ctx: ProbeReporterContext): string {
  const c = createColors(ctx.color);
  const lines: string[] = [];
  if (report.fatal) return `${c.red('✖')} ${report.document}: ${report.fatal.message}\n`;
  for (const s of report.servers) {
    const schemes = s.schemes.length > 0 ? s.schemes.join(', ') : 'no security';
    lines.push(c.bold(`${s.name}`) + c.dim(` ${s.protocol} ${s.target ?? ''} · ${schemes}`));
    if (s.skipped !== undefined) lines.push(`  ${c.dim('–')} not probed: ${s.skipped}`);
    for (const o of s.outcomes) {
      const op = o.operation === undefined ? '' : c.dim(` [${o.operation}]`);
      if (o.status === 'pass') lines.push(`  ${c.green('✔')} ${o.message}${op}`);
      else if (o.status === 'skipped') lines.push(`  ${c.dim('–')} ${c.dim(`${o.id}: ${o.message}`)}${op}`);
      else {
        const mark = o.severity === 'error' ? c.red('✖') : c.yellow('⚠');
        lines.push(`  ${mark} ${o.message}${op} ${c.dim(o.id)}`);
        if (o.evidence) {
          lines.push(c.dim(`      sent: ${o.evidence.sent}`));
          lines.push(c.dim(`      received: ${o.evidence.received}`));
        }
      }
    }
    if (s.error !== undefined) lines.push(`  ${c.red('✖')} could not probe: ${s.error}`);
    lines.push('');
  }
  const m = report.summary;
  lines.push(
    `${m.failed} finding${m.failed === 1 ? '' : 's'} (${m.errors} error, ${m.warnings} warning), ` +
      `${m.passed} passed, ${m.skipped} skipped`,
  );
  return `${lines.join('\n')}\n`;
}
