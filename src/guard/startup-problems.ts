// Startup problems (docs/guard.md "Startup"): every one found is collected, so one run names them
// all; the error thrown is the first, its message lists the others (`also: …`), and its
// `problems` property holds them all. A problem in the config is placed at the key path the user
// must edit, with the file, line and column when the config was loaded from a file.

import type { GuardError, GuardErrorDetails } from '../errors.js';
import type { ConfigLocator } from '../config/types.js';
import { formatKeyPath } from '../config/key-path.js';

export class Problems {
  readonly list: GuardError[] = [];
  private readonly seen = new Set<string>();
  add(err: GuardError, key = err.message): void {
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.list.push(err);
  }
  /** The first problem, its message followed by the others (`also: …`), with `problems` holding all. */
  throwIfAny(): void {
    const [first, ...rest] = this.list;
    if (first === undefined) return;
    if (rest.length > 0) first.message += rest.map((e) => `\n  also: ${e.message}`).join('');
    Object.defineProperty(first, 'problems', { value: Object.freeze([...this.list]), enumerable: false });
    throw first;
  }
}

/** `file`, `pointer` (the key path), `line` and `column` of a config key path, for an error's details. */
export type ConfigPlace = (path: readonly string[]) => GuardErrorDetails;

export function configPlacer(file: string | undefined, locate: ConfigLocator): ConfigPlace {
  return (path) => {
    // The deepest part of the path that exists in the file gives the line the user must edit.
    let pos: { line: number; column: number } | undefined;
    for (let n = path.length; n > 0 && pos === undefined; n--) pos = locate(path.slice(0, n));
    return {
      ...(file !== undefined ? { file } : {}),
      pointer: formatKeyPath(path),
      ...(pos !== undefined ? { line: pos.line, column: pos.column } : {}),
    };
  };
}

/** The details of a GuardError worth keeping when it is placed again. */
export function detailsOf(err: GuardError): GuardErrorDetails {
  return err.expected !== undefined ? { expected: err.expected } : {};
}
