// `probe --credentials FILE` (docs/probe.md, "The credentials file"): test principals per scheme name, read,
// validated against schemas/probe-credentials.schema.json, their secrets resolved from env:/file: references
// (src/credentials/secret-ref.ts, as the config's secrets are). Errors read `file:line:column key.path: …` like
// the config loader's and never carry a secret; an OAuth2 client-credentials token is fetched here, once, under
// the token layer's URL rules (https, or http to loopback).

import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { parseSource } from '../document/parse.js';
import { joinPointer } from '../document/pointer.js';
import type { SourceFile } from '../document/types.js';
import { ConfigError, DocumentError, isGuardError } from '../errors.js';
import { readAtMost } from '../read-at-most.js';
import { formatKeyPath } from '../config/key-path.js';
import { parseSecretRef, resolveSecretRef } from '../credentials/secret-ref.js';
import { checkEndpointUrl, fetchJson } from '../tokens/fetch.js';
import type { TestPrincipal } from './types.js';

/** A credentials file is a few kilobytes; read no further. */
export const MAX_CREDENTIALS_FILE_BYTES = 1024 * 1024;

export interface LoadCredentialsOptions {
  /** Directory the file name is relative to. */
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Bound on a client-credentials token request, ms (default 10000). */
  readonly timeoutMs?: number;
}

interface PrincipalEntry {
  name: string;
  user?: string;
  password?: string;
  apiKey?: string;
  token?: string;
  clientCredentials?: {
    tokenUrl: string;
    clientId: string;
    clientSecret: string;
    scopes?: string[];
    audience?: string;
  };
  cert?: string;
  key?: string;
  scopes?: string[];
}

/** Reads the file → test principals by scheme name. Throws `ConfigError` (`ERR_CONFIG_INVALID`) naming the place. */
export async function loadProbeCredentials(
  file: string,
  options: LoadCredentialsOptions,
): Promise<ReadonlyMap<string, readonly TestPrincipal[]>> {
  const path = resolve(options.cwd, file);
  let bytes: Buffer;
  try {
    bytes = await readAtMost(path, MAX_CREDENTIALS_FILE_BYTES);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(
      'ERR_CONFIG_INVALID',
      code === 'ENOENT' ? 'the credentials file does not exist' : `the credentials file cannot be read (${code})`,
      { file },
    );
  }
  if (bytes.length > MAX_CREDENTIALS_FILE_BYTES) {
    throw new ConfigError('ERR_CONFIG_INVALID', 'the credentials file is too large', {
      file,
      expected: `at most ${MAX_CREDENTIALS_FILE_BYTES} bytes`,
    });
  }
  let source: SourceFile;
  try {
    source = parseSource(bytes.toString('utf8'), path, file);
  } catch (err) {
    if (!(err instanceof DocumentError)) throw err;
    throw new ConfigError('ERR_CONFIG_INVALID', `not well-formed YAML: ${err.reason}`, {
      file,
      line: err.line,
      column: err.column,
    });
  }
  const fail = (reason: string, path: readonly string[], expected: string): never => {
    const pos = positionOf(source, path);
    throw new ConfigError('ERR_CONFIG_INVALID', reason, {
      file,
      line: pos?.line,
      column: pos?.column,
      pointer: formatKeyPath(path),
      expected,
    });
  };
  const validate = await credentialsValidator();
  if (!validate(source.value)) {
    const { path: at, reason, expected } = describeAjvError(validate.errors![0]!);
    fail(reason, at, expected);
  }
  const baseDir = dirname(path);
  const env = options.env ?? process.env;
  const read = async (ref: string, at: readonly string[]): Promise<string> => {
    const parsed = parseSecretRef(ref);
    if (parsed === null) return fail('not a reference', at, 'env:NAME or file:PATH');
    try {
      return await resolveSecretRef(parsed, { baseDir, env, pointer: formatKeyPath(at) });
    } catch (err) {
      if (isGuardError(err)) return fail(err.reason, at, err.expected ?? 'a readable reference');
      throw err;
    }
  };

  const out = new Map<string, TestPrincipal[]>();
  const schemes = (source.value as { schemes: Record<string, PrincipalEntry[]> }).schemes;
  for (const [scheme, entries] of Object.entries(schemes)) {
    const principals: TestPrincipal[] = [];
    for (const [i, e] of entries.entries()) {
      const at = (...keys: string[]): string[] => ['schemes', scheme, String(i), ...keys];
      let token = e.token === undefined ? undefined : await read(e.token, at('token'));
      if (e.clientCredentials !== undefined) {
        const cc = e.clientCredentials;
        const secret = await read(cc.clientSecret, at('clientCredentials', 'clientSecret'));
        token = await fetchClientCredentialsToken(cc, secret, options.timeoutMs ?? 10_000, (reason, expected) =>
          fail(reason, at('clientCredentials', 'tokenUrl'), expected),
        );
      }
      principals.push(
        Object.freeze({
          name: e.name,
          scheme,
          scopes: Object.freeze([...(e.scopes ?? [])]),
          ...(e.user === undefined ? {} : { user: e.user }),
          ...(e.password === undefined ? {} : { password: await read(e.password, at('password')) }),
          ...(e.apiKey === undefined ? {} : { apiKey: await read(e.apiKey, at('apiKey')) }),
          ...(token === undefined ? {} : { token }),
          ...(e.cert === undefined ? {} : { cert: await read(e.cert, at('cert')) }),
          ...(e.key === undefined ? {} : { key: await read(e.key, at('key')) }),
        }),
      );
    }
    out.set(scheme, principals);
  }
  return out;
}

