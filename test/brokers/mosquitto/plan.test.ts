// The mapping from a document and a store to Mosquitto's roles and clients (plan.ts), and the
// commands that bring a broker there (diff.ts): pure functions, tested without a broker.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { diffMosquitto } from '../../../src/brokers/mosquitto/diff.js';
import { MANAGED_TEXTNAME, planMosquitto, ROLE_PREFIX } from '../../../src/brokers/mosquitto/plan.js';
import type { CurrentState } from '../../../src/brokers/mosquitto/state.js';
import type { PrincipalRecord } from '../../../src/credentials/types.js';
import { BrokerError, ConfigError } from '../../../src/errors.js';
import { modelFromYaml } from '../../guard/helpers.js';

const DOC = `
asyncapi: 3.0.0
info: { title: Devices, version: '1' }
servers:
  production:
    host: 127.0.0.1:1883
    protocol: mqtt
    security:
      - $ref: '#/components/securitySchemes/userPass'
      - $ref: '#/components/securitySchemes/key'
  web:
    host: 127.0.0.1:8080
    protocol: ws
channels:
  status: { address: 'devices/{id}/status', parameters: { id: {} } }
  commands: { address: 'devices/{id}/commands', parameters: { id: {} } }
  named: { address: 'users/user-{id}', parameters: { id: {} } }
  unknown: { address: null }
operations:
  sendStatus: { action: send, channel: { $ref: '#/channels/status' } }
  receiveStatus: { action: receive, channel: { $ref: '#/channels/status' } }
  sendCommand:
    action: send
    channel: { $ref: '#/channels/commands' }
    security: [ { $ref: '#/components/securitySchemes/operatorPass' } ]
  sendByToken:
    action: send
    channel: { $ref: '#/channels/commands' }
    security: [ { $ref: '#/components/securitySchemes/jwt' } ]
  sendNamed: { action: send, channel: { $ref: '#/channels/named' } }
  sendUnknown: { action: send, channel: { $ref: '#/channels/unknown' } }
components:
  securitySchemes:
    userPass: { type: userPassword }
    operatorPass: { type: userPassword, scopes: ['devices:command'] }
    key: { type: apiKey, in: password }
    jwt: { type: http, scheme: bearer }
`;

const T = '2026-11-29T07:00:00.000Z';
const verifier = { salt: new Uint8Array(12), iterations: 4096, hash: new Uint8Array(64) };
function principal(name: string, scopes: string[] = [], extra: Partial<PrincipalRecord> = {}): PrincipalRecord {
  return { name, scopes, disabled: false, verifiers: {}, mosquitto: verifier, createdAt: T, updatedAt: T, ...extra };
}
const application = () => 'application' as const;
const options = { perspective: application, adminUser: 'admin' };

