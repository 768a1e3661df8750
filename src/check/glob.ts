// Document arguments of `check`: paths and globs, expanded here because Node 20 has no
// `fs.glob` and shells differ (Windows cmd expands nothing; quoted globs reach us as written).
//
// Supported: `*` (any characters within one path segment), `?` (one character), `**` (zero or
// more directories, as a whole segment). Like shells, wildcards do not match names starting
// with `.` unless the pattern segment starts with `.`; `**` does not follow symbolic links to
// directories (no cycles) and does not enter `node_modules`. An argument without wildcards is kept as written, even
// when the file does not exist: the engine then reports it as a document that cannot be read.

import { readdir, stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { UsageError } from '../errors.js';

export function hasGlobChars(arg: string): boolean {
  return /[*?]/.test(arg);
}

/**
 * Every argument expanded, sorted (by code unit, so the order is the same on every machine)
 * and de-duplicated (two spellings of one file count once). Throws `UsageError` naming a
 * glob that matches no file.
 */
export async function expandDocumentArgs(args: readonly string[], cwd: string): Promise<string[]> {
  const found: string[] = [];
  for (const arg of args) {
    if (!hasGlobChars(arg)) {
      found.push(arg);
      continue;
    }
    const matches = await expandGlob(arg, cwd);
    if (matches.length === 0) throw new UsageError(`no file matches ${JSON.stringify(arg)}`);
    found.push(...matches);
  }
  const seen = new Set<string>();
  const out: string[] = [];
  for (const p of found.sort(byCodeUnit)) {
    const key = resolve(cwd, p);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(p);
  }
  return out;
}

/** The files matching one glob, spelled relative like the pattern (absolute stays absolute). */
export async function expandGlob(pattern: string, cwd: string): Promise<string[]> {
  const normalized = pattern.replace(/\\/g, '/');
  const absolute = isAbsolute(normalized);
  const segments = normalized.split('/').filter((s, i) => s !== '' && !(s === '.' && i > 0));
  const base = absolute ? '/' : '';
  const out: string[] = [];
  await walk(cwd, base, segments, out);
  return [...new Set(out)].sort(byCodeUnit);
}

async function walk(cwd: string, prefix: string, segments: readonly string[], out: string[]): Promise<void> {
  const [segment, ...rest] = segments;
  if (segment === undefined) {
    if (prefix !== '' && (await isFile(resolve(cwd, prefix)))) out.push(prefix);
    return;
  }
  if (segment === '**') {
    await walk(cwd, prefix, rest, out); // zero directories
    for (const dir of await listDirs(resolve(cwd, prefix || '.'))) {
      await walk(cwd, joinPath(prefix, dir), segments, out);
    }
    return;
  }
  if (!hasGlobChars(segment)) {
    await walk(cwd, joinPath(prefix, segment), rest, out);
    return;
  }
  const matcher = segmentMatcher(segment);
  const entries = await listEntries(resolve(cwd, prefix || '.'));
  for (const name of entries) {
    if (name.startsWith('.') && !segment.startsWith('.')) continue;
    if (matcher.test(name)) await walk(cwd, joinPath(prefix, name), rest, out);
  }
}

function joinPath(prefix: string, name: string): string {
  if (prefix === '') return name;
  return prefix.endsWith('/') ? prefix + name : `${prefix}/${name}`;
}

function segmentMatcher(segment: string): RegExp {
  let source = '';
  for (const ch of segment) {
    if (ch === '*') source += '[^/]*';
    else if (ch === '?') source += '[^/]';
    else source += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'u');
}

async function listEntries(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort(byCodeUnit);
  } catch {
    return [];
  }
}

/** Sub-directories `**` descends into: not through symbolic links, not hidden, not node_modules. */
async function listDirs(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries
      .filter((e) => e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules')
      .map((e) => e.name)
      .sort(byCodeUnit);
  } catch {
    return [];
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
