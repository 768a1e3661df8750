import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadDocument, loadDocumentFromText } from '../../src/document/load.js';
import { buildAnalysis, toSecurityModel } from '../../src/model/index.js';
import type { Analysis, AnalyzedOperation } from '../../src/model/index.js';

async function analyze(doc: object): Promise<Analysis> {
  return buildAnalysis(await loadDocumentFromText(JSON.stringify(doc), { file: 'traits-unit.json' }));
}

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/model/${name}`, import.meta.url));

function summary(a: Analysis): Record<string, [AnalyzedOperation['securitySource'], string[][]]> {
  const m = toSecurityModel(a);
  return Object.fromEntries(
    a.operations.map((o, i) => [
      o.id,
      [
        o.securitySource,
        (m.operations[i]?.security ?? []).map((alt) => alt.map((e) => `${e.scheme}[${e.scopes.join(',')}]`)),
      ],
    ]),
  );
}

const schemes2 = {
  securitySchemes: {
    scram: { type: 'scramSha512' },
    oauth: {
      type: 'oauth2',
      flows: { clientCredentials: { tokenUrl: 'https://a.example/t', scopes: { r: '', w: '' } } },
    },
  },
};

test('3.x traits: the operation beats its traits; otherwise the last trait with security wins', async () => {
  const a = buildAnalysis(await loadDocument(fixture('v3-traits.yml')));
  assert.deepEqual(summary(a), {
    ownWins: ['operation', [['userPass[]']]],
    lastTraitWins: ['trait', [['/components/operationTraits/inlineRead/security/0[orders:read]'], ['userPass[]']]],
    inlineTraitOnly: ['trait', [['/operations/inlineTraitOnly/traits/0/security/0[]']]],
  });
  const last = a.operations[1];
  assert.equal(last?.security.at?.pointer, '/components/operationTraits/inlineRead/security');
  assert.equal(
    last?.security.alternatives[0]?.entries[0]?.schemeAt?.pointer,
    '/components/operationTraits/inlineRead/security/0',
  );
});

test('3.x traits: an empty own security list still beats the traits (no requirement)', async () => {
  const a = await analyze({
    asyncapi: '3.0.0',
    channels: { c: { address: 'c' } },
    operations: {
      op: {
        action: 'send',
        channel: { $ref: '#/channels/c' },
        security: [],
        traits: [{ security: [{ type: 'X509' }] }],
      },
    },
  });
  assert.deepEqual(summary(a), { op: ['operation', []] });
});

test('2.x traits: a trait beats the operation (JSON Merge Patch, arrays replaced); the last one wins', async () => {
  const a = buildAnalysis(await loadDocument(fixture('v2-traits.yml')));
  assert.deepEqual(summary(a), {
    consumeOrders: ['trait', [['oauth[orders:write]']]],
    produceOrders: ['operation', [['oauth[orders:read]']]],
    consumeInvoices: ['trait', [['scram[]'], ['oauth[invoices:admin]']]],
    renamedByTrait: ['none', []],
  });
});

test('2.x traits: an inline trait overrides the operation, and can set operationId', async () => {
  const a = await analyze({
    asyncapi: '2.6.0',
    channels: {
      c: {
        publish: {
          operationId: 'mine',
          security: [{ scram: [] }],
          traits: [{ operationId: 'theirs', security: [{ oauth: ['w'] }] }],
        },
      },
    },
    components: schemes2,
  });
  assert.deepEqual(summary(a), { theirs: ['trait', [['oauth[w]']]] });
});

test('an unresolved trait that could decide the security fails closed (both versions)', async () => {
  const v3 = await analyze({
    asyncapi: '3.0.0',
    channels: { c: { address: 'c' } },
    operations: {
      op: {
        action: 'send',
        channel: { $ref: '#/channels/c' },
        traits: [{ security: [{ type: 'X509' }] }, { $ref: '#/components/operationTraits/gone' }],
      },
    },
  });
  assert.deepEqual(summary(v3), { op: ['trait', [['#/components/operationTraits/gone[]']]] });
  assert.equal(v3.operations[0]?.security.alternatives[0]?.entries[0]?.resolved, false);
  assert.deepEqual(
    v3.issues.map((i) => [i.kind, i.at.pointer]),
    [['structure', '/operations/op/traits/1']],
  );

  const v2 = await analyze({
    asyncapi: '2.6.0',
    channels: {
      c: {
        publish: {
          operationId: 'op',
          security: [{ scram: [] }],
          traits: [{ $ref: '#/components/operationTraits/gone' }],
        },
      },
    },
    components: schemes2,
  });
  assert.deepEqual(summary(v2), { op: ['trait', [['#/components/operationTraits/gone[]']]] });
});

test('an unresolved trait that cannot decide the security changes nothing', async () => {
  // 3.x: the operation's own security wins over every trait, readable or not.
  const v3 = await analyze({
    asyncapi: '3.0.0',
    channels: { c: { address: 'c' } },
    operations: {
      op: {
        action: 'send',
        channel: { $ref: '#/channels/c' },
        security: [{ type: 'X509' }],
        traits: [{ $ref: '#/nowhere' }],
      },
    },
  });
  assert.deepEqual(summary(v3), { op: ['operation', [['/operations/op/security/0[]']]] });
  // 2.x: a later trait with security overrides whatever the unreadable one held.
  const v2 = await analyze({
    asyncapi: '2.6.0',
    channels: { c: { publish: { operationId: 'op', traits: [{ $ref: '#/nowhere' }, { security: [{ scram: [] }] }] } } },
    components: schemes2,
  });
  assert.deepEqual(summary(v2), { op: ['trait', [['scram[]']]] });
});
