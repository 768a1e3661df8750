// What `createGuard` takes (docs/guard.md "Options"), the warnings it gives for risky switches,
// and the check that turns library misuse into a TypeError before anything is compiled.

import type { Logger } from 'pino';
import { invalidArgType, invalidArgValue } from '../errors.js';
import type { SecurityModel } from '../model/types.js';
import type { ConfigLocator, Perspective, SchemeBinding, ServerSettings, ThrottleSettings } from '../config/types.js';
import type { CredentialStore } from '../credentials/types.js';

export interface GuardOptions {
  /** Where principals, password verifiers and API keys live. The guard does not close it. */
  readonly store: CredentialStore;
  /**
   * Config `schemes:`: how each document scheme is verified. Every scheme in use needs an entry
   * (`{}` for the defaults).
   */
  readonly schemes?: Readonly<Record<string, SchemeBinding>>;
  /** Config `servers:`: per document server settings. */
  readonly servers?: Readonly<Record<string, ServerSettings>>;
  /** Config `perspective` (default `application`). */
  readonly perspective?: Perspective;
  /** Config `throttle:`. */
  readonly throttle?: ThrottleSettings;
  /** The audit logger (default: silent). `createAuditLogger(settings.audit, dir)` builds one from the config. */
  readonly audit?: { readonly logger?: Logger };
  /** Milliseconds since the epoch (default Date.now); tests inject a clock. */
  readonly now?: () => number;
  /** How throttling delays a refusal (default: a timer). Tests inject one that records instead of waiting. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Folder plug-in paths resolve against: the config file's folder (default: the cwd). */
  readonly baseDir?: string;
  /** Line and column of a config key path, for startup errors. */
  readonly locate?: ConfigLocator;
  /** The config file as the user named it, for startup errors. */
  readonly configFile?: string;
  /** Longest a verify or SASL step may take before it is refused as `verifier_error` (default 5000 ms). */
  readonly verifierTimeoutMs?: number;
}

export interface GuardWarning {
  /**
   * Stable code a reviewer can grep for: `W_ALLOW_UNCOVERED_CHANNELS`. (`W_WILDCARDS_IGNORE_EMPTY_LEVELS`
   * is no longer emitted: reading `+` as one non-empty level is the default, made sound by the
   * per-delivery check.)
   */
  readonly code: 'W_ALLOW_UNCOVERED_CHANNELS';
  readonly server: string;
  readonly message: string;
}

/** Library misuse (not a config problem): a TypeError with `code` ERR_INVALID_ARG_TYPE / ERR_INVALID_ARG_VALUE. */
export function checkOptions(model: SecurityModel, options: GuardOptions): void {
  if (
    model === null ||
    typeof model !== 'object' ||
    !Array.isArray(model.servers) ||
    !Array.isArray(model.operations) ||
    typeof model.schemes !== 'object'
  ) {
    throw invalidArgType('model', 'a SecurityModel (buildModel(document))');
  }
  if (options === null || typeof options !== 'object') throw invalidArgType('options', 'an object');
  const store = options.store as Partial<CredentialStore> | undefined;
  if (store === null || typeof store !== 'object' || typeof store.getPrincipal !== 'function')
    throw invalidArgType('options.store', 'a CredentialStore');
  for (const key of ['schemes', 'servers', 'throttle'] as const) {
    const v = options[key];
    if (v !== undefined && (v === null || typeof v !== 'object' || Array.isArray(v)))
      throw invalidArgType(`options.${key}`, 'an object');
  }
  if (options.perspective !== undefined && options.perspective !== 'application' && options.perspective !== 'server') {
    throw invalidArgValue('options.perspective', "must be 'application' or 'server'");
  }
  if (
    options.verifierTimeoutMs !== undefined &&
    !(Number.isFinite(options.verifierTimeoutMs) && options.verifierTimeoutMs > 0)
  ) {
    throw invalidArgValue('options.verifierTimeoutMs', 'must be a positive number');
  }
}
