// `asyncapi-guard authd DOC [--config FILE] [--listen HOST:PORT]`: starts the decision service
// brokers ask (docs/authd.md), prints where it listens and the broker parts it answers for, then
// runs until SIGINT/SIGTERM: the first signal closes it gracefully (exit 0), a second one forces
// the exit (as `serve` does). Any startup error: exit 2, one line.

import { startAuthd, type RunningAuthd } from '../index.js';
import { EXIT_OK, oneLine, type ExitCode } from './exit.js';
import type { CliIo } from './output.js';
import { processSignals, type StopSignals } from './serve.js';

export interface AuthdFlags {
  config?: string;
  listen?: string;
}

export async function runAuthd(
  document: string,
  flags: AuthdFlags,
  io: CliIo,
  signals: StopSignals = processSignals(),
): Promise<ExitCode> {
  let stopRequested: NodeJS.Signals | null = null;
  let wake: (() => void) | null = null;
  // Listen before starting: a signal during startup must not kill the process half-open.
  const off = signals.on((signal) => {
    if (stopRequested !== null) {
      io.err(`${signal} again: exiting without waiting\n`);
      signals.forceExit(signal === 'SIGINT' ? 130 : 143);
      return;
    }
    stopRequested = signal;
    wake?.();
  });
  let running: RunningAuthd;
  try {
    running = await startAuthd({
      document,
      cwd: io.cwd,
      env: io.env,
      ...(flags.config !== undefined ? { config: flags.config } : {}),
      ...(flags.listen !== undefined ? { listen: flags.listen } : {}),
    });
  } catch (err) {
    off();
    throw err;
  }
  const host = running.host.includes(':') ? `[${running.host}]` : running.host;
  io.err(
    oneLine(
      `authd: ${running.tls ? 'https' : 'http'}://${host}:${running.port}/ answers for ${running.parts.join(', ')}` +
        ' (/healthz, /readyz, /metrics)',
    ) + '\n',
  );
  if (stopRequested === null) {
    io.err('answering; Ctrl-C (SIGINT) or SIGTERM stops\n');
    await new Promise<void>((resolve) => (wake = resolve));
  }
  io.err(`${stopRequested ?? 'stop'}: stopping\n`);
  await running.close();
  off();
  io.err('stopped\n');
  return EXIT_OK;
}
