import { securityX509WithoutTls } from '../../../src/check/rules/security-x509-without-tls.js';
import { ruleTester, v2, v3 } from '../rule-tester.js';

ruleTester(securityX509WithoutTls, {
  valid: [
    {
      name: '3.x: X509 on TLS protocols',
      doc: v3`
        servers:
          mqtt:
            host: broker.example.com
            protocol: secure-mqtt
            security:
              - type: X509
          kafka:
            host: kafka.example.com
            protocol: kafka-secure
            security:
              - type: X509
      `,
    },
    {
      name: '3.x: X509 on a protocol whose name does not tell, or an unknown one',
      doc: v3`
        servers:
          nats:
            host: nats.example.com
            protocol: nats
            security:
              - type: X509
          odd:
            host: odd.example.com
            protocol: mqtts
            security:
              - type: X509
      `,
    },
    {
      name: '2.x: X509 on amqps',
      doc: v2`
        servers:
          prod:
            url: amqps://rabbit.example.com
            protocol: amqps
            security:
              - cert: []
        components:
          securitySchemes:
            cert:
              type: X509
      `,
    },
  ],
  invalid: [
    {
      name: '3.x: X509 on mqtt (loopback does not help: no TLS, no certificate)',
      doc: v3`
        servers:
          prod:
            host: localhost:1883
            protocol: mqtt
            security:
              - type: X509
      `,
      errors: [
        {
          messageId: 'server',
          pointer: '/servers/prod/security/0',
          line: 8,
          data: { server: 'prod', protocol: 'mqtt' },
        },
      ],
    },
    {
      name: '3.x: operation X509 on a ws server of its channel',
      doc: v3`
        servers:
          ws:
            host: ws.example.com
            protocol: ws
          wss:
            host: ws.example.com
            protocol: wss
        channels:
          c:
            address: c
        operations:
          sub:
            action: receive
            channel:
              $ref: '#/channels/c'
            security:
              - $ref: '#/components/securitySchemes/cert'
        components:
          securitySchemes:
            cert:
              type: X509
      `,
      errors: [
        { messageId: 'operation', pointer: '/operations/sub/security/0', data: { operation: 'sub', server: 'ws' } },
      ],
    },
    {
      name: '2.x: X509 on kafka',
      doc: v2`
        servers:
          prod:
            url: kafka.example.com:9092
            protocol: kafka
            security:
              - cert: []
        components:
          securitySchemes:
            cert:
              type: X509
      `,
      errors: [{ messageId: 'server', pointer: '/servers/prod/security/0/cert', line: 8 }],
    },
  ],
});
