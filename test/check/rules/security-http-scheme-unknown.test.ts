import { securityHttpSchemeUnknown } from '../../../src/check/rules/security-http-scheme-unknown.js';
import { ruleTester, v2, v3 } from '../rule-tester.js';

ruleTester(securityHttpSchemeUnknown, {
  valid: [
    {
      name: '3.x: registered schemes in any case, bearer in lowercase',
      doc: v3`
        components:
          securitySchemes:
            a:
              type: http
              scheme: bearer
              bearerFormat: JWT
            b:
              type: http
              scheme: Basic
            c:
              type: http
              scheme: digest
            d:
              type: http
              scheme: SCRAM-SHA-256
            e:
              type: http
              scheme: Negotiate
            f:
              type: http
              scheme: DPoP
      `,
    },
    {
      name: '2.x: basic',
      doc: v2`
        components:
          securitySchemes:
            a:
              type: http
              scheme: basic
      `,
    },
  ],
  invalid: [
    {
      name: '3.x: an unregistered scheme, and Bearer capitalised',
      doc: v3`
        servers:
          prod:
            host: api.example.com
            protocol: https
            security:
              - type: http
                scheme: Bearer
        components:
          securitySchemes:
            aws:
              type: http
              scheme: AWS4-HMAC-SHA256
      `,
      errors: [
        { messageId: 'bearerCase', pointer: '/servers/prod/security/0/scheme', line: 9, data: { value: 'Bearer' } },
        {
          messageId: 'unknown',
          pointer: '/components/securitySchemes/aws/scheme',
          line: 14,
          data: { value: 'AWS4-HMAC-SHA256', scheme: "scheme 'aws'" },
        },
      ],
    },
    {
      name: '2.x: BEARER in capitals',
      doc: v2`
        components:
          securitySchemes:
            token:
              type: http
              scheme: BEARER
      `,
      errors: [
        {
          messageId: 'bearerCase',
          pointer: '/components/securitySchemes/token/scheme',
          line: 7,
          data: { value: 'BEARER' },
        },
      ],
    },
  ],
});
