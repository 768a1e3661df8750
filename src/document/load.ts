// file → LoadedDocument: read (bounded), parse with positions, check it is an AsyncAPI
// document of a version we read, then load every file its refs reach, so that resolution
// afterwards is synchronous. Fatal problems throw DocumentError; ref problems that leave the
// rest checkable are collected in `problems`.

import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { DocumentError, invalidArgType } from '../errors.js';
import { defaultParseLimits, parseSource, type ParseLimits } from './parse.js';
import { classifyRef, findRefs, redactRef, resolveRef, uriToDisplay, type FoundRef } from './refs.js';
import { isPlainObject } from './pointer.js';
import { isSupportedVersion, supportedAsyncApiVersions } from './versions.js';
import type { LoadedDocument, LoadOptions, LoadProblem, Resolution, SourceFile } from './types.js';

const MiB = 1024 * 1024;

interface Settings {
  allowRemoteRefs: boolean;
  maxBytes: number;
  maxFiles: number;
  remoteTimeoutMs: number;
  remoteMaxBytes: number;
  cwd: string;
  limits: ParseLimits;
}

function settingsFrom(options: LoadOptions): Settings {
  return {
    allowRemoteRefs: options.allowRemoteRefs ?? false,
    maxBytes: options.maxBytes ?? 16 * MiB,
    maxFiles: options.maxFiles ?? 256,
    remoteTimeoutMs: options.remoteTimeoutMs ?? 5000,
    remoteMaxBytes: options.remoteMaxBytes ?? 2 * MiB,
    cwd: options.cwd ?? process.cwd(),
    limits: {
      ...defaultParseLimits,
      maxDepth: options.maxDepth ?? defaultParseLimits.maxDepth,
      maxAliases: options.maxAliases ?? defaultParseLimits.maxAliases,
      maxTokens: options.maxTokens ?? defaultParseLimits.maxTokens,
    },
  };
}

/** Load an AsyncAPI document from a file, with every file its refs reach. */
export async function loadDocument(path: string, options: LoadOptions = {}): Promise<LoadedDocument> {
  if (typeof path !== 'string' || path === '') throw invalidArgType('path', 'a non-empty string');
  const s = settingsFrom(options);
  const uri = resolvePath(s.cwd, path);
  const text = await readLocal(uri, path, s.maxBytes);
  const stats = { tokens: 0 };
  return finish(parseSource(text, uri, path, s.limits, stats), s, stats.tokens);
}

/** Load from text already in memory; `file` names it (relative refs resolve against its folder). */
export async function loadDocumentFromText(
  text: string,
  options: LoadOptions & { file?: string } = {},
): Promise<LoadedDocument> {
  if (typeof text !== 'string') throw invalidArgType('text', 'a string');
  const s = settingsFrom(options);
  const file = options.file ?? 'document.yaml';
  if (Buffer.byteLength(text) > s.maxBytes) {
    throw new DocumentError('ERR_DOCUMENT_TOO_LARGE', `the document is larger than ${formatBytes(s.maxBytes)}`, {
      file,
      expected: `at most ${formatBytes(s.maxBytes)}`,
    });
  }
  const stats = { tokens: 0 };
  return finish(parseSource(text, resolvePath(s.cwd, file), file, s.limits, stats), s, stats.tokens);
}

/** What the document and the files it references may still use, together. */
interface Budget {
  bytes: number;
  tokens: number;
}

