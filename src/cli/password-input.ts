// Where `users add` and `users passwd` get a password: never a flag (flags end up in shell
// history and in `ps`), but one line on stdin (`--password-stdin`) or a prompt on the terminal
// with echo off. Both are bounded: a password longer than 4 KiB is refused without reading on.
// Nothing here ever writes the password anywhere: errors say what is wrong, never what was typed.

import { StringDecoder } from 'node:string_decoder';
import { saslprep, UsageError } from '../index.js';
import type { CliIo } from './output.js';

/** Longest password accepted, in UTF-8 bytes (without the line end). */
export const MAX_PASSWORD_BYTES = 4096;

/** What a password is read from: the process's stdin, or a test double. */
export interface PasswordInput {
  readonly stream: NodeJS.ReadableStream;
  /** True when `stream` is a terminal that can be put in raw mode. */
  readonly isTTY: boolean;
  setRawMode?(raw: boolean): unknown;
}

export function processPasswordInput(): PasswordInput {
  const stdin = process.stdin;
  return {
    stream: stdin,
    isTTY: stdin.isTTY === true,
    ...(typeof stdin.setRawMode === 'function' && { setRawMode: (raw: boolean) => stdin.setRawMode(raw) }),
  };
}

export interface ObtainPasswordOptions {
  /** `--password-stdin`: one line from stdin instead of a prompt. */
  readonly fromStdin: boolean;
  /** Ask twice on a terminal and compare (a typo in a hidden entry would lock the user out). */
  readonly confirm: boolean;
  /** Shown in the prompt: `Password for NAME: `. */
  readonly principal: string;
}

/**
 * The new password, checked: not empty, at most 4 KiB, valid UTF-8, and accepted by SASLprep
 * as a stored string (RFC 4013 §2, RFC 3454 §7), since it becomes a SCRAM verifier. Throws
 * `UsageError` with the reason; the message never contains the password.
 */
export async function obtainPassword(input: PasswordInput, io: CliIo, options: ObtainPasswordOptions): Promise<string> {
  let password: string;
  if (options.fromStdin) {
    password = await readPasswordLine(input.stream);
  } else {
    if (!input.isTTY || input.setRawMode === undefined)
      throw new UsageError('no terminal to prompt for the password: use --password-stdin');
    const reader = createHiddenReader(input, io);
    try {
      password = await reader.read(`Password for ${options.principal}: `);
      if (password !== '' && options.confirm) {
        const again = await reader.read('Password again: ');
        if (again !== password) throw new UsageError('the passwords do not match');
      }
    } finally {
      reader.close();
    }
  }
  checkPassword(password);
  return password;
}

const SASLPREP_REASONS = {
  prohibited: 'it contains a character SASLprep (RFC 4013 §2.3) prohibits, such as a control character',
  bidi: 'it mixes right-to-left and left-to-right text in a way RFC 3454 §6 forbids',
  unassigned: 'it contains a code point unassigned in Unicode 3.2 (RFC 4013 §2.5)',
  empty: 'it is empty after SASLprep mapping (RFC 4013 §2.1)',
} as const;

function checkPassword(password: string): void {
  if (password === '') throw new UsageError('empty password');
  const prepared = saslprep(password, { allowUnassigned: false });
  if (!prepared.ok) throw new UsageError(`the password cannot be used: ${SASLPREP_REASONS[prepared.reason]}`);
}

function tooLong(): UsageError {
  return new UsageError(`the password is longer than ${MAX_PASSWORD_BYTES} bytes`);
}

/**
 * One line from `stream`: up to the first `\n` (one trailing `\r\n` or `\n` is dropped) or the
 * end of input. Stops reading at 4 KiB (plus the line end), so a huge or endless stdin costs
 * nothing. Throws `UsageError` for a line too long or not UTF-8.
 */
