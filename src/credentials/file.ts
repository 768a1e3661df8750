// The `file:` store, the embedded default: a YAML file (file-format.ts) held in memory
// (memory.ts), so reads cost a map lookup. Writes are atomic (temp file in the same folder,
// mode 0600, fsync, rename, fsync the folder: a crash leaves the old file or the new one, never
// half of one), serialized in this process, and locked against other processes with an
// O_EXCL lock file; under the lock the file is re-read first, so a `users add` run by the CLI
// in another process is never overwritten by this process's next write. Changes made by others
// arrive by watching the file (fs.watch on the folder, plus a stat poll where fs.watch misses
// events: network filesystems, some containers); a bad file keeps the last good state.

import { createHash, randomBytes } from 'node:crypto';
import { constants, watch as fsWatch, type FSWatcher, type Stats } from 'node:fs';
import { link, open, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { StoreError, invalidArgType, invalidArgValue } from '../errors.js';
import { parseCredentialsFile, serializeCredentials } from './file-format.js';
import { createMemoryStore, type MemoryStoreState } from './memory.js';
import type { CredentialStore, StoreChange } from './types.js';

/** Credential files larger than this are refused before parsing (about 100,000 principals). */
export const MAX_CREDENTIALS_FILE_BYTES = 64 * 1024 * 1024;

export interface FileStoreOptions {
  /** Clock for `created`/`updated` (tests). */
  readonly now?: () => number;
  /** Reload when the file changes (default true). The CLI, which exits after one change, turns it off. */
  readonly watch?: boolean;
  /** How often the stat poll looks at the file, in ms (default 1000). */
  readonly pollIntervalMs?: number;
  /** Quiet time after a change event before re-reading, in ms (default 50): editors write in several steps. */
  readonly debounceMs?: number;
  /**
   * How long a writer waits for another process's lock before failing with ERR_STORE_UNAVAILABLE, in ms (default
   * 10,000).
   */
  readonly lockTimeoutMs?: number;
  /**
   * A reload found a bad or unreadable file: the last good state stays in force. Called once per version of the bad
   * file (not on every poll). Never throws into the watcher.
   */
  readonly onError?: (error: StoreError) => void;
  /** A reload read the file successfully (changed or not): the state in force is the file's again. */
  readonly onReloaded?: () => void;
}

/**
 * A lock older than this is from a writer that died (a write takes milliseconds; hashing at a million iterations,
 * seconds).
 */
const STALE_LOCK_MS = 60_000;

interface Fingerprint {
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
  /** SHA-256 of the content, or '' for a missing file. */
  readonly digest: string;
}

const MISSING: Fingerprint = { ino: -1, size: -1, mtimeMs: -1, digest: '' };

/**
 * Opens (does not create) the credentials file at `path`. A missing file is an empty store; it
 * is created, mode 0600, on the first change. Throws `StoreError`: `ERR_STORE_INVALID` for a bad
 * file (file:line:column, key path, what was expected), `ERR_STORE_UNAVAILABLE` when it cannot be read.
 */
export async function createFileStore(path: string, options: FileStoreOptions = {}): Promise<CredentialStore> {
  if (typeof path !== 'string') throw invalidArgType('path', 'a string');
  if (path === '') throw invalidArgValue('path', 'must not be empty');
  const file = resolve(path);
  const dir = dirname(file);
  const base = basename(file);
  const lockFile = `${file}.lock`;
  const description = `file:${file}`;
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const debounceMs = options.debounceMs ?? 50;
  const lockTimeoutMs = options.lockTimeoutMs ?? 10_000;

  const first = await readState(file, path);
  let known: Fingerprint = first.fingerprint;

  const memory = createMemoryStore({
    description,
    ...(options.now === undefined ? {} : { now: options.now }),
    initial: first.state,
    persist: async (next) => {
      known = await writeAtomically(file, serializeCredentials(next));
    },
  });

  // One operation at a time, in call order: writes, and reloads between them.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task, task);
    queue = run.catch(() => undefined);
    return run;
  };

  /**
   * Re-reads the file when it is not the one we last read or wrote; replaces the state (watchers hear `reload`). Throws
   * on a bad file.
   */
  const sync = async (): Promise<void> => {
    const s = await statOrNull(file, path);
    if (s !== null && known.ino === s.ino && known.size === s.size && known.mtimeMs === s.mtimeMs) return;
    if (s === null && known === MISSING) return;
    const loaded = await readState(file, path);
    if (loaded.fingerprint.digest === known.digest) {
      known = loaded.fingerprint; // touched, same content
      return;
    }
    known = loaded.fingerprint;
    memory.replace(loaded.state);
  };

  let closed = false;
  // The file version (inode, size, mtime) whose reload failed: the watcher and the poll do not
  // read it again (nor report it again) until it changes, so one bad edit is one error, not one a second.
  let failed: Omit<Fingerprint, 'digest'> | null = null;
  const reload = () =>
    serial(async () => {
      if (closed) return;
      // Stat first: a file replaced between this stat and the read is then seen as another version.
      const s = await statOrNull(file, path).catch(() => null);
      if (
        failed !== null &&
        s !== null &&
        s.ino === failed.ino &&
        s.size === failed.size &&
        s.mtimeMs === failed.mtimeMs
      )
        return;
      try {
        await sync();
        failed = null;
        options.onReloaded?.();
      } catch (err) {
        // Keep the last good state: a half-edited file must not crash the guard, and the last
        // state that validated is the best we know. The operator hears of it through onError.
        failed = s === null ? null : { ino: s.ino, size: s.size, mtimeMs: s.mtimeMs };
        if (err instanceof StoreError) options.onError?.(err);
        else
          options.onError?.(new StoreError('ERR_STORE_UNAVAILABLE', 'the file could not be re-read', { file: path }));
      }
    });

  /** A change: under the cross-process lock, with the file re-read first. */
  const change = <T>(task: () => Promise<T>): Promise<T> =>
    serial(async () => {
      if (closed) throw new StoreError('ERR_STORE_UNAVAILABLE', 'the store is closed', { file: description });
      const release = await acquireLock(lockFile, path, lockTimeoutMs);
      try {
        await sync();
        return await task();
      } finally {
        await release();
      }
    });

  let watcher: FSWatcher | null = null;
  let poll: NodeJS.Timeout | null = null;
  let debounce: NodeJS.Timeout | null = null;
  const schedule = () => {
    if (closed) return;
    if (debounce !== null) clearTimeout(debounce);
    debounce = setTimeout(() => {
      debounce = null;
      void reload();
    }, debounceMs);
    debounce.unref();
  };
  if (options.watch !== false) {
    try {
      watcher = fsWatch(dir, { persistent: false }, (_event, name) => {
        // Our own temp and lock files come and go in the same folder.
        if (name === null || name === base) schedule();
      });
      watcher.on('error', () => {
        watcher?.close();
        watcher = null; // the poll carries on alone
      });
    } catch {
      watcher = null; // no inotify (or the folder does not exist yet): the poll alone
    }
    poll = setInterval(() => {
      void statOrNull(file, path).then(
        (s) => {
          const changed =
            s === null
              ? known !== MISSING
              : known.ino !== s.ino || known.size !== s.size || known.mtimeMs !== s.mtimeMs;
          if (changed) schedule();
        },
        () => schedule(),
      );
    }, pollIntervalMs);
    poll.unref();
  }

  const store: CredentialStore = {
    description,
    getPrincipal: (name) => memory.getPrincipal(name),
    getApiKey: (id) => memory.getApiKey(id),
    listPrincipals: () => memory.listPrincipals(),
    listApiKeys: (principal) => memory.listApiKeys(principal),
    addPrincipal: (input) => change(() => memory.addPrincipal(input)),
    setPassword: (name, password, opts) => change(() => memory.setPassword(name, password, opts)),
    setScopes: (name, scopes) => change(() => memory.setScopes(name, scopes)),
    setDisabled: (name, disabled) => change(() => memory.setDisabled(name, disabled)),
    removePrincipal: (name) => change(() => memory.removePrincipal(name)),
    createApiKey: (principal, opts) => change(() => memory.createApiKey(principal, opts)),
    revokeApiKey: (id) => change(() => memory.revokeApiKey(id)),
    watch: (listener: (change: StoreChange) => void) => memory.watch(listener),
    async close() {
      if (closed) return;
      closed = true;
      watcher?.close();
      if (poll !== null) clearInterval(poll);
      if (debounce !== null) clearTimeout(debounce);
      await queue;
      await memory.close();
    },
  };
  return store;
}

