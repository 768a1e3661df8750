// `$ref` handling: find every ref, say where it points, and resolve it synchronously over the
// set of files loaded up front. Chains of refs to refs are followed; a chain that comes back
// on itself is a cycle and is reported, never looped on.

import { dirname, isAbsolute, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getAtPointer, isPlainObject, joinPointer, parsePointer } from './pointer.js';
import type { Location, Resolution, SourceFile } from './types.js';

export interface FoundRef {
  ref: string;
  /** Pointer of the object holding `$ref`. */
  pointer: string;
}

/** Every `{ $ref: string }` object in a value, in document order. Iterative: no recursion limit. */
export function findRefs(value: unknown): FoundRef[] {
  const out: FoundRef[] = [];
  const stack: [unknown, string][] = [[value, '']];
  while (stack.length > 0) {
    const [v, p] = stack.pop() as [unknown, string];
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], p + '/' + i]);
    } else if (isPlainObject(v)) {
      if (typeof v.$ref === 'string') out.push({ ref: v.$ref, pointer: p });
      const keys = Object.keys(v);
      for (let i = keys.length - 1; i >= 0; i--) {
        const k = keys[i] as string;
        if (k === '$ref') continue;
        stack.push([v[k], joinPointer(p, k)]);
      }
    }
  }
  return out;
}

export type RefTarget =
  | { kind: 'local'; fragment: string }
  | { kind: 'file'; uri: string; fragment: string }
  | { kind: 'remote'; uri: string; fragment: string }
  | { kind: 'unsupported'; reason: string };

export function isRemoteUri(uri: string): boolean {
  return uri.startsWith('http://') || uri.startsWith('https://');
}