async function finish(root: SourceFile, s: Settings, rootTokens: number): Promise<LoadedDocument> {
  const { asyncapi, major } = detectVersion(root);
  const files = new Map<string, SourceFile>([[root.uri, root]]);
  const problems: LoadProblem[] = [];
  // The size limits hold for a document and its referenced files together: otherwise 256
  // files of 16 MiB each would be 256 times the work the limits allow.
  const budget: Budget = {
    bytes: s.maxBytes - Buffer.byteLength(root.text),
    tokens: (s.limits.maxTokens ?? 0) - rootTokens,
  };
  // Each file is walked for refs once; big documents repeat the same few refs thousands of
  // times, so each distinct (file, ref) is resolved once.
  const refsByFile = new Map<string, FoundRef[]>();
  const refsOf = (file: SourceFile): FoundRef[] => {
    let found = refsByFile.get(file.uri);
    if (found === undefined) refsByFile.set(file.uri, (found = findRefs(file.value)));
    return found;
  };
  await loadReferencedFiles(root, files, problems, s, budget, refsOf);
  const remoteRefused = !s.allowRemoteRefs;
  const resolutions = new Map<string, Resolution>();
  const resolveOnce = (ref: string, from: SourceFile): Resolution => {
    const key = from.uri + '\0' + ref;
    let r = resolutions.get(key);
    if (r === undefined) resolutions.set(key, (r = resolveRef(ref, from, files, remoteRefused)));
    return r;
  };
  // Report every ref that does not resolve, once, where it is written. (A set, not a search
  // of `problems` per ref: a file of 100k broken refs would otherwise take minutes.)
  const reported = new Set(problems.map((p) => p.at.file + '#' + p.at.pointer));
  for (const file of files.values()) {
    for (const found of refsOf(file)) {
      const r = resolveOnce(found.ref, file);
      const pointer = found.pointer + '/$ref';
      if (!r.ok && !reported.has(file.uri + '#' + pointer)) {
        reported.add(file.uri + '#' + pointer);
        problems.push({ code: r.code, message: r.reason, at: { file: file.uri, pointer } });
      }
    }
  }
  return {
    root,
    files,
    asyncapi,
    major,
    problems,
    resolve: resolveOnce,
  };
}

function detectVersion(root: SourceFile): { asyncapi: string; major: 2 | 3 } {
  const v = root.value;
  const file = root.displayName;
  if (!isPlainObject(v)) {
    throw new DocumentError('ERR_DOCUMENT_NOT_ASYNCAPI', 'the file is not an AsyncAPI document', {
      file,
      line: 1,
      column: 1,
      expected: "a mapping with an 'asyncapi' field",
    });
  }
  if (!('asyncapi' in v)) {
    const other =
      'openapi' in v
        ? ' (it looks like an OpenAPI document)'
        : 'swagger' in v
          ? ' (it looks like a Swagger document)'
          : '';
    throw new DocumentError('ERR_DOCUMENT_NOT_ASYNCAPI', `the file has no 'asyncapi' field${other}`, {
      file,
      line: 1,
      column: 1,
      expected: "an 'asyncapi' field with the spec version",
    });
  }
  const at = root.ranges.get('/asyncapi')?.value.start;
  const version = v.asyncapi;
  if (typeof version !== 'string' || !isSupportedVersion(version)) {
    throw new DocumentError(
      'ERR_DOCUMENT_VERSION_UNSUPPORTED',
      `AsyncAPI version ${JSON.stringify(version)} is not supported`,
      {
        file,
        pointer: '/asyncapi',
        line: at?.line,
        column: at?.column,
        expected: `one of ${supportedAsyncApiVersions.join(', ')}`,
      },
    );
  }
  return { asyncapi: version, major: version.startsWith('2.') ? 2 : 3 };
}

