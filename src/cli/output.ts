// Where the CLI writes. Only the report goes to stdout; messages go to stderr. Color is decided
// here, once, from the flag, the environment and the terminal, and handed to the reporters.

export interface CliIo {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  out(text: string): void;
  err(text: string): void;
}

export function processIo(): CliIo {
  // `asyncapi-guard check … | head` closes the pipe early: that is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  return {
    cwd: process.cwd(),
    env: process.env,
    stdoutIsTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
  };
}

/** `--format` default: pretty for a person at a terminal, json for a pipe or a file. */
export function defaultFormat<T extends string>(io: CliIo, forTerminal: T, otherwise: T): T {
  return io.stdoutIsTTY ? forTerminal : otherwise;
}

/**
 * Color on stdout: off with `--no-color` or `NO_COLOR` (https://no-color.org), on with
 * `FORCE_COLOR` (other than 0), otherwise only on a terminal that is not `dumb`.
 */
export function useColor(flag: boolean, io: CliIo): boolean {
  if (!flag) return false;
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  if (io.env.FORCE_COLOR !== undefined && io.env.FORCE_COLOR !== '' && io.env.FORCE_COLOR !== '0') return true;
  return io.stdoutIsTTY && io.env.TERM !== 'dumb';
}
