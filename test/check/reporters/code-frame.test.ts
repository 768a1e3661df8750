import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { codeFrame, sanitizeForTerminal } from '../../../src/check/reporters/code-frame.js';

const at = (line: number, column: number, endLine = line, endColumn = column + 1) => ({
  start: { line, column },
  end: { line: endLine, column: endColumn },
});

describe('code frame', () => {
  it('shows 2 lines of context around the line, with aligned line numbers', () => {
    const src = Array.from({ length: 12 }, (_, i) => `line ${i + 1}`).join('\n');
    assert.deepEqual(codeFrame(src, at(10, 3)), [
      '   8 | line 8',
      '   9 | line 9',
      '> 10 | line 10',
      '     |   ^',
      '  11 | line 11',
      '  12 | line 12',
    ]);
  });

  it('clips the context at the start and the end of the file', () => {
    assert.deepEqual(codeFrame('a: 1', at(1, 1)), ['> 1 | a: 1', '    | ^']);
  });

  it('spans the caret over a range on one line', () => {
    assert.deepEqual(codeFrame('key: value', at(1, 6, 1, 11)), ['> 1 | key: value', '    |      ^^^^^']);
  });

  it('marks only the start of a range that spans several lines', () => {
    assert.deepEqual(codeFrame('a:\n  b: 1\n', at(2, 3, 3, 1)).slice(1, 3), ['> 2 |   b: 1', '    |   ^']);
  });

  it('returns nothing when the line is outside the source', () => {
    assert.deepEqual(codeFrame('a: 1\n', at(9, 1)), []);
  });

  it('handles CRLF line endings', () => {
    assert.deepEqual(codeFrame('a: 1\r\nb: 2\r\n', at(2, 4)).slice(1, 3), ['> 2 | b: 2', '    |    ^']);
  });

  it('cuts long lines to the width and keeps the caret under its column', () => {
    const long = 'k: ' + 'x'.repeat(300);
    const frame = codeFrame(long, at(1, 4), { maxWidth: 40 });
    assert.equal(frame[0], `> 1 | k: ${'x'.repeat(37)}…`);
    assert.equal(frame[1], '    |    ^');
  });

  it('shifts the window when the column is far to the right, marking the cut with …', () => {
    const long = 'a'.repeat(200) + 'TARGET' + 'b'.repeat(200);
    const frame = codeFrame(long, at(1, 201, 1, 207), { maxWidth: 60 });
    const code = frame[0]!.slice('> 1 | '.length);
    const caret = frame[1]!.slice('    | '.length);
    assert.ok(code.startsWith('…'));
    assert.ok(code.endsWith('…'));
    assert.equal(code.length, 62);
    assert.equal(code.slice(caret.indexOf('^'), caret.indexOf('^') + 6), 'TARGET');
    assert.equal(caret.trim(), '^^^^^^');
  });

  it('replaces tabs by one space and control characters by U+FFFD', () => {
    assert.equal(sanitizeForTerminal('a\tb\u001b[31mc\u202e'), 'a b\ufffd[31mc\ufffd');
  });
});

describe('code frame: the end of the file', () => {
  it('does not show the empty line after a final newline as context', () => {
    assert.deepEqual(codeFrame('a: 1\nb: 2\n', at(2, 1)), ['  1 | a: 1', '> 2 | b: 2', '    | ^']);
  });

  it('shows that empty line when the finding is on it (an unexpected end of file)', () => {
    assert.deepEqual(codeFrame('a: [1\n', at(2, 1)), ['  1 | a: [1', '> 2 |', '    | ^']);
  });
});
