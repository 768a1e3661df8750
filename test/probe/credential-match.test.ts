import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  credentialPlace,
  principalsForByCredential,
  satisfiesByCredential,
  serverPrincipalsByCredential,
} from '../../src/probe/credential-match.js';
import type { TestPrincipal } from '../../src/probe/types.js';
import { contextFor } from './helpers.js';

// A 3.x document asks for scopes with a second scheme object of the same type: userPassAdmin reads the same
// password as userPass.
const DOC = `asyncapi: 3.0.0
info: { title: t, version: '1' }
servers:
  broker:
    host: 127.0.0.1:5672
    protocol: amqp
    security: [{ $ref: '#/components/securitySchemes/userPass' }, { $ref: '#/components/securitySchemes/key' }]
channels:
  dim: { address: dim }
operations:
  sendDim:
    action: send
    channel: { $ref: '#/channels/dim' }
    security: [{ $ref: '#/components/securitySchemes/userPassAdmin' }]
components:
  securitySchemes:
    userPass: { type: userPassword }
    userPassAdmin: { type: userPassword, scopes: [admin] }
    key: { type: apiKey, in: password }
`;

const alice: TestPrincipal = { name: 'alice', scheme: 'userPass', scopes: ['admin'], password: 'a' };
const bob: TestPrincipal = { name: 'bob', scheme: 'userPass', scopes: [], password: 'b' };
const device: TestPrincipal = { name: 'device', scheme: 'key', scopes: ['admin'], apiKey: 'k' };
const filedUnderAdmin: TestPrincipal = { name: 'root', scheme: 'userPassAdmin', scopes: ['admin'], password: 'r' };

test('credentialPlace: schemes reading the same credential share a key; others do not', () => {
  assert.equal(credentialPlace({ type: 'userPassword' }), credentialPlace({ type: 'userPassword', scopes: ['x'] }));
  assert.notEqual(credentialPlace({ type: 'apiKey', in: 'user' }), credentialPlace({ type: 'apiKey', in: 'password' }));
  assert.notEqual(
    credentialPlace({ type: 'httpApiKey', in: 'header', name: 'X-A' }),
    credentialPlace({ type: 'httpApiKey', in: 'header', name: 'X-B' }),
  );
  assert.equal(credentialPlace({ type: 'http', scheme: 'Bearer' }), 'http:bearer');
  assert.equal(credentialPlace({ type: 'symmetricEncryption' }), null);
  assert.equal(credentialPlace(undefined), null);
});

test('a password under userPass satisfies userPassAdmin when it holds the scope; an API key never does', async () => {
  const principals = new Map([
    ['userPass', [bob, alice]],
    ['key', [device]],
    ['userPassAdmin', [filedUnderAdmin]],
  ]);
  const { ctx } = await contextFor(DOC, { server: 'broker', port: 1, principals });
  const op = ctx.operations[0]!;
  assert.equal(satisfiesByCredential(ctx, alice, op.security), true);
  assert.equal(satisfiesByCredential(ctx, bob, op.security), false);
  assert.equal(satisfiesByCredential(ctx, device, op.security), false);
  // Filed under the operation's scheme, root's password still gets onto the server (userPass reads it too).
  assert.deepEqual(
    serverPrincipalsByCredential(ctx).map((p) => p.name),
    ['bob', 'alice', 'device', 'root'],
  );
  const { allowed, lacking } = principalsForByCredential(ctx, op);
  assert.equal(allowed?.name, 'alice');
  assert.equal(lacking?.name, 'bob');
});
