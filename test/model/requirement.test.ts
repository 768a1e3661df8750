// Fail closed: whatever shape a security list has, the builder never throws and never lets
// a present list shrink to "no requirement".

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { seed } from '../helpers/property.js';
import { loadDocumentFromText } from '../../src/document/load.js';
import { buildAnalysis, toSecurityModel } from '../../src/model/index.js';
import type { Analysis } from '../../src/model/index.js';

async function analyze(doc: object): Promise<Analysis> {
  return buildAnalysis(await loadDocumentFromText(JSON.stringify(doc), { file: 'requirement-unit.json' }));
}

test('security that is not a list becomes one unsatisfiable alternative and a structure issue', async () => {
  for (const security of [{ $ref: '#/components/securitySchemes/a' }, null, 'apiKey', 3]) {
    const a = await analyze({ asyncapi: '3.0.0', servers: { s: { host: 'h', protocol: 'mqtt', security } } });
    assert.deepEqual(
      toSecurityModel(a).servers[0]?.security,
      [[{ scheme: '/servers/s/security', scopes: [] }]],
      JSON.stringify(security),
    );
    assert.equal(a.servers[0]?.security.alternatives[0]?.entries[0]?.resolved, false);
    assert.deepEqual(
      a.issues.map((i) => [i.kind, i.at.pointer]),
      [['structure', '/servers/s/security']],
    );
  }
});

test('3.x: a security item that is not a scheme is kept unresolved', async () => {
  const a = await analyze({
    asyncapi: '3.0.0',
    servers: { s: { host: 'h', protocol: 'mqtt', security: ['apiKey', { description: 'no type' }, { $ref: 42 }] } },
  });
  assert.deepEqual(
    a.servers[0]?.security.alternatives.map((alt) => alt.entries.map((e) => [e.scheme, e.resolved])),
    [[['/servers/s/security/0', false]], [['/servers/s/security/1', false]], [['42', false]]],
  );
  assert.deepEqual(
    a.issues.map((i) => i.kind),
    ['structure', 'structure', 'scheme-ref-unresolved'],
  );
  assert.deepEqual(toSecurityModel(a).schemes, {});
});

test('3.x: scopes that are not a list of strings keep the entry unresolved', async () => {
  const a = await analyze({
    asyncapi: '3.0.0',
    servers: { s: { host: 'h', protocol: 'mqtt', security: [{ type: 'oauth2', flows: {}, scopes: 'read' }] } },
  });
  const entry = a.servers[0]?.security.alternatives[0]?.entries[0];
  assert.equal(entry?.resolved, false);
  // The scheme itself is fine, so it is in the table; the entry must not name it, or the plain
  // model would let the scheme through with no scopes at all.
  assert.equal(entry?.scheme, '/servers/s/security/0 (unresolved)');
  assert.ok(a.schemes.has('/servers/s/security/0'));
  assert.deepEqual(
    a.issues.map((i) => [i.kind, i.at.pointer]),
    [['structure', '/servers/s/security/0/scopes']],
  );
});

test('2.x: a requirement that is not an object, or scopes that are not a list, stay unsatisfiable', async () => {
  const a = await analyze({
    asyncapi: '2.6.0',
    servers: { s: { url: 'h', protocol: 'mqtt', security: ['certs', { certs: 'x' }] } },
    components: { securitySchemes: { certs: { type: 'X509' } } },
  });
  assert.deepEqual(
    a.servers[0]?.security.alternatives.map((alt) => alt.entries.map((e) => [e.scheme, e.resolved])),
    [[['/servers/s/security/0', false]], [['certs (unresolved)', false]]],
  );
  assert.deepEqual(
    a.issues.map((i) => [i.kind, i.at.pointer]),
    [
      ['structure', '/servers/s/security/0'],
      ['structure', '/servers/s/security/1/certs'],
    ],
  );
});

test('a malformed document gives issues, not exceptions', async () => {
  const docs: object[] = [
    { asyncapi: '3.0.0', servers: [], operations: 'x', channels: 1, components: { securitySchemes: [] } },
    {
      asyncapi: '3.0.0',
      servers: { s: null },
      operations: { o: null, p: { action: 'send' }, q: { action: 'send', channel: { $ref: '#/nowhere' } } },
    },
    {
      asyncapi: '3.0.0',
      servers: { s: { host: 1, protocol: null } },
      channels: { c: { servers: 'x', address: 5 } },
      operations: { o: { action: 'send', channel: { $ref: '#/channels/c' }, traits: 'x' } },
    },
    {
      asyncapi: '2.6.0',
      servers: { s: { url: 5 } },
      channels: { c: { servers: 'a', publish: 'x', subscribe: { traits: [null] } } },
    },
    {
      asyncapi: '2.6.0',
      components: { securitySchemes: { a: { $ref: '#/components/securitySchemes/a' }, b: 'x', c: { type: 3 } } },
    },
  ];
  for (const doc of docs) {
    const a = await analyze(doc);
    assert.ok(a.issues.length > 0, JSON.stringify(doc));
    assert.ok(a.issues.every((i) => typeof i.at.pointer === 'string' && typeof i.reason === 'string'));
    JSON.stringify(toSecurityModel(a));
  }
});

