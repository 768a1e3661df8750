import { documentRefRemoteSkipped } from '../../../src/check/rules/document-ref-remote-skipped.js';
import { ruleTester, v2, v3 } from '../rule-tester.js';

ruleTester(documentRefRemoteSkipped, {
  valid: [
    {
      name: '3.x: only local refs',
      doc: v3`
        channels:
          c:
            address: c
            messages:
              m:
                $ref: '#/components/messages/m'
        components:
          messages:
            m:
              payload:
                type: string
      `,
    },
    {
      name: '3.x: a remote ref in security belongs to security-ref-unresolved',
      doc: v3`
        servers:
          prod:
            host: broker.example.com
            protocol: secure-mqtt
            security:
              - $ref: 'https://example.com/schemes.yaml#/user'
      `,
    },
  ],
  invalid: [
    {
      name: '3.x: a remote payload schema (like the official adeo example)',
      doc: v3`
        components:
          messages:
            m:
              payload:
                schemaFormat: application/vnd.apache.avro;version=1.9.0
                schema:
                  $ref: https://example.com/schemas/payload.avsc
      `,
      errors: [{ messageId: 'skipped', pointer: '/components/messages/m/payload/schema/$ref', line: 9 }],
    },
    {
      name: '2.x: a remote message',
      doc: v2`
        channels:
          c:
            subscribe:
              message:
                $ref: https://example.com/messages.yaml#/m
      `,
      errors: [{ messageId: 'skipped', pointer: '/channels/c/subscribe/message/$ref', line: 7 }],
    },
  ],
});
