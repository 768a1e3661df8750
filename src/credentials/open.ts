// `store:` in the config → a store: `file:PATH` (relative to the config's folder),
// `postgres://…` / `postgresql://…`, or `env:NAME` naming a variable that holds one of those
// (so a database password stays out of the config file). Errors never quote the reference: a
// mistyped URL may still hold a password.

import { isAbsolute, resolve } from 'node:path';
import { StoreError, invalidArgType } from '../errors.js';
import { createFileStore, type FileStoreOptions } from './file.js';
import { createPostgresStore, type PostgresStoreOptions } from './postgres.js';
import { resolveEnvRef } from './secret-ref.js';
import type { CredentialStore } from './types.js';

/** The store when the config has no `store` key: a YAML file next to the config. */
export const DEFAULT_STORE_REF = 'file:./credentials.yaml';

const ACCEPTED = 'file:PATH, postgres://USER@HOST[:PORT]/DB (or postgresql://), or env:NAME holding one of these';

export interface OpenStoreOptions {
  /** Absolute folder relative `file:` paths resolve against: the config file's folder. */
  readonly baseDir: string;
  /** Where `env:NAME` is looked up (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
  /** The config file that named the reference, for error messages. */
  readonly configFile?: string;
  readonly now?: () => number;
  /** Watch for other processes' changes (file watch / LISTEN). Default true; a one-shot CLI command turns it off. */
  readonly watch?: boolean;
  readonly onError?: FileStoreOptions['onError'];
  /** The store is in step again after an `onError` (file re-read, LISTEN connection back). */
  readonly onReloaded?: () => void;
  /**
   * Opened for reading only (`users list`, `keys list`): a `postgres://` store is not migrated, and one whose tables
   * do not exist yet is refused as not initialised rather than created. Default false.
   */
  readonly readOnly?: boolean;
  /** Passed to the postgres store. */
  readonly postgres?: Omit<PostgresStoreOptions, 'now' | 'onError' | 'listen'>;
}

/** The kind of store a reference names, without opening it (null: not a valid reference). */
export function storeKind(ref: string): 'file' | 'postgres' | 'env' | null {
  if (typeof ref !== 'string') return null;
  if (ref.startsWith('file:')) return ref.length > 5 ? 'file' : null;
  if (ref.startsWith('postgres://') || ref.startsWith('postgresql://')) return 'postgres';
  if (ref.startsWith('env:')) return 'env';
  return null;
}

/** Opens the store a reference names. Throws `StoreError` (`ERR_STORE_INVALID`, `ERR_STORE_UNAVAILABLE`). */
export async function openStore(ref: string, options: OpenStoreOptions): Promise<CredentialStore> {
  if (typeof ref !== 'string') throw invalidArgType('ref', 'a string');
  if (options === null || typeof options !== 'object' || typeof options.baseDir !== 'string')
    throw invalidArgType('options.baseDir', 'a string');
  const where = { pointer: 'store', ...(options.configFile === undefined ? {} : { file: options.configFile }) };
  let target = ref;
  let via = '';
  if (ref.startsWith('env:')) {
    target = resolveEnvRef(ref.slice(4), options.env ?? process.env);
    via = ` (from ${ref})`; // the variable's name, never its value
    if (target.startsWith('env:')) {
      throw new StoreError('ERR_STORE_INVALID', `the environment variable${via} holds another env: reference`, {
        ...where,
        expected: 'file:PATH or postgres://…',
      });
    }
  }
  const kind = storeKind(target);
  if (kind === 'file') {
    const path = target.slice(5);
    const file = isAbsolute(path) ? path : resolve(options.baseDir, path);
    return createFileStore(file, {
      ...(options.now === undefined ? {} : { now: options.now }),
      ...(options.watch === undefined ? {} : { watch: options.watch }),
      ...(options.onError === undefined ? {} : { onError: options.onError }),
      ...(options.onReloaded === undefined ? {} : { onReloaded: options.onReloaded }),
    });
  }
  if (kind === 'postgres') {
    return createPostgresStore(target, {
      ...options.postgres,
      ...(options.now === undefined ? {} : { now: options.now }),
      ...(options.watch === undefined ? {} : { listen: options.watch }),
      ...(options.onError === undefined ? {} : { onError: options.onError }),
      ...(options.onReloaded === undefined ? {} : { onReloaded: options.onReloaded }),
      ...(options.readOnly === true ? { migrate: false } : {}),
    });
  }
  const reason = target === 'file:' ? `file: needs a path${via}` : `not a store reference${via}`;
  throw new StoreError('ERR_STORE_INVALID', reason, { ...where, expected: ACCEPTED });
}
