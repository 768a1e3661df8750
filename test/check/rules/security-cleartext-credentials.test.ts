import { securityCleartextCredentials } from '../../../src/check/rules/security-cleartext-credentials.js';
import { ruleTester, v2, v3 } from '../rule-tester.js';

ruleTester(securityCleartextCredentials, {
  valid: [
    {
      name: '3.x: secrets over TLS protocols',
      doc: v3`
        servers:
          mqtt:
            host: broker.example.com
            protocol: secure-mqtt
            security:
              - type: userPassword
          ws:
            host: ws.example.com
            protocol: wss
            security:
              - type: http
                scheme: basic
      `,
    },
    {
      name: '3.x: cleartext on loopback hosts (localhost, 127.0.0.0/8, ::1), port variable allowed',
      doc: v3`
        servers:
          a:
            host: localhost:{port}
            protocol: mqtt
            variables:
              port:
                default: '1883'
            security:
              - type: userPassword
          b:
            host: 127.0.0.2:8080
            protocol: http
            security:
              - type: httpApiKey
                name: key
                in: header
          c:
            host: '[::1]:61613'
            protocol: stomp
            security:
              - type: userPassword
      `,
    },
    {
      name: '3.x: schemes that send no reusable secret (SCRAM, X509, http digest)',
      doc: v3`
        servers:
          kafka:
            host: kafka.example.com:9092
            protocol: kafka
            security:
              - type: scramSha256
              - type: gssapi
          http:
            host: api.example.com
            protocol: http
            security:
              - type: http
                scheme: digest
      `,
    },
    {
      name: '3.x: protocols whose name does not tell (nats) or that are unknown are not judged',
      doc: v3`
        servers:
          nats:
            host: nats.example.com:4222
            protocol: nats
            security:
              - type: userPassword
          odd:
            host: odd.example.com
            protocol: carrier-pigeon
            security:
              - type: userPassword
      `,
    },
    {
      name: '2.x: loopback url with a scheme prefix',
      doc: v2`
        servers:
          dev:
            url: mqtt://localhost:1883
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
      name: '3.x: userPassword on mqtt to a remote host',
      doc: v3`
        servers:
          prod:
            host: broker.example.com:1883
            protocol: mqtt
            security:
              - type: userPassword
      `,
      errors: [
        {
          messageId: 'server',
          pointer: '/servers/prod/security/0',
          line: 8,
          data: { server: 'prod', protocol: 'mqtt', host: 'broker.example.com:1883' },
        },
      ],
    },
    {
      name: '3.x: a host that is a variable is not loopback; bearer over ws',
      doc: v3`
        servers:
          prod:
            host: '{host}:8080'
            protocol: ws
            variables:
              host:
                default: localhost
            security:
              - type: http
                scheme: Bearer
      `,
      errors: [{ messageId: 'server', pointer: '/servers/prod/security/0', data: { label: 'HTTP authentication' } }],
    },
    {
      name: '3.x: operation security over each cleartext server of its channel',
      doc: v3`
        servers:
          plain:
            host: api.example.com
            protocol: http
          tls:
            host: api.example.com
            protocol: https
          local:
            host: localhost
            protocol: http
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
                in: query
      `,
      errors: [
        { messageId: 'operation', pointer: '/operations/pub/security/0', data: { operation: 'pub', server: 'plain' } },
      ],
    },
    {
      name: '2.x: apiKey and openIdConnect on mqtt (the official streetlights pattern)',
      doc: v2`
        servers:
          prod:
            url: test.mosquitto.org:{port}
            protocol: mqtt
            variables:
              port:
                default: '1883'
            security:
              - key: []
              - oidc: []
        components:
          securitySchemes:
            key:
              type: apiKey
              in: user
            oidc:
              type: openIdConnect
              openIdConnectUrl: https://auth.example.com/.well-known/openid-configuration
      `,
      errors: [
        { messageId: 'server', pointer: '/servers/prod/security/0/key', line: 11 },
        { messageId: 'server', pointer: '/servers/prod/security/1/oidc', line: 12 },
      ],
    },
    {
      name: '2.x: plain (SASL PLAIN) on kafka',
      doc: v2`
        servers:
          prod:
            url: kafka.example.com:9092
            protocol: kafka
            security:
              - sasl: []
        components:
          securitySchemes:
            sasl:
              type: plain
      `,
      errors: [{ messageId: 'server', pointer: '/servers/prod/security/0/sasl' }],
    },
  ],
});
