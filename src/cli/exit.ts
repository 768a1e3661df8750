// Exit codes (docs/architecture.md, "CLI conventions"): 0 ok, 1 findings at or above --fail-on,
// 2 could not run (bad file, bad flags, bad config, or a bug), always with a reason on stderr.

import { hasFindingsAtOrAbove, isGuardError, type CheckResult, type Severity } from '../index.js';
import type { CliIo } from './output.js';

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_COULD_NOT_RUN = 2;

export type ExitCode = typeof EXIT_OK | typeof EXIT_FINDINGS | typeof EXIT_COULD_NOT_RUN;

/** 2 when any document could not be checked, else 1 when a finding reaches `failOn`, else 0. */
export function exitCodeForResults(results: readonly CheckResult[], failOn: Severity): ExitCode {
  if (results.some((r) => r.fatal !== undefined)) return EXIT_COULD_NOT_RUN;
  return hasFindingsAtOrAbove(results, failOn) ? EXIT_FINDINGS : EXIT_OK;
}

export const REPORT_URL = 'https://github.com/asyncapi-guard/asyncapi-guard/issues';

/**
 * A `GuardError` (a mistake in a user file or on the command line) is one line on stderr.
 * Anything else is a bug: one line, a hint to report it, and the stack only when
 * ASYNCAPI_GUARD_DEBUG=1.
 */
export function reportFailure(err: unknown, io: CliIo): ExitCode {
  if (isGuardError(err)) {
    // Startup can collect several problems: the first on the error line, each other one on a
    // line of its own (`  also: …`, as the guard joins them), every line cleaned by oneLine.
    const [first, ...others] = err.message.split(/\n {2}also: /);
    io.err(`error: ${oneLine(first ?? '')}\n`);
    for (const other of others) io.err(`  also: ${oneLine(other)}\n`);
    return EXIT_COULD_NOT_RUN;
  }
  const message = err instanceof Error ? err.message : String(err);
  io.err(`internal error: ${oneLine(message)}\n`);
  if (io.env.ASYNCAPI_GUARD_DEBUG === '1' && err instanceof Error && err.stack) io.err(`${err.stack}\n`);
  else
    io.err(
      `This is a bug in asyncapi-guard; please report it at ${REPORT_URL} (ASYNCAPI_GUARD_DEBUG=1 shows the stack).\n`,
    );
  return EXIT_COULD_NOT_RUN;
}

/** Messages can carry text from user files: keep them on one line, without control characters. */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point: they are replaced
  return text.replace(/\r?\n/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '\ufffd');
}
