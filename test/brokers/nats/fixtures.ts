// The AsyncAPI document the NATS callout tests and bench serve: userPassword OR an http bearer JWT
// on the server; status channels anyone connected may use; command channels that need the
// `admin` scope (login) or `lights:admin` (token); a request/reply channel.

import type { SecurityModel } from '../../../src/model/types.js';

export const NATS_DOC = `asyncapi: 3.0.0
info: { title: NATS lights, version: '1' }
servers:
  production:
    host: 127.0.0.1:4222
    protocol: nats
    security:
      - $ref: '#/components/securitySchemes/userPass'
      - $ref: '#/components/securitySchemes/token'
channels:
  status: { address: 'lights/{id}/status', parameters: { id: {} } }
  command: { address: 'lights.{id}.command', parameters: { id: {} } }
  time: { address: 'rpc.time' }
operations:
  sendStatus: { action: send, channel: { $ref: '#/channels/status' } }
  receiveStatus: { action: receive, channel: { $ref: '#/channels/status' } }
  sendCommand: { action: send, channel: { $ref: '#/channels/command' } }
  receiveCommand: { action: receive, channel: { $ref: '#/channels/command' } }
  askTime:
    action: send
    channel: { $ref: '#/channels/time' }
    reply: { address: { location: '$message.header#/replyTo' } }
  answerTime:
    action: receive
    channel: { $ref: '#/channels/time' }
    reply: { address: { location: '$message.header#/replyTo' } }
components:
  securitySchemes:
    userPass: { type: userPassword }
    token: { type: http, scheme: bearer, bearerFormat: JWT }
`;

/** The document's model with the command operations needing `admin` (login) or `lights:admin` (token). */
export function withAdminCommands(model: SecurityModel): SecurityModel {
  const m = structuredClone(model);
  for (const op of m.operations)
    if (op.id === 'sendCommand' || op.id === 'receiveCommand')
      op.security = [[{ scheme: 'userPass', scopes: ['admin'] }], [{ scheme: 'token', scopes: ['lights:admin'] }]];
  return m;
}
