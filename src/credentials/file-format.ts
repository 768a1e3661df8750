// The `file:` store's format (docs/credentials.md): YAML text ⇄ the in-memory state. Parsing
// is strict (unknown keys, wrong types, byte lengths, iteration bounds, key id form, names in
// stored SASLprep form, keys whose principal exists) and reports file:line:column plus a
// dotted key path, never the value found (a hand-edited file might hold a pasted secret).
// Serializing writes only salts, verifiers and hashes: nothing here ever sees a password or key.

import { parseSource, type ParseLimits } from '../document/parse.js';
import { joinPointer } from '../document/pointer.js';
import type { SourceFile } from '../document/types.js';
import { DocumentError, StoreError } from '../errors.js';
import { saslprep } from '../sasl/saslprep.js';
import { isApiKeyId } from './api-keys.js';
import type { MemoryStoreState } from './memory.js';
import { MOSQUITTO_HASH_BYTES, MOSQUITTO_SALT_BYTES, type MosquittoVerifier } from './mosquitto-verifier.js';
import { MAX_SCOPES, SCOPE_EXPECTED, isValidScope } from './scopes.js';
import type { ApiKeyRecord, PrincipalRecord, ScramHash, ScramVerifier } from './types.js';

export const CREDENTIALS_FILE_VERSION = 1;
export const CREDENTIALS_FILE_HEADER =
  '# asyncapi-guard credentials: salted SCRAM verifiers and API key hashes, never a password or key';

/** RFC 7677 §4 asks at least 4096; above a million one login costs seconds (a denial of service on ourselves). */
export const MIN_FILE_ITERATIONS = 4096;
export const MAX_FILE_ITERATIONS = 1_000_000;
const MIN_SALT_BYTES = 8;
const MAX_SALT_BYTES = 1024;

/** The file's mechanism names (as SASL names them) ⇄ our hash names. */
const MECHANISMS: ReadonlyArray<readonly [string, ScramHash, number]> = [
  ['SCRAM-SHA-256', 'SHA-256', 32],
  ['SCRAM-SHA-512', 'SHA-512', 64],
];

/**
 * No aliases (the writer never emits one, and they are how YAML bombs work), shallow nesting,
 * and room for about 100,000 principals.
 */
const LIMITS: ParseLimits = { maxDepth: 12, maxAliases: 0, maxAliasNodes: 0, maxTokens: 10_000_000 };

type Path = readonly (string | number)[];

/** Parses and validates the text of a credentials file. Throws `StoreError` `ERR_STORE_INVALID`. */
export function parseCredentialsFile(text: string, file: string): MemoryStoreState {
  let source: SourceFile;
  try {
    source = parseSource(text, file, file, LIMITS);
  } catch (err) {
    if (!(err instanceof DocumentError)) throw err;
    throw new StoreError('ERR_STORE_INVALID', `not well-formed YAML: ${err.reason}`, {
      file,
      line: err.line,
      column: err.column,
      expected: err.expected,
    });
  }
  const fail = (path: Path, reason: string, expected: string): never => {
    let pos: { line: number; column: number } | undefined;
    for (let n = path.length; n >= 0 && pos === undefined; n--) {
      const range = source.ranges.get(joinPointer('', ...path.slice(0, n)));
      if (range !== undefined) pos = (range.key ?? range.value).start;
    }
    throw new StoreError('ERR_STORE_INVALID', reason, {
      file,
      line: pos?.line,
      column: pos?.column,
      pointer: formatPath(path),
      expected,
    });
  };

  const state: MemoryStoreState = { principals: new Map(), apiKeys: new Map() };
  const root = source.value;
  if (root === null) return state; // an empty file (or only comments) is an empty store
  const top = mapping(root, [], fail, ['version', 'principals', 'apiKeys']);
  if (top.version !== CREDENTIALS_FILE_VERSION)
    fail(['version'], 'unsupported or missing version', `version: ${CREDENTIALS_FILE_VERSION}`);

  const principals =
    top.principals === undefined || top.principals === null ? {} : mapping(top.principals, ['principals'], fail);
  for (const name of Object.keys(principals)) {
    const at = ['principals', name];
    const prepared = saslprep(name, { allowUnassigned: false });
    if (!prepared.ok || prepared.value !== name || name.length > 255) {
      fail(at, 'not a principal name in stored form', "1 to 255 characters, already SASLprep'd (RFC 4013)");
    }
    const p = mapping(principals[name], at, fail, ['scopes', 'disabled', 'created', 'updated', 'scram', 'mosquitto']);
    const scopes = p.scopes === undefined ? [] : scopeList(p.scopes, [...at, 'scopes'], fail);
    if (p.disabled !== undefined && typeof p.disabled !== 'boolean') fail([...at, 'disabled'], '', 'true or false');
    const verifiers: Partial<Record<ScramHash, ScramVerifier>> = {};
    if (p.scram !== undefined && p.scram !== null) {
      const scram = mapping(
        p.scram,
        [...at, 'scram'],
        fail,
        MECHANISMS.map(([m]) => m),
      );
      for (const [mechanism, hash, keyBytes] of MECHANISMS) {
        if (scram[mechanism] === undefined) continue;
        verifiers[hash] = verifier(scram[mechanism], [...at, 'scram', mechanism], hash, keyBytes, fail);
      }
    }
    // Optional and additive (docs/brokers/mosquitto.md): files without it read as before.
    const mosquitto =
      p.mosquitto === undefined ? undefined : mosquittoVerifier(p.mosquitto, [...at, 'mosquitto'], fail);
    const record: PrincipalRecord = Object.freeze({
      name,
      scopes: Object.freeze(scopes),
      disabled: p.disabled === true,
      verifiers: Object.freeze(verifiers),
      ...(mosquitto !== undefined && { mosquitto }),
      createdAt: timestamp(p.created, [...at, 'created'], fail),
      updatedAt: timestamp(p.updated, [...at, 'updated'], fail),
    });
    state.principals.set(name, record);
  }

  const keys = top.apiKeys === undefined || top.apiKeys === null ? {} : mapping(top.apiKeys, ['apiKeys'], fail);
  for (const id of Object.keys(keys)) {
    const at = ['apiKeys', id];
    if (!isApiKeyId(id)) fail(at, 'not an API key id', '12 characters of lowercase base32 (a-z, 2-7)');
    const k = mapping(keys[id], at, fail, ['principal', 'sha256', 'scopes', 'created', 'revoked']);
    if (typeof k.principal !== 'string') fail([...at, 'principal'], '', 'a principal name');
    const principal = k.principal as string;
    if (!state.principals.has(principal))
      fail([...at, 'principal'], 'no such principal in this file', 'the name of a principal under `principals`');
    const record: ApiKeyRecord = Object.freeze({
      id,
      principal,
      hash: bytes(k.sha256, [...at, 'sha256'], 32, 32, fail),
      scopes:
        k.scopes === null || k.scopes === undefined
          ? null
          : Object.freeze(scopeList(k.scopes, [...at, 'scopes'], fail)),
      createdAt: timestamp(k.created, [...at, 'created'], fail),
      revokedAt: k.revoked === null || k.revoked === undefined ? null : timestamp(k.revoked, [...at, 'revoked'], fail),
    });
    state.apiKeys.set(id, record);
  }
  return state;
}

