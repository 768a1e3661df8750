// Source text for code frames. Reporters never touch the filesystem; the caller hands them
// this reader. It reads each file at most once and gives up quietly (no frame) on anything odd.

import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';

/** Larger files get no code frame (the document loader has its own, larger limit). */
const MAX_FRAME_SOURCE_BYTES = 16 * 1024 * 1024;

/**
 * A `sourceFor` for `ReporterContext`: local files named as in `Diagnostic.file` (relative to
 * `cwd` or absolute). URLs are never fetched. A BOM is dropped, as the loader drops it.
 */
export function createSourceReader(cwd: string): (file: string) => string | undefined {
  const cache = new Map<string, string | undefined>();
  return (file) => {
    if (cache.has(file)) return cache.get(file);
    let text: string | undefined;
    if (!/^[a-z][a-z0-9+.-]*:/i.test(file) || /^[a-z]:[\\/]/i.test(file)) {
      try {
        const path = resolve(cwd, file);
        if (statSync(path).size <= MAX_FRAME_SOURCE_BYTES) text = readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
      } catch {
        text = undefined;
      }
    }
    cache.set(file, text);
    return text;
  };
}
