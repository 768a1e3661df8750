// Hostile input: one case per attack. Each checks the code, that the message names the file
// (and the line:column where there is one), and where the attack is about resources, that the
// work stays bounded: counted (characters the pre-scan covered, nodes the parser opened,
// collections alias sizing visited: parseWork), never timed, so a busy machine cannot fail it.
//
// The heavy cases (deep nesting, alias bombs, big files, floods) run in a child process with a
// small heap and a generous kill timer: a hang, a crash or a heap blow-up fails the test instead
// of taking the test runner down with it.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DocumentError } from '../../src/errors.js';
import type { ErrorCode } from '../../src/errors.js';
import { loadDocument, loadDocumentFromText } from '../../src/document/load.js';
import { parseWork } from '../../src/document/parse.js';
import { requireBinary } from '../helpers/binaries.js';
import type { LoadOptions } from '../../src/document/types.js';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
const loaderUrl = new URL('../../src/document/load.ts', import.meta.url).href;
const parseUrl = new URL('../../src/document/parse.ts', import.meta.url).href;
/** Only to catch a hang (a load that never settles); how fast a load is belongs in `npm run bench`. */
const HANG_MS = 60_000;
const header = 'asyncapi: 3.0.0\ninfo: { title: t, version: "1" }\n';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'aag-hostile-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
/** Write `content` to a fresh file in the temp folder; returns its path. */
function write(name: string, content: string | Buffer): string {
  const path = join(dir, `${++counter}-${name}`);
  writeFileSync(path, content);
  return path;
}

/** Rejects if `run` has not settled within `ms` (an async hang fails instead of stalling). */
async function within<T>(ms: number, run: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([run(), limit]);
  } finally {
    clearTimeout(timer);
  }
}

interface Expect {
  code: ErrorCode;
  /** The file name as the message must show it. */
  file: string;
  line?: number;
  column?: number;
}

/** Load in this process (a hang fails instead of stalling) and check the DocumentError. */
async function rejectsWith(load: () => Promise<unknown>, expect: Expect): Promise<DocumentError> {
  let caught: unknown;
  try {
    await within(HANG_MS, load);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof DocumentError, `a DocumentError, got ${String(caught)}`);
  checkError({ code: caught.code, message: caught.message, line: caught.line, column: caught.column }, expect);
  return caught;
}

type Work = typeof parseWork;

/** The parse work `run` does in this process. */
async function workOf(run: () => Promise<unknown>): Promise<Work> {
  const before = { ...parseWork };
  await run();
  return {
    scanned: parseWork.scanned - before.scanned,
    opened: parseWork.opened - before.opened,
    measured: parseWork.measured - before.measured,
  };
}

function checkError(got: { code?: string; message?: string; line?: number; column?: number }, expect: Expect): void {
  assert.equal(got.code, expect.code, got.message);
  assert.ok(got.message?.includes(expect.file), `the message names the file: ${got.message}`);
  assert.ok(got.message?.endsWith(`(${expect.code})`), `the message ends with the code: ${got.message}`);
  if (expect.line !== undefined) {
    assert.equal(got.line, expect.line, got.message);
    const place =
      expect.column !== undefined ? `${expect.file}:${expect.line}:${expect.column}` : `${expect.file}:${expect.line}:`;
    assert.ok(got.message?.includes(place), `the message shows ${place}: ${got.message}`);
  }
  if (expect.column !== undefined) assert.equal(got.column, expect.column, got.message);
  assert.doesNotMatch(got.message ?? '', /\n\s+at /, 'no stack trace in the message');
}

interface ChildResult {
  ok: boolean;
  name?: string;
  code?: string;
  message?: string;
  line?: number;
  column?: number;
  problemCount?: number;
  problemCodes?: string[];
  /** The parse work this load did. */
  work: Work;
  maxRssMb: number;
  heapGrowthMb: number;
}

