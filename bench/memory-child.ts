// Run one contender on one file in this fresh process and print its max RSS (KiB).
// `none` imports both but processes nothing: the baseline for "above an idle process".
import { readFileSync } from 'node:fs';
import { Parser } from '@asyncapi/parser';
import { checkLoaded, loadDocumentFromText } from '../src/index.js';

const [who, file] = process.argv.slice(2) as [string, string];
const text = readFileSync(file, 'utf8');
if (who === 'ours') {
  await checkLoaded(await loadDocumentFromText(text, { file }));
} else if (who === 'parser') {
  await new Parser().parse(text, { source: file });
} else if (who !== 'none') {
  throw new Error(`unknown contender ${who}`);
}
console.log(process.resourceUsage().maxRSS);
