// The loaded config file (`loadConfig` in config/load.ts) → GuardOptions. The store is not
// opened here: the caller opens it (`openStore(settings.store ?? DEFAULT_STORE_REF, { baseDir:
// config.dir })` from credentials/open.ts) and closes it, since `users`/`keys` share it.

import type { Logger } from 'pino';
import type { ConfigLocator, ConfigSettings } from '../config/types.js';
import type { CredentialStore } from '../credentials/types.js';
import { createAuditLogger } from './audit.js';
import type { GuardOptions } from './compile.js';

/** What `loadConfig` returns, as far as the guard reads it. */
export interface LoadedGuardConfig {
  /** The config file as the user named it; null when there is none. */
  readonly file: string | null;
  /** Absolute folder relative paths resolve against. */
  readonly dir: string;
  readonly settings: ConfigSettings;
  readonly locate: ConfigLocator;
}

export interface GuardConfigExtras {
  readonly store: CredentialStore;
  /** Overrides the audit logger the config asks for (`audit:`). */
  readonly logger?: Logger;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Config keys → GuardOptions: `schemes`, `servers`, `perspective`, `throttle`, `audit` (a logger), plug-in base folder
 * and error places.
 */
export function guardOptionsFromConfig(config: LoadedGuardConfig, extras: GuardConfigExtras): GuardOptions {
  const s = config.settings;
  const logger =
    extras.logger ?? createAuditLogger(s.audit, config.dir, extras.now !== undefined ? { now: extras.now } : {});
  return {
    store: extras.store,
    schemes: s.schemes ?? {},
    ...(s.servers !== undefined ? { servers: s.servers } : {}),
    ...(s.perspective !== undefined ? { perspective: s.perspective } : {}),
    ...(s.throttle !== undefined ? { throttle: s.throttle } : {}),
    audit: { logger },
    ...(extras.now !== undefined ? { now: extras.now } : {}),
    ...(extras.sleep !== undefined ? { sleep: extras.sleep } : {}),
    baseDir: config.dir,
    locate: config.locate,
    ...(config.file !== null ? { configFile: config.file } : {}),
  };
}
