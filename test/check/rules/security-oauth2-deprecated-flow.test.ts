import { securityOauth2DeprecatedFlow } from '../../../src/check/rules/security-oauth2-deprecated-flow.js';
import { ruleTester, v2, v3 } from '../rule-tester.js';

ruleTester(securityOauth2DeprecatedFlow, {
  valid: [
    {
      name: '3.x: authorizationCode and clientCredentials',
      doc: v3`
        components:
          securitySchemes:
            oauth:
              type: oauth2
              flows:
                authorizationCode:
                  authorizationUrl: https://auth.example.com/authorize
                  tokenUrl: https://auth.example.com/token
                  availableScopes: {}
                clientCredentials:
                  tokenUrl: https://auth.example.com/token
                  availableScopes: {}
      `,
    },
    {
      name: '2.x: clientCredentials only',
      doc: v2`
        components:
          securitySchemes:
            oauth:
              type: oauth2
              flows:
                clientCredentials:
                  tokenUrl: https://auth.example.com/token
                  scopes: {}
      `,
    },
  ],
  invalid: [
    {
      name: '3.x: implicit and password flows in an inline scheme',
      doc: v3`
        servers:
          prod:
            host: broker.example.com
            protocol: secure-mqtt
            security:
              - type: oauth2
                flows:
                  implicit:
                    authorizationUrl: https://auth.example.com/authorize
                    availableScopes: {}
                  password:
                    tokenUrl: https://auth.example.com/token
                    availableScopes: {}
      `,
      errors: [
        { messageId: 'implicit', pointer: '/servers/prod/security/0/flows/implicit', line: 10 },
        { messageId: 'password', pointer: '/servers/prod/security/0/flows/password', line: 13 },
      ],
    },
    {
      name: '2.x: password flow in a component',
      doc: v2`
        components:
          securitySchemes:
            oauth:
              type: oauth2
              flows:
                password:
                  tokenUrl: https://auth.example.com/token
                  scopes: {}
      `,
      errors: [
        {
          messageId: 'password',
          pointer: '/components/securitySchemes/oauth/flows/password',
          line: 8,
          data: { scheme: "scheme 'oauth'" },
        },
      ],
    },
  ],
});