/** Breadth-first over ref targets; each file once (so files that ref each other do not loop). */
async function loadReferencedFiles(
  root: SourceFile,
  files: Map<string, SourceFile>,
  problems: LoadProblem[],
  s: Settings,
  budget: Budget,
  refsOf: (file: SourceFile) => FoundRef[],
): Promise<void> {
  const queue: SourceFile[] = [root];
  const failed = new Set<string>();
  while (queue.length > 0) {
    const file = queue.shift() as SourceFile;
    for (const found of refsOf(file)) {
      const target = classifyRef(found.ref, file.uri);
      if (target.kind !== 'file' && target.kind !== 'remote') continue;
      if (files.has(target.uri) || failed.has(target.uri)) continue;
      if (target.kind === 'remote' && !s.allowRemoteRefs) continue;
      const at = { file: file.uri, pointer: found.pointer + '/$ref' };
      if (files.size >= s.maxFiles) {
        failed.add(target.uri);
        problems.push({
          code: 'ERR_DOCUMENT_REF_LIMIT',
          message: `more than ${s.maxFiles} files are referenced; '${redactRef(found.ref)}' was not loaded`,
          at,
        });
        continue;
      }
      const display = uriToDisplay(target.uri, s.cwd);
      const fileBytes = target.kind === 'file' ? s.maxBytes : s.remoteMaxBytes;
      const maxBytes = Math.min(fileBytes, budget.bytes);
      const maxTokens = Math.min(s.limits.maxTokens ?? 0, budget.tokens);
      // Whether what is left of the budget is below the limit for one file, in the phase that failed.
      let budgetBinds = maxBytes < fileBytes;
      try {
        const text =
          target.kind === 'file'
            ? await readLocal(target.uri, display, maxBytes)
            : await fetchRemote(target.uri, display, s, maxBytes);
        budgetBinds = maxTokens < (s.limits.maxTokens ?? 0);
        const stats = { tokens: 0 };
        const loaded = parseSource(text, target.uri, display, { ...s.limits, maxTokens }, stats);
        budget.bytes -= Buffer.byteLength(text);
        budget.tokens -= stats.tokens;
        files.set(target.uri, loaded);
        queue.push(loaded);
      } catch (err) {
        failed.add(target.uri);
        if (err instanceof DocumentError && err.code === 'ERR_DOCUMENT_TOO_LARGE' && budgetBinds) {
          // Over what is left of the budget for the whole document (it may be small on its own).
          const limits = `${formatBytes(s.maxBytes)} or ${s.limits.maxTokens ?? 0} YAML tokens`;
          problems.push({
            code: 'ERR_DOCUMENT_REF_LIMIT',
            message:
              `'${redactRef(found.ref)}' was not loaded: with it, the document and the files it references ` +
              `would hold more than ${limits} (${err.reason})`,
            at,
          });
          continue;
        }
        const code =
          target.kind === 'remote'
            ? 'ERR_DOCUMENT_REF_REMOTE_FAILED'
            : err instanceof DocumentError && err.code === 'ERR_DOCUMENT_SYNTAX'
              ? 'ERR_DOCUMENT_SYNTAX'
              : 'ERR_DOCUMENT_READ';
        // The referenced file's own error, with its place (file:line:column) and code, so the
        // user can go to it; never a library's exception text.
        const why =
          err instanceof DocumentError
            ? err.code === code
              ? err.message.slice(0, -(code.length + 3))
              : err.message
            : 'it could not be read';
        problems.push({ code, message: `'${redactRef(found.ref)}' could not be loaded (${why})`, at });
      }
    }
  }
}

