import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { checkDocument } from '../../../src/check/run.js';
import { asyncapiSchema } from '../../../src/check/rules/asyncapi-schema.js';
import { ruleTester, v2, v3 } from '../rule-tester.js';

ruleTester(asyncapiSchema, {
  valid: [
    {
      name: '3.x: a valid document with security',
      doc: v3`
        servers:
          prod:
            host: broker.example.com
            protocol: secure-mqtt
            security:
              - $ref: '#/components/securitySchemes/key'
        components:
          securitySchemes:
            key:
              type: httpApiKey
              name: key
              in: header
      `,
    },
    {
      name: '2.x: a valid document with security',
      doc: v2`
        servers:
          prod:
            url: broker.example.com
            protocol: secure-mqtt
            security:
              - key: []
        channels: {}
        components:
          securitySchemes:
            key:
              type: apiKey
              in: user
      `,
    },
  ],
  invalid: [
    {
      name: '3.x: httpApiKey without its required name',
      doc: v3`
        components:
          securitySchemes:
            key:
              type: httpApiKey
              in: header
      `,
      errors: [{ messageId: 'schema', pointer: '/components/securitySchemes/key' }],
    },
    {
      name: '3.x: bearerFormat with a capitalised Bearer (the schema sees a non-bearer scheme)',
      doc: v3`
        components:
          securitySchemes:
            token:
              type: http
              scheme: Bearer
              bearerFormat: JWT
      `,
      errors: [{ messageId: 'schema', pointer: '/components/securitySchemes/token/bearerFormat', line: 8 }],
    },
    {
      name: '2.x: a security scheme type outside the enum',
      doc: v2`
        channels: {}
        components:
          securitySchemes:
            cert:
              type: x509
      `,
      errors: [{ messageId: 'schema', pointer: '/components/securitySchemes/cert/type', line: 7 }],
    },
  ],
});

describe('asyncapi-schema: what the model cannot read and the schema does not see', () => {
  it('a server in a referenced file whose security is not a list is reported as structure', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'guard-schema-'));
    try {
      // The JSON Schema validates the root file as written; the server lives in another file.
      await writeFile(
        join(dir, 'servers.yaml'),
        'prod:\n  host: broker.example.com\n  protocol: secure-mqtt\n  security: 5\n',
      );
      await writeFile(
        join(dir, 'root.yaml'),
        v3`
        servers:
          prod:
            $ref: 'servers.yaml#/prod'
      `,
      );
      const result = await checkDocument(join(dir, 'root.yaml'), { load: { cwd: dir } });
      const found = result.diagnostics.filter((d) => d.rule === 'asyncapi-schema');
      assert.deepEqual(
        found.map((d) => [d.file, d.pointer, d.range?.start.line]),
        [['servers.yaml', '/prod/security', 4]],
      );
      assert.match(found[0]!.message, /security is not a list/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
