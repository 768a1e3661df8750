// The AsyncAPI documents the MQTT front tests serve.

import type { SecurityModel } from '../../../src/model/types.js';
import { modelFromYaml } from '../../guard/helpers.js';

// `broker`: userPassword OR apiKey in the CONNECT password. Clients publish status and commands,
// subscribe to status. `sealed`: userPassword, and the `vault` channel's publish needs symmetric
// encryption. `certs` (secure-mqtt): X509 client certificates. `tlsLogin` (mqtts): userPassword.
export const LIGHTS = `
asyncapi: 3.0.0
info: { title: Lights, version: '1' }
servers:
  broker:
    host: 127.0.0.1:1883
    protocol: mqtt
    security:
      - $ref: '#/components/securitySchemes/userPass'
      - $ref: '#/components/securitySchemes/apiKey'
  sealed:
    host: 127.0.0.1:1884
    protocol: mqtt
    security:
      - $ref: '#/components/securitySchemes/userPass'
  certs:
    host: 127.0.0.1:8883
    protocol: secure-mqtt
    security:
      - $ref: '#/components/securitySchemes/mtls'
  tlsLogin:
    host: 127.0.0.1:8884
    protocol: mqtts
    security:
      - $ref: '#/components/securitySchemes/userPass'
channels:
  status:
    address: 'lights/{id}/status'
    parameters: { id: {} }
  command:
    address: 'lights/{id}/command'
    parameters: { id: {} }
  vault:
    address: vault
    servers: [ { $ref: '#/servers/sealed' } ]
operations:
  sendStatus:
    action: send
    channel: { $ref: '#/channels/status' }
  receiveStatus:
    action: receive
    channel: { $ref: '#/channels/status' }
  sendCommand:
    action: send
    channel: { $ref: '#/channels/command' }
  sendVault:
    action: send
    channel: { $ref: '#/channels/vault' }
    security: [ { $ref: '#/components/securitySchemes/e2e' } ]
  receiveVault:
    action: receive
    channel: { $ref: '#/channels/vault' }
components:
  securitySchemes:
    userPass: { type: userPassword }
    apiKey: { type: apiKey, in: password }
    mtls: { type: X509 }
    e2e: { type: symmetricEncryption }
`;

/**
 * The LIGHTS model with only the servers named (so only their schemes need bindings), and
 * `sendCommand` needing the `admin` scope from the login (userPass) or the key.
 */
export async function lightsModel(servers: readonly string[]): Promise<SecurityModel> {
  const full = structuredClone(await modelFromYaml(LIGHTS));
  const model: SecurityModel = {
    ...full,
    servers: full.servers.filter((s) => servers.includes(s.name)),
    operations: full.operations
      .map((o) => ({ ...o, servers: o.servers.filter((s) => servers.includes(s)) }))
      .filter((o) => o.servers.length > 0),
  };
  const command = model.operations.find((o) => o.id === 'sendCommand');
  if (command === undefined) throw new Error('no sendCommand');
  command.security = [[{ scheme: 'userPass', scopes: ['admin'] }], [{ scheme: 'apiKey', scopes: ['admin'] }]];
  return model;
}

export const BINDINGS = { userPass: {}, apiKey: {}, e2e: {} } as const;
