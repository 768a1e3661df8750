// The project config file, `asyncapi-guard.yaml` (docs/architecture.md, "Configuration"): found,
// read, parsed, validated against the published schema (schemas/config.schema.json) and frozen.
// `check.rules` (rule id → severity or off) and `check.failOn` are handed to `check` (the ids
// checked against the rule ids the caller passes); every other key (`store`, `perspective`,
// `servers`, `schemes`, `throttle`, `audit`, `bus`, …) is handed on as `settings` for the guard
// (src/guard/config.ts), `serve` and the `users`/`keys` commands.
//
// Validate at the edge, then trust: the file is parsed once, checked against the schema (Ajv,
// compiled once, loaded only when a config file exists so a bare `check` starts fast), rule ids
// are checked against the known rules, and the result is deep-frozen.

import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { parseSource } from '../document/parse.js';
import { joinPointer } from '../document/pointer.js';
import type { SourceFile, SourcePosition } from '../document/types.js';
import { readAtMost } from '../read-at-most.js';
import { ConfigError, DocumentError } from '../errors.js';
import { deepFreeze } from '../deep-freeze.js';
import { closestId, formatKeyPath } from './key-path.js';
import type { ConfigLocator, ConfigSettings, Severity, SeveritySetting } from './types.js';

/** Looked up in the current directory when no `--config` is given. */
export const CONFIG_FILE_NAME = 'asyncapi-guard.yaml';

export interface CheckConfig {
  /** Rule id → severity override or 'off'. Only ids of known rules. */
  readonly rules: Readonly<Record<string, SeveritySetting>>;
  /** Exit code 1 at or above this severity; absent when the file does not set it. */
  readonly failOn?: Severity;
}

export interface GuardConfig {
  /** The config file as the user named it (or as found in the cwd); null when there is none. */
  readonly file: string | null;
  /** Absolute folder that relative paths in the file resolve against (the cwd when no file). */
  readonly dir: string;
  readonly check: CheckConfig;
  /** Every other top-level key as validated, deep-frozen; `{}` when there is no file. */
  readonly settings: ConfigSettings;
  /** Line and column of a key path in the file (for errors found later, at guard startup). */
  readonly locate: ConfigLocator;
}

export interface LoadConfigOptions {
  /** `--config FILE`: this file must exist. Otherwise `asyncapi-guard.yaml` in `cwd`, if present. */
  file?: string;
  /** Absolute directory that `file` is relative to and where the default file is looked for. */
  cwd: string;
  /** Ids of the known rules (`Object.keys(rules)`); other ids in `check.rules` are an error. */
  ruleIds: readonly string[];
}

/** Largest config file read (read no further: a config is a few kilobytes). */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/** Reads, validates and freezes the config. Throws `ConfigError` (`ERR_CONFIG_INVALID`). */
export async function loadConfig(options: LoadConfigOptions): Promise<GuardConfig> {
  const explicit = options.file !== undefined;
  const display = options.file ?? CONFIG_FILE_NAME;
  const path = resolve(options.cwd, display);
  let bytes: Buffer;
  try {
    bytes = await readAtMost(path, MAX_CONFIG_BYTES);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (!explicit && code === 'ENOENT') return emptyConfig(options.cwd);
    throw new ConfigError(
      'ERR_CONFIG_INVALID',
      code === 'ENOENT'
        ? 'the file does not exist'
        : code === 'ENOTREG'
          ? 'not a regular file'
          : `the file cannot be read (${code ?? 'unknown error'})`,
      { file: display },
    );
  }
  if (bytes.length > MAX_CONFIG_BYTES)
    throw new ConfigError('ERR_CONFIG_INVALID', 'the file is too large', {
      file: display,
      expected: `at most ${MAX_CONFIG_BYTES} bytes`,
    });
  const text = bytes.toString('utf8');
  return parseConfig(text, { file: display, dir: dirname(path), ruleIds: options.ruleIds });
}

export interface ParseConfigOptions {
  /** Name used in error messages. */
  file: string;
  /** Absolute folder of the file. */
  dir: string;
  ruleIds: readonly string[];
}

