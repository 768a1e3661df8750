// Oracle: for every official example of the security corpus and every document in
// test/fixtures/model/, the per-server and per-operation alternatives of our model (scheme
// types and scopes, in order) equal what @asyncapi/parser reports for the same document;
// so do the scheme objects each entry stands for, and each operation's action, channel,
// address and servers.
//
// How parser-js is read (checked against its source, @asyncapi/parser 3.6.x):
// - servers: `document.servers().all()`, `server.security()` → one SecurityRequirements per
//   alternative (OR), `.all()` → its entries (AND), `scheme().type()`, `scopes()`.
// - operations: `document.operations().all()`, `op.security()` (traits already applied by
//   the parser: `applyTraitsV2` patches traits over the operation, `applyTraitsV3` patches the
//   operation over the traits — both as the spec says, so no difference to document there).
// - 2.x operation ids: `op.id()` is `operationId || 'publish' | 'subscribe'` (the verb, not
//   unique), so operations are matched by `op.operationId()` (after traits) or, without one,
//   by `op.meta().pointer` (`/channels/<key>/<verb>`) — which is exactly our id rule.
// - 2.x actions: `op.action()` returns the raw verb 'publish' | 'subscribe'. Mapped explicitly:
//   publish → receive, subscribe → send; parser-js agrees (`isSend()` is `action() === 'subscribe'`).
// - Channel servers come back in the document's server order; compared as sets.
//
// Documents named `*.schema-invalid*` are refused by the parser (asserted); they are then
// compared with a parse that lets schema errors through, so their security is checked too.
// Remote refs (only adeo's Avro payload schemas) are answered offline with a stub Avro record:
// the tests run without a network and payloads do not touch security.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Parser, type Diagnostic } from '@asyncapi/parser';
import type { AsyncAPIDocumentInterface, OperationInterface, SecurityRequirementsInterface } from '@asyncapi/parser';
import { loadDocument } from '../../src/document/load.js';
import { buildModel } from '../../src/model/index.js';
import type { Requirement, SecurityModel } from '../../src/model/index.js';
import { assertFixtureFiles, fixtureFiles, officialExampleCount, officialExamplesDir } from '../helpers/corpus.js';

// DiagnosticSeverity.Error of the copy of @stoplight/types the diagnostics are typed with (the parser re-exports
// another copy's enum, which TypeScript keeps apart).
const ERROR = 0 as Diagnostic['severity'];
const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
const fixturesDir = resolve(projectRoot, 'test/fixtures/model');

/** Fixture files that are not AsyncAPI documents (targets of external refs). */
const helperFiles = new Set(['shared-schemes.yml']);

const offlineStub = { order: 1, read: async () => JSON.stringify({ type: 'record', name: 'OfflineStub', fields: [] }) };
const parser = new Parser({
  __unstable: {
    resolver: {
      resolvers: [
        { schema: 'https', ...offlineStub },
        { schema: 'http', ...offlineStub },
      ],
    },
  },
});

type Shape = { type: string; scopes: string[] }[][];

/** The parser's scheme objects, as written (minus the `x-parser-*` keys it adds), per entry. */
function parserSchemes(reqs: SecurityRequirementsInterface[]): unknown[][] {
  return reqs.map((r) => r.all().map((q) => withoutParserKeys(q.scheme().json())));
}

function withoutParserKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutParserKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k]) => !k.startsWith('x-parser-'))
      .map(([k, v]) => [k, withoutParserKeys(v)]),
  );
}

function ourSchemes(model: SecurityModel, req: Requirement): unknown[][] {
  return req.map((alt) => alt.map((e) => model.schemes[e.scheme]));
}

function ourShape(model: SecurityModel, req: Requirement): Shape {
  return req.map((alt) =>
    alt.map((e) => ({ type: model.schemes[e.scheme]?.type ?? `<unresolved ${e.scheme}>`, scopes: e.scopes })),
  );
}

function parserShape(reqs: SecurityRequirementsInterface[]): Shape {
  return reqs.map((r) => r.all().map((q) => ({ type: q.scheme().type(), scopes: [...q.scopes()] })));
}

const actionOf2: Record<string, 'send' | 'receive'> = { publish: 'receive', subscribe: 'send' };