// ---------------------------------------------------------------- property

const refs = fc.constantFrom(
  '#/components/securitySchemes/a',
  '#/components/securitySchemes/b',
  '#/components/securitySchemes/missing',
  '#/servers',
  '#/info',
  'other.yml#/x',
);
const scheme = fc.record(
  {
    type: fc.oneof(fc.constantFrom('X509', 'oauth2', 'userPassword'), fc.jsonValue()),
    scopes: fc.oneof(fc.array(fc.string(), { maxLength: 3 }), fc.jsonValue()),
  },
  { requiredKeys: ['type'] },
);
const item3 = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  scheme,
  fc.record({ $ref: fc.oneof(refs, fc.jsonValue({ maxDepth: 1 })) }),
  fc.record({ $ref: refs, scopes: fc.array(fc.string()) }),
);
const item2 = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.dictionary(
    fc.constantFrom('a', 'b', 'ghost', '__proto__'),
    fc.oneof(fc.array(fc.string(), { maxLength: 2 }), fc.jsonValue({ maxDepth: 1 })),
    { maxKeys: 3 },
  ),
);
const securityOf = <T>(item: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
  fc.option(fc.oneof(fc.array(item, { maxLength: 4 }), fc.jsonValue({ maxDepth: 1 })), { nil: undefined });
const componentSchemes = fc.record({
  a: fc.oneof(scheme, fc.jsonValue({ maxDepth: 1 })),
  b: fc.oneof(scheme, fc.record({ $ref: refs })),
});

function expectedCount(security: unknown): number {
  if (security === undefined) return 0;
  return Array.isArray(security) ? security.length : 1;
}

async function checkDocument(doc: { servers: Record<string, { security?: unknown }> }, text: string): Promise<void> {
  const a = buildAnalysis(await loadDocumentFromText(text, { file: 'property.json' }));
  for (const s of a.servers) {
    const raw = doc.servers[s.name]?.security;
    assert.equal(s.security.alternatives.length, expectedCount(raw), `server ${s.name}`);
    for (const alt of s.security.alternatives)
      for (const e of alt.entries) if (e.resolved) assert.ok(a.schemes.has(e.scheme), e.scheme);
  }
  const m = toSecurityModel(a);
  assert.deepEqual(JSON.parse(JSON.stringify(m)), m);
}

test('property: a present security list never shrinks; resolved entries name known schemes (3.x)', async (t) => {
  t.diagnostic(`fast-check seed ${seed}`);
  const doc = fc.record({
    asyncapi: fc.constant('3.0.0'),
    info: fc.constant({ title: 't' }),
    servers: fc.dictionary(
      fc.constantFrom('s1', 's2', 'x y'),
      fc.record({ host: fc.constant('h'), protocol: fc.constant('mqtt'), security: securityOf(item3) }),
      { maxKeys: 3 },
    ),
    components: fc.record({ securitySchemes: componentSchemes }),
  });
  await fc.assert(
    fc.asyncProperty(doc, (d) => checkDocument(d, JSON.stringify(d))),
    { numRuns: 150, seed },
  );
});

test('property: a present security list never shrinks; resolved entries name known schemes (2.x)', async (t) => {
  t.diagnostic(`fast-check seed ${seed}`);
  const doc = fc.record({
    asyncapi: fc.constant('2.6.0'),
    servers: fc.dictionary(
      fc.constantFrom('s1', 's2'),
      fc.record({ url: fc.constant('mqtt://h/p'), protocol: fc.constant('mqtt'), security: securityOf(item2) }),
      { maxKeys: 2 },
    ),
    components: fc.record({ securitySchemes: componentSchemes }),
  });
  await fc.assert(
    fc.asyncProperty(doc, (d) => checkDocument(d, JSON.stringify(d))),
    { numRuns: 150, seed },
  );
});

test('an unresolved entry never shares its name with a scheme of the model', async () => {
  // `apiKey` as a $ref is a relative file that does not exist; a component is also named apiKey.
  const a = await analyze({
    asyncapi: '3.0.0',
    servers: {
      s: {
        host: 'h',
        protocol: 'mqtt',
        security: [{ $ref: 'apiKey' }, { $ref: '#/components/securitySchemes/apiKey' }],
      },
    },
    components: { securitySchemes: { apiKey: { type: 'apiKey', in: 'user' } } },
  });
  const m = toSecurityModel(a);
  assert.deepEqual(m.servers[0]?.security, [
    [{ scheme: 'apiKey (unresolved)', scopes: [] }],
    [{ scheme: 'apiKey', scopes: [] }],
  ]);
  assert.equal(m.schemes['apiKey (unresolved)'], undefined);
  assert.deepEqual(
    a.issues.map((i) => [i.kind, i.subject]),
    [['scheme-ref-unresolved', 'apiKey']],
  );
});
