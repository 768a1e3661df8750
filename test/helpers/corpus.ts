// Where the tests find the third-party data kept in test/fixtures/: the official AsyncAPI
// examples and schema fixtures (asyncapi-security-corpus/) and the SCRAM, SASLprep and PLAIN
// vectors (test-vectors/scram/). Each folder's SOURCE.md says where it comes from.
//
// A missing or emptied folder must fail a test, never shrink the suite without a word: a test
// file lists cases with `fixtureFiles` (none when the folder is missing, so the file still loads)
// and asserts the count with `assertFixtureFiles`.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const fixturesDir = fileURLToPath(new URL('../fixtures/', import.meta.url));

export const corpusDir = join(fixturesDir, 'asyncapi-security-corpus');
/** Whole AsyncAPI documents from the specification's examples (2.6.0 and 3.0.0). */
export const officialExamplesDir = join(corpusDir, 'spec-examples');
/** JSON values with the verdict of the official JSON schema, listed in fixtures-index.json. */
export const schemaFixturesDir = join(corpusDir, 'schema-fixtures');
export const scramVectorsDir = join(fixturesDir, 'test-vectors', 'scram');

/** The `*.yml` documents in officialExamplesDir: 15 that the schema accepts, 3 (`*.schema-invalid*`) it refuses. */
export const officialExampleCount = 18;

/** The names of the files in `dir` that end in `suffix`, sorted; none when `dir` does not exist. */
export function fixtureFiles(dir: string, suffix: string): string[] {
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith(suffix))
        .sort()
    : [];
}

/** Fails unless `dir` exists and holds exactly `count` files ending in `suffix`. */
export function assertFixtureFiles(dir: string, suffix: string, count: number): void {
  assert.ok(existsSync(dir), `fixture folder ${dir} is missing`);
  const found = fixtureFiles(dir, suffix).length;
  assert.equal(found, count, `${dir} holds ${found} *${suffix} files, expected ${count}`);
}
