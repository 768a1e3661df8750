import { securityDuplicateAlternative } from '../../../src/check/rules/security-duplicate-alternative.js';
import { ruleTester, v2, v3 } from '../rule-tester.js';

ruleTester(securityDuplicateAlternative, {
  valid: [
    {
      name: '3.x: same scheme with different scopes; two components with the same content',
      doc: v3`
        servers:
          prod:
            host: broker.example.com
            protocol: secure-mqtt
            security:
              - type: oauth2
                flows: {}
                scopes: [a]
              - type: oauth2
                flows: {}
                scopes: [a, b]
              - $ref: '#/components/securitySchemes/users'
              - $ref: '#/components/securitySchemes/admins'
        components:
          securitySchemes:
            users:
              type: userPassword
            admins:
              type: userPassword
      `,
    },
    {
      name: '2.x: an alternative and a larger AND alternative',
      doc: v2`
        servers:
          prod:
            url: broker.example.com
            protocol: secure-mqtt
            security:
              - user: []
              - user: []
                cert: []
        components:
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
      name: '3.x: the same $ref twice',
      doc: v3`
        servers:
          prod:
            host: broker.example.com
            protocol: secure-mqtt
            security:
              - $ref: '#/components/securitySchemes/user'
              - type: X509
              - $ref: '#/components/securitySchemes/user'
        components:
          securitySchemes:
            user:
              type: userPassword
      `,
      errors: [{ messageId: 'duplicate', pointer: '/servers/prod/security/2', line: 10, data: { index: 2, first: 0 } }],
    },
    {
      name: '3.x: two identical inline schemes with scopes in another order (operation)',
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
              - type: oauth2
                flows: {}
                scopes: [a, b]
              - type: oauth2
                flows: {}
                scopes: [b, a]
      `,
      errors: [{ messageId: 'duplicate', pointer: '/operations/pub/security/1', data: { index: 1, first: 0 } }],
    },
    {
      name: '2.x: same scheme and scopes, and the same AND alternative with keys swapped',
      doc: v2`
        servers:
          prod:
            url: broker.example.com
            protocol: secure-mqtt
            security:
              - oauth: [read, write]
              - user: []
                cert: []
              - oauth: [write, read]
              - cert: []
                user: []
        components:
          securitySchemes:
            user:
              type: userPassword
            cert:
              type: X509
            oauth:
              type: oauth2
              flows: {}
      `,
      errors: [
        { messageId: 'duplicate', pointer: '/servers/prod/security/2', line: 11, data: { index: 2, first: 0 } },
        { messageId: 'duplicate', pointer: '/servers/prod/security/3', line: 12, data: { index: 3, first: 1 } },
      ],
    },
  ],
});
