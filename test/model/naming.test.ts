import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadDocument, loadDocumentFromText } from '../../src/document/load.js';
import { buildAnalysis, toSecurityModel } from '../../src/model/index.js';
import { fileLabel } from '../../src/model/naming.js';
import type { SourceFile } from '../../src/document/types.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/model/${name}`, import.meta.url));

test(
  'naming: another file’s component keeps its key when ' + 'free; a second one of that key gets its ref form',
  async () => {
    const a = buildAnalysis(await loadDocument(fixture('v3-external-collisions.yml')));
    const m = toSecurityModel(a);
    assert.deepEqual(Object.keys(m.schemes), [
      'oauth',
      'team-b/schemes.yml#/components/securitySchemes/oauth',
      'viaTeamA',
    ]);
    assert.deepEqual(
      m.servers.map((s) => s.security),
      [
        [[{ scheme: 'oauth', scopes: ['a:read'] }]],
        [
          [{ scheme: 'team-b/schemes.yml#/components/securitySchemes/oauth', scopes: ['b:write'] }],
          [{ scheme: 'oauth', scopes: ['a:read'] }],
        ],
      ],
    );
    // A components entry of another file that is a $ref keeps its own key, like a root alias.
    assert.deepEqual(m.operations[0]?.security, [[{ scheme: 'viaTeamA', scopes: ['a:read'] }]]);
    assert.deepEqual(a.schemes.get('viaTeamA')?.at, a.schemes.get('oauth')?.at);
    assert.equal(a.schemes.get('oauth')?.at.file, fixture('team-a/schemes.yml'));
    assert.equal(a.schemes.get('oauth')?.component, false);
  },
);

test('naming: the root file’s components always win the plain name', async () => {
  const a = buildAnalysis(await loadDocument(fixture('v3-external.yml')));
  assert.equal(a.schemes.get('certs')?.at.file, a.servers[0]?.at.file);
  assert.ok(a.schemes.has('shared-schemes.yml#/components/securitySchemes/certs'));
});

test(
  'naming: a pathological component key equal to an ' + 'inline pointer never makes two schemes share a name',
  async () => {
    const doc = {
      asyncapi: '3.0.0',
      servers: {
        s: {
          host: 'h',
          protocol: 'mqtt',
          security: [{ type: 'X509' }, { $ref: '#/components/securitySchemes/~1servers~1s~1security~10' }],
        },
      },
      components: { securitySchemes: { '/servers/s/security/0': { type: 'userPassword' } } },
    };
    const a = buildAnalysis(await loadDocumentFromText(JSON.stringify(doc), { file: 'naming-unit.json' }));
    const m = toSecurityModel(a);
    assert.deepEqual(m.servers[0]?.security, [
      [{ scheme: '/servers/s/security/0 (2)', scopes: [] }],
      [{ scheme: '/servers/s/security/0', scopes: [] }],
    ]);
    assert.deepEqual(m.schemes['/servers/s/security/0'], { type: 'userPassword' });
    assert.deepEqual(m.schemes['/servers/s/security/0 (2)'], { type: 'X509' });
  },
);

test('naming: an inline scheme reached by several operations through one trait is one scheme', async () => {
  const doc = {
    asyncapi: '3.0.0',
    channels: { c: { address: 'c' } },
    operations: {
      a: { action: 'send', channel: { $ref: '#/channels/c' }, traits: [{ $ref: '#/components/operationTraits/t' }] },
      b: { action: 'receive', channel: { $ref: '#/channels/c' }, traits: [{ $ref: '#/components/operationTraits/t' }] },
    },
    components: { operationTraits: { t: { security: [{ type: 'http', scheme: 'bearer' }] } } },
  };
  const m = toSecurityModel(
    buildAnalysis(await loadDocumentFromText(JSON.stringify(doc), { file: 'naming-unit.json' })),
  );
  assert.deepEqual(Object.keys(m.schemes), ['/components/operationTraits/t/security/0']);
  assert.deepEqual(
    m.operations.map((o) => o.security),
    [
      [[{ scheme: '/components/operationTraits/t/security/0', scopes: [] }]],
      [[{ scheme: '/components/operationTraits/t/security/0', scopes: [] }]],
    ],
  );
});

test('fileLabel: relative to the root file’s folder with forward slashes; remote files keep their URL', () => {
  const file = (uri: string): SourceFile => ({ uri, displayName: uri, text: '', value: null, ranges: new Map() });
  assert.equal(fileLabel(file('/p/docs/api.yml'), file('/p/docs/common/schemes.yml')), 'common/schemes.yml');
  assert.equal(fileLabel(file('/p/docs/api.yml'), file('/p/common/schemes.yml')), '../common/schemes.yml');
  assert.equal(
    fileLabel(file('/p/docs/api.yml'), file('https://example.com/schemes.yml')),
    'https://example.com/schemes.yml',
  );
});