async function readLocal(uri: string, display: string, maxBytes: number): Promise<string> {
  const unreadable = (err: unknown): DocumentError => {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'not a regular file'
            : 'cannot read the file';
    return new DocumentError('ERR_DOCUMENT_READ', why, { file: display });
  };
  let handle;
  try {
    // O_NONBLOCK: opening a FIFO would otherwise wait for a writer, forever. (No effect on
    // regular files; anything that is not one is refused just below.)
    handle = await open(uri, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw unreadable(err);
  }
  try {
    // Size first, from the open handle (so it is the file we read): a 50 MB file is refused
    // without reading it. The read is bounded too, for files whose size the stat does not
    // tell (/proc) or that grow meanwhile.
    let size: number;
    try {
      const st = await handle.stat();
      if (!st.isFile()) throw new DocumentError('ERR_DOCUMENT_READ', 'not a regular file', { file: display });
      size = st.size;
    } catch (err) {
      if (err instanceof DocumentError) throw err;
      throw unreadable(err);
    }
    const tooLarge = (bytes: number): DocumentError =>
      new DocumentError(
        'ERR_DOCUMENT_TOO_LARGE',
        `the file is ${formatBytes(bytes)}, larger than the limit of ${formatBytes(maxBytes)}`,
        { file: display, expected: `at most ${formatBytes(maxBytes)}` },
      );
    if (size > maxBytes) throw tooLarge(size);
    // size + 1, so that one read normally reaches the end of the file and sees it.
    let buf = Buffer.allocUnsafe(Math.min(maxBytes + 1, size + 1));
    let total = 0;
    try {
      for (;;) {
        if (total === buf.length) {
          if (total > maxBytes) throw tooLarge(total);
          const bigger = Buffer.allocUnsafe(Math.min(maxBytes + 1, buf.length * 2 + 64 * 1024));
          buf.copy(bigger, 0, 0, total);
          buf = bigger;
        }
        const { bytesRead } = await handle.read(buf, total, buf.length - total, total);
        if (bytesRead === 0) break;
        total += bytesRead;
      }
    } catch (err) {
      if (err instanceof DocumentError) throw err;
      throw unreadable(err);
    }
    return decodeUtf8(buf.subarray(0, total), display);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function decodeUtf8(bytes: Uint8Array, display: string): string {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new DocumentError('ERR_DOCUMENT_SYNTAX', 'the file is UTF-16 encoded', {
      file: display,
      line: 1,
      column: 1,
      expected: 'UTF-8 text',
    });
  }
  try {
    return utf8.decode(bytes);
  } catch {
    // Say where: the line and column of the first byte that is not UTF-8.
    const bad = firstInvalidUtf8(bytes);
    const before = utf8.decode(bytes.subarray(0, bad));
    const lineStart = before.lastIndexOf('\n') + 1;
    let line = 1;
    for (let i = 0; i < lineStart; i++) if (before.charCodeAt(i) === 10) line++;
    const column = before.length - lineStart + 1 - (line === 1 && before.charCodeAt(0) === 0xfeff ? 1 : 0);
    throw new DocumentError(
      'ERR_DOCUMENT_SYNTAX',
      `the file is not valid UTF-8 (byte 0x${(bytes[bad] ?? 0).toString(16).padStart(2, '0')})`,
      { file: display, line, column, expected: 'UTF-8 text' },
    );
  }
}

/** Offset of the first byte that does not belong to a well-formed UTF-8 sequence. */
function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i] as number;
    let need: number;
    let min = 0x80;
    let max = 0xbf;
    if (c < 0x80) {
      i++;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c === 0xe0) min = 0xa0;
      if (c === 0xed) max = 0x9f; // no surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c === 0xf0) min = 0x90;
      if (c === 0xf4) max = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      const d = b[i + k];
      if (d === undefined || d < (k === 1 ? min : 0x80) || d > (k === 1 ? max : 0xbf)) return i;
    }
    i += need + 1;
  }
  return b.length;
}

/** `display` names the URL in messages (no credentials, no query). */
async function fetchRemote(uri: string, display: string, s: Settings, maxBytes: number): Promise<string> {
  const signal = AbortSignal.timeout(s.remoteTimeoutMs);
  let res: Response;
  try {
    res = await fetch(uri, {
      signal,
      redirect: 'follow',
      headers: { accept: 'application/yaml, application/json;q=0.9, */*;q=0.1' },
    });
  } catch (err) {
    const timedOut = (err as Error).name === 'TimeoutError' || (err as Error).name === 'AbortError';
    throw new DocumentError(
      'ERR_DOCUMENT_REF_REMOTE_FAILED',
      timedOut ? `no answer within ${s.remoteTimeoutMs} ms` : 'the request failed',
      { file: display },
    );
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new DocumentError('ERR_DOCUMENT_REF_REMOTE_FAILED', `the server answered HTTP ${res.status}`, {
      file: display,
    });
  }
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > maxBytes) {
    await res.body?.cancel();
    throw new DocumentError('ERR_DOCUMENT_TOO_LARGE', `the response is larger than ${formatBytes(maxBytes)}`, {
      file: display,
    });
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    // A fetch body is a byte stream; the global type leaves its chunks untyped.
    for await (const chunk of (res.body ?? []) as AsyncIterable<Uint8Array>) {
      total += chunk.byteLength;
      if (total > maxBytes) {
        throw new DocumentError('ERR_DOCUMENT_TOO_LARGE', `the response is larger than ${formatBytes(maxBytes)}`, {
          file: display,
        });
      }
      chunks.push(chunk);
    }
  } catch (err) {
    if (err instanceof DocumentError) throw err;
    const why = signal.aborted
      ? `no complete answer within ${s.remoteTimeoutMs} ms`
      : 'the connection failed during the answer';
    throw new DocumentError('ERR_DOCUMENT_REF_REMOTE_FAILED', why, { file: display });
  }
  return decodeUtf8(Buffer.concat(chunks), display);
}

function formatBytes(n: number): string {
  if (n >= MiB) return `${(n / MiB).toFixed(n % MiB === 0 ? 0 : 1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(0)} KiB`;
  return `${n} bytes`;
}
