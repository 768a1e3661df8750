import { securitySchemeUndefined } from '../../../src/check/rules/security-scheme-undefined.js';
import { ruleTester, v2, v3 } from '../rule-tester.js';

ruleTester(securitySchemeUndefined, {
  valid: [
    {
      name: '2.x: every name is a component scheme',
      doc: v2`
        servers:
          prod:
            url: broker.example.com
            protocol: secure-mqtt
            security:
              - user: []
              - cert: []
                user: []
        components:
          securitySchemes:
            user:
              type: userPassword
            cert:
              type: X509
      `,
    },
    {
      name: '3.x: has no scheme names (a dangling $ref is security-ref-unresolved)',
      doc: v3`
        servers:
          prod:
            host: broker.example.com
            protocol: secure-mqtt
            security:
              - $ref: '#/components/securitySchemes/nope'
      `,
    },
  ],
  invalid: [
    {
      name: '2.x: server requirement names a missing scheme',
      doc: v2`
        servers:
          prod:
            url: broker.example.com
            protocol: secure-mqtt
            security:
              - nope: []
        components:
          securitySchemes:
            user:
              type: userPassword
      `,
      errors: [{ messageId: 'undefined', pointer: '/servers/prod/security/0/nope', line: 8, data: { name: 'nope' } }],
    },
    {
      name: '2.x: operation requirement names a missing scheme beside a defined one (AND)',
      doc: v2`
        channels:
          lights:
            publish:
              security:
                - user: []
                  missing: []
        components:
          securitySchemes:
            user:
              type: userPassword
      `,
      errors: [{ messageId: 'undefined', pointer: '/channels/lights/publish/security/0/missing', line: 8 }],
    },
  ],
});
