// References to secrets in the config (docs/architecture.md, "Configuration": secrets are references,
// never literals): `env:NAME` reads an environment variable, `file:PATH` a file relative to the
// config's folder. Errors name the variable or file, never the value.

import { readAtMost } from '../read-at-most.js';
import { resolve } from 'node:path';
import { StoreError, invalidArgType } from '../errors.js';

export type SecretRef =
  { readonly kind: 'env'; readonly name: string } | { readonly kind: 'file'; readonly path: string };

// POSIX portable names (IEEE Std 1003.1 §8.1): letters, digits, underscore, not starting with a digit.
const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]{0,254}$/;

/** `env:NAME` / `file:PATH` → its parts, or null when `value` is not such a reference. */
export function parseSecretRef(value: unknown): SecretRef | null {
  if (typeof value !== 'string') return null;
  if (value.startsWith('env:')) {
    const name = value.slice(4);
    return ENV_NAME_RE.test(name) ? { kind: 'env', name } : null;
  }
  if (value.startsWith('file:') && value.length > 5) return { kind: 'file', path: value.slice(5) };
  return null;
}

/**
 * The value of an `env:NAME` reference. Throws `StoreError` `ERR_STORE_INVALID` naming the
 * variable when it is unset or empty. `pointer` is the config key the reference was found at.
 */
export function resolveEnvRef(name: string, env: NodeJS.ProcessEnv, pointer = 'store'): string {
  if (typeof name !== 'string') throw invalidArgType('name', 'a string');
  if (!ENV_NAME_RE.test(name)) {
    throw new StoreError('ERR_STORE_INVALID', 'not a valid environment variable name after env:', {
      pointer,
      expected: 'env:NAME with NAME of letters, digits and _',
    });
  }
  const value = env[name];
  if (value === undefined || value === '') {
    throw new StoreError('ERR_STORE_INVALID', `the environment variable ${name} is not set`, {
      pointer,
      expected: `${name} to hold the reference`,
    });
  }
  return value;
}

/**
 * Reads a secret reference's value: the variable, or the file's content (at most `maxBytes`, default 1 MiB) with one
 * trailing newline removed.
 */
export async function resolveSecretRef(
  ref: SecretRef,
  options: {
    readonly baseDir: string;
    readonly env?: NodeJS.ProcessEnv;
    readonly pointer?: string;
    readonly maxBytes?: number;
  },
): Promise<string> {
  const pointer = options.pointer ?? 'store';
  if (ref.kind === 'env') return resolveEnvRef(ref.name, options.env ?? process.env, pointer);
  const path = resolve(options.baseDir, ref.path);
  const maxBytes = options.maxBytes ?? 1024 * 1024;
  let buf: Buffer;
  try {
    buf = await readAtMost(path, maxBytes);
  } catch (err) {
    throw new StoreError(
      'ERR_STORE_INVALID',
      `the file cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      { file: ref.path, pointer, expected: 'a readable regular file' },
    );
  }
  if (buf.length > maxBytes)
    throw new StoreError('ERR_STORE_INVALID', 'the file is too large', {
      file: ref.path,
      pointer,
      expected: `at most ${maxBytes} bytes`,
    });
  return buf.toString('utf8').replace(/\r?\n$/, '');
}
