import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadDocument, loadDocumentFromText } from '../../src/document/load.js';
import { buildAnalysis, toSecurityModel } from '../../src/model/index.js';
import type { Analysis } from '../../src/model/index.js';

async function analyze(doc: object): Promise<Analysis> {
  return buildAnalysis(await loadDocumentFromText(JSON.stringify(doc), { file: 'v3-unit.json' }));
}

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/model/${name}`, import.meta.url));

const oauth = {
  type: 'oauth2',
  flows: { clientCredentials: { tokenUrl: 'https://a.example/token', availableScopes: { read: 'r', write: 'w' } } },
  scopes: ['read'],
};

test('3.x $ref item: named by its components key, scopes from the referenced scheme', async () => {
  const a = await analyze({
    asyncapi: '3.0.0',
    servers: { s: { host: 'h', protocol: 'mqtt', security: [{ $ref: '#/components/securitySchemes/oauth' }] } },
    components: { securitySchemes: { oauth } },
  });
  const entry = a.servers[0]?.security.alternatives[0]?.entries[0];
  assert.equal(entry?.scheme, 'oauth');
  assert.deepEqual(entry?.scopes, ['read']);
  assert.equal(entry?.at.pointer, '/servers/s/security/0');
  assert.equal(entry?.schemeAt?.pointer, '/components/securitySchemes/oauth');
  assert.equal(entry?.resolved, true);
  assert.deepEqual(toSecurityModel(a).schemes, { oauth });
  assert.equal(a.schemes.get('oauth')?.component, true);
});

test('3.x: keys beside $ref are ignored and recorded as ignoredSiblings', async () => {
  const a = await analyze({
    asyncapi: '3.0.0',
    servers: {
      s: {
        host: 'h',
        protocol: 'mqtt',
        security: [{ $ref: '#/components/securitySchemes/oauth', scopes: ['write'], description: 'x' }],
      },
    },
    components: { securitySchemes: { oauth } },
  });
  const entry = a.servers[0]?.security.alternatives[0]?.entries[0];
  assert.deepEqual(entry?.scopes, ['read']);
  assert.deepEqual(
    entry?.ignoredSiblings.map((s) => [s.key, s.at.pointer]),
    [
      ['scopes', '/servers/s/security/0/scopes'],
      ['description', '/servers/s/security/0/description'],
    ],
  );
});

test('3.x: a components entry that is itself a $ref keeps its own name', async () => {
  const a = await analyze({
    asyncapi: '3.0.0',
    servers: {
      s: {
        host: 'h',
        protocol: 'mqtt',
        security: [{ $ref: '#/components/securitySchemes/alias' }, { $ref: '#/components/securitySchemes/oauth' }],
      },
    },
    components: { securitySchemes: { alias: { $ref: '#/components/securitySchemes/oauth' }, oauth } },
  });
  assert.deepEqual(toSecurityModel(a).servers[0]?.security, [
    [{ scheme: 'alias', scopes: ['read'] }],
    [{ scheme: 'oauth', scopes: ['read'] }],
  ]);
  assert.equal(a.schemes.get('alias')?.at.pointer, '/components/securitySchemes/oauth');
});

test('3.x inline schemes are named by their JSON pointer', async () => {
  const a = await analyze({
    asyncapi: '3.0.0',
    servers: { ws: { host: 'h', protocol: 'ws', security: [{ type: 'http', scheme: 'bearer' }] } },
    channels: { c: { address: 'c' } },
    operations: { pub: { action: 'send', channel: { $ref: '#/channels/c' }, security: [{ type: 'X509' }, oauth] } },
  });
  const m = toSecurityModel(a);
  assert.deepEqual(m.servers[0]?.security, [[{ scheme: '/servers/ws/security/0', scopes: [] }]]);
  assert.deepEqual(m.operations[0]?.security, [
    [{ scheme: '/operations/pub/security/0', scopes: [] }],
    [{ scheme: '/operations/pub/security/1', scopes: ['read'] }],
  ]);
  assert.deepEqual(Object.keys(m.schemes), [
    '/operations/pub/security/0',
    '/operations/pub/security/1',
    '/servers/ws/security/0',
  ]);
  assert.equal(a.schemes.get('/servers/ws/security/0')?.component, false);
});

test('3.x: a server from components.servers; its inline scheme is named where it is written', async () => {
  const a = await analyze({
    asyncapi: '3.0.0',
    servers: { prod: { $ref: '#/components/servers/prod' } },
    components: {
      servers: {
        prod: {
          host: 'h:1',
          protocol: 'mqtt',
          pathname: '/p',
          protocolVersion: '5',
          security: [{ type: 'userPassword' }],
        },
      },
    },
  });
  assert.deepEqual(toSecurityModel(a).servers, [
    {
      name: 'prod',
      host: 'h:1',
      protocol: 'mqtt',
      protocolVersion: '5',
      pathname: '/p',
      security: [[{ scheme: '/components/servers/prod/security/0', scopes: [] }]],
    },
  ]);
  assert.equal(a.servers[0]?.at.pointer, '/components/servers/prod');
});

test('3.x: a $ref to something outside components.securitySchemes is named by the place it resolves to', async () => {
  const a = await analyze({
    asyncapi: '3.0.0',
    servers: {
      a: { host: 'h', protocol: 'ws', security: [{ type: 'http', scheme: 'basic' }] },
      b: { host: 'h', protocol: 'ws', security: [{ $ref: '#/servers/a/security/0' }] },
    },
  });
  assert.deepEqual(toSecurityModel(a).servers[1]?.security, [[{ scheme: '#/servers/a/security/0', scopes: [] }]]);
});

test('3.x: an unresolved $ref item is kept (resolved: false, named by its ref) and reported', async () => {
  const a = await analyze({
    asyncapi: '3.0.0',
    servers: {
      s: {
        host: 'h',
        protocol: 'mqtt',
        security: [{ $ref: '#/components/securitySchemes/missing' }, { type: 'X509' }],
      },
    },
  });
  const entries = a.servers[0]?.security.alternatives.map((alt) => alt.entries[0]);
  assert.deepEqual(
    entries?.map((e) => [e?.scheme, e?.resolved]),
    [
      ['#/components/securitySchemes/missing', false],
      ['/servers/s/security/1', true],
    ],
  );
  assert.equal(entries?.[0]?.schemeAt, undefined);
  assert.deepEqual(
    a.issues.map((i) => [i.kind, i.subject, i.at.pointer]),
    [['scheme-ref-unresolved', '#/components/securitySchemes/missing', '/servers/s/security/0']],
  );
  assert.equal(toSecurityModel(a).servers[0]?.security.length, 2);
});

test(
  '3.x: a $ref to something that is not a scheme is ' + 'kept unresolved and reported scheme-ref-not-scheme',
  async () => {
    const a = await analyze({
      asyncapi: '3.0.0',
      info: { title: 't' },
      servers: { s: { host: 'h', protocol: 'mqtt', security: [{ $ref: '#/info' }] } },
    });
    assert.deepEqual(
      a.issues.map((i) => [i.kind, i.subject]),
      [['scheme-ref-not-scheme', '#/info']],
    );
    assert.deepEqual(toSecurityModel(a).servers[0]?.security, [[{ scheme: '#/info', scopes: [] }]]);
  },
);

test('3.x operation: action, channel key, address and servers from the channel', async () => {
  const m = toSecurityModel(
    await analyze({
      asyncapi: '3.0.0',
      servers: {
        a: { host: 'a', protocol: 'mqtt' },
        b: { host: 'b', protocol: 'mqtt' },
        c: { host: 'c', protocol: 'mqtt' },
      },
      channels: {
        listed: { address: 'x/{id}', servers: [{ $ref: '#/servers/c' }, { $ref: '#/servers/a' }] },
        nullAddress: { address: null, servers: [] },
        noAddress: {},
      },
      operations: {
        one: { action: 'receive', channel: { $ref: '#/channels/listed' } },
        two: { action: 'send', channel: { $ref: '#/channels/nullAddress' } },
        three: { action: 'send', channel: { $ref: '#/channels/noAddress' } },
      },
    }),
  );
  assert.deepEqual(m.operations, [
    { id: 'one', action: 'receive', channel: 'listed', address: 'x/{id}', servers: ['c', 'a'], security: [] },
    { id: 'two', action: 'send', channel: 'nullAddress', address: null, servers: ['a', 'b', 'c'], security: [] },
    { id: 'three', action: 'send', channel: 'noAddress', address: null, servers: ['a', 'b', 'c'], security: [] },
  ]);
});

test('3.x: an operation channel elsewhere than #/channels is named by the last token of its ref', async () => {
  const a = await analyze({
    asyncapi: '3.0.0',
    operations: { op: { action: 'send', channel: { $ref: '#/components/channels/shared' } } },
    components: { channels: { shared: { address: 'shared/topic' } } },
  });
  assert.deepEqual(
    a.operations.map((o) => [o.channel, o.address]),
    [['shared', 'shared/topic']],
  );
});

test('3.x: a channel server ref that names no root server is kept as its ref (never widened to all)', async () => {
  const a = await analyze({
    asyncapi: '3.0.0',
    servers: { a: { host: 'a', protocol: 'mqtt' } },
    channels: { c: { address: 'c', servers: [{ $ref: '#/servers/gone' }] } },
    operations: { op: { action: 'send', channel: { $ref: '#/channels/c' } } },
  });
  assert.deepEqual(a.operations[0]?.servers, ['#/servers/gone']);
  assert.equal(a.issues.filter((i) => i.kind === 'structure').length, 1);
});

test('3.x: an operation whose action is neither send nor receive is left out with a structure issue', async () => {
  const a = await analyze({
    asyncapi: '3.0.0',
    channels: { c: { address: 'c' } },
    operations: {
      bad: { action: 'publish', channel: { $ref: '#/channels/c' } },
      good: { action: 'send', channel: { $ref: '#/channels/c' } },
    },
  });
  assert.deepEqual(
    a.operations.map((o) => o.id),
    ['good'],
  );
  assert.deepEqual(
    a.issues.map((i) => [i.kind, i.subject, i.at.pointer]),
    [['structure', 'bad', '/operations/bad/action']],
  );
});

test(
  '3.x external file: components of another file keep ' + 'their key unless taken; other places use file#pointer',
  async () => {
    const doc = await loadDocument(fixture('v3-external.yml'));
    const a = buildAnalysis(doc);
    const m = toSecurityModel(a);
    assert.deepEqual(m.servers[0]?.security, [
      [{ scheme: 'scram', scopes: [] }],
      [{ scheme: 'shared-schemes.yml#/components/securitySchemes/certs', scopes: [] }],
      [{ scheme: 'shared-schemes.yml#/oauthReadOnly', scopes: ['events:read'] }],
      [{ scheme: 'gss', scopes: [] }],
    ]);
    assert.deepEqual(Object.keys(m.schemes), [
      'certs',
      'gss',
      'scram',
      'shared-schemes.yml#/components/securitySchemes/certs',
      'shared-schemes.yml#/oauthReadOnly',
    ]);
    assert.equal(m.schemes.certs?.description, "The root file's own certs scheme (different from the shared one).");
    assert.equal(
      m.schemes['shared-schemes.yml#/components/securitySchemes/certs']?.description,
      'The shared certs scheme.',
    );
    const shared = fixture('shared-schemes.yml');
    const scram = a.servers[0]?.security.alternatives[0]?.entries[0];
    assert.deepEqual(scram?.at, { file: doc.root.uri, pointer: '/servers/prod/security/0' });
    assert.deepEqual(scram?.schemeAt, { file: shared, pointer: '/components/securitySchemes/scram' });
    assert.deepEqual(a.schemes.get('gss'), {
      name: 'gss',
      scheme: { type: 'gssapi' },
      at: { file: shared, pointer: '/components/securitySchemes/kerberos' },
      component: true,
    });
    assert.deepEqual(a.issues, []);
  },
);

test('3.x: nested $refs inside a scheme (e.g. flows) are resolved in the model copy', async () => {
  const m = toSecurityModel(
    await analyze({
      asyncapi: '3.0.0',
      servers: { s: { host: 'h', protocol: 'mqtt', security: [{ $ref: '#/components/securitySchemes/o' }] } },
      components: { securitySchemes: { o: { type: 'oauth2', flows: { $ref: '#/x-flows' } } } },
      'x-flows': { implicit: { authorizationUrl: 'https://a.example', availableScopes: {} } },
    }),
  );
  assert.deepEqual(m.schemes.o, {
    type: 'oauth2',
    flows: { implicit: { authorizationUrl: 'https://a.example', availableScopes: {} } },
  });
});
