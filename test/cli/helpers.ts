// Runs the real CLI in a child process: `node --import tsx src/cli/main.ts …`, in a folder of
// the test's choosing, without a terminal (so the default format is json, and no colors).

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireBinary } from '../helpers/binaries.js';

export const mainPath = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const tsxLoader = import.meta.resolve('tsx');

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `stdin`: piped to the CLI when given, else /dev/null (not a terminal). */
export function runCli(
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string | undefined>; stdin?: string } = {},
): Promise<Run> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    NO_COLOR: undefined,
    FORCE_COLOR: undefined,
    ASYNCAPI_GUARD_DEBUG: undefined,
    ...options.env,
  };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', tsxLoader, mainPath, ...args], {
      cwd: options.cwd ?? process.cwd(),
      env,
      stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    child.stdin?.on('error', () => {}); // the CLI may stop reading early (bounded input)
    child.stdin?.end(options.stdin);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

/**
 * `script` (util-linux, Debian package bsdutils) gives the CLI a pseudo-terminal as stdout; fails when it is missing.
 */
export function runCliOnTerminal(args: readonly string[], cwd: string): Run {
  const script = requireBinary('script', 'bsdutils');
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, '--import', tsxLoader, mainPath, ...args].map(quote).join(' ');
  const env: Record<string, string | undefined> = {
    ...process.env,
    NO_COLOR: undefined,
    FORCE_COLOR: undefined,
    TERM: 'xterm',
  };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  const r = spawnSync(script, ['-qec', command, '/dev/null'], {
    cwd,
    env,
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout.replace(/\r\n/g, '\n'), stderr: r.stderr };
}

/** A fresh folder with the given files (path → text). */
export function makeProject(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'guard-cli-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

/** No finding at all: a loopback server without security. */
export const CLEAN_DOC = `asyncapi: 3.0.0
info:
  title: Clean
  version: 1.0.0
servers:
  local:
    host: 127.0.0.1:1883
    protocol: mqtt
`;

/** Only a warning: security-server-unsecured (a public host, no security). */
export const WARNING_DOC = `asyncapi: 3.0.0
info:
  title: Unsecured
  version: 1.0.0
servers:
  public:
    host: broker.example.com:1883
    protocol: mqtt
`;

/** An error: security-insecure-url (an oauth2 token URL over http). */
export const ERROR_DOC = `asyncapi: 3.0.0
info:
  title: Insecure token URL
  version: 1.0.0
servers:
  public:
    host: broker.example.com:8883
    protocol: secure-mqtt
    security:
      - $ref: '#/components/securitySchemes/oauth'
components:
  securitySchemes:
    oauth:
      type: oauth2
      flows:
        clientCredentials:
          tokenUrl: http://idp.example.com/token
          availableScopes: {}
`;

export interface JsonDiagnostic {
  rule: string;
  severity: string;
  message: string;
  pointer: string;
  file: string;
  range: { start: { line: number; column: number }; end: { line: number; column: number } } | null;
}

export interface JsonResult {
  document: string;
  asyncapi: string | null;
  diagnostics: JsonDiagnostic[];
  summary: { errors: number; warnings: number; infos: number };
  fatal?: { code: string; message: string };
}

/** Exit 2, nothing on stdout, one line on stderr ending in `(CODE)` (or matching `code`). */
export function assertOneErrorLine(r: Run, code: RegExp | string): void {
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  if (typeof code === 'string') assert.ok(lines[0]!.includes(`(${code})`), r.stderr);
  else assert.match(lines[0]!, code);
}
