import { securityInsecureUrl } from '../../../src/check/rules/security-insecure-url.js';
import { ruleTester, v2, v3 } from '../rule-tester.js';

ruleTester(securityInsecureUrl, {
  valid: [
    {
      name: '3.x: https everywhere',
      doc: v3`
        components:
          securitySchemes:
            oauth:
              type: oauth2
              flows:
                authorizationCode:
                  authorizationUrl: https://auth.example.com/authorize
                  tokenUrl: https://auth.example.com/token
                  refreshUrl: https://auth.example.com/refresh
                  availableScopes: {}
            oidc:
              type: openIdConnect
              openIdConnectUrl: https://auth.example.com/.well-known/openid-configuration
      `,
    },
    {
      name: '3.x: http to loopback hosts (a local identity provider)',
      doc: v3`
        components:
          securitySchemes:
            oauth:
              type: oauth2
              flows:
                clientCredentials:
                  tokenUrl: http://localhost:8080/token
                  availableScopes: {}
            oidc:
              type: openIdConnect
              openIdConnectUrl: http://[::1]:8080/.well-known/openid-configuration
      `,
    },
    {
      name: '2.x: https token URL, loopback refresh URL',
      doc: v2`
        components:
          securitySchemes:
            oauth:
              type: oauth2
              flows:
                clientCredentials:
                  tokenUrl: https://auth.example.com/token
                  refreshUrl: http://127.0.0.1/refresh
                  scopes: {}
      `,
    },
  ],
  invalid: [
    {
      name: '3.x: http token URL in a component, and http openIdConnectUrl inline',
      doc: v3`
        servers:
          prod:
            host: broker.example.com
            protocol: secure-mqtt
            security:
              - type: openIdConnect
                openIdConnectUrl: http://auth.example.com/.well-known/openid-configuration
        components:
          securitySchemes:
            oauth:
              type: oauth2
              flows:
                clientCredentials:
                  tokenUrl: http://auth.example.com/token?client_secret=hidden
                  availableScopes: {}
      `,
      errors: [
        {
          messageId: 'openIdConnectUrl',
          pointer: '/servers/prod/security/0/openIdConnectUrl',
          line: 9,
          data: { protocol: 'http', host: 'auth.example.com' },
        },
        {
          messageId: 'flowUrl',
          pointer: '/components/securitySchemes/oauth/flows/clientCredentials/tokenUrl',
          line: 16,
          data: { field: 'tokenUrl', flow: 'clientCredentials', scheme: "scheme 'oauth'" },
        },
      ],
    },
    {
      name: '2.x: http authorization and refresh URLs',
      doc: v2`
        components:
          securitySchemes:
            oauth:
              type: oauth2
              flows:
                authorizationCode:
                  authorizationUrl: http://auth.example.com/authorize
                  tokenUrl: https://auth.example.com/token
                  refreshUrl: ws://auth.example.com:8080/refresh
                  scopes: {}
      `,
      errors: [
        {
          messageId: 'flowUrl',
          pointer: '/components/securitySchemes/oauth/flows/authorizationCode/authorizationUrl',
          line: 9,
        },
        {
          messageId: 'flowUrl',
          pointer: '/components/securitySchemes/oauth/flows/authorizationCode/refreshUrl',
          line: 11,
          data: { protocol: 'ws', host: 'auth.example.com:8080' },
        },
      ],
    },
  ],
});
