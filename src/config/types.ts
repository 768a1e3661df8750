// The shape of a validated `asyncapi-guard.yaml` (schemas/config.schema.json is the contract;
// docs/config.md describes every key). The loader lives in check/config.ts for now; guard/ and
// the CLI read these types only.

export type Perspective = 'application' | 'server';

export interface ServerSettings {
  readonly perspective?: Perspective;
  readonly allowUncoveredChannels?: boolean;
  readonly wildcardsIgnoreEmptyLevels?: boolean;
  /** Reserved for `serve`. */
  readonly listen?: string;
  /** Reserved for `serve`. */
  readonly tls?: Readonly<Record<string, unknown>>;
}

export interface SchemeBinding {
  /** Plug-in module path, as written (relative to the config file's folder). */
  readonly verifier?: string;
  readonly options?: Readonly<Record<string, unknown>>;
  /** Type-specific keys, checked against the scheme type's configSchema at guard startup. */
  readonly [key: string]: unknown;
}

export interface ThrottleSettings {
  readonly freeFailures?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly lockoutAfter?: number;
  readonly lockoutMs?: number;
  readonly windowMs?: number;
  readonly perPrincipal?: boolean;
  readonly maxTracked?: number;
}

export interface AuditSettings {
  readonly level?: 'silent' | 'warn' | 'info' | 'debug';
  readonly destination?: string;
}

/** Every top-level key but `check`, as validated (deep-frozen). */
export interface ConfigSettings {
  readonly store?: string;
  readonly perspective?: Perspective;
  readonly servers?: Readonly<Record<string, ServerSettings>>;
  readonly schemes?: Readonly<Record<string, SchemeBinding>>;
  readonly throttle?: ThrottleSettings;
  readonly audit?: AuditSettings;
  readonly bus?: string;
}

/** 1-based line and column of a key in the config file. */
export type ConfigLocator = (path: readonly string[]) => { readonly line: number; readonly column: number } | undefined;
