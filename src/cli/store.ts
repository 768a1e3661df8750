// Which credential store `users` and `keys` work on: `--store URL`, else the `store` key of the
// config file (`--config FILE`, else `asyncapi-guard.yaml` in the current folder when present),
// else `file:./credentials.yaml`. Relative `file:` paths resolve against the config file's
// folder (docs/architecture.md, "Configuration"), or the current folder when there is no config file.

import { DEFAULT_STORE_REF, loadConfig, openStore, ruleMetas, UsageError, type CredentialStore } from '../index.js';
import type { ExitCode } from './exit.js';
import type { CliIo } from './output.js';

export interface StoreFlags {
  store?: string;
  config?: string;
}

export interface StoreLocation {
  /** The store reference as written (may hold a password in a postgres URL: never print it). */
  readonly ref: string;
  /** Absolute folder that a relative `file:` path resolves against. */
  readonly baseDir: string;
  /** The config file that named the store, for error messages. */
  readonly configFile?: string;
  /** The config has a `mosquitto:` section: passwords also get a Mosquitto verifier (docs/brokers/mosquitto.md). */
  readonly mosquitto?: boolean;
}

export async function locateStore(flags: StoreFlags, io: CliIo): Promise<StoreLocation> {
  if (flags.store !== undefined && flags.config !== undefined) {
    throw new UsageError(
      '--store and --config cannot be used together: --store names the store, --config reads it from a config file',
    );
  }
  if (flags.store !== undefined) {
    if (flags.store === '')
      throw new UsageError('--store needs a store URL, such as file:./credentials.yaml or postgres://host/db');
    return { ref: flags.store, baseDir: io.cwd };
  }
  const config = await loadConfig({
    cwd: io.cwd,
    ruleIds: Object.keys(ruleMetas),
    ...(flags.config !== undefined && { file: flags.config }),
  });
  const mosquitto = config.settings.mosquitto !== undefined;
  if (config.settings.store === undefined || config.file === null)
    return { ref: DEFAULT_STORE_REF, baseDir: config.dir, mosquitto };
  return { ref: config.settings.store, baseDir: config.dir, configFile: config.file, mosquitto };
}

/**
 * Opens the store, runs `work`, and closes the store whatever happens. `readOnly` (the `list` commands): a
 * `postgres://` store is not migrated, and one without tables is refused as not initialised instead of created.
 */
export async function withStore(
  flags: StoreFlags,
  io: CliIo,
  work: (store: CredentialStore, where: StoreLocation) => Promise<ExitCode>,
  { readOnly = false }: { readOnly?: boolean } = {},
): Promise<ExitCode> {
  const where = await locateStore(flags, io);
  // One change and exit: no file watch or LISTEN connection to keep the process alive.
  const store = await openStore(where.ref, {
    baseDir: where.baseDir,
    env: io.env,
    watch: false,
    readOnly,
    ...(where.configFile !== undefined && { configFile: where.configFile }),
  });
  try {
    return await work(store, where);
  } finally {
    await store.close();
  }
}