/** Validates config text (YAML or JSON). Throws `ConfigError` naming file:line:column and key path. */
export async function parseConfig(text: string, options: ParseConfigOptions): Promise<GuardConfig> {
  // The same reader as documents (src/document/parse.ts): YAML 1.2 core, positions for every
  // key, and the same bounds on hostile input (nesting, aliases, size).
  let source: SourceFile;
  try {
    source = parseSource(text, resolve(options.dir, basename(options.file)), options.file);
  } catch (err) {
    if (!(err instanceof DocumentError)) throw err;
    throw new ConfigError('ERR_CONFIG_INVALID', `not well-formed YAML: ${err.reason}`, {
      file: options.file,
      line: err.line,
      column: err.column,
      expected: err.expected,
    });
  }
  const fail = (reason: string, path: KeyPath, expected: string): never => {
    const pos = positionOf(source, path);
    throw new ConfigError('ERR_CONFIG_INVALID', reason, {
      file: options.file,
      line: pos?.line,
      column: pos?.column,
      pointer: formatKeyPath(path),
      expected,
    });
  };
  const value = source.value;
  // an empty file sets nothing
  if (value === null || value === undefined) return emptyConfig(options.dir, options.file);

  const validate = await configValidator();
  if (!validate(value)) {
    const { path, reason, expected } = describeAjvError(validate.errors![0]!);
    // With nothing to say but what was expected, the message reads `key.path: expected …`.
    fail(reason, path, expected ?? 'a valid value');
  }

  const config = value as { check?: { rules?: Record<string, SeveritySetting>; failOn?: Severity } };
  const rules = config.check?.rules ?? {};
  const known = new Set(options.ruleIds);
  for (const id of Object.keys(rules)) {
    if (!known.has(id)) {
      const path = ['check', 'rules', id];
      fail('unknown rule id', path, `a known rule id; ${ruleIdSuggestion(id, options.ruleIds)}`);
    }
  }

  // `check` is `check`'s own; every other top-level key goes on as `settings`.
  const settings: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  delete settings['check'];
  return deepFreeze({
    file: options.file,
    dir: options.dir,
    check: { rules: { ...rules }, ...(config.check?.failOn ? { failOn: config.check.failOn } : {}) },
    settings,
    locate: (path: readonly string[]) => {
      const pos = positionOf(source, [...path]);
      return pos === undefined ? undefined : { line: pos.line, column: pos.column };
    },
  });
}

// ------------------------------------------------------------------ internals

function emptyConfig(dir: string, file: string | null = null): GuardConfig {
  return deepFreeze({ file, dir, check: { rules: {} }, settings: {}, locate: () => undefined });
}

/** The closing words of an unknown-rule-id message: the closest known id, if any. */
export function ruleIdSuggestion(id: string, ruleIds: readonly string[]): string {
  const near = closestId(id, ruleIds);
  return near === undefined ? 'no rules are known' : `did you mean '${near}'?`;
}

let validator: Promise<ValidateFunction> | undefined;

/** Compiled once per process, on first use. */
function configValidator(): Promise<ValidateFunction> {
  validator ??= (async () => {
    const [{ Ajv }, schemaText] = await Promise.all([
      import('ajv'),
      readFile(new URL('../../schemas/config.schema.json', import.meta.url), 'utf8'),
    ]);
    return new Ajv({ allErrors: false, strict: true, verbose: true }).compile(JSON.parse(schemaText) as object);
  })();
  return validator;
}

type KeyPath = string[];

/** One Ajv error → the key path it is about, and what was expected there. */
function describeAjvError(e: ErrorObject): { path: KeyPath; reason: string; expected?: string } {
  const path = e.instancePath === '' ? [] : e.instancePath.slice(1).split('/').map(unescapePointerToken);
  if (e.propertyName !== undefined) {
    // A `propertyNames` failure: the key itself is wrong (only `check.rules` constrains keys).
    return {
      path: [...path, e.propertyName],
      reason: 'not a rule id',
      expected: 'a kebab-case rule id such as security-scheme-unused',
    };
  }
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String((e.params as { additionalProperty: string }).additionalProperty);
      const allowed = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      return {
        path: [...path, key],
        reason: 'unknown key',
        expected: allowed.length ? `one of ${allowed.join(', ')}` : 'no keys here',
      };
    }
    case 'enum': {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map(String);
      return { path, reason: '', expected: `one of ${allowed.join(', ')}` };
    }
    case 'type': {
      const type = String((e.params as { type: string }).type);
      return { path, reason: '', expected: type === 'object' ? 'a mapping' : `a ${type}` };
    }
    default:
      return { path, reason: e.message ?? 'invalid' };
  }
}

function unescapePointerToken(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

/**
 * Offset of the place a key path names: the key of the last map entry reached (so the message
 * points at the line the user must edit), or the node itself for sequence items and the root.
 */
function positionOf(source: SourceFile, path: KeyPath): SourcePosition | undefined {
  // The deepest part of the path that exists: its key when it is a map entry, else its value.
  for (let n = path.length; n >= 0; n--) {
    const range = source.ranges.get(joinPointer('', ...path.slice(0, n)));
    if (range !== undefined) return (range.key ?? range.value).start;
  }
  return undefined;
}