/** The file text for a state: sorted, one principal block and one key line each, header first. */
export function serializeCredentials(state: MemoryStoreState): string {
  const out: string[] = [CREDENTIALS_FILE_HEADER, `version: ${CREDENTIALS_FILE_VERSION}`];
  const principals = [...state.principals.values()].sort((a, b) => compare(a.name, b.name));
  out.push(principals.length === 0 ? 'principals: {}' : 'principals:');
  for (const p of principals) {
    out.push(`  ${scalar(p.name)}:`);
    out.push(`    scopes: ${sequence(p.scopes)}`);
    out.push(`    disabled: ${p.disabled}`);
    out.push(`    created: ${scalar(p.createdAt)}`);
    out.push(`    updated: ${scalar(p.updatedAt)}`);
    if (p.mosquitto !== undefined) {
      const m = p.mosquitto;
      out.push(`    mosquitto: { salt: ${base64(m.salt)}, iterations: ${m.iterations}, hash: ${base64(m.hash)} }`);
    }
    const present = MECHANISMS.filter(([, hash]) => p.verifiers[hash] !== undefined);
    if (present.length === 0) {
      out.push('    scram: {}');
      continue;
    }
    out.push('    scram:');
    for (const [mechanism, hash] of present) {
      const v = p.verifiers[hash] as ScramVerifier;
      out.push(
        `      ${mechanism}: { salt: ${base64(v.salt)}, iterations: ${v.iterations}, storedKey: ` +
          `${base64(v.storedKey)}, serverKey: ${base64(v.serverKey)} }`,
      );
    }
  }
  const keys = [...state.apiKeys.values()].sort((a, b) => compare(a.id, b.id));
  out.push(keys.length === 0 ? 'apiKeys: {}' : 'apiKeys:');
  for (const k of keys) {
    const scopes = k.scopes === null ? 'null' : sequence(k.scopes);
    const revoked = k.revokedAt === null ? 'null' : scalar(k.revokedAt);
    out.push(
      `  ${scalar(k.id)}: { principal: ${scalar(k.principal)}, sha256: ${base64(k.hash)}, scopes: ${scopes}, ` +
        `created: ${scalar(k.createdAt)}, revoked: ${revoked} }`,
    );
  }
  return out.join('\n') + '\n';
}

// ------------------------------------------------------------------ validation helpers

type Fail = (path: Path, reason: string, expected: string) => never;

function mapping(value: unknown, path: Path, fail: Fail, allowed?: readonly string[]): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return fail(path, '', 'a mapping');
  const record = value as Record<string, unknown>;
  if (allowed !== undefined) {
    for (const key of Object.keys(record))
      if (!allowed.includes(key)) fail([...path, key], 'unknown key', `one of ${allowed.join(', ')}`);
  }
  return record;
}

