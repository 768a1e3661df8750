// Schema validation: the precompiled official validators, and Ajv errors turned into findings.
// Needs the validators: `node scripts/build-validators.mjs` (part of `npm run build`).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import '../helpers/property.js'; // one seed per file, printed; FC_SEED=<n> replays it
import { parse } from 'yaml';
import { maxSchemaFindings, supportedVersions, validateSchema, type SchemaFinding } from '../../src/document/schema.js';
import { supportedAsyncApiVersions } from '../../src/document/versions.js';
import {
  assertFixtureFiles,
  fixtureFiles,
  officialExampleCount,
  officialExamplesDir,
  schemaFixturesDir,
} from '../helpers/corpus.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const FILE = '/abs/doc.yaml';

if (!existsSync(join(root, 'validators/index.json'))) {
  throw new Error(
    'validators/ is missing: run `node scripts/build-validators.mjs` (or `npm run build`) before these tests',
  );
}

const info = { title: 't', version: '1.0.0' };
const v3 = (extra: Record<string, unknown>, asyncapi = '3.0.0') => ({ asyncapi, info, ...extra });
const withScheme = (scheme: unknown, asyncapi = '3.0.0') =>
  v3({ components: { securitySchemes: { s: scheme } } }, asyncapi);
const withItem = (item: unknown, asyncapi = '3.0.0') =>
  v3({ servers: { x: { host: 'broker.example:1883', protocol: 'mqtt', security: [item] } } }, asyncapi);

async function findings(asyncapi: string, doc: unknown): Promise<SchemaFinding[]> {
  return validateSchema(asyncapi, doc, FILE);
}

function show(fs: SchemaFinding[]): string {
  return fs.map((f) => `  ${f.keyword} ${f.at.pointer}: ${f.message}`).join('\n');
}

/** The one finding there must be. */
async function only(asyncapi: string, doc: unknown): Promise<SchemaFinding> {
  const fs = await findings(asyncapi, doc);
  assert.equal(fs.length, 1, `expected exactly one finding, got:\n${show(fs)}`);
  return fs[0]!;
}

