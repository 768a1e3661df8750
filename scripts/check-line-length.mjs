// No line over 120 characters in the files people read: source, tests, benchmarks, scripts,
// docs. Generated files (dist/, validators/, the lock file) and test fixtures, whose bytes are
// the test's input, are left out, and so are Markdown table rows, which GitHub's Markdown cannot
// break across lines, and Markdown code blocks, which show a program's output or a file verbatim
// (a wrapped error line would misquote it). Prints each offending line as FILE:LINE (length) and
// exits 1.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const MAX = 120;
const checked = /\.(ts|mjs|js|cjs|md|yaml|yml|sh)$|^\.ci\/run$/;
const skipped = /^(test\/fixtures\/|test\/guard\/fixtures\/|validators\/|dist\/)|package-lock\.json$/;

const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { encoding: 'utf8' })
  .split('\n')
  .filter((f) => f !== '' && checked.test(f) && !skipped.test(f));

const long = [];
for (const file of files) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    continue; // listed by git but deleted in the working tree
  }
  const markdown = file.endsWith('.md');
  let inCodeBlock = false;
  text.split('\n').forEach((line, i) => {
    if (markdown && /^\s*(```|~~~)/.test(line)) inCodeBlock = !inCodeBlock;
    const verbatim = markdown && (inCodeBlock || line.startsWith('|'));
    if (line.length > MAX && !verbatim) long.push(`${file}:${i + 1} (${line.length})`);
  });
}
if (long.length > 0) {
  console.error(`${long.length} line(s) over ${MAX} characters:\n${long.join('\n')}`);
  process.exit(1);
}
