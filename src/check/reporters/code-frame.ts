// A code frame: the lines around a finding with line numbers and a caret under the column.
// Input positions are 1-based (as in the JSON contract); the frame never alters them.

import type { SourceRange } from '../../document/types.js';
import { createColors, type Colors } from './colors.js';

export interface CodeFrameOptions {
  /** Lines shown before and after the finding's line. Default 2. */
  contextLines?: number;
  /** Widest code text shown per line, in characters; longer lines are cut with `…`. Default 100. */
  maxWidth?: number;
  /** Colors to use; plain text when absent. */
  colors?: Colors;
}

/**
 * Characters that must not reach a terminal as they are: C0/C1 controls and DEL (escape
 * sequences), and the bidi overrides/isolates that can make text read differently than it is.
 * Tabs become one space so columns stay aligned with the caret line.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point: they are replaced
const UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

export function sanitizeForTerminal(text: string): string {
  return text.replace(/\t/g, ' ').replace(UNSAFE, '\ufffd');
}

/** Splits like `yaml`'s LineCounter counts lines: `\n` ends a line, a `\r` before it is dropped. */
export function splitLines(source: string): string[] {
  return source.split(/\r?\n/);
}

/**
 * The frame as lines (no trailing newline), or an empty array when the range is outside the
 * source. The marker line shows `^` under the start column, spanning to the end column when
 * the range ends on the same line.
 */
const plain = createColors(false);

export function codeFrame(source: string, range: SourceRange, options: CodeFrameOptions = {}): string[] {
  const context = options.contextLines ?? 2;
  const maxWidth = Math.max(20, options.maxWidth ?? 100);
  const c = options.colors ?? plain;
  const lines = splitLines(source);
  const target = range.start.line;
  // The empty "line" after a final newline is shown only when the finding is on it.
  if (lines.length > 1 && lines[lines.length - 1] === '' && target < lines.length) lines.pop();
  if (target < 1 || target > lines.length) return [];

  const first = Math.max(1, target - context);
  const last = Math.min(lines.length, target + context);
  const gutterWidth = String(last).length;
  const col0 = Math.max(0, range.start.column - 1);

  // One horizontal window for the whole frame, so the caret stays under its column.
  let widest = 0;
  for (let n = first; n <= last; n++) widest = Math.max(widest, (lines[n - 1] ?? '').length);
  const from = widest <= maxWidth || col0 < maxWidth - Math.floor(maxWidth / 4) ? 0 : col0 - Math.floor(maxWidth / 3);
  const lead = from > 0 ? 1 : 0; // width of the leading `…` column

  const cut = (line: string): string => {
    if (widest <= maxWidth) return sanitizeForTerminal(line);
    const head = from > 0 ? (line.length > from ? '…' : ' ') : '';
    const body = line.slice(from, from + maxWidth);
    const tail = line.length > from + maxWidth ? '…' : '';
    return head + sanitizeForTerminal(body) + tail;
  };

  const out: string[] = [];
  for (let n = first; n <= last; n++) {
    const num = String(n).padStart(gutterWidth);
    const code = cut(lines[n - 1] ?? '').trimEnd();
    if (n === target) {
      const marker = c.red(c.bold('>'));
      out.push(`${marker} ${num} | ${code}`.trimEnd());
      const sameLine = range.end.line === range.start.line;
      const span = sameLine ? Math.max(1, range.end.column - range.start.column) : 1;
      const visibleSpan = Math.max(1, Math.min(span, from + maxWidth - col0));
      const pad = ' '.repeat(Math.max(0, col0 - from) + lead);
      const carets = '^'.repeat(visibleSpan);
      const gutter = `  ${' '.repeat(gutterWidth)} |`;
      out.push(`${c.dim(gutter)} ${pad}${c.red(c.bold(carets))}`);
    } else {
      const gutter = `  ${num} |`;
      out.push(`${c.dim(gutter)} ${code}`.trimEnd());
    }
  }
  return out;
}