describe('planMosquitto', () => {
  it('one role per operation of the server, {param} → +, clients with the roles their scopes satisfy', async () => {
    const model = await modelFromYaml(DOC);
    const plan = planMosquitto(model, [principal('alice'), principal('bob', ['devices:command'])], options);
    assert.equal(plan.server, 'production');
    assert.deepEqual([...plan.roles.keys()].sort(), [
      `${ROLE_PREFIX}receiveStatus`,
      `${ROLE_PREFIX}sendCommand`,
      `${ROLE_PREFIX}sendStatus`,
    ]);
    assert.deepEqual(plan.roles.get(`${ROLE_PREFIX}sendStatus`)!.acls, [
      { acltype: 'publishClientSend', topic: 'devices/+/status', allow: true },
    ]);
    assert.deepEqual(
      plan.roles.get(`${ROLE_PREFIX}receiveStatus`)!.acls.map((a) => a.acltype),
      ['subscribePattern', 'publishClientReceive', 'unsubscribePattern'],
    );
    assert.deepEqual(plan.clients.get('alice')!.roles, [`${ROLE_PREFIX}receiveStatus`, `${ROLE_PREFIX}sendStatus`]);
    assert.deepEqual(plan.clients.get('bob')!.roles, [
      `${ROLE_PREFIX}receiveStatus`,
      `${ROLE_PREFIX}sendCommand`,
      `${ROLE_PREFIX}sendStatus`,
    ]);
    const notes = plan.notes.join('\n');
    assert.match(notes, /server production: scheme key \(apiKey\) cannot be checked/);
    assert.match(notes, /operation sendByToken: scheme jwt \(http\) cannot be checked/);
    assert.match(notes, /operation sendNamed: a parameter shares a level with text/);
    assert.match(notes, /operation sendUnknown: its channel has no address/);
  });

  it('the server perspective flips publish and subscribe', async () => {
    const model = await modelFromYaml(DOC);
    const plan = planMosquitto(model, [], { ...options, perspective: () => 'server' as const });
    assert.equal(plan.roles.get(`${ROLE_PREFIX}sendStatus`)!.acls[0]!.acltype, 'subscribePattern');
    assert.equal(plan.roles.get(`${ROLE_PREFIX}receiveStatus`)!.acls[0]!.acltype, 'publishClientSend');
  });

  it('the admin user, principals that may not connect, a missing verifier, a disabled principal', async () => {
    const model = await modelFromYaml(
      DOC.replace(
        "- $ref: '#/components/securitySchemes/userPass'",
        "- $ref: '#/components/securitySchemes/operatorPass'",
      ),
    );
    const plan = planMosquitto(
      model,
      [
        principal('admin', ['devices:command']),
        principal('alice'),
        principal('bob', ['devices:command'], { disabled: true }),
        principal('carol', ['devices:command'], { mosquitto: undefined, verifiers: { 'SHA-256': {} as never } }),
      ],
      options,
    );
    assert.deepEqual([...plan.clients.keys()].sort(), ['bob', 'carol'], 'alice lacks the server scope');
    assert.equal(plan.clients.get('bob')!.disabled, true);
    assert.equal(plan.clients.get('carol')!.verifier, null);
    assert.match(plan.notes.join('\n'), /principal admin has the admin user's name/);
    assert.match(plan.notes.join('\n'), /principal carol has no Mosquitto verifier/);
  });

  it('refuses a server without security, a non-MQTT server, an unknown one, and an ambiguous choice', async () => {
    const open = await modelFromYaml(DOC.replace(/ {4}security:\n( {6}- .*\n)+/, ''));
    assert.throws(
      () => planMosquitto(open, [], options),
      (e: unknown) => {
        assert.ok(e instanceof BrokerError);
        assert.equal(e.code, 'ERR_PROVISION_UNSUPPORTED');
        assert.match(e.message, /server production has no security/);
        return true;
      },
    );
    const model = await modelFromYaml(DOC);
    assert.throws(() => planMosquitto(model, [], { ...options, server: 'web' }), /not an MQTT server/);
    assert.throws(
      () => planMosquitto(model, [], { ...options, server: 'nope' }),
      (e: unknown) => e instanceof ConfigError,
    );
    const tokensOnly = await modelFromYaml(DOC.replace("- $ref: '#/components/securitySchemes/userPass'\n", ''));
    assert.throws(() => planMosquitto(tokensOnly, [], options), /no security alternative of server production/);
  });
});

describe('diffMosquitto', () => {
  const empty: CurrentState = { clients: new Map(), roles: new Map(), defaultAccess: {} };

  it('from an empty broker: defaults, roles before clients, a disabled client disabled before its roles', async () => {
    const model = await modelFromYaml(DOC);
    const plan = planMosquitto(model, [principal('bob', ['devices:command'], { disabled: true })], options);
    const { commands } = diffMosquitto(plan, empty);
    const names = commands.map((c) => c.command);
    assert.equal(names[0], 'setDefaultACLAccess');
    assert.ok(names.lastIndexOf('createRole') < names.indexOf('createClient'));
    assert.equal(names.indexOf('disableClient'), names.indexOf('createClient') + 1, 'disabled right after');
    assert.ok(!names.includes('addRoleACL') && !names.includes('addClientRole'), 'ACLs and roles inline');
  });

  it('a broker that matches the plan: no command (idempotent)', async () => {
    const model = await modelFromYaml(DOC);
    const plan = planMosquitto(model, [principal('alice'), principal('bob', ['devices:command'])], options);
    const current: CurrentState = {
      defaultAccess: { publishClientSend: false, publishClientReceive: false, subscribe: false, unsubscribe: false },
      roles: new Map(
        [...plan.roles.values()].map((r) => [
          r.rolename,
          { rolename: r.rolename, textname: MANAGED_TEXTNAME, acls: [...r.acls].reverse() },
        ]),
      ),
      clients: new Map(
        [...plan.clients.values()].map((c) => [
          c.username,
          { username: c.username, textname: MANAGED_TEXTNAME, roles: c.roles, disabled: false },
        ]),
      ),
    };
    assert.deepEqual(diffMosquitto(plan, current).commands, []);
  });

  it('changes only what differs; leaves hand-made clients and roles alone; deletes managed leftovers', async () => {
    const model = await modelFromYaml(DOC);
    const plan = planMosquitto(model, [principal('alice'), principal('dave')], options);
    const current: CurrentState = {
      defaultAccess: { publishClientSend: false, publishClientReceive: true, subscribe: false, unsubscribe: false },
      roles: new Map([
        [
          `${ROLE_PREFIX}sendStatus`,
          {
            rolename: `${ROLE_PREFIX}sendStatus`,
            textname: MANAGED_TEXTNAME,
            acls: [{ acltype: 'publishClientSend', topic: 'devices/#', allow: true }],
          },
        ],
        [`${ROLE_PREFIX}gone`, { rolename: `${ROLE_PREFIX}gone`, textname: MANAGED_TEXTNAME, acls: [] }],
        ['admin', { rolename: 'admin', textname: null, acls: [] }],
      ]),
      clients: new Map([
        ['alice', { username: 'alice', textname: MANAGED_TEXTNAME, roles: [`${ROLE_PREFIX}gone`], disabled: true }],
        ['dave', { username: 'dave', textname: 'made by hand', roles: [], disabled: false }],
        ['old', { username: 'old', textname: MANAGED_TEXTNAME, roles: [], disabled: false }],
        ['admin', { username: 'admin', textname: null, roles: ['admin'], disabled: false }],
      ]),
    };
    const diff = diffMosquitto(plan, current);
    const lines = diff.commands.map((c) => JSON.stringify(c));
    assert.ok(
      lines.includes('{"command":"setDefaultACLAccess","acls":[{"acltype":"publishClientReceive","allow":false}]}'),
    );
    assert.ok(lines.some((l) => l.includes('"removeRoleACL"') && l.includes('devices/#')));
    assert.ok(lines.some((l) => l.includes('"addRoleACL"') && l.includes('devices/+/status')));
    assert.ok(lines.includes(`{"command":"removeClientRole","username":"alice","rolename":"${ROLE_PREFIX}gone"}`));
    assert.ok(lines.includes('{"command":"enableClient","username":"alice"}'));
    assert.ok(lines.includes('{"command":"deleteClient","username":"old"}'));
    assert.ok(lines.includes(`{"command":"deleteRole","rolename":"${ROLE_PREFIX}gone"}`));
    assert.ok(!lines.some((l) => l.includes('"dave"') || l.includes('"admin"')), 'hand-made ones untouched');
    assert.match(diff.notes.join('\n'), /client dave exists and was not made by asyncapi-guard/);
    const names = diff.commands.map((c) => c.command);
    assert.ok(names.indexOf('enableClient') > names.lastIndexOf('addClientRole'), 'enabled after its roles are right');
  });
});