describe('schema: validators', () => {
  it('validators/index.json lists exactly the supported versions', () => {
    const index = JSON.parse(readFileSync(join(root, 'validators/index.json'), 'utf8')) as { versions: string[] };
    assert.deepEqual(index.versions, [...supportedVersions]);
    assert.deepEqual([...supportedVersions], [...supportedAsyncApiVersions]);
    for (const v of supportedVersions) assert.ok(existsSync(join(root, `validators/asyncapi-${v}.js`)), v);
  });

  it('a bundled validator is self-contained: it runs from a folder with no node_modules', () => {
    const dir = mkdtempSync(join(tmpdir(), 'asyncapi-guard-validators-'));
    try {
      for (const v of supportedVersions)
        cpSync(join(root, `validators/asyncapi-${v}.js`), join(dir, `asyncapi-${v}.mjs`));
      const script = `for (const v of ${JSON.stringify(supportedVersions)}) {
        const m = await import('./asyncapi-' + v + '.mjs');
        const ok = m.validate({ asyncapi: v, info: { title: 't', version: '1' }, channels: {}, id: 'urn:x' });
        const bad = m.validate({ asyncapi: v, info: { title: 't', version: '1' }, channels: {}, id: 'not a uri' });
        console.log(v, ok, bad);
      }`;
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(
        r.stdout.trim().split('\n'),
        supportedVersions.map((v) => `${v} true false`),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('src/document/schema.ts does not import ajv', () => {
    const text = readFileSync(join(root, 'src/document/schema.ts'), 'utf8');
    assert.doesNotMatch(text, /from\s+['"]ajv|import\(\s*['"]ajv|require\(\s*['"]ajv/);
  });

  it('rejects an unsupported version with ERR_INVALID_ARG_VALUE', async () => {
    await assert.rejects(validateSchema('2.7.0', {}, FILE), { code: 'ERR_INVALID_ARG_VALUE' });
    await assert.rejects(validateSchema('1.2.0', {}, FILE), { code: 'ERR_INVALID_ARG_VALUE' });
  });

  it('every supported version validates a minimal document of its own', async () => {
    for (const v of supportedVersions) {
      const doc = v.startsWith('2.') ? { asyncapi: v, info, channels: {} } : { asyncapi: v, info };
      assert.deepEqual(await findings(v, doc), [], v);
    }
  });

  it('without validators/, says to run npm run build', () => {
    // A copy of the module tree with no validators/ next to it.
    const dir = mkdtempSync(join(tmpdir(), 'asyncapi-guard-schema-'));
    try {
      cpSync(join(root, 'src'), join(dir, 'src'), { recursive: true });
      const probe = join(dir, 'probe.ts');
      writeFileSync(
        probe,
        "import { validateSchema } from './src/document/schema.ts';\n" +
          "validateSchema('3.0.0', {}, 'x').then(() => console.log('no " +
          "error'), (e) => console.log(String(e.message)));\n",
      );
      const r = spawnSync(process.execPath, ['--import', 'tsx', probe], { cwd: root, encoding: 'utf8' });
      assert.match(r.stdout, /npm run build/, r.stderr);
      assert.match(r.stdout, /validators\/asyncapi-3\.0\.0\.js/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ---------------------------------------------------------------------------------------------

interface IndexEntry {
  file: string;
  target: string;
  expect: 'valid' | 'invalid';
  alsoAsWholeSecuritySchemeObject?: 'valid' | 'invalid';
}

interface Case {
  name: string;
  asyncapi: string;
  doc: unknown;
  expect: 'valid' | 'invalid';
  /** Where the value under test sits in `doc` (findings must stay inside). */
  within?: string;
}

/**
 * Turns an index entry into documents to validate: whole documents as they are; a security item
 * as the one item of `servers.x.security`; a scheme-level fixture as `components.securitySchemes.s`
 * with the index's verdict for it as a whole Security Scheme Object (3.0.0 and 3.1.0 share these
 * definitions, so both run). Returns a reason instead when the index gives no whole-scheme verdict.
 */
function casesFor(e: IndexEntry): Case[] | string {
  const value: unknown = JSON.parse(readFileSync(join(schemaFixturesDir, e.file), 'utf8'));
  const base = e.file.replace(/^.*\//, '');
  const doc = /^probe__(\d+\.\d+\.\d+)__document__/.exec(base);
  if (doc) return [{ name: base, asyncapi: doc[1]!, doc: value, expect: e.expect }];
  if (/^probe__3\.0\.0__security-item__/.test(base)) {
    return ['3.0.0', '3.1.0'].map((v) => ({
      name: `${base} (${v})`,
      asyncapi: v,
      doc: withItem(value, v),
      expect: e.expect,
      within: '/servers/x/security/0',
    }));
  }
  const whole = e.alsoAsWholeSecuritySchemeObject;
  if (whole === 'valid' || whole === 'invalid') {
    return ['3.0.0', '3.1.0'].map((v) => ({
      name: `${base} (${v})`,
      asyncapi: v,
      doc: withScheme(value, v),
      expect: whole,
      within: '/components/securitySchemes/s',
    }));
  }
  return `targets ${e.target}, which is not a whole Security Scheme, and the index gives no verdict for it as one`;
}

describe('schema: corpus fixtures (schema-fixtures/fixtures-index.json)', () => {
  const index = JSON.parse(readFileSync(join(schemaFixturesDir, 'fixtures-index.json'), 'utf8')) as IndexEntry[];
  const onDisk = ['valid', 'invalid'].flatMap((d) => readdirSync(join(schemaFixturesDir, d)).map((f) => `${d}/${f}`));
  const cases: Case[] = [];
  const skipped: string[] = [];
  let ran = 0;
  for (const e of index) {
    const c = casesFor(e);
    if (typeof c === 'string') {
      skipped.push(`${e.file}: ${c}`);
    } else {
      ran++;
      cases.push(...c);
    }
  }

  it('the index covers every fixture file, and (almost) all of them run', (t) => {
    assert.deepEqual([...onDisk].sort(), index.map((e) => e.file).sort());
    for (const s of skipped) t.diagnostic(`skipped ${s}`);
    t.diagnostic(`${cases.length} cases from ${ran} of ${index.length} fixtures`);
    assert.equal(ran + skipped.length, index.length);
    assert.ok(index.length >= 150, `index has ${index.length} entries`);
    assert.ok(skipped.length <= 10, `${skipped.length} fixtures skipped`);
    assert.ok(ran >= 140 && cases.length > ran, `only ${ran} fixtures (${cases.length} cases) ran`);
    assert.ok(cases.some((c) => c.expect === 'valid') && cases.some((c) => c.expect === 'invalid'));
  });

  for (const c of cases) {
    it(`${c.expect}: ${c.name}`, async () => {
      let fs = await findings(c.asyncapi, c.doc);
      // The fixture records a gap of the official schema that validateSchema closes (Components Object key names,
      // document/schema.ts): exactly that finding, and nothing else.
      if (c.name.includes('componentssecurityschemes-key-with-space-is-not-checked')) {
        assert.deepEqual(
          fs.map((f) => [f.keyword, f.at.pointer]),
          [['propertyNames', '/components/securitySchemes/bad key']],
        );
        fs = [];
      }
      if (c.expect === 'valid') {
        assert.deepEqual(fs, [], `expected no findings, got:\n${show(fs)}`);
        return;
      }
      assert.ok(fs.length >= 1, 'expected at least one finding');
      // One finding per real problem: a scheme fixture has one or two problems, never a oneOf dump.
      if (c.within) {
        assert.ok(fs.length <= 2, `expected at most two findings, got:\n${show(fs)}`);
        for (const f of fs) {
          assert.ok(
            f.at.pointer === c.within || f.at.pointer.startsWith(`${c.within}/`),
            `finding outside the fixture:\n${show(fs)}`,
          );
          assert.notEqual(f.keyword, 'oneOf');
        }
      }
      for (const f of fs) {
        assert.equal(f.at.file, FILE);
        assert.doesNotMatch(f.message, /undefined|\[object Object\]|must match exactly one schema/);
      }
    });
  }
});

describe('schema: official examples (spec-examples/*.yml)', () => {
  const dir = officialExamplesDir;
  const names = fixtureFiles(dir, '.yml');

  it('there are examples to check', () => {
    assertFixtureFiles(dir, '.yml', officialExampleCount);
    assert.ok(names.some((n) => n.includes('.schema-invalid')));
  });

  for (const name of names) {
    const invalid = name.includes('.schema-invalid');
    it(`${invalid ? 'invalid' : 'valid'}: ${name}`, async () => {
      const doc = parse(readFileSync(join(dir, name), 'utf8')) as { asyncapi: string };
      const fs = await findings(doc.asyncapi, doc);
      if (invalid) assert.ok(fs.length >= 1, 'expected findings');
      else assert.deepEqual(fs, [], `expected no findings, got:\n${show(fs)}`);
    });
  }

  it('the spec-json-schemas IDE fixture: exactly the deliberate info.dupa', async () => {
    const doc: unknown = parse(
      readFileSync(join(dir, '3.0.0__spec-json-schemas__test-fixtures-asyncapi.schema-invalid-info-dupa.yml'), 'utf8'),
    );
    const f = await only('3.0.0', doc);
    assert.deepEqual(f, {
      at: { file: FILE, pointer: '/info/dupa' },
      keyword: 'additionalProperties',
      atKey: true,
      message: "info has unknown field 'dupa'",
    });
  });

  it('the anypointmq README example: 2.x flow scopes in a 3.0 document, one finding per problem', async () => {
    const doc: unknown = parse(
      readFileSync(join(dir, '3.0.0__bindings-anypointmq-README-example.schema-invalid.yml'), 'utf8'),
    );
    const fs = await findings('3.0.0', doc);
    const scopes = fs.filter((f) => f.at.pointer.endsWith('/flows/clientCredentials/scopes'));
    assert.equal(scopes.length, 2, show(fs));
    for (const f of scopes) {
      assert.equal(f.keyword, 'additionalProperties');
      assert.equal(f.atKey, true);
      assert.match(f.message, /availableScopes/);
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('schema: messages', () => {
  it('httpApiKey without name: exactly the sentence of the issue', async () => {
    const f = await only(
      '3.0.0',
      v3({ components: { securitySchemes: { apiKey: { type: 'httpApiKey', in: 'header' } } } }),
    );
    assert.deepEqual(f, {
      at: { file: FILE, pointer: '/components/securitySchemes/apiKey' },
      keyword: 'required',
      message: "security scheme 'apiKey' (type httpApiKey) is missing required field 'name'",
    });
  });

  it('unknown type: one finding listing the types, with a near match', async () => {
    const f = await only('3.0.0', v3({ components: { securitySchemes: { certs: { type: 'x509' } } } }));
    assert.equal(f.keyword, 'enum');
    assert.equal(f.at.pointer, '/components/securitySchemes/certs/type');
    assert.match(
      f.message,
      /^security scheme 'certs': unknown security scheme type 'x509'; expected one of userPassword, apiKey, X509, /,
    );
    assert.match(f.message, /gssapi \(did you mean 'X509'\?\)$/);
  });

  it('unknown type in an inline scheme names its place', async () => {
    const f = await only('3.0.0', withItem({ type: 'mutualTLS' }));
    assert.equal(f.at.pointer, '/servers/x/security/0/type');
    assert.match(
      f.message,
      /^security scheme at servers\.x\.security\[0\]: unknown security scheme type 'mutualTLS'; expected one of /,
    );
  });

  it('scopes on userPassword: unknown field at the key, with the hint', async () => {
    const f = await only('3.0.0', withItem({ type: 'userPassword', scopes: ['a'] }));
    assert.deepEqual(f, {
      at: { file: FILE, pointer: '/servers/x/security/0/scopes' },
      keyword: 'additionalProperties',
      atKey: true,
      message:
        "security scheme at servers.x.security[0] (type userPassword) has unknown field 'scopes'; 'scopes' " +
        'is only allowed on oauth2 and openIdConnect schemes',
    });
  });

  it('bearerFormat on http basic: only allowed when scheme is bearer', async () => {
    const f = await only('3.0.0', withScheme({ type: 'http', scheme: 'basic', bearerFormat: 'JWT' }));
    assert.equal(f.at.pointer, '/components/securitySchemes/s/bearerFormat');
    assert.equal(f.atKey, true);
    assert.equal(
      f.message,
      "security scheme 's' (type http) has unknown field 'bearerFormat'; 'bearerFormat' is only allowed " +
        "when scheme is 'bearer'",
    );
  });

  it("bearerFormat with scheme 'Bearer': says the comparison is case-sensitive", async () => {
    const f = await only('3.0.0', withScheme({ type: 'http', scheme: 'Bearer', bearerFormat: 'JWT' }));
    assert.match(
      f.message,
      /only allowed when scheme is 'bearer' \(the schema compares case-sensitively: 'Bearer' is not 'bearer'\)$/,
    );
  });

  it('http bearer with bearerFormat is valid; http without scheme misses scheme (no `not` noise)', async () => {
    assert.deepEqual(await findings('3.0.0', withScheme({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })), []);
    const f = await only('3.0.0', withScheme({ type: 'http' }));
    assert.equal(f.message, "security scheme 's' (type http) is missing required field 'scheme'");
  });

  it('implicit flow with tokenUrl: must not have it, at the key', async () => {
    const scheme = {
      type: 'oauth2',
      flows: { implicit: { authorizationUrl: 'https://idp.example/auth', tokenUrl: 'relative', availableScopes: {} } },
    };
    const f = await only('3.0.0', withScheme(scheme));
    assert.equal(f.keyword, 'not');
    assert.equal(f.at.pointer, '/components/securitySchemes/s/flows/implicit/tokenUrl');
    assert.equal(f.atKey, true);
    assert.equal(f.message, "security scheme 's' (type oauth2): implicit flow must not have 'tokenUrl'");
  });

  it('password / clientCredentials flows must not have authorizationUrl', async () => {
    for (const flow of ['password', 'clientCredentials']) {
      const scheme = {
        type: 'oauth2',
        flows: {
          [flow]: { authorizationUrl: 'https://a.example', tokenUrl: 'https://t.example', availableScopes: {} },
        },
      };
      const f = await only('3.0.0', withScheme(scheme));
      assert.equal(f.message, `security scheme 's' (type oauth2): ${flow} flow must not have 'authorizationUrl'`);
    }
  });

  it('relative tokenUrl: must be an absolute URI', async () => {
    const scheme = {
      type: 'oauth2',
      flows: { clientCredentials: { tokenUrl: '/token', availableScopes: { read: 'read' } } },
    };
    const f = await only('3.0.0', withItem(scheme));
    assert.equal(f.keyword, 'format');
    assert.equal(f.at.pointer, '/servers/x/security/0/flows/clientCredentials/tokenUrl');
    assert.equal(
      f.message,
      "security scheme at servers.x.security[0] (type oauth2): field 'tokenUrl' of clientCredentials flow " +
        'must be an absolute URI (got "/token")',
    );
  });

  it('enum: field in of an apiKey scheme', async () => {
    const f = await only('3.0.0', withScheme({ type: 'apiKey', in: 'header' }));
    assert.equal(f.keyword, 'enum');
    assert.equal(f.at.pointer, '/components/securitySchemes/s/in');
    assert.match(
      f.message,
      /^field 'in' of security scheme 's' \(type apiKey\) must be one of "user", "password" \(got "header"\)/,
    );
  });

  it('type: must be a string (got number)', async () => {
    const f = await only('3.0.0', withScheme({ type: 'X509', description: 42 }));
    assert.equal(f.keyword, 'type');
    assert.equal(f.message, "field 'description' of security scheme 's' (type X509) must be a string (got number)");
  });

  it('const: the asyncapi field', async () => {
    const f = await only('3.0.0', { asyncapi: '3.0.1', info });
    assert.deepEqual(f, {
      at: { file: FILE, pointer: '/asyncapi' },
      keyword: 'const',
      message: 'field \'asyncapi\' of the document must be "3.0.0" (got "3.0.1")',
    });
  });

  it('generic places: info is missing required field title', async () => {
    const f = await only('3.0.0', { asyncapi: '3.0.0', info: { version: '1' } });
    assert.deepEqual(f, {
      at: { file: FILE, pointer: '/info' },
      keyword: 'required',
      message: "info is missing required field 'title'",
    });
  });

  it('operation security item in the 2.x shape: missing type, with a hint', async () => {
    const doc = v3({
      channels: { c: { address: 'c' } },
      operations: {
        o: { action: 'send', channel: { $ref: '#/channels/c' }, security: [{ petstore_auth: ['write:pets'] }] },
      },
    });
    const f = await only('3.0.0', doc);
    assert.equal(f.at.pointer, '/operations/o/security/0');
    assert.match(
      f.message,
      new RegExp(
        String.raw`^security scheme at operations\.o\.security\[0\] is missing required field 'type'; this looks ` +
          String.raw`like an AsyncAPI 2\.x security requirement`,
      ),
    );
  });

  it('$ref beside a complete inline oauth2 scheme: one finding, not a oneOf dump', async () => {
    const f = await only('3.0.0', withItem({ $ref: '#/components/securitySchemes/a', type: 'oauth2', flows: {} }));
    assert.equal(f.keyword, 'oneOf');
    assert.equal(f.at.pointer, '/servers/x/security/0');
    assert.match(f.message, /a Reference Object allows only '\$ref'/);
  });

  it('a $ref that is not a string: the Reference branch is reported', async () => {
    const f = await only('3.0.0', withItem({ $ref: 7 }));
    assert.equal(f.at.pointer, '/servers/x/security/0/$ref');
    assert.equal(f.keyword, 'type');
  });

  it('a $ref with [ and ] passes (parser-js drops uri-reference from the Reference Object)', async () => {
    assert.deepEqual(await findings('3.0.0', withItem({ $ref: '#/components/securitySchemes/a[0]' })), []);
  });

  it('2.6.0 document with errors: v3 shapes in a v2 document', async () => {
    const doc = {
      asyncapi: '2.6.0',
      info,
      channels: {},
      servers: {
        s: { url: 'broker.example', protocol: 'mqtt', security: [{ type: 'X509' }, { a: ['read', 'read'] }] },
      },
      components: {
        securitySchemes: {
          a: { type: 'oauth2', flows: { clientCredentials: { tokenUrl: 'https://t.example', availableScopes: {} } } },
          oidc: {
            type: 'openIdConnect',
            openIdConnectUrl: 'https://idp.example/.well-known/openid-configuration',
            scopes: ['x'],
          },
        },
      },
    };
    const fs = await findings('2.6.0', doc);
    assert.deepEqual(
      fs.map((f) => [f.keyword, f.at.pointer]),
      [
        ['required', '/components/securitySchemes/a/flows/clientCredentials'],
        ['additionalProperties', '/components/securitySchemes/a/flows/clientCredentials/availableScopes'],
        ['additionalProperties', '/components/securitySchemes/oidc/scopes'],
        ['type', '/servers/s/security/0/type'],
        ['uniqueItems', '/servers/s/security/1/a/1'],
      ],
      show(fs),
    );
    assert.equal(
      fs[0]!.message,
      "security scheme 'a' (type oauth2): clientCredentials flow is missing required field 'scopes'",
    );
    assert.match(
      fs[3]!.message,
      new RegExp(
        String.raw`^scope list of 'type' in security requirement servers\.s\.security\[0\] must be an array ` +
          String.raw`\(got string\); in AsyncAPI 2\.x`,
      ),
    );
    assert.match(fs[4]!.message, /must not list the same item twice \(items 0 and 1 are both "read"\)$/);
  });

  it('2.0.0 document with errors: no SASL types yet, and the 2.0.0 schema is the one used', async () => {
    const doc = {
      asyncapi: '2.0.0',
      info,
      channels: {},
      components: { securitySchemes: { sasl: { type: 'scramSha256' }, k: { type: 'httpApiKey', in: 'query' } } },
    };
    const fs = await findings('2.0.0', doc);
    assert.equal(fs.length, 2, show(fs));
    assert.equal(fs[0]!.message, "security scheme 'k' (type httpApiKey) is missing required field 'name'");
    assert.match(
      fs[1]!.message,
      new RegExp(
        String.raw`^security scheme 'sasl': unknown security scheme type 'scramSha256'; expected one of ` +
          String.raw`userPassword, .*openIdConnect \('scramSha256' exists from AsyncAPI 2\.1\.0 on\)$`,
      ),
    );
    // The same scheme is fine from 2.1.0 on.
    assert.deepEqual(
      await findings('2.1.0', {
        ...doc,
        asyncapi: '2.1.0',
        components: { securitySchemes: { sasl: { type: 'scramSha256' } } },
      }),
      [],
    );
  });

  it('asyncapi 3.1.0 document is valid', async () => {
    const doc = v3(
      {
        servers: {
          prod: {
            host: 'broker.example:8883',
            protocol: 'secure-mqtt',
            security: [{ $ref: '#/components/securitySchemes/up' }, { type: 'X509' }],
          },
        },
        channels: { lights: { address: 'lights/{id}', parameters: { id: {} } } },
        operations: {
          turnOn: {
            action: 'send',
            channel: { $ref: '#/channels/lights' },
            security: [
              {
                type: 'oauth2',
                flows: {
                  clientCredentials: {
                    tokenUrl: 'https://idp.example/token',
                    availableScopes: { 'lights:write': 'w' },
                  },
                },
                scopes: ['lights:write'],
              },
            ],
          },
        },
        components: { securitySchemes: { up: { type: 'userPassword' } } },
      },
      '3.1.0',
    );
    assert.deepEqual(await findings('3.1.0', doc), []);
  });

  it('unknown field elsewhere: points at the key, RFC 6901-escaped', async () => {
    const f = await only('3.0.0', v3({ channels: { 'user/signup': { address: 'user/signup', colour: 'red' } } }));
    assert.deepEqual(f, {
      at: { file: FILE, pointer: '/channels/user~1signup/colour' },
      keyword: 'additionalProperties',
      atKey: true,
      message: "channels.user/signup has unknown field 'colour'",
    });
  });

  it('extension keys that break the pattern get a hint', async () => {
    const f = await only('3.0.0', withScheme({ type: 'userPassword', 'X-vendor': true }));
    assert.match(f.message, /has unknown field 'X-vendor'; extension fields must match \^x-/);
  });

  it('a branch that fails only on type is dropped; type-only alternatives merge into one', async () => {
    const doc = v3({
      servers: {
        s: { host: 'h', protocol: 'mqtt', bindings: { mqtt: { sessionExpiryInterval: -1, maximumPacketSize: 'big' } } },
      },
    });
    const fs = await findings('3.0.0', doc);
    assert.deepEqual(
      fs.map((f) => [f.keyword, f.at.pointer]),
      [
        ['type', '/servers/s/bindings/mqtt/maximumPacketSize'],
        ['minimum', '/servers/s/bindings/mqtt/sessionExpiryInterval'],
      ],
      show(fs),
    );
  });

  it('2.x message oneOf: the branch that got furthest wins', async () => {
    const doc = {
      asyncapi: '2.6.0',
      info,
      channels: { c: { publish: { message: { oneOf: [{ payload: {}, colour: 1 }] } } } },
    };
    const f = await only('2.6.0', doc);
    assert.equal(f.at.pointer, '/channels/c/publish/message/oneOf/0/colour');
  });

  it('findings are sorted by pointer (array indexes numerically)', async () => {
    const security = Array.from({ length: 12 }, (_, i) => ({ type: 'userPassword', [`f${i}`]: 1 }));
    const fs = await findings('3.0.0', v3({ info: {}, servers: { s: { host: 'h', protocol: 'mqtt', security } } }));
    const pointers = fs.map((f) => f.at.pointer);
    assert.equal(pointers[0], '/info');
    assert.deepEqual(pointers.slice(-3), [
      '/servers/s/security/9/f9',
      '/servers/s/security/10/f10',
      '/servers/s/security/11/f11',
    ]);
  });

  it(`caps findings at ${maxSchemaFindings}, then counts the rest`, async () => {
    const servers = Object.fromEntries(
      Array.from({ length: 260 }, (_, i) => [`s${i}`, { host: 'h', protocol: 'mqtt', colour: i }]),
    );
    const fs = await findings('3.0.0', v3({ servers }));
    assert.equal(fs.length, maxSchemaFindings + 1);
    const last = fs[fs.length - 1]!;
    assert.deepEqual(last, {
      at: { file: FILE, pointer: '' },
      keyword: 'limit',
      message: '… and 60 more schema problems',
    });
  });
});

describe('schema: robustness', () => {
  const base = parse(
    readFileSync(join(officialExamplesDir, '3.0.0__streetlights-mqtt-asyncapi.yml'), 'utf8'),
  ) as Record<string, unknown>;
  const places = [
    ['servers', 'production'],
    ['servers', 'production', 'security', '0'],
    ['servers', 'production', 'security', '1', 'flows'],
    ['components', 'securitySchemes', 'openIdConnectWellKnown'],
    ['components', 'securitySchemes', 'apiKey', 'in'],
    ['channels', 'lightingMeasured'],
    ['operations', 'receiveLightMeasurement', 'channel'],
    ['components', 'messages', 'lightMeasured', 'payload'],
    ['info'],
  ];

  it('any value anywhere: well-formed findings, never a throw (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...places), fc.jsonValue({ maxDepth: 3 }), async (path, value) => {
        const doc = structuredClone(base);
        let cur = doc;
        for (const k of path.slice(0, -1)) {
          const next = cur[k];
          if (next === null || typeof next !== 'object') return;
          cur = next as Record<string, unknown>;
        }
        cur[path[path.length - 1]!] = value;
        const fs = await findings('3.0.0', doc);
        for (const f of fs) {
          assert.ok(f.at.pointer === '' || f.at.pointer.startsWith('/'), f.at.pointer);
          assert.ok(f.message.length > 0 && !/undefined|\[object Object\]/.test(f.message), f.message);
          assert.ok(f.keyword.length > 0);
        }
        assert.equal(new Set(fs.map((f) => `${f.at.pointer} ${f.message}`)).size, fs.length, 'duplicate findings');
      }),
      { numRuns: 150 },
    );
  });
});
