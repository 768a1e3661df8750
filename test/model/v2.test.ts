import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDocumentFromText } from '../../src/document/load.js';
import { buildAnalysis, splitServerUrl, toSecurityModel } from '../../src/model/index.js';
import type { Analysis } from '../../src/model/index.js';

async function analyze(doc: object): Promise<Analysis> {
  return buildAnalysis(await loadDocumentFromText(JSON.stringify(doc), { file: 'v2-unit.json' }));
}

const components = {
  securitySchemes: {
    userPass: { type: 'userPassword' },
    certs: { type: 'X509' },
    oauth: {
      type: 'oauth2',
      flows: { clientCredentials: { tokenUrl: 'https://a.example/token', scopes: { read: 'r', write: 'w' } } },
    },
  },
};

test('2.x url: scheme prefix dropped, path kept out of host', () => {
  assert.deepEqual(splitServerUrl('mqtt://broker.example.com:1883/base'), {
    host: 'broker.example.com:1883',
    pathname: '/base',
  });
  assert.deepEqual(splitServerUrl('api.example.com:5672'), { host: 'api.example.com:5672' });
  assert.deepEqual(splitServerUrl('wss://ws.example.com'), { host: 'ws.example.com' });
  assert.deepEqual(splitServerUrl('api.example.com/v1/rtm'), { host: 'api.example.com', pathname: '/v1/rtm' });
  assert.deepEqual(splitServerUrl('{scheme}://{host}:{port}/x'), { host: '{host}:{port}', pathname: '/x' });
  assert.deepEqual(splitServerUrl('mqtt://host/'), { host: 'host', pathname: '/' });
});

test('2.x server: host, pathname, protocol and protocolVersion in the model', async () => {
  const a = await analyze({
    asyncapi: '2.6.0',
    servers: {
      broker: { url: 'mqtt://broker.example.com:1883/base', protocol: 'mqtt', protocolVersion: '3.1.1' },
      plain: { url: 'api.example.com:5672', protocol: 'amqp' },
    },
  });
  const m = toSecurityModel(a);
  assert.deepEqual(m.servers, [
    {
      name: 'broker',
      host: 'broker.example.com:1883',
      protocol: 'mqtt',
      protocolVersion: '3.1.1',
      pathname: '/base',
      security: [],
    },
    { name: 'plain', host: 'api.example.com:5672', protocol: 'amqp', security: [] },
  ]);
  assert.deepEqual(a.issues, []);
});

test('2.x: one Security Requirement Object is one AND alternative, keys in order', async () => {
  const a = await analyze({
    asyncapi: '2.6.0',
    servers: {
      s: { url: 'x', protocol: 'mqtt', security: [{ userPass: [], certs: [] }, { oauth: ['read', 'write'] }] },
    },
    components,
  });
  const m = toSecurityModel(a);
  assert.deepEqual(m.servers[0]?.security, [
    [
      { scheme: 'userPass', scopes: [] },
      { scheme: 'certs', scopes: [] },
    ],
    [{ scheme: 'oauth', scopes: ['read', 'write'] }],
  ]);
  const alt = a.servers[0]?.security.alternatives[0];
  assert.deepEqual(alt?.at.pointer, '/servers/s/security/0');
  assert.deepEqual(
    alt?.entries.map((e) => [e.at.pointer, e.schemeAt?.pointer, e.resolved]),
    [
      ['/servers/s/security/0/userPass', '/components/securitySchemes/userPass', true],
      ['/servers/s/security/0/certs', '/components/securitySchemes/certs', true],
    ],
  );
  assert.equal(a.servers[0]?.security.at?.pointer, '/servers/s/security');
});

test('2.x: an empty requirement object stays an (empty) alternative', async () => {
  const m = toSecurityModel(
    await analyze({
      asyncapi: '2.6.0',
      servers: { s: { url: 'x', protocol: 'mqtt', security: [{ certs: [] }, {}] } },
      components,
    }),
  );
  assert.deepEqual(m.servers[0]?.security, [[{ scheme: 'certs', scopes: [] }], []]);
});

