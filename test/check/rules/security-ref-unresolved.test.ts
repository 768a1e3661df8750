import { securityRefUnresolved } from '../../../src/check/rules/security-ref-unresolved.js';
import { ruleTester, v2, v3 } from '../rule-tester.js';

ruleTester(securityRefUnresolved, {
  valid: [
    {
      name: '3.x: $ref to a component scheme',
      doc: v3`
        servers:
          prod:
            host: broker.example.com
            protocol: secure-mqtt
            security:
              - $ref: '#/components/securitySchemes/user'
        components:
          securitySchemes:
            user:
              type: userPassword
      `,
    },
    {
      name: '3.x: component that is a $ref to another component',
      doc: v3`
        servers:
          prod:
            host: broker.example.com
            protocol: secure-mqtt
            security:
              - $ref: '#/components/securitySchemes/alias'
        components:
          securitySchemes:
            alias:
              $ref: '#/components/securitySchemes/user'
            user:
              type: userPassword
      `,
    },
    {
      name: '2.x: requirement naming a component scheme',
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
    {
      name: 'a dangling $ref outside security is not this rule',
      doc: v3`
        channels:
          c:
            messages:
              m:
                $ref: '#/components/messages/nope'
      `,
    },
  ],
  invalid: [
    {
      name: '3.x: server security $ref to a missing component',
      doc: v3`
        servers:
          prod:
            host: broker.example.com
            protocol: secure-mqtt
            security:
              - $ref: '#/components/securitySchemes/nope'
      `,
      errors: [
        {
          messageId: 'unresolved',
          pointer: '/servers/prod/security/0',
          line: 8,
          data: { ref: '#/components/securitySchemes/nope' },
        },
      ],
    },
    {
      name: '3.x: $ref resolving to something that is not a scheme',
      doc: v3`
        servers:
          prod:
            host: broker.example.com
            protocol: secure-mqtt
            security:
              - $ref: '#/info'
      `,
      errors: [{ messageId: 'notScheme', pointer: '/servers/prod/security/0', data: { ref: '#/info' } }],
    },
    {
      name: '3.x: operation security $ref to a missing component',
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
              - $ref: '#/components/securitySchemes/nope'
      `,
      errors: [{ messageId: 'unresolved', pointer: '/operations/pub/security/0', line: 12 }],
    },
    {
      name: '2.x: component scheme that is a dangling $ref',
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
              $ref: '#/components/securitySchemes/nope'
      `,
      errors: [{ messageId: 'unresolved', pointer: '/components/securitySchemes/user' }],
    },
    {
      name: '3.x: a dangling $ref nested inside a scheme (flows)',
      doc: v3`
        servers:
          prod:
            host: broker.example.com
            protocol: secure-mqtt
            security:
              - $ref: '#/components/securitySchemes/oauth'
        components:
          securitySchemes:
            oauth:
              type: oauth2
              flows:
                $ref: '#/components/x-flows'
      `,
      errors: [{ messageId: 'loadProblem', pointer: '/components/securitySchemes/oauth/flows/$ref', line: 14 }],
    },
  ],
});
