// Where the CLI writes. Only the report goes to stdout; messages go to stderr. Color is decided
// here, once, from the flag, the environment and the terminal, and handed to the reporters.

export interface CliIo {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  out: (text: string) => void;
  err: (text: string) => void;
  /**
   * Writes to stdout and resolves once the text was handed to the system, or rejects with the
   * write error: for output that must not be lost silently (a new API key is shown only once).
   */
  outFlushed?(text: string): Promise<void>;
}

export function processIo(): CliIo {
  // Writes whose caller awaits the outcome (outFlushed): their failure is the caller's to handle.
  let awaited = 0;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (awaited > 0) return;
    // `asyncapi-guard check … | head` closes the pipe early: that is not an error.
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    // Any other failure (a full disk, a closed descriptor) is the output being lost: one line and
    // exit 2 ("could not run"), never a stack trace, and never 1, which means findings.
    process.stderr.write(`error: the output could not be written to stdout (${err.code ?? 'error'}) (ERR_OUTPUT)\n`);
    process.exit(2);
  });
  return {
    cwd: process.cwd(),
    env: process.env,
    stdoutIsTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    outFlushed: (text) => {
      awaited++;
      return new Promise<void>((resolve, reject) =>
        process.stdout.write(text, (err) => {
          // Released a turn later, after the stream's own 'error' event for this write.
          setImmediate(() => awaited--);
          if (err) reject(err);
          else resolve();
        }),
      );
    },
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