// Loads files one after the other in a child process with a 1 GB heap, and prints what
// happened to each as JSON. (One child per test, not per file: start-up costs ~0.6 s.)
const childCode = `
const { loadDocument } = await import(${JSON.stringify(loaderUrl)});
const { parseWork } = await import(${JSON.stringify(parseUrl)});
const results = [];
for (const { file, options } of JSON.parse(process.env.AAG_JOBS)) {
  const heap0 = process.memoryUsage().heapUsed;
  Object.assign(parseWork, { scanned: 0, opened: 0, measured: 0 });
  let out;
  try {
    const doc = await loadDocument(file, options);
    out = { ok: true, problemCount: doc.problems.length, problemCodes: [...new Set(doc.problems.map((p) => p.code))] };
  } catch (e) {
    out = { ok: false, name: e?.name, code: e?.code, message: String(e?.message), line: e?.line, column: e?.column };
  }
  out.work = { ...parseWork };
  out.maxRssMb = process.resourceUsage().maxRSS / 1024;
  out.heapGrowthMb = (process.memoryUsage().heapUsed - heap0) / 1048576;
  results.push(out);
}
process.stdout.write(JSON.stringify(results));
`;

interface Job {
  file: string;
  options?: LoadOptions;
}

function loadInChild(jobs: Job[], killAfterMs = 2 * HANG_MS): Promise<ChildResult[]> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', '--max-old-space-size=1024', '--input-type=module', '-e', childCode],
      {
        cwd: projectRoot,
        env: { ...process.env, AAG_JOBS: JSON.stringify(jobs) },
        timeout: killAfterMs,
        maxBuffer: 1 << 20,
      },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`the child failed (${err.signal ?? err.code}): ${stderr.slice(0, 2000)}`));
        resolve(JSON.parse(stdout) as ChildResult[]);
      },
    );
  });
}

interface ChildCase extends Job {
  expect: Expect;
}

/**
 * In a child: each load throws the expected DocumentError, and the child's peak RSS stays under
 * `rssMb` (generous: start-up is included; what it catches is gigabytes). The callers bound the
 * work each load did (`work`), which a busy machine does not change.
 */
async function childRejects(cases: ChildCase[], bounds: { rssMb?: number } = {}): Promise<ChildResult[]> {
  const results = await loadInChild(cases);
  const rss = bounds.rssMb ?? 300;
  cases.forEach((c, i) => {
    const got = results[i] as ChildResult;
    assert.equal(got.ok, false, `the load must fail: ${JSON.stringify(got)}`);
    assert.equal(got.name, 'DocumentError');
    checkError(got, c.expect);
    assert.ok(got.maxRssMb < rss, `${c.file}: peak RSS ${got.maxRssMb.toFixed(0)} MB (bound ${rss})`);
  });
  return results;
}

/** Refused by the nesting pre-scan: the parser never ran, and the scan stopped long before the end. */
function refusedByPreScan(got: ChildResult | undefined, size: number): void {
  assert.equal(got?.work.opened, 0, 'the parser never ran');
  const scanned = got.work.scanned;
  assert.ok(scanned < size / 10, `the pre-scan covered ${scanned} of ${size} characters`);
}

const lineOf = (text: string, needle: string): number => text.slice(0, text.indexOf(needle)).split('\n').length;

/** Offset of the nth (1-based) occurrence of `needle`. */
function nthIndex(text: string, needle: string, nth: number): number {
  let at = -1;
  for (let k = 0; k < nth; k++) at = text.indexOf(needle, at + 1);
  return at;
}

