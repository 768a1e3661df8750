import { securityRefSiblingsIgnored } from '../../../src/check/rules/security-ref-siblings-ignored.js';
import { ruleTester, v2, v3 } from '../rule-tester.js';

ruleTester(securityRefSiblingsIgnored, {
  valid: [
    {
      name: '3.x: a bare $ref, and an inline scheme with its own scopes',
      doc: v3`
        servers:
          prod:
            host: broker.example.com
            protocol: secure-mqtt
            security:
              - $ref: '#/components/securitySchemes/oauth'
              - type: oauth2
                flows:
                  clientCredentials:
                    tokenUrl: https://auth.example.com/token
                    availableScopes:
                      read: read
                scopes: [read]
        components:
          securitySchemes:
            oauth:
              type: oauth2
              flows:
                clientCredentials:
                  tokenUrl: https://auth.example.com/token
                  availableScopes:
                    read: read
      `,
    },
    {
      name: '2.x: requirement objects have no $ref',
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
      `,
    },
  ],
  invalid: [
    {
      name: '3.x: scopes beside a $ref on a server',
      doc: v3`
        servers:
          prod:
            host: broker.example.com
            protocol: secure-mqtt
            security:
              - $ref: '#/components/securitySchemes/oauth'
                scopes: [write]
        components:
          securitySchemes:
            oauth:
              type: oauth2
              flows:
                clientCredentials:
                  tokenUrl: https://auth.example.com/token
                  availableScopes:
                    read: read
                    write: write
              scopes: [read]
      `,
      errors: [
        {
          messageId: 'scopesIgnored',
          pointer: '/servers/prod/security/0/scopes',
          line: 9,
          data: { effective: 'read' },
        },
      ],
    },
    {
      name: '3.x: description and scopes beside a $ref in a trait shared by two operations (reported once each)',
      doc: v3`
        channels:
          c:
            address: c
        operations:
          a:
            action: send
            channel:
              $ref: '#/channels/c'
            traits:
              - $ref: '#/components/operationTraits/secured'
          b:
            action: receive
            channel:
              $ref: '#/channels/c'
            traits:
              - $ref: '#/components/operationTraits/secured'
        components:
          operationTraits:
            secured:
              security:
                - $ref: '#/components/securitySchemes/user'
                  description: the user login
                  scopes: [x]
          securitySchemes:
            user:
              type: userPassword
      `,
      errors: [
        {
          messageId: 'siblingIgnored',
          pointer: '/components/operationTraits/secured/security/0/description',
          line: 24,
          data: { key: 'description' },
        },
        {
          messageId: 'scopesIgnored',
          pointer: '/components/operationTraits/secured/security/0/scopes',
          line: 25,
          data: { effective: '(none)' },
        },
      ],
    },
    {
      name: '3.x: scopes beside a $ref that does not resolve',
      doc: v3`
        servers:
          prod:
            host: broker.example.com
            protocol: secure-mqtt
            security:
              - $ref: '#/components/securitySchemes/nope'
                scopes: [write]
      `,
      errors: [
        {
          messageId: 'scopesIgnored',
          pointer: '/servers/prod/security/0/scopes',
          data: { effective: 'unknown: the $ref does not resolve' },
        },
      ],
    },
  ],
});