test('2.x: a scheme missing from components is kept unresolved and reported scheme-undefined', async () => {
  const a = await analyze({
    asyncapi: '2.6.0',
    servers: { s: { url: 'x', protocol: 'mqtt', security: [{ ghost: ['a'] }, { certs: [] }] } },
    components,
  });
  const entry = a.servers[0]?.security.alternatives[0]?.entries[0];
  assert.deepEqual(
    { ...entry, at: entry?.at.pointer },
    { scheme: 'ghost', scopes: ['a'], at: '/servers/s/security/0/ghost', resolved: false, ignoredSiblings: [] },
  );
  assert.deepEqual(
    a.issues.map((i) => [i.kind, i.subject, i.at.pointer]),
    [['scheme-undefined', 'ghost', '/servers/s/security/0/ghost']],
  );
  const m = toSecurityModel(a);
  assert.deepEqual(m.servers[0]?.security, [[{ scheme: 'ghost', scopes: ['a'] }], [{ scheme: 'certs', scopes: [] }]]);
  assert.equal(m.schemes.ghost, undefined);
});

test(
  '2.x: a components entry whose $ref does not resolve ' + 'is reported, and requirements naming it stay unresolved',
  async () => {
    const a = await analyze({
      asyncapi: '2.6.0',
      servers: { s: { url: 'x', protocol: 'mqtt', security: [{ broken: [] }] } },
      components: { securitySchemes: { broken: { $ref: '#/components/securitySchemes/nowhere' } } },
    });
    assert.deepEqual(
      a.issues.map((i) => [i.kind, i.subject, i.at.pointer]),
      [['scheme-ref-unresolved', '#/components/securitySchemes/nowhere', '/components/securitySchemes/broken']],
    );
    assert.equal(a.servers[0]?.security.alternatives[0]?.entries[0]?.resolved, false);
    assert.equal(a.schemes.has('broken'), false);
  },
);

test(
  '2.x operations: publish → receive, subscribe → send; channel key is channel and address; id is operationId ' +
    'or pointer',
  async () => {
    const m = toSecurityModel(
      await analyze({
        asyncapi: '2.6.0',
        servers: { a: { url: 'a', protocol: 'mqtt' }, b: { url: 'b', protocol: 'mqtt' } },
        channels: {
          'user/signedup': { publish: { message: {} }, subscribe: { operationId: 'onSignup', message: {} } },
        },
      }),
    );
    assert.deepEqual(m.operations, [
      {
        id: '/channels/user~1signedup/publish',
        action: 'receive',
        channel: 'user/signedup',
        address: 'user/signedup',
        servers: ['a', 'b'],
        security: [],
      },
      {
        id: 'onSignup',
        action: 'send',
        channel: 'user/signedup',
        address: 'user/signedup',
        servers: ['a', 'b'],
        security: [],
      },
    ]);
  },
);

test('2.x channel servers: the listed names; absent or empty = every server', async () => {
  const m = toSecurityModel(
    await analyze({
      asyncapi: '2.6.0',
      servers: {
        a: { url: 'a', protocol: 'mqtt' },
        b: { url: 'b', protocol: 'mqtt' },
        c: { url: 'c', protocol: 'mqtt' },
      },
      channels: {
        listed: { servers: ['c', 'a'], publish: {} },
        empty: { servers: [], publish: {} },
        absent: { publish: {} },
      },
    }),
  );
  assert.deepEqual(
    m.operations.map((o) => [o.channel, o.servers]),
    [
      ['listed', ['c', 'a']],
      ['empty', ['a', 'b', 'c']],
      ['absent', ['a', 'b', 'c']],
    ],
  );
});

test('2.x operation security (2.4.0+) with AND alternatives', async () => {
  const a = await analyze({
    asyncapi: '2.4.0',
    channels: { c: { subscribe: { security: [{ oauth: ['read'], certs: [] }] } } },
    components,
  });
  assert.deepEqual(toSecurityModel(a).operations[0]?.security, [
    [
      { scheme: 'oauth', scopes: ['read'] },
      { scheme: 'certs', scopes: [] },
    ],
  ]);
  assert.equal(a.operations[0]?.securitySource, 'operation');
  assert.equal(a.operations[0]?.at.pointer, '/channels/c/subscribe');
});

test('2.x: a channel item that is a $ref is followed', async () => {
  const m = toSecurityModel(
    await analyze({
      asyncapi: '2.6.0',
      channels: { orders: { $ref: '#/components/channels/orders' } },
      components: {
        ...components,
        channels: { orders: { subscribe: { operationId: 'pushOrders', security: [{ certs: [] }] } } },
      },
    }),
  );
  assert.deepEqual(
    m.operations.map((o) => [o.id, o.action, o.channel, o.security]),
    [['pushOrders', 'send', 'orders', [[{ scheme: 'certs', scopes: [] }]]]],
  );
});