// ------------------------------------------------------------------ reading

async function statOrNull(file: string, shown: string): Promise<Stats | null> {
  try {
    return await stat(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw unavailable(shown, 'the file cannot be examined', err);
  }
}

async function readState(file: string, shown: string): Promise<{ state: MemoryStoreState; fingerprint: Fingerprint }> {
  let handle;
  try {
    // Non-blocking: a FIFO with no writer would block open() for ever (refused just below).
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      return { state: { principals: new Map(), apiKeys: new Map() }, fingerprint: MISSING };
    throw unavailable(shown, 'the file cannot be read', err);
  }
  try {
    const s = await handle.stat();
    if (!s.isFile()) throw new StoreError('ERR_STORE_UNAVAILABLE', 'not a regular file', { file: shown });
    if (s.size > MAX_CREDENTIALS_FILE_BYTES) {
      throw new StoreError('ERR_STORE_INVALID', 'the file is too large', {
        file: shown,
        expected: `at most ${MAX_CREDENTIALS_FILE_BYTES} bytes`,
      });
    }
    let buf: Buffer;
    try {
      buf = await handle.readFile();
    } catch (err) {
      throw unavailable(shown, 'the file cannot be read', err);
    }
    if (buf.length > MAX_CREDENTIALS_FILE_BYTES) {
      throw new StoreError('ERR_STORE_INVALID', 'the file is too large', {
        file: shown,
        expected: `at most ${MAX_CREDENTIALS_FILE_BYTES} bytes`,
      });
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(buf);
    } catch {
      throw new StoreError('ERR_STORE_INVALID', 'the file is not UTF-8', { file: shown, expected: 'UTF-8 text' });
    }
    const state = parseCredentialsFile(text, shown);
    return {
      state,
      fingerprint: {
        ino: s.ino,
        size: s.size,
        mtimeMs: s.mtimeMs,
        digest: createHash('sha256').update(buf).digest('hex'),
      },
    };
  } finally {
    await handle.close();
  }
}

// ------------------------------------------------------------------ writing

/** Temp file in the same folder (so rename is atomic), 0600, fsync, rename, fsync the folder. */
async function writeAtomically(file: string, text: string): Promise<Fingerprint> {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const data = Buffer.from(text, 'utf8');
  let written: Stats;
  try {
    const handle = await open(tmp, 'wx', 0o600);
    try {
      await handle.writeFile(data);
      await handle.sync();
      // Taken before the rename (which keeps inode and mtime): a stat after it could see a file
      // another process renamed in just after ours, and we would take its change for our own.
      written = await handle.stat();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw unavailable(file, 'the file could not be written', err);
  }
  // The rename is durable once the folder is synced; not every platform can open a folder.
  try {
    const d = await open(dirname(file), 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch {
    // best effort
  }
  return {
    ino: written.ino,
    size: written.size,
    mtimeMs: written.mtimeMs,
    digest: createHash('sha256').update(data).digest('hex'),
  };
}

/**
 * The cross-process write lock: `<file>.lock`, created with O_EXCL, holding our pid. A lock
 * whose pid is gone (same host) or that is older than a minute is broken.
 */
async function acquireLock(lockFile: string, shown: string, timeoutMs: number): Promise<() => Promise<void>> {
  const token = `${process.pid} ${randomBytes(8).toString('hex')}`;
  const deadline = Date.now() + timeoutMs;
  let wait = 5;
  for (;;) {
    try {
      await writeFile(lockFile, token, { flag: 'wx', mode: 0o600 });
      return async () => {
        // Remove it only if it is still ours (a stale-lock breaker may have taken it over).
        const content = await readFile(lockFile, 'utf8').catch(() => null);
        if (content === token) await unlink(lockFile).catch(() => undefined);
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST')
        throw unavailable(shown, 'the lock file could not be created', err);
    }
    const stale = await staleLockContent(lockFile);
    if (stale !== null) {
      await breakStaleLock(lockFile, stale);
      continue;
    }
    if (Date.now() >= deadline) {
      throw new StoreError('ERR_STORE_UNAVAILABLE', 'another process holds the write lock', {
        file: shown,
        expected: `the other writer to finish, or removal of ${basename(lockFile)} if no writer is running`,
      });
    }
    await new Promise((r) => setTimeout(r, wait));
    wait = Math.min(wait * 2, 100);
  }
}

/** The content of the lock file when it is stale (its writer is gone, or it is old), else null. */
async function staleLockContent(lockFile: string): Promise<string | null> {
  try {
    const [content, s] = await Promise.all([readFile(lockFile, 'utf8'), stat(lockFile)]);
    if (Date.now() - s.mtimeMs > STALE_LOCK_MS) return content;
    const pid = Number.parseInt(content.split(' ')[0] ?? '', 10);
    // being written, or garbage
    if (!Number.isSafeInteger(pid) || pid <= 0) return Date.now() - s.mtimeMs > 1000 ? content : null;
    try {
      process.kill(pid, 0);
      return null;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'ESRCH' ? content : null;
    }
  } catch {
    return null; // gone already: the next attempt will create it
  }
}

/**
 * Removes the lock file only if it still is the stale lock judged (`staleContent`). Two writers
 * that both find a stale lock must not both remove "it": the second would remove the lock the
 * first has just taken, and both would write. So the file is moved aside atomically and checked;
 * a lock that is not the stale one (another writer's fresh lock) is put back. Exported for tests.
 */
export async function breakStaleLock(lockFile: string, staleContent: string): Promise<void> {
  const aside = `${lockFile}.${process.pid}.${randomBytes(6).toString('hex')}`;
  try {
    await rename(lockFile, aside);
  } catch {
    return; // gone already
  }
  const content = await readFile(aside, 'utf8').catch(() => null);
  if (content !== staleContent) {
    // link() fails rather than replace a lock that appeared meanwhile.
    await link(aside, lockFile).catch(() => undefined);
  }
  await unlink(aside).catch(() => undefined);
}

function unavailable(file: string, reason: string, err: unknown): StoreError {
  // The errno code only: a system message can carry a path, never a secret, but keep it short.
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return new StoreError('ERR_STORE_UNAVAILABLE', code === undefined ? reason : `${reason} (${code})`, { file });
}