function scopeList(value: unknown, path: Path, fail: Fail): string[] {
  if (!Array.isArray(value)) return fail(path, '', 'a list of scope names');
  if (value.length > MAX_SCOPES) fail(path, 'too many scopes', `at most ${MAX_SCOPES}`);
  return value.map((s, i) => {
    if (!isValidScope(s)) fail([...path, i], 'not a valid scope name', SCOPE_EXPECTED);
    return s;
  });
}

const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;

function timestamp(value: unknown, path: Path, fail: Fail): string {
  if (typeof value !== 'string' || !ISO_RE.test(value) || Number.isNaN(Date.parse(value))) {
    return fail(path, '', 'an ISO 8601 UTC time such as 2026-11-29T07:00:00.000Z');
  }
  return value;
}

const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function bytes(value: unknown, path: Path, min: number, max: number, fail: Fail): Uint8Array {
  const expected = min === max ? `base64 of ${min} bytes` : `base64 of ${min} to ${max} bytes`;
  // The length bound comes first: the regex never runs on a huge string.
  if (typeof value !== 'string' || value.length > Math.ceil(max / 3) * 4 || !BASE64_RE.test(value))
    return fail(path, '', expected);
  const decoded = new Uint8Array(Buffer.from(value, 'base64'));
  if (decoded.length < min || decoded.length > max) fail(path, '', expected);
  return decoded;
}

function verifier(value: unknown, path: Path, hash: ScramHash, keyBytes: number, fail: Fail): ScramVerifier {
  const v = mapping(value, path, fail, ['salt', 'iterations', 'storedKey', 'serverKey']);
  for (const key of ['salt', 'iterations', 'storedKey', 'serverKey'])
    if (v[key] === undefined) fail([...path, key], 'missing', 'salt, iterations, storedKey and serverKey');
  const iterations = v.iterations;
  if (
    typeof iterations !== 'number' ||
    !Number.isSafeInteger(iterations) ||
    iterations < MIN_FILE_ITERATIONS ||
    iterations > MAX_FILE_ITERATIONS
  ) {
    fail([...path, 'iterations'], '', `an integer from ${MIN_FILE_ITERATIONS} to ${MAX_FILE_ITERATIONS}`);
  }
  return Object.freeze({
    hash,
    salt: bytes(v.salt, [...path, 'salt'], MIN_SALT_BYTES, MAX_SALT_BYTES, fail),
    iterations,
    storedKey: bytes(v.storedKey, [...path, 'storedKey'], keyBytes, keyBytes, fail),
    serverKey: bytes(v.serverKey, [...path, 'serverKey'], keyBytes, keyBytes, fail),
  });
}

function mosquittoVerifier(value: unknown, path: Path, fail: Fail): MosquittoVerifier {
  const v = mapping(value, path, fail, ['salt', 'iterations', 'hash']);
  for (const key of ['salt', 'iterations', 'hash'])
    if (v[key] === undefined) fail([...path, key], 'missing', 'salt, iterations and hash');
  const iterations = v.iterations;
  if (
    typeof iterations !== 'number' ||
    !Number.isSafeInteger(iterations) ||
    iterations < MIN_FILE_ITERATIONS ||
    iterations > MAX_FILE_ITERATIONS
  ) {
    fail([...path, 'iterations'], '', `an integer from ${MIN_FILE_ITERATIONS} to ${MAX_FILE_ITERATIONS}`);
  }
  return Object.freeze({
    salt: bytes(v.salt, [...path, 'salt'], MOSQUITTO_SALT_BYTES, MOSQUITTO_SALT_BYTES, fail),
    iterations,
    hash: bytes(v.hash, [...path, 'hash'], MOSQUITTO_HASH_BYTES, MOSQUITTO_HASH_BYTES, fail),
  });
}

/** `principals.alice.scram.SCRAM-SHA-256.iterations`; keys that are not plain words are quoted. */
export function formatPath(path: Path): string {
  return path
    .map((k, i) =>
      typeof k === 'number'
        ? `[${k}]`
        : /^[A-Za-z0-9_-]+$/.test(k)
          ? i === 0
            ? k
            : `.${k}`
          : `[${JSON.stringify(k)}]`,
    )
    .join('');
}

// ------------------------------------------------------------------ writing helpers

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const PLAIN_RE = /^[A-Za-z_][A-Za-z0-9_.@/-]*$/;
const RESERVED_RE = /^(?:true|false|null|yes|no|on|off|y|n)$/i;

/** A string as YAML: plain when that cannot be read back as anything else, else JSON-quoted (JSON strings are YAML). */
function scalar(s: string): string {
  if (ISO_RE.test(s)) return s; // the core schema has no timestamp type: it stays a string
  return PLAIN_RE.test(s) && !RESERVED_RE.test(s) ? s : JSON.stringify(s);
}

function sequence(items: readonly string[]): string {
  return `[${items.map(scalar).join(', ')}]`;
}

/**
 * Always quoted: unquoted base64 can read as a number (all digits) and looks inconsistent when it starts with `/` or
 * `+`.
 */
function base64(b: Uint8Array): string {
  return `"${Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64')}"`;
}