function expectedId(op: OperationInterface, major: 2 | 3): string {
  const id = major === 3 ? op.id() : (op.operationId() ?? op.meta().pointer);
  assert.ok(typeof id === 'string' && id !== '', 'the parser gives the operation an id or a pointer');
  return id;
}

function expectedAction(op: OperationInterface, major: 2 | 3): string {
  const action = op.action() as string;
  if (major === 3) return action;
  const mapped = actionOf2[action];
  assert.ok(mapped, `unexpected 2.x action ${action}`);
  assert.equal(op.isSend(), mapped === 'send', 'parser-js isSend() agrees with publish → receive, subscribe → send');
  return mapped;
}

function compare(
  model: SecurityModel,
  document: AsyncAPIDocumentInterface,
  label: string,
): { servers: number; operations: number } {
  const major = model.asyncapi.startsWith('2.') ? 2 : 3;
  const theirServers = document.servers().all();
  assert.deepEqual(
    model.servers.map((s) => s.name),
    theirServers.map((s) => s.id()),
    `${label}: server names`,
  );
  for (const server of theirServers) {
    const ours = model.servers.find((s) => s.name === server.id());
    assert.ok(ours);
    assert.deepEqual(
      ourShape(model, ours.security),
      parserShape(server.security()),
      `${label}: server ${server.id()} security`,
    );
    assert.deepEqual(
      ourSchemes(model, ours.security),
      parserSchemes(server.security()),
      `${label}: server ${server.id()} scheme objects`,
    );
  }
  const theirOps = document.operations().all();
  assert.deepEqual(
    model.operations.map((o) => o.id).sort(),
    theirOps.map((o) => expectedId(o, major)).sort(),
    `${label}: operation ids`,
  );
  for (const op of theirOps) {
    const id = expectedId(op, major);
    const ours = model.operations.find((o) => o.id === id);
    assert.ok(ours, `${label}: operation ${id}`);
    assert.equal(ours.action, expectedAction(op, major), `${label}: ${id} action`);
    const channels = op.channels().all();
    assert.equal(channels.length, 1, `${label}: ${id} has one channel`);
    const channel = channels[0]!;
    assert.equal(ours.channel, channel.id(), `${label}: ${id} channel`);
    assert.equal(ours.address, channel.address() ?? null, `${label}: ${id} address`);
    assert.deepEqual(
      [...ours.servers].sort(),
      channel
        .servers()
        .all()
        .map((s) => s.id())
        .sort(),
      `${label}: ${id} servers`,
    );
    assert.deepEqual(ourShape(model, ours.security), parserShape(op.security()), `${label}: ${id} security`);
    assert.deepEqual(ourSchemes(model, ours.security), parserSchemes(op.security()), `${label}: ${id} scheme objects`);
  }
  return { servers: theirServers.length, operations: theirOps.length };
}

function documentsIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yml') && !helperFiles.has(f))
    .sort()
    .map((f) => join(dir, f));
}

test('oracle: the security corpus is present', () => {
  assertFixtureFiles(officialExamplesDir, '.yml', officialExampleCount);
});

const officialExamples = fixtureFiles(officialExamplesDir, '.yml').map((f) => join(officialExamplesDir, f));
const documents = [...officialExamples, ...documentsIn(fixturesDir)];

for (const path of documents) {
  const name = basename(path);
  test(`oracle: ${name} matches @asyncapi/parser`, async () => {
    const text = readFileSync(path, 'utf8');
    const strict = await parser.parse(text, { source: path });
    let document = strict.document;
    if (name.includes('.schema-invalid')) {
      assert.equal(document, undefined, 'the parser refuses a schema-invalid document');
      assert.ok(
        strict.diagnostics.some((d) => d.severity === ERROR),
        'with an error diagnostic',
      );
      document = (await parser.parse(text, { source: path, validateOptions: { allowedSeverity: { error: true } } }))
        .document;
    } else {
      const errors = strict.diagnostics
        .filter((d) => d.severity === ERROR)
        .map((d) => `${d.path.join('/')}: ${d.message}`);
      assert.deepEqual(errors, [], 'the parser accepts the document');
    }
    assert.ok(document, 'the parser produced a document');
    const model = buildModel(await loadDocument(path));
    const counted = compare(model, document, name);
    assert.ok(counted.servers + counted.operations > 0, 'the document has something to compare');
  });
}