export async function readPasswordLine(stream: NodeJS.ReadableStream): Promise<string> {
  const limit = MAX_PASSWORD_BYTES + 2; // room for "\r\n"
  const chunks: Buffer[] = [];
  let length = 0;
  let newline = -1;
  const iterator = stream[Symbol.asyncIterator]();
  try {
    while (newline === -1) {
      const next = await iterator.next();
      if (next.done === true) break;
      const chunk =
        typeof next.value === 'string' ? Buffer.from(next.value, 'utf8') : Buffer.from(next.value as Uint8Array);
      const at = chunk.indexOf(0x0a);
      const part = at === -1 ? chunk : chunk.subarray(0, at + 1);
      if (at !== -1) newline = length + at;
      chunks.push(part);
      length += part.length;
      if (length > limit) throw tooLong();
    }
  } finally {
    // Stop reading stdin: the rest (if any) is not ours, and a paused stream lets Node exit.
    await iterator.return?.();
  }
  let bytes = Buffer.concat(chunks, length);
  if (newline !== -1) bytes = bytes.subarray(0, newline);
  if (bytes.length > 0 && bytes[bytes.length - 1] === 0x0d && newline !== -1)
    bytes = bytes.subarray(0, bytes.length - 1);
  if (bytes.length > MAX_PASSWORD_BYTES) throw tooLong();
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new UsageError('the password is not valid UTF-8');
  }
}

interface HiddenReader {
  read(prompt: string): Promise<string>;
  close(): void;
}

/**
 * Reads lines from a terminal in raw mode, so nothing typed is echoed. Handles what a terminal
 * sends in raw mode itself: Enter (`\r`), Backspace (DEL or ^H), ^U (erase the line), ^C and ^D
 * on an empty line (cancel). Characters typed ahead (a paste of both entries) are kept for the
 * next `read`.
 */
function createHiddenReader(input: PasswordInput, io: CliIo): HiddenReader {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let waiting: ((text: string | null) => void) | null = null;
  let ended = false;
  const onData = (chunk: Buffer | string) => {
    pending += typeof chunk === 'string' ? chunk : decoder.write(chunk);
    // Bounded: a terminal that sends megabytes without Enter is refused by `read` below.
    waiting?.(pending);
  };
  const onEnd = () => {
    ended = true;
    waiting?.(null);
  };
  input.setRawMode?.(true);
  input.stream.on('data', onData);
  input.stream.on('end', onEnd);
  input.stream.resume();

  return {
    read(prompt) {
      io.err(prompt);
      return new Promise<string>((resolve, reject) => {
        let line = '';
        let consumed = 0;
        const finish = (err: UsageError | null) => {
          waiting = null;
          pending = pending.slice(consumed);
          io.err('\n');
          if (err) reject(err);
          else resolve(line);
        };
        const scan = (text: string | null): void => {
          if (text === null) return finish(new UsageError('cancelled: the input ended before a password was entered'));
          while (consumed < text.length) {
            const cp = text.codePointAt(consumed) as number;
            const ch = String.fromCodePoint(cp);
            consumed += ch.length;
            if (ch === '\r' || ch === '\n') {
              if (ch === '\r' && text[consumed] === '\n') consumed += 1; // a pasted CRLF is one Enter
              return finish(null);
            }
            if (ch === '\u0003' || (ch === '\u0004' && line === '')) return finish(new UsageError('cancelled'));
            if (ch === '\u007f' || ch === '\b') line = [...line].slice(0, -1).join('');
            else if (ch === '\u0015') line = '';
            else if (cp >= 0x20) line += ch; // other control keys (arrows send ESC …) are not part of a password
            if (Buffer.byteLength(line, 'utf8') > MAX_PASSWORD_BYTES) return finish(tooLong());
          }
          // Everything pending is consumed into `line`; wait for more, unless there is no more.
          pending = '';
          consumed = 0;
          if (ended) return finish(new UsageError('cancelled: the input ended before a password was entered'));
        };
        waiting = scan;
        scan(pending);
      });
    },
    close() {
      input.stream.off('data', onData);
      input.stream.off('end', onEnd);
      input.setRawMode?.(false);
      input.stream.pause();
    },
  };
}
