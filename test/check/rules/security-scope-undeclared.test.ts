import { securityScopeUndeclared } from '../../../src/check/rules/security-scope-undeclared.js';
import { ruleTester, v2, v3 } from '../rule-tester.js';

ruleTester(securityScopeUndeclared, {
  valid: [
    {
      name: '3.x: scope offered by a flow',
      doc: v3`
        servers:
          prod:
            host: broker.example.com
            protocol: secure-mqtt
            security:
              - type: oauth2
                flows:
                  clientCredentials:
                    tokenUrl: https://auth.example.com/token
                    availableScopes:
                      lights:read: read
                scopes: [lights:read]
      `,
    },
    {
      name: '3.x: openIdConnect scopes are not checked (they come from discovery)',
      doc: v3`
        servers:
          prod:
            host: broker.example.com
            protocol: secure-mqtt
            security:
              - type: openIdConnect
                openIdConnectUrl: https://auth.example.com/.well-known/openid-configuration
                scopes: [anything]
      `,
    },
    {
      name: '2.x: scope offered by one of several flows',
      doc: v2`
        servers:
          prod:
            url: broker.example.com
            protocol: secure-mqtt
            security:
              - oauth: [write]
        components:
          securitySchemes:
            oauth:
              type: oauth2
              flows:
                clientCredentials:
                  tokenUrl: https://auth.example.com/token
                  scopes:
                    read: read
                authorizationCode:
                  authorizationUrl: https://auth.example.com/auth
                  tokenUrl: https://auth.example.com/token
                  scopes:
                    write: write
      `,
    },
  ],
  invalid: [
    {
      name: '3.x: inline scheme asks for a scope no flow offers',
      doc: v3`
        servers:
          prod:
            host: broker.example.com
            protocol: secure-mqtt
            security:
              - type: oauth2
                flows:
                  clientCredentials:
                    tokenUrl: https://auth.example.com/token
                    availableScopes:
                      lights:read: read
                scopes: [lights:read, lights:write]
      `,
      errors: [
        {
          messageId: 'undeclared',
          pointer: '/servers/prod/security/0/scopes/1',
          line: 14,
          data: { scope: 'lights:write', offered: 'lights:read' },
        },
      ],
    },
    {
      name: '3.x: component scheme used by two servers is reported once, where the scope is written',
      doc: v3`
        servers:
          a:
            host: a.example.com
            protocol: wss
            security:
              - $ref: '#/components/securitySchemes/oauth'
          b:
            host: b.example.com
            protocol: wss
            security:
              - $ref: '#/components/securitySchemes/oauth'
        components:
          securitySchemes:
            oauth:
              type: oauth2
              flows:
                clientCredentials:
                  tokenUrl: https://auth.example.com/token
                  availableScopes: {}
              scopes: [admin]
      `,
      errors: [
        { messageId: 'undeclared', pointer: '/components/securitySchemes/oauth/scopes/0', data: { offered: '(none)' } },
      ],
    },
    {
      name: '3.x: operation security, flows object empty',
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
                scopes: [a]
      `,
      errors: [{ messageId: 'undeclared', pointer: '/operations/pub/security/0/scopes/0' }],
    },
    {
      name: '2.x: server requirement asks for an undeclared scope',
      doc: v2`
        servers:
          prod:
            url: broker.example.com
            protocol: secure-mqtt
            security:
              - oauth: [read, admin]
        components:
          securitySchemes:
            oauth:
              type: oauth2
              flows:
                clientCredentials:
                  tokenUrl: https://auth.example.com/token
                  scopes:
                    read: read
      `,
      errors: [{ messageId: 'undeclared', pointer: '/servers/prod/security/0/oauth/1', data: { scope: 'admin' } }],
    },
    {
      name: '2.x: a 3.x-style availableScopes is not read in 2.x',
      doc: v2`
        channels:
          lights:
            subscribe:
              security:
                - oauth: [read]
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
      errors: [{ messageId: 'undeclared', pointer: '/channels/lights/subscribe/security/0/oauth/0' }],
    },
  ],
});
