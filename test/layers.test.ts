// The layers of src/, lowest first: a module imports only from its own layer and the layers
// before it, so each layer can be read, tested and reused without the ones above it. This file
// holds the order in one place; README.md and docs/architecture.md must list the folders in it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * The layers, lowest first. `base` is src/*.ts other than index.ts, `index` is src/index.ts (the
 * package entry); every other name is a folder of src/. A new folder must be placed here.
 */
export const LAYERS = [
  'base',
  'document',
  'model',
  'address',
  'config',
  'sasl',
  'credentials',
  'tokens',
  'schemes',
  'check',
  'guard',
  'bus',
  'transports',
  'serve',
  'brokers',
  'probe',
  'index',
  'cli',
] as const;

const FOLDER_LAYERS: readonly string[] = LAYERS.filter((l) => l !== 'base' && l !== 'index');

const root = fileURLToPath(new URL('..', import.meta.url));
const srcDir = join(root, 'src');

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sources(path, out);
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

/** The layer of a path under src/, or undefined for a path outside it. */
export function layerOf(path: string): string | undefined {
  const rel = relative(srcDir, path);
  if (rel.startsWith('..')) return undefined;
  const parts = rel.split(sep);
  if (parts.length === 1) return parts[0] === 'index.ts' ? 'index' : 'base';
  return parts[0];
}

/**
 * Module specifiers a file imports: static `import … from` / `import '…'`, `export … from`,
 * and `import('…')` with a string literal (a dynamic import or an import type). The TypeScript
 * parser rather than a regex, so an import spread over lines or a string that looks like one is
 * read right.
 */
export function importSpecifiers(fileName: string, text: string): string[] {
  const specs: string[] = [];
  const sourceFile = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      if (ts.isStringLiteral(node.moduleSpecifier)) specs.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] !== undefined &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      specs.push(node.arguments[0].text);
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      specs.push(node.argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return specs;
}

/** Every import that points to a later layer, as `from → to ('specifier')`. */
export function backEdges(files: ReadonlyMap<string, string>): string[] {
  const rank = new Map<string, number>(LAYERS.map((l, i) => [l, i]));
  const found: string[] = [];
  for (const [path, text] of files) {
    const from = layerOf(path)!;
    for (const spec of importSpecifiers(path, text)) {
      if (!spec.startsWith('.')) continue;
      const target = resolve(dirname(path), spec.replace(/\.js$/, '.ts'));
      const to = layerOf(target);
      if (to === undefined) continue;
      const fromRank = rank.get(from);
      const toRank = rank.get(to);
      if (fromRank === undefined || toRank === undefined || toRank > fromRank) {
        found.push(`${relative(srcDir, path)} (${from}) → ${relative(srcDir, target)} (${to})`);
      }
    }
  }
  return found;
}

/**
 * The folders a document names, in order: `src/NAME` (alone or in a longer path) and a bare
 * `NAME/` token, for the names in the order; repeats in a row collapse.
 */
function folderMentions(text: string): string[] {
  const names = FOLDER_LAYERS.join('|');
  const re = new RegExp(`(?:\\bsrc/(${names})\\b)|(?:(?<![\\w./-])(${names})/(?![\\w.-]))`, 'g');
  const out: string[] = [];
  for (const m of text.matchAll(re)) {
    const name = (m[1] ?? m[2])!;
    if (out.at(-1) !== name) out.push(name);
  }
  return out;
}

function containsRun(seq: readonly string[], run: readonly string[]): boolean {
  for (let i = 0; i + run.length <= seq.length; i++) {
    if (run.every((name, j) => seq[i + j] === name)) return true;
  }
  return false;
}

const files = new Map(sources(srcDir).map((p) => [p, readFileSync(p, 'utf8')]));

test('layers: no module of src/ imports from a later layer', () => {
  assert.deepEqual(backEdges(files), []);
});

test('layers: every folder of src/ has its place in the order', () => {
  const folders = readdirSync(srcDir).filter((name) => statSync(join(srcDir, name)).isDirectory());
  assert.deepEqual(
    folders.filter((f) => !FOLDER_LAYERS.includes(f)),
    [],
    'a new folder of src/ must be placed in LAYERS (test/layers.test.ts), README.md and docs/architecture.md',
  );
  assert.deepEqual(
    FOLDER_LAYERS.filter((f) => !folders.includes(f)),
    [],
    'LAYERS names a folder src/ does not have',
  );
});

for (const doc of ['README.md', 'docs/architecture.md']) {
  test(`layers: ${doc} lists the folders of src/ in the order of LAYERS`, () => {
    const path = join(root, doc);
    assert.ok(existsSync(path), `${doc} is missing`);
    const mentions = folderMentions(readFileSync(path, 'utf8'));
    assert.ok(
      containsRun(mentions, FOLDER_LAYERS),
      `${doc} should name ${FOLDER_LAYERS.join(' → ')} in a row; it names, in order: ${mentions.join(', ')}`,
    );
  });
}

test('layers: the checker sees every kind of import and reports a back-edge', () => {
  const specs = importSpecifiers(
    'x.ts',
    "import a from 'x';\nimport type { B } from '../y.js';\nexport { c } from './z.js';\nimport 'side';\n" +
      "const m = await import('dyn');\ntype P = typeof import('../p.js');\nimport {\n  d,\n  e,\n} from '../w.js';\n" +
      "const s = \"import('not') from 'a string'\";\n// import x from './comment.js';\n",
  );
  assert.deepEqual(specs, ['x', '../y.js', './z.js', 'side', 'dyn', '../p.js', '../w.js']);
  const fake = new Map([
    [join(srcDir, 'model', 'x.ts'), "import { a } from '../guard/y.js';\nimport { b } from '../errors.js';\n"],
    [join(srcDir, 'errors.ts'), "export type { C } from './index.js';\n"],
    [join(srcDir, 'cli', 'x.ts'), "import { d } from '../index.js';\n"],
  ]);
  assert.deepEqual(backEdges(fake), [
    `${join('model', 'x.ts')} (model) → ${join('guard', 'y.ts')} (guard)`,
    'errors.ts (base) → index.ts (index)',
  ]);
});

test('layers: a folder list in a document is read in order', () => {
  assert.deepEqual(folderMentions('`src/document` then model/ → address/, not model/x.ts nor src/guard/a.ts'), [
    'document',
    'model',
    'address',
    'guard',
  ]);
  const listed = (order: readonly string[]): string =>
    `See src/guard/x.ts first.\n${order.map((f, i) => `${i + 1}. \`src/${f}\`: …`).join('\n')}\nThen cli/ again.`;
  assert.equal(containsRun(folderMentions(listed(FOLDER_LAYERS)), FOLDER_LAYERS), true);
  const swapped = [...FOLDER_LAYERS];
  [swapped[3], swapped[4]] = [swapped[4]!, swapped[3]!];
  assert.equal(containsRun(folderMentions(listed(swapped)), FOLDER_LAYERS), false);
  assert.equal(containsRun(folderMentions(listed(FOLDER_LAYERS.slice(1))), FOLDER_LAYERS), false);
});