/** RFC 6749 §4.4: POST grant_type=client_credentials with HTTP Basic client authentication (§2.3.1). */
async function fetchClientCredentialsToken(
  cc: NonNullable<PrincipalEntry['clientCredentials']>,
  secret: string,
  timeoutMs: number,
  fail: (reason: string, expected: string) => never,
): Promise<string> {
  try {
    checkEndpointUrl(cc.tokenUrl, 'tokenUrl');
  } catch {
    return fail('not an acceptable token endpoint', 'an https URL (http only to 127.0.0.1, ::1 or localhost)');
  }
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  if (cc.scopes !== undefined && cc.scopes.length > 0) form.set('scope', cc.scopes.join(' '));
  if (cc.audience !== undefined) form.set('audience', cc.audience);
  // §2.3.1: client id and secret are form-urlencoded before the Basic encoding.
  const basic = Buffer.from(`${encodeURIComponent(cc.clientId)}:${encodeURIComponent(secret)}`).toString('base64');
  const answer = await fetchJson(cc.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` },
    body: form.toString(),
    timeoutMs,
    maxBytes: 64 * 1024,
  });
  if (!answer.ok)
    return fail(`the token request failed (${answer.failure})`, 'a token endpoint that grants this client');
  const token = (answer.json as { access_token?: unknown } | null)?.access_token;
  if (typeof token !== 'string' || token === '') {
    return fail('the token endpoint answered without an access_token', 'an RFC 6749 §5.1 token response');
  }
  return token;
}

let validator: Promise<ValidateFunction> | undefined;

function credentialsValidator(): Promise<ValidateFunction> {
  validator ??= (async () => {
    const [{ Ajv }, text] = await Promise.all([
      import('ajv'),
      readFile(new URL('../../schemas/probe-credentials.schema.json', import.meta.url), 'utf8'),
    ]);
    return new Ajv({ allErrors: false, strict: true, verbose: true }).compile(JSON.parse(text) as object);
  })();
  return validator;
}

function describeAjvError(e: ErrorObject): { path: string[]; reason: string; expected: string } {
  const path = e.instancePath === '' ? [] : e.instancePath.slice(1).split('/').map(unescapeToken);
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String((e.params as { additionalProperty: string }).additionalProperty);
      return { path: [...path, key], reason: 'unknown key', expected: expectedKeys(e) };
    }
    case 'required': {
      const key = String((e.params as { missingProperty: string }).missingProperty);
      return { path, reason: `${key} is missing`, expected: `a ${key} key` };
    }
    case 'pattern':
      return { path, reason: 'not a reference', expected: 'env:NAME or file:PATH (never the secret itself)' };
    case 'type': {
      const type = String((e.params as { type: string }).type);
      return { path, reason: '', expected: type === 'object' ? 'a mapping' : `a ${type}` };
    }
    default:
      return { path, reason: e.message ?? 'invalid', expected: 'a value as docs/probe.md describes' };
  }
}

function expectedKeys(e: ErrorObject): string {
  const keys = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
  return keys.length > 0 ? `one of ${keys.join(', ')}` : 'no keys here';
}

function unescapeToken(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** The key of the deepest existing map entry on the path (the line to edit), else the node. */
function positionOf(source: SourceFile, path: readonly string[]): { line: number; column: number } | undefined {
  for (let n = path.length; n >= 0; n--) {
    const range = source.ranges.get(joinPointer('', ...path.slice(0, n)));
    if (range !== undefined) return (range.key ?? range.value).start;
  }
  return undefined;
}
