// `asyncapi-guard serve DOC [--config FILE] [--listen NAME=HOST:PORT]... [--admin HOST:PORT]`:
// starts the document's servers, prints one line per server (and per server not served, with
// why) and how to connect, then runs until SIGINT/SIGTERM: the first signal shuts down
// gracefully (exit 0), a second one forces the exit. Any startup error: exit 2, one line.

import { describeServe, parseListenFlags, startServe, DEFAULT_GRACE_MS, type RunningServe } from '../index.js';
import { EXIT_OK, oneLine, type ExitCode } from './exit.js';
import type { CliIo } from './output.js';

export interface ServeFlags {
  config?: string;
  listen?: string[];
  admin?: string;
}

/** How the command waits for a stop request (tests drive it by hand). */
export interface StopSignals {
  /** Calls `handler` on each SIGINT/SIGTERM; returns a function that stops listening. */
  on(handler: (signal: NodeJS.Signals) => void): () => void;
  /** Ends the process now (second signal). */
  forceExit(code: number): void;
}

export function processSignals(): StopSignals {
  return {
    on(handler) {
      process.on('SIGINT', handler);
      process.on('SIGTERM', handler);
      return () => {
        process.off('SIGINT', handler);
        process.off('SIGTERM', handler);
      };
    },
    forceExit: (code) => process.exit(code),
  };
}

export async function runServe(
  document: string,
  flags: ServeFlags,
  io: CliIo,
  signals: StopSignals = processSignals(),
): Promise<ExitCode> {
  const listen = parseListenFlags(flags.listen ?? []);
  let stopRequested: NodeJS.Signals | null = null;
  let wake: (() => void) | null = null;
  // Listen before starting: a signal during startup must not kill the process half-open.
  const off = signals.on((signal) => {
    if (stopRequested !== null) {
      io.err(`${signal} again: exiting without waiting\n`);
      // 128 + signal number, as a shell reports a process ended by that signal.
      signals.forceExit(signal === 'SIGINT' ? 130 : 143);
      return;
    }
    stopRequested = signal;
    wake?.();
  });
  let running: RunningServe;
  try {
    running = await startServe({
      document,
      cwd: io.cwd,
      env: io.env,
      ...(flags.config !== undefined ? { config: flags.config } : {}),
      listen,
      ...(flags.admin !== undefined ? { admin: flags.admin } : {}),
    });
  } catch (err) {
    off();
    throw err;
  }
  for (const line of describeServe(running)) io.err(`${oneLine(line)}\n`);
  if (stopRequested === null) {
    io.err('serving; Ctrl-C (SIGINT) or SIGTERM stops\n');
    await new Promise<void>((resolve) => (wake = resolve));
  }
  io.err(
    `${stopRequested ?? 'stop'}: stopping (draining up to ${DEFAULT_GRACE_MS / 1000} s; send it again to exit now)\n`,
  );
  await running.close(DEFAULT_GRACE_MS);
  off();
  io.err('stopped\n');
  return EXIT_OK;
}
