import { securityServerUnsecured } from '../../../src/check/rules/security-server-unsecured.js';
import { ruleTester, v2, v3 } from '../rule-tester.js';

ruleTester(securityServerUnsecured, {
  valid: [
    {
      name: '3.x: server with security',
      doc: v3`
        servers:
          prod:
            host: broker.example.com
            protocol: secure-mqtt
            security:
              - type: userPassword
      `,
    },
    {
      name: '3.x: loopback servers need no security',
      doc: v3`
        servers:
          a:
            host: localhost:1883
            protocol: mqtt
          b:
            host: 127.0.0.1
            protocol: ws
          c:
            host: dev.localhost
            protocol: http
      `,
    },
    {
      name: '3.x: every operation on the server declares security',
      doc: v3`
        servers:
          prod:
            host: api.example.com
            protocol: https
        channels:
          c:
            address: c
        operations:
          pub:
            action: send
            channel:
              $ref: '#/channels/c'
            security:
              - type: httpApiKey
                name: key
                in: header
      `,
    },
    {
      name: '2.x: server with security',
      doc: v2`
        servers:
          prod:
            url: broker.example.com
            protocol: mqtt
            security:
              - user: []
        components:
          securitySchemes:
            user:
              type: userPassword
      `,
    },
  ],
  invalid: [
    {
      name: '3.x: server without a security field',
      doc: v3`
        servers:
          prod:
            host: broker.example.com
            protocol: secure-mqtt
      `,
      errors: [
        {
          messageId: 'unsecured',
          pointer: '/servers/prod',
          line: 4,
          data: { server: 'prod', host: 'broker.example.com' },
        },
      ],
    },
    {
      name: '3.x: empty security list, and 0.0.0.0 is not loopback',
      doc: v3`
        servers:
          prod:
            host: 0.0.0.0:1883
            protocol: mqtt
            security: []
      `,
      errors: [{ messageId: 'unsecured', pointer: '/servers/prod/security', line: 7 }],
    },
    {
      name: '3.x: some operations on the server are open',
      doc: v3`
        servers:
          prod:
            host: api.example.com
            protocol: https
        channels:
          c:
            address: c
        operations:
          pub:
            action: send
            channel:
              $ref: '#/channels/c'
            security:
              - type: httpApiKey
                name: key
                in: header
          sub:
            action: receive
            channel:
              $ref: '#/channels/c'
      `,
      errors: [{ messageId: 'operationsOpen', pointer: '/servers/prod', data: { operations: "'sub'" } }],
    },
    {
      name: '2.x: server without security',
      doc: v2`
        servers:
          prod:
            url: mqtt://broker.example.com:1883
            protocol: mqtt
      `,
      errors: [
        { messageId: 'unsecured', pointer: '/servers/prod', line: 4, data: { host: 'broker.example.com:1883' } },
      ],
    },
  ],
});