/** Where a ref written in the file `fromUri` points: which file, and which fragment. */
export function classifyRef(ref: string, fromUri: string): RefTarget {
  const hash = ref.indexOf('#');
  const filePart = hash === -1 ? ref : ref.slice(0, hash);
  const fragment = hash === -1 ? '' : ref.slice(hash + 1);
  if (filePart === '') return { kind: 'local', fragment };
  // `new URL` throws on what is not a URL (`http://a b/`): that is the document's mistake,
  // reported as an unresolved ref, not an exception out of the loader.
  if (/^https?:\/\//i.test(filePart)) return remoteTarget(filePart, undefined, fragment);
  if (/^file:/i.test(filePart)) {
    // A remote document must not make us read local files.
    if (isRemoteUri(fromUri))
      return {
        kind: 'unsupported',
        reason: `a remote document cannot reference the local file '${redactRef(filePart)}'`,
      };
    try {
      return { kind: 'file', uri: fileURLToPath(filePart), fragment };
    } catch {
      return { kind: 'unsupported', reason: `'${redactRef(filePart)}' is not a usable file URL` };
    }
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(filePart) && !/^[a-z]:[\\/]/i.test(filePart)) {
    return { kind: 'unsupported', reason: `the URI scheme of '${redactRef(filePart)}' is not supported` };
  }
  if (isRemoteUri(fromUri)) return remoteTarget(filePart, fromUri, fragment);
  const path = isAbsolute(filePart) ? filePart : resolvePath(dirname(fromUri), decodeURIComponentSafe(filePart));
  return { kind: 'file', uri: path, fragment };
}

function remoteTarget(ref: string, base: string | undefined, fragment: string): RefTarget {
  try {
    return { kind: 'remote', uri: new URL(ref, base).href, fragment };
  } catch {
    return { kind: 'unsupported', reason: `'${redactRef(ref)}' is not a valid URL` };
  }
}

/**
 * A ref as it may appear in a message: an http(s) URL loses its user info and query (they can
 * hold credentials or tokens: `https://user:pass@host/a.yaml?token=…`). Other refs as written.
 */
export function redactRef(ref: string): string {
  const m = /^(https?:\/\/)([^/?#]*@)?([^?#]*)(\?[^#]*)?(#.*)?$/i.exec(ref);
  if (m === null) return ref;
  return `${m[1]}${m[2] ? '***@' : ''}${m[3]}${m[4] ? '?…' : ''}${m[5] ?? ''}`;
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** A fragment as a JSON pointer: '' or '/…' (URI-decoded); null for a plain-name fragment. */
export function fragmentToPointer(fragment: string): string | null {
  const decoded = decodeURIComponentSafe(fragment);
  if (decoded === '' || decoded.startsWith('/')) return decoded;
  return null;
}

const maxChain = 64;

/**
 * Resolve `ref` written in `from`, following refs to refs, over `files` (by uri).
 * `remoteRefused` tells whether a missing remote file was refused (flag off) or failed.
 *
 * A pointer that passes through a Reference Object continues in what that reference points at
 * (`#/components/messages/m/payload` where `m` is `{ $ref: 'other.yaml#/m' }`), as the
 * AsyncAPI tools (json-schema-ref-parser) resolve it, unless the object has that key itself.
 */
export function resolveRef(
  ref: string,
  from: SourceFile,
  files: ReadonlyMap<string, SourceFile>,
  remoteRefused: boolean,
): Resolution {
  const via: Location[] = [];
  const seen = new Set<string>();
  let currentRef = ref;
  let currentFile = from;
  // Tokens still to walk once `currentRef` is resolved (the rest of a pointer that met a ref).
  let rest: string[] = [];
  for (let hop = 0; hop < maxChain; hop++) {
    const target = classifyRef(currentRef, currentFile.uri);
    if (target.kind === 'unsupported') return { ok: false, code: 'ERR_DOCUMENT_REF_UNRESOLVED', reason: target.reason };
    let file: SourceFile | undefined = currentFile;
    if (target.kind !== 'local') {
      file = files.get(target.uri);
      if (file === undefined) {
        if (target.kind === 'remote') {
          return remoteRefused
            ? {
                ok: false,
                code: 'ERR_DOCUMENT_REF_REMOTE_REFUSED',
                reason:
                  `remote ref '${redactRef(currentRef)}' not fetched ` +
                  `(remote refs are off; pass --allow-remote-refs)`,
              }
            : {
                ok: false,
                code: 'ERR_DOCUMENT_REF_REMOTE_FAILED',
                reason: `remote ref '${redactRef(currentRef)}' could not be fetched`,
              };
        }
        return {
          ok: false,
          code: 'ERR_DOCUMENT_REF_UNRESOLVED',
          reason: `file '${currentRef.split('#')[0]}' could not be loaded`,
        };
      }
    }
    const pointer = fragmentToPointer(target.fragment);
    const parsed = pointer === null ? null : parsePointer(pointer);
    if (parsed === null) {
      return {
        ok: false,
        code: 'ERR_DOCUMENT_REF_UNRESOLVED',
        reason: `'#${target.fragment}' is not a JSON pointer fragment`,
      };
    }
    const tokens = rest.length > 0 ? [...parsed, ...rest] : parsed;
    // Walk the tokens; stop early at a Reference Object that lacks the next key.
    let value: unknown = file.value;
    let at = 0;
    for (; at < tokens.length; at++) {
      const t = tokens[at] as string;
      if (isPlainObject(value) && typeof value.$ref === 'string' && !Object.hasOwn(value, t)) break;
      value = getAtPointer(value, joinPointer('', t));
      if (value === undefined) {
        return {
          ok: false,
          code: 'ERR_DOCUMENT_REF_UNRESOLVED',
          reason: `'${redactRef(currentRef)}' points at nothing`,
        };
      }
    }
    const here = joinPointer('', ...tokens.slice(0, at));
    rest = tokens.slice(at);
    const key = `${file.uri}#${here}#${joinPointer('', ...rest)}`;
    if (seen.has(key))
      return { ok: false, code: 'ERR_DOCUMENT_REF_CYCLE', reason: `'${redactRef(ref)}' leads back to itself` };
    seen.add(key);
    via.push({ file: file.uri, pointer: here });
    if (isPlainObject(value) && typeof value.$ref === 'string') {
      currentRef = value.$ref;
      currentFile = file;
      continue;
    }
    return { ok: true, file, pointer: here, value, via };
  }
  return {
    ok: false,
    code: 'ERR_DOCUMENT_REF_CYCLE',
    reason: `'${redactRef(ref)}' starts a chain of more than ${maxChain} refs`,
  };
}

export function uriToDisplay(uri: string, cwd: string): string {
  if (isRemoteUri(uri)) return redactRef(uri);
  const rel = uri.startsWith(cwd + '/') ? uri.slice(cwd.length + 1) : uri;
  return rel;
}
