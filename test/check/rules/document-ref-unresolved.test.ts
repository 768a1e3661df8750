import { documentRefUnresolved } from '../../../src/check/rules/document-ref-unresolved.js';
import { ruleTester, v2, v3 } from '../rule-tester.js';

ruleTester(documentRefUnresolved, {
  valid: [
    {
      name: '3.x: every $ref resolves',
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
      name: '3.x: a dangling $ref in security belongs to security-ref-unresolved',
      doc: v3`
        servers:
          prod:
            host: broker.example.com
            protocol: secure-mqtt
            security:
              - $ref: '#/components/securitySchemes/nope'
        components:
          securitySchemes:
            alias:
              $ref: '#/components/securitySchemes/missing'
      `,
    },
    {
      name: '3.x: a remote $ref not fetched belongs to document-ref-remote-skipped',
      doc: v3`
        components:
          schemas:
            s:
              $ref: 'https://example.com/schemas/s.json'
      `,
    },
  ],
  invalid: [
    {
      name: '3.x: a message $ref to a missing component',
      doc: v3`
        channels:
          c:
            address: c
            messages:
              m:
                $ref: '#/components/messages/nope'
      `,
      errors: [{ messageId: 'unresolved', pointer: '/channels/c/messages/m/$ref', line: 8 }],
    },
    {
      name: '3.x: a $ref to a file that does not exist',
      doc: v3`
        components:
          schemas:
            s:
              $ref: './no-such-file-for-this-test.yaml#/S'
      `,
      errors: [{ messageId: 'fileUnreadable', pointer: '/components/schemas/s/$ref', line: 6 }],
    },
    {
      name: '2.x: a cycle of refs',
      doc: v2`
        channels:
          c:
            publish:
              message:
                $ref: '#/components/messages/a'
        components:
          messages:
            a:
              $ref: '#/components/messages/b'
            b:
              $ref: '#/components/messages/a'
      `,
      errors: [
        { messageId: 'cycle', pointer: '/channels/c/publish/message/$ref', line: 7 },
        { messageId: 'cycle', pointer: '/components/messages/a/$ref', line: 11 },
        { messageId: 'cycle', pointer: '/components/messages/b/$ref', line: 13 },
      ],
    },
  ],
});
