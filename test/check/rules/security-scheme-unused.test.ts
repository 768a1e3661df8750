import { securitySchemeUnused } from '../../../src/check/rules/security-scheme-unused.js';
import { ruleTester, v2, v3 } from '../rule-tester.js';

ruleTester(securitySchemeUnused, {
  valid: [
    {
      name: '3.x: used by a server, by an operation, and through an alias component',
      doc: v3`
        servers:
          prod:
            host: broker.example.com
            protocol: secure-mqtt
            security:
              - $ref: '#/components/securitySchemes/user'
              - $ref: '#/components/securitySchemes/alias'
        channels:
          c:
            address: c
        operations:
          pub:
            action: send
            channel:
              $ref: '#/channels/c'
            security:
              - $ref: '#/components/securitySchemes/cert'
        components:
          securitySchemes:
            user:
              type: userPassword
            cert:
              type: X509
            alias:
              $ref: '#/components/securitySchemes/key'
            key:
              type: apiKey
              in: user
      `,
    },
    {
      name: '2.x: used by a server and by an operation trait',
      doc: v2`
        servers:
          prod:
            url: broker.example.com
            protocol: secure-mqtt
            security:
              - user: []
        channels:
          lights:
            publish:
              traits:
                - $ref: '#/components/operationTraits/secured'
        components:
          operationTraits:
            secured:
              security:
                - cert: []
          securitySchemes:
            user:
              type: userPassword
            cert:
              type: X509
      `,
    },
  ],
  invalid: [
    {
      name: '3.x: a component no one uses',
      doc: v3`
        servers:
          prod:
            host: broker.example.com
            protocol: secure-mqtt
            security:
              - type: userPassword
        components:
          securitySchemes:
            user:
              type: userPassword
      `,
      errors: [{ messageId: 'unused', pointer: '/components/securitySchemes/user', line: 11, data: { name: 'user' } }],
    },
    {
      name: '3.x: used only by a trait the operation overrides (3.x: the operation wins)',
      doc: v3`
        channels:
          c:
            address: c
        operations:
          pub:
            action: send
            channel:
              $ref: '#/channels/c'
            security:
              - $ref: '#/components/securitySchemes/cert'
            traits:
              - security:
                  - $ref: '#/components/securitySchemes/user'
        components:
          securitySchemes:
            user:
              type: userPassword
            cert:
              type: X509
      `,
      errors: [{ messageId: 'unused', pointer: '/components/securitySchemes/user', line: 18 }],
    },
    {
      name: '2.x: a component no one uses',
      doc: v2`
        servers:
          prod:
            url: broker.example.com
            protocol: secure-mqtt
            security:
              - user: []
        components:
          securitySchemes:
            user:
              type: userPassword
            spare:
              type: X509
      `,
      errors: [
        { messageId: 'unused', pointer: '/components/securitySchemes/spare', line: 13, data: { name: 'spare' } },
      ],
    },
  ],
});
