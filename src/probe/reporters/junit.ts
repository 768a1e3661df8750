// `probe --format junit`: JUnit XML for CI dashboards (the de facto schema Jenkins, GitLab and GitHub test
// reporters read): one <testsuite> per server, one <testcase> per check; a fail is a <failure> whose type is the
// finding id, a skip a <skipped> with why, a server that could not be probed one <testcase> with an <error>.

import type { ProbeReport, ServerReport } from '../types.js';
import type { ProbeReporterContext } from './types.js';
import { escapeXml as x } from './xml.js';

export function formatProbeJunit(report: ProbeReport, _ctx: ProbeReporterContext): string {
  const suites = report.servers.map(suite);
  const totals = report.servers.reduce(
    (t, s) => {
      t.tests += s.outcomes.length + (s.error === undefined ? 0 : 1);
      t.failures += s.outcomes.filter((o) => o.status === 'fail').length;
      t.skipped += s.outcomes.filter((o) => o.status === 'skipped').length;
      t.errors += s.error === undefined ? 0 : 1;
      return t;
    },
    { tests: 0, failures: 0, skipped: 0, errors: report.fatal ? 1 : 0 },
  );
  const fatal = report.fatal
    ? `  <testsuite name="${x(report.document)}" tests="1" failures="0" errors="1" skipped="0">\n` +
      '    <testcase classname="probe" name="load the document">' +
      `<error type="${x(report.fatal.code)}" message="${x(report.fatal.message)}"/></testcase>\n` +
      '  </testsuite>\n'
    : '';
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<testsuites name="asyncapi-guard probe ${x(report.document)}" ${counts(totals)}>\n` +
    fatal +
    suites.join('') +
    '</testsuites>\n'
  );
}

function suite(s: ServerReport): string {
  const failures = s.outcomes.filter((o) => o.status === 'fail').length;
  const skipped = s.outcomes.filter((o) => o.status === 'skipped').length;
  const errors = s.error === undefined ? 0 : 1;
  const name = `${s.name} (${s.protocol}${s.target === null ? '' : ` ${s.target}`})`;
  const cases = s.outcomes.map((o) => {
    const testName = `${o.id}${o.operation === undefined ? '' : ` [${o.operation}]`}: ${o.message}`;
    const evidence = o.evidence === undefined ? '' : `sent: ${o.evidence.sent}\nreceived: ${o.evidence.received}`;
    const body =
      o.status === 'fail'
        ? `<failure type="${x(o.id)}" message="${x(`${o.severity}: ${o.message}`)}">${x(evidence)}</failure>`
        : o.status === 'skipped'
          ? `<skipped message="${x(o.message)}"/>`
          : '';
    return `    <testcase classname="${x(s.name)}" name="${x(testName)}">${body}</testcase>\n`;
  });
  if (s.error !== undefined) {
    cases.push(
      `    <testcase classname="${x(s.name)}" name="probe the server"><error message="${x(s.error)}"/></testcase>\n`,
    );
  }
  return (
    `  <testsuite name="${x(name)}" ${counts({ tests: cases.length, failures, errors, skipped })}>\n` +
    cases.join('') +
    '  </testsuite>\n'
  );
}

function counts(c: { tests: number; failures: number; errors: number; skipped: number }): string {
  return `tests="${c.tests}" failures="${c.failures}" errors="${c.errors}" skipped="${c.skipped}"`;
}
