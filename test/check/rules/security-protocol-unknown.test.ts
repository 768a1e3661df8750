import { securityProtocolUnknown } from '../../../src/check/rules/security-protocol-unknown.js';
import { ruleTester, v2, v3 } from '../rule-tester.js';

ruleTester(securityProtocolUnknown, {
  valid: [
    {
      name: '3.x: known protocols, in any case',
      doc: v3`
        servers:
          a:
            host: a.example.com
            protocol: MQTT
          b:
            host: b.example.com
            protocol: kafka-secure
          c:
            host: c.example.com
            protocol: ibmmq-secure
      `,
    },
    {
      name: '2.x: protocol from the 2.6.0 list',
      doc: v2`
        servers:
          a:
            url: a.example.com
            protocol: anypointmq
      `,
    },
  ],
  invalid: [
    {
      name: '3.x: a protocol outside the known list',
      doc: v3`
        servers:
          a:
            host: a.example.com
            protocol: mqtts
      `,
      errors: [
        { messageId: 'unknown', pointer: '/servers/a/protocol', line: 6, data: { server: 'a', protocol: 'mqtts' } },
      ],
    },
    {
      name: '2.x: a protocol outside the known list',
      doc: v2`
        servers:
          a:
            url: a.example.com
            protocol: xmpp
      `,
      errors: [{ messageId: 'unknown', pointer: '/servers/a/protocol', data: { protocol: 'xmpp' } }],
    },
  ],
});
