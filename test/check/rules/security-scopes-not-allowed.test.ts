import { securityScopesNotAllowed } from '../../../src/check/rules/security-scopes-not-allowed.js';
import { ruleTester, v2, v3 } from '../rule-tester.js';

ruleTester(securityScopesNotAllowed, {
  valid: [
    {
      name: '2.x: empty list for userPassword, scopes for oauth2 and openIdConnect',
      doc: v2`
        servers:
          prod:
            url: broker.example.com
            protocol: secure-mqtt
            security:
              - user: []
              - oauth: [read]
              - oidc: [openid]
        components:
          securitySchemes:
            user:
              type: userPassword
            oauth:
              type: oauth2
              flows:
                clientCredentials:
                  tokenUrl: https://auth.example.com/token
                  scopes:
                    read: read
            oidc:
              type: openIdConnect
              openIdConnectUrl: https://auth.example.com/.well-known/openid-configuration
      `,
    },
    {
      name: '3.x: not judged here (scopes on a non-oauth scheme is a schema error)',
      doc: v3`
        servers:
          prod:
            host: broker.example.com
            protocol: secure-mqtt
            security:
              - type: userPassword
                scopes: [admin]
      `,
    },
  ],
  invalid: [
    {
      name: '2.x: server requirement lists scopes for userPassword',
      doc: v2`
        servers:
          prod:
            url: broker.example.com
            protocol: secure-mqtt
            security:
              - user: [admin]
        components:
          securitySchemes:
            user:
              type: userPassword
      `,
      errors: [
        {
          messageId: 'scopesNotAllowed',
          pointer: '/servers/prod/security/0/user',
          line: 8,
          data: { type: 'userPassword', scopes: 'admin' },
        },
      ],
    },
    {
      name: '2.x: operation requirement lists scopes for X509',
      doc: v2`
        channels:
          lights:
            publish:
              security:
                - cert:
                    - a
                    - b
        components:
          securitySchemes:
            cert:
              type: X509
      `,
      errors: [
        {
          messageId: 'scopesNotAllowed',
          pointer: '/channels/lights/publish/security/0/cert',
          line: 8,
          data: { scopes: 'a, b' },
        },
      ],
    },
  ],
});
