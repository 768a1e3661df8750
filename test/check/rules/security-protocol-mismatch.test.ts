import { securityProtocolMismatch } from '../../../src/check/rules/security-protocol-mismatch.js';
import { ruleTester, v2, v3 } from '../rule-tester.js';

ruleTester(securityProtocolMismatch, {
  valid: [
    {
      name: '3.x: SCRAM on kafka-secure, X509 on a second listener',
      doc: v3`
        servers:
          scram:
            host: kafka.example.com:9093
            protocol: kafka-secure
            security:
              - type: scramSha256
          mtls:
            host: kafka.example.com:9094
            protocol: kafka-secure
            security:
              - type: X509
      `,
    },
    {
      name: '3.x: protocol names compare case-insensitively (WSS + http bearer)',
      doc: v3`
        servers:
          ws:
            host: ws.example.com
            protocol: WSS
            security:
              - type: http
                scheme: bearer
      `,
    },
    {
      name: '3.x: an unknown protocol is not judged',
      doc: v3`
        servers:
          odd:
            host: odd.example.com
            protocol: carrier-pigeon
            security:
              - type: httpApiKey
                name: key
                in: header
      `,
    },
    {
      name: '3.x: operation security fits every server its channel is on',
      doc: v3`
        servers:
          a:
            host: a.example.com
            protocol: wss
          b:
            host: b.example.com
            protocol: https
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
                in: header
      `,
    },
    {
      name: '2.x: apiKey and oauth2 on mqtt (official streetlights-mqtt pairing)',
      doc: v2`
        servers:
          prod:
            url: broker.example.com:1883
            protocol: mqtt
            security:
              - key: []
              - oauth: []
        components:
          securitySchemes:
            key:
              type: apiKey
              in: user
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
      name: '3.x: scramSha256 on ws',
      doc: v3`
        servers:
          ws:
            host: ws.example.com
            protocol: ws
            security:
              - type: scramSha256
      `,
      errors: [
        { messageId: 'server', pointer: '/servers/ws/security/0', line: 8, data: { protocol: 'ws', server: 'ws' } },
      ],
    },
    {
      name: '3.x: httpApiKey on mqtt through a component',
      doc: v3`
        servers:
          prod:
            host: broker.example.com
            protocol: mqtt
            security:
              - $ref: '#/components/securitySchemes/key'
        components:
          securitySchemes:
            key:
              type: httpApiKey
              name: key
              in: header
      `,
      errors: [
        {
          messageId: 'server',
          pointer: '/servers/prod/security/0',
          data: { scheme: "scheme 'key'", label: 'HTTP API key' },
        },
      ],
    },
    {
      name: '3.x: operation security checked against every server of its channel',
      doc: v3`
        servers:
          kafka:
            host: kafka.example.com
            protocol: kafka-secure
          ws:
            host: ws.example.com
            protocol: wss
          stomp:
            host: stomp.example.com
            protocol: stomps
        channels:
          c:
            address: c
        operations:
          pub:
            action: send
            channel:
              $ref: '#/channels/c'
            security:
              - type: scramSha512
      `,
      // Same place: ordered by message text.
      errors: [
        {
          messageId: 'operation',
          pointer: '/operations/pub/security/0',
          data: { operation: 'pub', server: 'stomp', protocol: 'stomps' },
        },
        {
          messageId: 'operation',
          pointer: '/operations/pub/security/0',
          data: { operation: 'pub', server: 'ws', protocol: 'wss' },
        },
      ],
    },
    {
      name: '3.x: channel servers limit where the operation is checked',
      doc: v3`
        servers:
          kafka:
            host: kafka.example.com
            protocol: kafka-secure
          mqtt:
            host: mqtt.example.com
            protocol: secure-mqtt
        channels:
          c:
            address: c
            servers:
              - $ref: '#/servers/mqtt'
        operations:
          pub:
            action: send
            channel:
              $ref: '#/channels/c'
            security:
              - type: plain
      `,
      errors: [{ messageId: 'operation', pointer: '/operations/pub/security/0', data: { server: 'mqtt' } }],
    },
    {
      name: '2.x: httpApiKey on kafka',
      doc: v2`
        servers:
          prod:
            url: kafka.example.com:9092
            protocol: kafka
            security:
              - key: []
        components:
          securitySchemes:
            key:
              type: httpApiKey
              name: key
              in: header
      `,
      errors: [{ messageId: 'server', pointer: '/servers/prod/security/0/key', line: 8 }],
    },
    {
      name: '2.x: operation gssapi on ws, one entry of an AND alternative',
      doc: v2`
        servers:
          ws:
            url: ws.example.com
            protocol: wss
        channels:
          lights:
            publish:
              security:
                - cert: []
                  kerberos: []
        components:
          securitySchemes:
            cert:
              type: X509
            kerberos:
              type: gssapi
      `,
      errors: [
        {
          messageId: 'operation',
          pointer: '/channels/lights/publish/security/0/kerberos',
          line: 12,
          data: { operation: '/channels/lights/publish' },
        },
      ],
    },
  ],
});
