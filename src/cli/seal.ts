// `asyncapi-guard seal` / `open`: end-to-end encryption for clients of a server whose document
// declares symmetricEncryption or asymmetricEncryption (docs/encryption.md). `seal` reads a
// payload on stdin and prints the compact JWE on stdout; `open` reads a JWE on stdin and writes the
// plaintext bytes to stdout. Keys come by reference only (`--key file:PATH|env:NAME`). Input is
// bounded; errors are one line on stderr with exit code 2 and never quote a key, a payload or a
// plaintext.

import {
  JWE_CONTENT_ENCRYPTIONS,
  JWE_KEY_ALGORITHMS,
  PayloadError,
  UsageError,
  loadJwks,
  openPayload,
  sealPayload,
  type JWK,
} from '../index.js';
import { EXIT_OK, type ExitCode } from './exit.js';
import type { CliIo } from './output.js';

/** Largest payload `seal` reads from stdin (the guard's default payload limit). */
export const MAX_SEAL_INPUT_BYTES = 1024 * 1024;
/** Largest JWE `open` reads from stdin. */
export const MAX_OPEN_INPUT_BYTES = 2 * 1024 * 1024;

export interface SealFlags {
  key: string;
  alg?: string;
  enc?: string;
  kid?: string;
}

export interface OpenFlags {
  key: string;
}

/** Where the payload is read and the plaintext written: the process's stdin / stdout, or a test double. */
export interface ByteIo {
  readonly stdin: NodeJS.ReadableStream;
  writeBytes(bytes: Uint8Array): void;
}

export function processByteIo(): ByteIo {
  return { stdin: process.stdin, writeBytes: (bytes) => void process.stdout.write(bytes) };
}

/** All of `stream`, at most `limit` bytes; `onTooLarge` builds the error past that (reading stops there). */
export async function readAllBounded(
  stream: NodeJS.ReadableStream,
  limit: number,
  onTooLarge: () => Error,
): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let length = 0;
  const iterator = stream[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await iterator.next();
      if (next.done === true) break;
      const chunk =
        typeof next.value === 'string' ? Buffer.from(next.value, 'utf8') : Buffer.from(next.value as Uint8Array);
      length += chunk.length;
      if (length > limit) throw onTooLarge();
      chunks.push(chunk);
    }
  } finally {
    await iterator.return?.();
  }
  return Buffer.concat(chunks, length);
}

function checkChoice(value: string | undefined, flag: string, allowed: readonly string[]): void {
  if (value !== undefined && !allowed.includes(value))
    throw new UsageError(`${flag}: expected one of ${allowed.join(', ')}`);
}

/** The key `seal` uses: the one whose kid is `--kid`, else the only key of the set. */
function pickSealKey(keys: readonly JWK[], kid: string | undefined): JWK {
  const named = kid === undefined ? undefined : keys.find((k) => k.kid === kid);
  if (named !== undefined) return named;
  if (keys.length === 1) return keys[0]!;
  throw new UsageError(
    kid === undefined ? '--key holds several keys: choose one with --kid' : '--kid: no key of --key has this kid',
  );
}

export async function runSeal(flags: SealFlags, io: CliIo, bytes: ByteIo): Promise<ExitCode> {
  checkChoice(flags.alg, '--alg', JWE_KEY_ALGORITHMS);
  checkChoice(flags.enc, '--enc', JWE_CONTENT_ENCRYPTIONS);
  if (flags.kid !== undefined && (flags.kid.length === 0 || flags.kid.length > 256))
    throw new UsageError('--kid: expected 1 to 256 characters');
  const keys = await loadJwks(flags.key, { baseDir: io.cwd, env: io.env });
  const key = pickSealKey(keys, flags.kid);
  const payload = await readAllBounded(
    bytes.stdin,
    MAX_SEAL_INPUT_BYTES,
    () => new UsageError(`stdin: the payload is larger than ${MAX_SEAL_INPUT_BYTES} bytes`),
  );
  const jwe = await sealPayload(payload, {
    key,
    ...(flags.alg !== undefined ? { alg: flags.alg } : {}),
    ...(flags.enc !== undefined ? { enc: flags.enc } : {}),
    ...(flags.kid !== undefined ? { kid: flags.kid } : {}),
  });
  io.out(`${jwe}\n`);
  return EXIT_OK;
}

export async function runOpen(flags: OpenFlags, io: CliIo, bytes: ByteIo): Promise<ExitCode> {
  const keys = await loadJwks(flags.key, { baseDir: io.cwd, env: io.env });
  const input = await readAllBounded(
    bytes.stdin,
    MAX_OPEN_INPUT_BYTES,
    () => new PayloadError('too_large', `stdin: the JWE is larger than ${MAX_OPEN_INPUT_BYTES} bytes`),
  );
  // A JWE is ASCII; whitespace around it (a trailing newline from `echo`, a pasted line) is not part of it.
  const jwe = Buffer.from(input).toString('latin1').trim();
  const plaintext = await openPayload(jwe, { keys, maxBytes: MAX_OPEN_INPUT_BYTES });
  bytes.writeBytes(plaintext);
  return EXIT_OK;
}