describe('hostile documents', () => {
  // --- syntax ---------------------------------------------------------------------------------

  it('rejects malformed YAML', async () => {
    const escape = write('bad-escape.yaml', `${header}servers:\n  prod:\n    host: "a\\qb"\n`);
    await rejectsWith(() => loadDocument(escape), { code: 'ERR_DOCUMENT_SYNTAX', file: escape, line: 5, column: 13 });
    const reserved = write('reserved.yaml', `${header}servers:\n  prod: @broker\n`);
    await rejectsWith(() => loadDocument(reserved), {
      code: 'ERR_DOCUMENT_SYNTAX',
      file: reserved,
      line: 4,
      column: 9,
    });
    const indent = write('bad-indent.yaml', `${header}servers:\n  prod:\n    host: x\n   protocol: mqtt\n`);
    await rejectsWith(() => loadDocument(indent), { code: 'ERR_DOCUMENT_SYNTAX', file: indent, line: 6 });
    const quote = write(
      'unterminated.yaml',
      `${header}servers:\n  prod:\n    host: "unterminated\n    protocol: mqtt\n`,
    );
    await rejectsWith(() => loadDocument(quote), { code: 'ERR_DOCUMENT_SYNTAX', file: quote });
  });

  it('rejects a mapping value where none may stand', async () => {
    const file = write('bad-value.yaml', `${header}servers: a: b\n`);
    await rejectsWith(() => loadDocument(file), { code: 'ERR_DOCUMENT_SYNTAX', file, line: 3 });
  });

  it('rejects an unclosed flow collection', async () => {
    const file = write(
      'unclosed.json',
      '{ "asyncapi": "3.0.0",\n  "info": { "title": "t", "version": "1" },\n  "servers": {\n',
    );
    await rejectsWith(() => loadDocument(file), { code: 'ERR_DOCUMENT_SYNTAX', file });
    const seq = write('unclosed.yaml', `${header}tags: [a, b\nother: 1\n`);
    await rejectsWith(() => loadDocument(seq), { code: 'ERR_DOCUMENT_SYNTAX', file: seq });
  });

  it('rejects tabs as indentation', async () => {
    const file = write('tabs.yaml', `${header}servers:\n\tprod:\n\t\thost: x\n`);
    await rejectsWith(() => loadDocument(file), { code: 'ERR_DOCUMENT_SYNTAX', file, line: 4, column: 1 });
  });

  it('rejects duplicate keys, pointing at the second one', async () => {
    const text = `${header}servers:\n  prod:\n    host: a\n    protocol: mqtt\n    host: b\n`;
    const file = write('dup.yaml', text);
    await rejectsWith(() => loadDocument(file), { code: 'ERR_DOCUMENT_DUPLICATE_KEY', file, line: 7, column: 5 });
    // JSON too, and keys that only collide once they are strings.
    const json = write(
      'dup.json',
      '{"asyncapi": "3.0.0",\n "info": {"title": "t", "version": "1"},\n "x": {"1": 1,\n  "1": 2}}',
    );
    await rejectsWith(() => loadDocument(json), { code: 'ERR_DOCUMENT_DUPLICATE_KEY', file: json, line: 4, column: 3 });
    const mixed = write('dup-mixed.yaml', `${header}x:\n  1: a\n  '1': b\n`);
    await rejectsWith(() => loadDocument(mixed), {
      code: 'ERR_DOCUMENT_DUPLICATE_KEY',
      file: mixed,
      line: 5,
      column: 3,
    });
  });

  it('rejects several YAML documents in one file', async () => {
    const file = write('multi.yaml', `${header}---\n${header}`);
    await rejectsWith(() => loadDocument(file), { code: 'ERR_DOCUMENT_SYNTAX', file, line: 3 });
  });

  it('rejects an alias to an anchor that does not exist', async () => {
    const file = write('no-anchor.yaml', `${header}x: *nowhere\n`);
    await rejectsWith(() => loadDocument(file), { code: 'ERR_DOCUMENT_SYNTAX', file, line: 3 });
  });

  it('rejects a recursive alias (a node that contains an alias to itself)', async () => {
    const file = write('recursive-alias.yaml', `${header}x: &a\n  - 1\n  - *a\n`);
    await rejectsWith(() => loadDocument(file), { code: 'ERR_DOCUMENT_SYNTAX', file, line: 5, column: 5 });
  });

  // --- encoding -------------------------------------------------------------------------------

  it('rejects bytes that are not UTF-8, at their line and column', async () => {
    const file = write(
      'latin1.yaml',
      Buffer.concat([Buffer.from(`${header}servers:\n  caf`), Buffer.from([0xe9]), Buffer.from(':\n    host: x\n')]),
    );
    await rejectsWith(() => loadDocument(file), { code: 'ERR_DOCUMENT_SYNTAX', file, line: 4, column: 6 });
    const lone = write(
      'lone-surrogate.yaml',
      Buffer.concat([Buffer.from(`${header}x: `), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('\n')]),
    );
    await rejectsWith(() => loadDocument(lone), { code: 'ERR_DOCUMENT_SYNTAX', file: lone, line: 3, column: 4 });
  });

  it('rejects a UTF-16 file (either byte order)', async () => {
    const le = write('utf16le.yaml', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(header, 'utf16le')]));
    await rejectsWith(() => loadDocument(le), { code: 'ERR_DOCUMENT_SYNTAX', file: le, line: 1, column: 1 });
    const beBody = Buffer.from(header, 'utf16le').swap16();
    const be = write('utf16be.yaml', Buffer.concat([Buffer.from([0xfe, 0xff]), beBody]));
    await rejectsWith(() => loadDocument(be), { code: 'ERR_DOCUMENT_SYNTAX', file: be, line: 1, column: 1 });
  });

  // --- not what we read -----------------------------------------------------------------------

  it('rejects a plain YAML file that is not AsyncAPI', async () => {
    const file = write('plain.yaml', 'name: my-service\nreplicas: 3\n');
    await rejectsWith(() => loadDocument(file), { code: 'ERR_DOCUMENT_NOT_ASYNCAPI', file, line: 1, column: 1 });
  });

  it('rejects an OpenAPI document, saying so', async () => {
    const file = write('openapi.yaml', 'openapi: 3.1.0\ninfo: { title: t, version: "1" }\npaths: {}\n');
    const err = await rejectsWith(() => loadDocument(file), {
      code: 'ERR_DOCUMENT_NOT_ASYNCAPI',
      file,
      line: 1,
      column: 1,
    });
    assert.match(err.message, /OpenAPI/);
  });

  it('rejects a file that holds a scalar or a list', async () => {
    for (const text of ['just a string\n', '42\n', '- asyncapi: 3.0.0\n', 'null\n']) {
      const file = write('scalar.yaml', text);
      await rejectsWith(() => loadDocument(file), { code: 'ERR_DOCUMENT_NOT_ASYNCAPI', file, line: 1, column: 1 });
    }
  });

  it('rejects an empty file (and one of only comments or whitespace)', async () => {
    for (const text of ['', '\n\n', '# only a comment\n', '\ufeff']) {
      const file = write('empty.yaml', text);
      await rejectsWith(() => loadDocument(file), { code: 'ERR_DOCUMENT_NOT_ASYNCAPI', file, line: 1, column: 1 });
    }
  });

  it('rejects an unsupported version (1.2.0, 2.7.0, 4.0.0, the number 3.0, 3.0.0-rc)', async () => {
    for (const v of ['1.2.0', '2.7.0', '4.0.0', '3.0', "'3.0'", '3.0.0-rc1', 'true', '[3.0.0]']) {
      const file = write('version.yaml', `# version ${v}\ninfo: { title: t, version: "1" }\nasyncapi:   ${v}\n`);
      const err = await rejectsWith(() => loadDocument(file), {
        code: 'ERR_DOCUMENT_VERSION_UNSUPPORTED',
        file,
        line: 3,
        column: 13,
      });
      assert.equal(err.pointer, '/asyncapi');
      assert.match(err.message, /3\.1\.0/, 'the message lists what is supported');
    }
  });

  // --- files ----------------------------------------------------------------------------------

  it('rejects a directory instead of a file', async () => {
    const sub = join(dir, 'a-directory.yaml');
    mkdirSync(sub);
    await rejectsWith(() => loadDocument(sub), { code: 'ERR_DOCUMENT_READ', file: sub });
  });

  it('rejects a missing file', async () => {
    const missing = join(dir, 'missing.yaml');
    await rejectsWith(() => loadDocument(missing), { code: 'ERR_DOCUMENT_READ', file: missing });
    // The name is shown as the user gave it.
    await rejectsWith(() => loadDocument('missing.yaml', { cwd: dir }), {
      code: 'ERR_DOCUMENT_READ',
      file: 'missing.yaml',
    });
  });

  // POSIX only, as the project (no skip elsewhere: without mkfifo the test fails saying so).
  it('rejects a FIFO without waiting for a writer', async () => {
    const fifo = join(dir, 'fifo.yaml');
    execFileSync(requireBinary('mkfifo', 'coreutils'), [fifo]);
    await rejectsWith(() => loadDocument(fifo), { code: 'ERR_DOCUMENT_READ', file: fifo });
  });

  it('rejects a 50 MB file from its size, without reading it', async () => {
    const big = join(dir, 'big.yaml');
    writeFileSync(big, header + '#'.repeat(50 * 1024 * 1024) + '\n');
    const [got] = await childRejects([{ file: big, expect: { code: 'ERR_DOCUMENT_TOO_LARGE', file: big } }], {
      rssMb: 150,
    });
    assert.ok((got as ChildResult).heapGrowthMb < 10, `heap grew ${(got as ChildResult).heapGrowthMb} MB`);
    assert.deepEqual((got as ChildResult).work, { scanned: 0, opened: 0, measured: 0 }, 'never parsed');
    // A smaller limit applies too.
    const small = write('small.yaml', header + 'x: ' + 'y'.repeat(2000) + '\n');
    await rejectsWith(() => loadDocument(small, { maxBytes: 1024 }), { code: 'ERR_DOCUMENT_TOO_LARGE', file: small });
  });

  it('rejects a 50 MB string given as text', async () => {
    const text = header + '#'.repeat(50 * 1024 * 1024);
    const work = await workOf(() =>
      rejectsWith(() => loadDocumentFromText(text, { file: 'big.yaml' }), {
        code: 'ERR_DOCUMENT_TOO_LARGE',
        file: 'big.yaml',
      }),
    );
    assert.deepEqual(work, { scanned: 0, opened: 0, measured: 0 }, 'refused from its length, before any parsing');
  });

  // --- aliases --------------------------------------------------------------------------------

  it('rejects a YAML alias bomb (billion laughs)', async () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(
        `${name}: &${name} [${Array(9)
          .fill('*' + prev)
          .join(',')}]`,
      );
    }
    const file = write('billion-laughs.yaml', `${header}${levels.join('\n')}\n`);
    // Aliases met, expansions included: 9 (b), 90 (c), then d's first alias passes 100. It is
    // reported at that alias: line 6, column 8.
    const [got] = await childRejects(
      [{ file, expect: { code: 'ERR_DOCUMENT_ALIAS_LIMIT', file, line: 6, column: 8 } }],
      { rssMb: 200 },
    );
    // The parse stopped in line 6 of 11 (a node per item: under 100), and each anchored list was
    // sized once however often it is aliased (9 anchors).
    assert.ok(got!.work.opened < 100, `nodes opened: ${got!.work.opened}`);
    assert.ok(got!.work.measured <= 9, `collections sized: ${got!.work.measured}`);
  });

  it('rejects few aliases that expand hugely (the alias node bound)', async () => {
    // 60 aliases (under the limit of 100) of a 2,000-item list: 120,000 nodes.
    const items = Array.from({ length: 2000 }, (_, i) => i).join(', ');
    const refs = Array.from({ length: 60 }, () => '  - *big').join('\n');
    const text = `${header}big: &big [${items}]\ncopies:\n${refs}\n`;
    const file = write('wide-aliases.yaml', text);
    // Each alias adds 2,001 nodes: the 50th passes 100,000; it is reported where it is written.
    const [got] = await childRejects(
      [{ file, expect: { code: 'ERR_DOCUMENT_ALIAS_LIMIT', file, line: lineOf(text, 'copies:') + 50, column: 5 } }],
      { rssMb: 250 },
    );
    assert.match(got?.message ?? '', /100000 nodes/);
    // The list was sized once for its 50 aliases, not walked again for each.
    assert.equal(got!.work.measured, 1, 'collections sized');
    // …and a lower bound through the options is honoured too.
    const few = write('few-aliases.yaml', `${header}base: &b [1, 2, 3]\nx: [*b, *b]\n`);
    await rejectsWith(() => loadDocument(few, { maxAliases: 1 }), {
      code: 'ERR_DOCUMENT_ALIAS_LIMIT',
      file: few,
      line: 4,
      column: 9,
    });
  });

  it('rejects an alias bomb hidden in a large document, in linear time', async () => {
    // 50k entries, then 101 aliases: resolving each alias by walking the whole document (what
    // yaml's Alias.resolve does) takes ~9 s more here (18 s with 100k); one walk for all is instant.
    const rows = Array.from({ length: 50_000 }, (_, i) => `  k${i}: [1, 2]`).join('\n');
    const refs = Array.from({ length: 101 }, () => '  - *b').join('\n');
    const text = `${header}base: &b [1]\nbig:\n${rows}\nrefs:\n${refs}\n`;
    const file = write('big-with-aliases.yaml', text);
    const [got] = await childRejects(
      [{ file, expect: { code: 'ERR_DOCUMENT_ALIAS_LIMIT', file, line: lineOf(text, 'refs:') + 101, column: 5 } }],
      { rssMb: 600 },
    );
    // Linear: a few nodes per line (the key, the list, its items), and the aliased list sized once.
    const lines = text.split('\n').length;
    assert.ok(got!.work.opened <= 5 * lines, `nodes opened: ${got!.work.opened} for ${lines} lines`);
    assert.equal(got!.work.measured, 1, 'collections sized');
  });

  // --- nesting (the yaml parser recurses per level) ------------------------------------------

  const deep = 10_000;
  const expectDeep = (file: string): Expect => ({ code: 'ERR_DOCUMENT_TOO_DEEP', file });

  it('rejects 10k-deep nesting in flow YAML', async () => {
    const text = `${header}x: ${'['.repeat(deep)}${']'.repeat(deep)}\n`;
    const file = write('deep-flow.yaml', text);
    // Line 3: `x: ` then 200 brackets; the root map counts as one level.
    const [got] = await childRejects([{ file, expect: { ...expectDeep(file), line: 3, column: 203 } }]);
    refusedByPreScan(got, text.length);
  });

  it('rejects 10k-deep nesting in JSON objects', async () => {
    const text = `{"asyncapi": "3.0.0", "x": ${'{"a":'.repeat(deep)}1${'}'.repeat(deep)}}`;
    const file = write('deep-objects.json', text);
    // The root object is level 1: the 200th `{"a":` is level 201.
    const prettyText = `{"asyncapi": "3.0.0",\n"x":\n${'{"a":\n'.repeat(deep)}1${'}\n'.repeat(deep)}}`;
    const pretty = write('deep-objects-lines.json', prettyText);
    const [got, gotPretty] = await childRejects([
      { file, expect: { ...expectDeep(file), line: 1, column: nthIndex(text, '{"a":', 200) + 1 } },
      { file: pretty, expect: { ...expectDeep(pretty), line: 202, column: 1 } },
    ]);
    refusedByPreScan(got, text.length);
    refusedByPreScan(gotPretty, prettyText.length);
  });

  it('rejects 10k-deep nesting in JSON arrays', async () => {
    const text = `{"asyncapi": "3.0.0", "x": ${'['.repeat(deep)}${']'.repeat(deep)}}`;
    const file = write('deep-arrays.json', text);
    const bare = write('deep-arrays-root.json', `${'['.repeat(deep)}${']'.repeat(deep)}`);
    const results = await childRejects([
      { file, expect: { ...expectDeep(file), line: 1, column: text.indexOf('[') + 200 } },
      { file: bare, expect: { ...expectDeep(bare), line: 1, column: 201 } },
    ]);
    for (const got of results) refusedByPreScan(got, 2 * deep);
  });

  it('rejects 10k-deep nesting in block YAML (maps and sequences)', async () => {
    // 10k levels of indentation is 50 MB of spaces: over the default size limit, so raised.
    const big = { maxBytes: 64 * 1024 * 1024 };
    const maps = Array.from({ length: deep }, (_, i) => `${' '.repeat(i + 1)}k:`).join('\n');
    const file = write('deep-block-maps.yaml', `${header}x:\n${maps} 1\n`);
    // Root mapping = level 1, x's mapping (line 4) = level 2: line 203 opens level 201.
    const seqs = Array.from({ length: deep }, (_, i) => `${' '.repeat(i + 1)}-`).join('\n');
    const seqFile = write('deep-block-seqs.yaml', `${header}x:\n${seqs} 1\n`);
    const compact = write('deep-compact.yaml', `${header}x:\n  ${'- '.repeat(deep)}1\n`);
    const results = await childRejects([
      { file, options: big, expect: { ...expectDeep(file), line: 203, column: 201 } },
      { file: seqFile, options: big, expect: { ...expectDeep(seqFile), line: 203, column: 201 } },
      { file: compact, expect: { ...expectDeep(compact), line: 4 } },
    ]);
    refusedByPreScan(results[0], maps.length);
    refusedByPreScan(results[1], seqs.length);
    refusedByPreScan(results[2], 2 * deep);
  });

  it('rejects 1M-deep nesting (4 MB of brackets) fast and in little memory', async () => {
    const file = write('very-deep.yaml', `${header}x: ${'['.repeat(1_000_000)}\n`);
    const [got] = await childRejects([{ file, expect: { ...expectDeep(file), line: 3, column: 203 } }], {
      rssMb: 200,
    });
    refusedByPreScan(got, 1_000_000);
  });

  it('rejects deep nesting that the pre-scan cannot see (the parser bound catches it)', async () => {
    // A plain scalar continued on a line that starts with a quote: a scanner that is not a
    // YAML parser takes the quote for a string and skips the deep part. The parser's nesting
    // bound still stops it (before: a 4 MB file took 36 s and 3.6 GB).
    const text = `${header}k: a\n  'b\nx: ${'['.repeat(1_000_000)}\ny: '\n`;
    const file = write('hidden-deep.yaml', text);
    const block =
      `${header}k: a\n  'b\nx:\n` +
      `${Array.from({ length: deep }, (_, i) => `${' '.repeat(i + 1)}k:`).join('\n')} 1\ny: '\n`;
    const blockFile = write('hidden-deep-block.yaml', block);
    const [flow, got] = await childRejects([
      { file, expect: { ...expectDeep(file), line: 5 } },
      { file: blockFile, options: { maxBytes: 64 * 1024 * 1024 }, expect: expectDeep(blockFile) },
    ]);
    assert.ok(got?.line !== undefined && got.line > 200 && got.line < 210, `stopped at line ${got?.line}`);
    // The parser stopped about 200 levels in (a node or two per level), not at the millionth.
    for (const r of [flow, got]) assert.ok(r!.work.opened < 1000, `nodes opened: ${r!.work.opened}`);
  });

  it('rejects nesting just over a lowered maxDepth, and accepts it just under', async () => {
    const at = (n: number): string => `${header}x: ${'['.repeat(n)}${']'.repeat(n)}\n`;
    // The root mapping is one level: `x: [[…]]` with n brackets nests n + 1 deep.
    await loadDocumentFromText(at(9), { maxDepth: 10 });
    await rejectsWith(() => loadDocumentFromText(at(10), { maxDepth: 10, file: 'limit.yaml' }), {
      code: 'ERR_DOCUMENT_TOO_DEEP',
      file: 'limit.yaml',
      line: 3,
      column: 13,
    });
  });

  // --- floods ---------------------------------------------------------------------------------

  it('rejects a duplicate hidden among 100k keys, in linear time', async () => {
    // yaml's own uniqueKeys check is quadratic: 40k keys took 17 s, 100k would take minutes.
    const keys = Array.from({ length: 100_000 }, (_, i) => `  k${i}: 1`).join('\n');
    const text = `${header}x:\n${keys}\n  k7: 2\n`;
    const file = write('key-flood.yaml', text);
    const [got] = await childRejects(
      [{ file, expect: { code: 'ERR_DOCUMENT_DUPLICATE_KEY', file, line: 4 + 100_000, column: 3 } }],
      { rssMb: 600 },
    );
    // One pass: a node for each key and each value (the duplicate check itself is js-yaml's, a map
    // lookup per key; were it quadratic again, the child's kill timer would end the minutes).
    assert.ok(got!.work.opened <= 2 * (100_000 + 10), `nodes opened: ${got!.work.opened}`);
  });

  it('rejects a flood of tokens (a few MB of `a,`) before the parser drowns in it', async () => {
    // 6 MB, 6M tokens: without a token bound, 4 MB took 31 s and 2.7 GB.
    const text = `${header}x: [${'a,'.repeat(3_000_000)}]\n`;
    const file = write('token-flood.yaml', text);
    const [got] = await childRejects([{ file, expect: { code: 'ERR_DOCUMENT_TOO_LARGE', file, line: 3 } }], {
      rssMb: 900,
    });
    assert.match(got?.message ?? '', /tokens/);
    // Stopped at the token bound (2M tokens, two per node), not after the 3M nodes of the text.
    assert.ok(got!.work.opened <= 1_000_000, `nodes opened: ${got!.work.opened}`);
    // …and a lower bound through the options.
    await rejectsWith(() => loadDocumentFromText(`${header}x: [a, b, c]\n`, { maxTokens: 10, file: 'few.yaml' }), {
      code: 'ERR_DOCUMENT_TOO_LARGE',
      file: 'few.yaml',
      line: 2,
    });
  });

  it('rejects 50k broken refs one by one, in linear time', async () => {
    const refs = Array.from({ length: 50_000 }, (_, i) => `  r${i}: { $ref: '#/nowhere/${i}' }`).join('\n');
    const file = write('ref-flood.yaml', `${header}x:\n${refs}\n`);
    const [got] = (await loadInChild([{ file }])) as [ChildResult];
    assert.equal(got.ok, true);
    assert.equal(got.problemCount, 50_000);
    assert.deepEqual(got.problemCodes, ['ERR_DOCUMENT_REF_UNRESOLVED']);
    // One parse, a few nodes per ref (the child's kill timer catches a quadratic resolution).
    assert.ok(got.work.opened <= 6 * 50_000 + 10, `nodes opened: ${got.work.opened}`);
  });

  // --- prototype pollution --------------------------------------------------------------------

  it('rejects prototype pollution through a __proto__ key (it stays plain data)', async () => {
    for (const text of [
      `${header}__proto__: {polluted: true}\nx:\n  __proto__:\n    polluted: true\n  constructor:\n    ` +
        `prototype:\n      polluted: true\n`,
      '{"asyncapi": "3.0.0", "__proto__": {"polluted": true}, "x": {"__proto__": {"polluted": true}}}',
    ]) {
      const doc = await within(HANG_MS, () => loadDocumentFromText(text));
      const value = doc.root.value as Record<string, unknown>;
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
      assert.equal((Object.prototype as unknown as Record<string, unknown>).polluted, undefined);
      assert.equal(Object.getPrototypeOf(value), Object.prototype);
      assert.ok(Object.hasOwn(value, '__proto__'), '__proto__ is an own key');
      assert.deepEqual(Object.getOwnPropertyDescriptor(value, '__proto__')?.value, { polluted: true });
      assert.equal(value.polluted, undefined, 'the key did not become the prototype');
      const x = value.x as Record<string, unknown>;
      assert.equal(Object.getPrototypeOf(x), Object.prototype);
      assert.equal(x.polluted, undefined);
      assert.ok(doc.root.ranges.has('/__proto__'));
    }
  });
});
