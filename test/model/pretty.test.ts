import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatModelPretty } from '../../src/model/pretty.js';
import type { SecurityModel } from '../../src/model/types.js';

const model: SecurityModel = {
  asyncapi: '3.0.0',
  schemes: {
    '/servers/ws/security/0': { type: 'httpApiKey', in: 'header', name: 'X-Key' },
    certs: { type: 'X509' },
    oauth: { type: 'oauth2', flows: { clientCredentials: {} } },
    userPass: { type: 'userPassword' },
  },
  servers: [
    {
      name: 'production',
      host: 'broker.example.com:8883',
      protocol: 'secure-mqtt',
      security: [
        [{ scheme: 'userPass', scopes: [] }],
        [
          { scheme: 'oauth', scopes: ['read', 'write'] },
          { scheme: 'certs', scopes: [] },
        ],
      ],
    },
    {
      name: 'ws',
      host: 'localhost:8080',
      pathname: '/ws',
      protocol: 'ws',
      security: [[{ scheme: '/servers/ws/security/0', scopes: [] }]],
    },
    { name: 'dev', host: 'dev.example.com', protocol: 'mqtt', protocolVersion: '3.1.1', security: [] },
  ],
  operations: [
    {
      id: 'sendLight',
      action: 'send',
      channel: 'light',
      address: 'lights/{id}/on',
      servers: ['production', 'ws'],
      security: [[{ scheme: 'oauth', scopes: ['write'] }]],
    },
    { id: 'receiveAny', action: 'receive', channel: 'any', address: null, servers: [], security: [] },
    {
      id: 'ghost',
      action: 'send',
      channel: 'g',
      address: 'g',
      servers: ['dev'],
      security: [[{ scheme: 'missing', scopes: [] }]],
    },
  ],
};

describe('model pretty printer', () => {
  it('prints servers with OR alternatives of AND entries, operations and schemes', () => {
    assert.equal(
      formatModelPretty(model, { color: false }),
      [
        'AsyncAPI 3.0.0 security model',
        '',
        'Servers (3)',
        '  production  secure-mqtt  broker.example.com:8883',
        '    security: any one of',
        '      1. userPass (userPassword)',
        '      2. oauth (oauth2) [read, write] AND certs (X509)',
        '  ws  ws  localhost:8080/ws',
        '    security: /servers/ws/security/0 (httpApiKey)',
        '  dev  mqtt 3.1.1  dev.example.com',
        '    security: none (anyone may connect)',
        '',
        'Operations (3)',
        '  sendLight  send',
        '    channel: light',
        '    address: lights/{id}/on',
        '    servers: production, ws',
        '    security: oauth (oauth2) [write]',
        '  receiveAny  receive',
        '    channel: any',
        '    address: unknown at design time (matches no topic)',
        '    servers: none',
        "    security: none beyond the server's",
        '  ghost  send',
        '    channel: g',
        '    address: g',
        '    servers: dev',
        '    security: missing (undefined scheme)',
        '',
        'Schemes (4)',
        '  /servers/ws/security/0  httpApiKey  in header X-Key',
        '  certs  X509',
        '  oauth  oauth2  flows: clientCredentials',
        '  userPass  userPassword',
        '',
      ].join('\n'),
    );
  });

  it('colors only when asked', () => {
    assert.equal(formatModelPretty(model, { color: false }).includes('\u001b'), false);
    assert.equal(formatModelPretty(model, { color: true }).includes('\u001b['), true);
  });

  it('never prints control characters from the document', () => {
    const hostile: SecurityModel = { ...model, servers: [{ ...model.servers[2]!, name: 'x\u001b[2J\u202e' }] };
    const out = formatModelPretty(hostile, { color: false });
    // eslint-disable-next-line no-control-regex -- the escape character must not reach the output
    assert.equal(/[\u001b\u202e]/.test(out), false);
  });

  it('prints an empty model', () => {
    const out = formatModelPretty({ asyncapi: '2.6.0', schemes: {}, servers: [], operations: [] }, { color: false });
    assert.equal(
      out,
      'AsyncAPI 2.6.0 security model\n\nServers (0)\n  none\n\nOperations (0)\n  none\n\nSchemes (0)\n  none\n',
    );
  });
});
