// A large, realistic AsyncAPI 3.0.0 document for benchmarks: `operations` operations over
// operations/2 channels, four servers with different security, inline and referenced schemes,
// operation-level oauth2 scopes, and message payload schemas (so the schema validator has work).

export function generateLargeDocument(operations: number): string {
  const channels = Math.max(1, Math.floor(operations / 2));
  const out: string[] = [];
  out.push('asyncapi: 3.0.0', 'info:', '  title: Generated benchmark API', '  version: 1.0.0');
  out.push('servers:');
  out.push(
    '  mqtt:',
    '    host: broker.example.com:8883',
    '    protocol: secure-mqtt',
    '    security:',
    "      - $ref: '#/components/securitySchemes/userPass'",
    "      - $ref: '#/components/securitySchemes/certs'",
  );
  out.push(
    '  ws:',
    '    host: ws.example.com',
    '    protocol: wss',
    '    security:',
    "      - $ref: '#/components/securitySchemes/bearer'",
  );
  out.push(
    '  http:',
    '    host: api.example.com',
    '    protocol: https',
    '    security:',
    "      - $ref: '#/components/securitySchemes/key'",
  );
  out.push(
    '  kafka:',
    '    host: kafka.example.com:9093',
    '    protocol: kafka-secure',
    '    security:',
    "      - $ref: '#/components/securitySchemes/scram'",
  );
  out.push('channels:');
  for (let c = 0; c < channels; c++) {
    out.push(
      `  channel${c}:`,
      `    address: devices/{deviceId}/topic${c}`,
      '    parameters:',
      '      deviceId:',
      '        description: device id',
    );
    if (c % 3 === 0) out.push('    servers:', "      - $ref: '#/servers/mqtt'", "      - $ref: '#/servers/ws'");
    out.push('    messages:', `      message${c}:`, "        $ref: '#/components/messages/event'");
  }
  out.push('operations:');
  for (let o = 0; o < operations; o++) {
    const c = o % channels;
    out.push(
      `  op${o}:`,
      `    action: ${o % 2 === 0 ? 'send' : 'receive'}`,
      '    channel:',
      `      $ref: '#/channels/channel${c}'`,
      `    summary: Operation number ${o}`,
    );
    if (o % 4 === 0) {
      out.push(
        '    security:',
        '      - type: oauth2',
        '        flows:',
        '          clientCredentials:',
        '            tokenUrl: https://idp.example.com/token',
        '            availableScopes:',
        '              read: read',
        '              write: write',
        `        scopes: [${o % 8 === 0 ? 'write' : 'read'}]`,
      );
    }
  }
  out.push('components:', '  securitySchemes:');
  out.push(
    '    userPass:',
    '      type: userPassword',
    '    certs:',
    '      type: X509',
    '    bearer:',
    '      type: http',
    '      scheme: bearer',
    '      bearerFormat: JWT',
  );
  out.push(
    '    key:',
    '      type: httpApiKey',
    '      name: X-API-Key',
    '      in: header',
    '    scram:',
    '      type: scramSha512',
  );
  out.push(
    '  messages:',
    '    event:',
    '      name: event',
    '      contentType: application/json',
    '      payload:',
    '        type: object',
    '        properties:',
    '          id: { type: string, format: uuid }',
    '          value: { type: number }',
    '          at: { type: string, format: date-time }',
  );
  return out.join('\n') + '\n';
}
