import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DocumentError, GuardError, UsageError, errorCodes, isGuardError } from '../src/errors.js';
import type { ErrorCode } from '../src/errors.js';

const page = readFileSync(fileURLToPath(new URL('../docs/errors.md', import.meta.url)), 'utf8');

/** `## HEADING` → the text under it, up to the next `## `. */
function sections(markdown: string): Map<string, string> {
  const out = new Map<string, string>();
  const parts = markdown.split(/^## /m).slice(1);
  for (const part of parts) {
    const nl = part.indexOf('\n');
    const heading = part.slice(0, nl).trim();
    assert.ok(!out.has(heading), `docs/errors.md: section ${heading} appears once`);
    out.set(heading, part.slice(nl + 1));
  }
  return out;
}

const codes = Object.keys(errorCodes) as ErrorCode[];
const documented = sections(page);

test('errors: every code in errorCodes has a section in docs/errors.md', () => {
  const missing = codes.filter((c) => !documented.has(c));
  assert.deepEqual(missing, [], 'codes without a section');
});

test('errors: every section of docs/errors.md is a known code', () => {
  const unknown = [...documented.keys()].filter((h) => !(h in errorCodes));
  assert.deepEqual(unknown, [], 'sections that are not codes');
});

test('errors: the sections follow the order of errorCodes', () => {
  assert.deepEqual([...documented.keys()], codes);
});

for (const code of codes) {
  test(`errors: the section of ${code} says what it means, shows a message of that code, and what to do`, () => {
    const body = documented.get(code) ?? '';
    const example = /```\n([^\n]+)\n```/.exec(body);
    assert.ok(example, `${code}: an example message in a code block`);
    assert.ok(example[1]?.endsWith(`(${code})`), `${code}: the example ends with its own code: ${example[1]}`);
    assert.match(body, /^What to do: /m, `${code}: a "What to do:" paragraph`);
    const meaning = body.trim().split('\n\n')[0] ?? '';
    assert.ok(meaning.length > 40, `${code}: a paragraph saying what it means`);
  });
}

test('errors: a GuardError message reads file:line:column pointer: reason: expected … (CODE)', () => {
  const err = new DocumentError('ERR_DOCUMENT_VERSION_UNSUPPORTED', 'AsyncAPI version "2.7.0" is not supported', {
    file: 'asyncapi.yaml',
    pointer: '/asyncapi',
    line: 1,
    column: 11,
    expected: 'one of 3.0.0',
  });
  assert.equal(
    err.message,
    'asyncapi.yaml:1:11 /asyncapi: AsyncAPI version "2.7.0" is not ' +
      'supported: expected one of 3.0.0 (ERR_DOCUMENT_VERSION_UNSUPPORTED)',
  );
  assert.equal(err.name, 'DocumentError');
  assert.equal(err.reason, 'AsyncAPI version "2.7.0" is not supported');
  assert.ok(err instanceof GuardError && isGuardError(err));
  assert.equal(
    new DocumentError('ERR_DOCUMENT_READ', 'no such file', { file: 'a.yaml' }).message,
    'a.yaml: no such file (ERR_DOCUMENT_READ)',
  );
  assert.equal(new UsageError('bad flag').message, 'bad flag (ERR_USAGE)');
  assert.equal(isGuardError(new Error('x')), false);
});
