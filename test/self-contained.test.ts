// The repository stands alone: a fresh clone builds, tests and reads its docs with nothing beside
// it. No file may point at material kept outside the repository (the design notes, style notes
// or reference text the project was written from, or the folder that held them), and no test,
// benchmark or script may read a path outside the repository: its data lives in test/fixtures/.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));

// Built from pieces so that this file does not match itself.
const forbidden = [
  ['..', 'shared'].join('/'),
  ['DESIGN', 'md'].join('.'),
  ['STYLE', 'md'].join('.'),
  ['reference', '\u00a7'].join(' '),
];

/** Every file git tracks, plus untracked files that are not ignored, as paths relative to the root. */
function repositoryFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
    cwd: root,
    encoding: 'utf8',
  });
  return out.split('\0').filter((f) => f !== '' && f !== 'package-lock.json');
}

/** The file's text, or null when it is gone from the working tree or is binary. */
function textOf(file: string): string | null {
  let bytes: Buffer;
  try {
    bytes = readFileSync(join(root, file));
  } catch {
    return null; // tracked, but deleted in the working tree
  }
  return bytes.includes(0) ? null : bytes.toString('utf8');
}

const files = repositoryFiles();

test('self-contained: git lists the repository files', () => {
  assert.ok(files.includes('package.json') && files.includes('test/self-contained.test.ts'), files.join('\n'));
});

test('self-contained: no file refers to material kept outside the repository', () => {
  const hits: string[] = [];
  for (const file of files) {
    const text = textOf(file);
    if (text === null) continue;
    text.split('\n').forEach((line, i) => {
      for (const word of forbidden) {
        if (line.includes(word)) hits.push(`${file}:${i + 1}: ${word}: ${line.trim().slice(0, 160)}`);
      }
    });
  }
  assert.deepEqual(hits, [], `${hits.length} line(s) refer to material outside the repository:\n${hits.join('\n')}`);
});

// Relative paths written as literals in the ways tests, benchmarks and scripts resolve files:
// `new URL('<path>', import.meta.url)` (relative to the file) and `resolve(root, '<path>')` or
// `join(projectRoot, '<path>')` (relative to the project root, whatever the variable's name).
const fileRelative = /new URL\(\s*'(\.{1,2}\/[^']*)',\s*import\.meta\.url\s*\)/g;
const rootRelative = /\b(?:resolve|join)\(\s*(?:root|projectRoot|repoRoot)\s*,\s*'([^']+)'/g;

test('self-contained: tests, benchmarks and scripts name no path outside the repository', () => {
  const code = files.filter((f) => /^(test|bench|scripts)\//.test(f) && /\.(ts|mjs|js|cjs)$/.test(f));
  assert.ok(code.length > 50, `only ${code.length} files to scan`);
  const outside: string[] = [];
  let seen = 0;
  for (const file of code) {
    const text = textOf(file);
    if (text === null) continue;
    const check = (target: string, literal: string): void => {
      seen++;
      const rel = relative(root, target);
      if (rel.startsWith('..') || isAbsolute(rel)) outside.push(`${file}: '${literal}' resolves to ${target}`);
    };
    for (const m of text.matchAll(fileRelative)) check(resolve(dirname(join(root, file)), m[1]!), m[1]!);
    for (const m of text.matchAll(rootRelative)) check(resolve(root, m[1]!), m[1]!);
  }
  // The scan must see the project's own relative paths, or it proves nothing.
  assert.ok(seen > 20, `only ${seen} relative paths found`);
  assert.deepEqual(outside, [], outside.join('\n'));
});
