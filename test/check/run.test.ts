import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadDocumentFromText } from '../../src/document/load.js';
import { checkDocument, checkDocuments, checkLoaded, checkLoadedDetailed, fillTemplate } from '../../src/check/run.js';
import { rules } from '../../src/check/rules/index.js';
import type { Rule } from '../../src/check/types.js';
import { dedent, ruleTester, runRule, v2, v3 } from './rule-tester.js';
import { officialExamplesDir } from '../helpers/corpus.js';

/** A document with findings of several rules on several lines. */
const busy = v3`
  servers:
    prod:
      host: broker.example.com
      protocol: mqtt
      security:
        - $ref: '#/components/securitySchemes/user'
        - $ref: '#/components/securitySchemes/user'
  components:
    securitySchemes:
      user:
        type: userPassword
      spare:
        type: X509
`;

const load = (text: string) => loadDocumentFromText(text, { file: 'doc.yaml' });

function errorCode(fn: () => unknown): Promise<string | undefined> {
  return Promise.resolve()
    .then(fn)
    .then(
      () => undefined,
      (err: { code?: string }) => err.code,
    );
}

describe('check engine: options', () => {
  it('an unknown rule id in options.rules is ERR_INVALID_ARG_VALUE', async () => {
    const doc = await load(busy);
    assert.equal(
      await errorCode(() => checkLoaded(doc, { rules: { 'no-such-rule': 'off' } })),
      'ERR_INVALID_ARG_VALUE',
    );
  });

  it('an unknown severity is ERR_INVALID_ARG_VALUE', async () => {
    const doc = await load(busy);
    assert.equal(
      await errorCode(() => checkLoaded(doc, { rules: { 'security-scheme-unused': 'fatal' as never } })),
      'ERR_INVALID_ARG_VALUE',
    );
  });

  it('bad argument types are ERR_INVALID_ARG_TYPE', async () => {
    assert.equal(await errorCode(() => checkDocument(42 as never)), 'ERR_INVALID_ARG_TYPE');
    assert.equal(await errorCode(() => checkDocuments('a.yaml' as never)), 'ERR_INVALID_ARG_TYPE');
    const doc = await load(busy);
    assert.equal(await errorCode(() => checkLoaded(doc, { rules: [] as never })), 'ERR_INVALID_ARG_TYPE');
  });

  it('a severity override changes the severity and the summary; off disables the rule', async () => {
    const doc = await load(busy);
    const base = await checkLoaded(doc, { rules: { 'asyncapi-schema': 'off' } });
    const unused = base.diagnostics.filter((d) => d.rule === 'security-scheme-unused');
    assert.equal(unused.length, 1);
    assert.equal(unused[0]?.severity, 'info');
    const raised = await checkLoaded(doc, { rules: { 'asyncapi-schema': 'off', 'security-scheme-unused': 'error' } });
    assert.equal(raised.diagnostics.find((d) => d.rule === 'security-scheme-unused')?.severity, 'error');
    assert.equal(raised.summary.errors, base.summary.errors + 1);
    assert.equal(raised.summary.infos, base.summary.infos - 1);
    const off = await checkLoaded(doc, { rules: { 'asyncapi-schema': 'off', 'security-scheme-unused': 'off' } });
    assert.equal(off.diagnostics.filter((d) => d.rule === 'security-scheme-unused').length, 0);
  });
});

describe('check engine: results', () => {
  it('diagnostics carry exactly the JSON contract fields, sorted by file, line, column, rule', async () => {
    const result = await checkLoaded(await load(busy), { rules: { 'asyncapi-schema': 'off' } });
    assert.equal(result.document, 'doc.yaml');
    assert.equal(result.asyncapi, '3.0.0');
    assert.ok(result.diagnostics.length >= 4);
    for (const d of result.diagnostics) {
      assert.deepEqual(Object.keys(d).sort(), ['file', 'message', 'pointer', 'range', 'rule', 'severity']);
      assert.equal(d.file, 'doc.yaml');
      assert.ok(d.range !== null);
    }
    const order = result.diagnostics.map((d) => [d.range!.start.line, d.range!.start.column, d.rule] as const);
    const sorted = [...order].sort((a, b) => a[0] - b[0] || a[1] - b[1] || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0));
    assert.deepEqual(order, sorted);
    const counted = { errors: 0, warnings: 0, infos: 0 };
    for (const d of result.diagnostics)
      counted[d.severity === 'error' ? 'errors' : d.severity === 'warning' ? 'warnings' : 'infos']++;
    assert.deepEqual(result.summary, counted);
  });

  it('the same finding reached twice (a component used by two servers) is reported once', async () => {
    const doc = await load(v3`
      servers:
        a:
          host: a.example.com
          protocol: mqtt
          security:
            - $ref: '#/components/securitySchemes/oauth'
        b:
          host: b.example.com
          protocol: mqtt
          security:
            - $ref: '#/components/securitySchemes/oauth'
      components:
        securitySchemes:
          oauth:
            type: oauth2
            flows:
              password:
                tokenUrl: https://auth.example.com/token
                availableScopes: {}
    `);
    const result = await checkLoaded(doc, { rules: { 'asyncapi-schema': 'off' } });
    assert.equal(result.diagnostics.filter((d) => d.rule === 'security-oauth2-deprecated-flow').length, 1);
    assert.equal(result.diagnostics.filter((d) => d.rule === 'security-cleartext-credentials').length, 2);
  });

  it('a pointer with no range of its own is placed at its nearest parent that has one', async () => {
    const probe: Rule = {
      meta: { id: 'probe', severity: 'info', description: 'd', docs: 'docs/rules/probe.md', messages: { m: '{n}' } },
      check({ document, report }) {
        report({
          messageId: 'm',
          data: { n: 1 },
          at: { file: document.root.uri, pointer: '/servers/prod/nothing/deeper' },
        });
        report({
          messageId: 'm',
          data: { n: 2 },
          at: { file: document.root.uri, pointer: '/servers/prod/protocol' },
          atKey: true,
        });
        report({ messageId: 'm', data: { n: 3 }, at: { file: document.root.uri, pointer: '/servers/prod/protocol' } });
      },
    };
    const result = await checkLoadedDetailed(await load(busy), { only: [probe] });
    const starts = result.diagnostics.map((d) => [d.pointer, d.range?.start]);
    assert.deepEqual(starts, [
      ['/servers/prod/nothing/deeper', { line: 4, column: 3 }], // the key `prod:`
      ['/servers/prod/protocol', { line: 6, column: 5 }], // the key `protocol`
      ['/servers/prod/protocol', { line: 6, column: 15 }], // the value `mqtt`
    ]);
  });

  it('a rule reporting an unknown messageId or leaving a placeholder unfilled fails loudly', async () => {
    const doc = await load(busy);
    const bad = (messageId: string, data?: Record<string, string>): Rule => ({
      meta: {
        id: 'bad',
        severity: 'info',
        description: 'd',
        docs: 'docs/rules/bad.md',
        messages: { m: 'value {value}' },
      },
      check({ document, report }) {
        report({ messageId, data, at: { file: document.root.uri, pointer: '' } });
      },
    });
    await assert.rejects(checkLoadedDetailed(doc, { only: [bad('nope', { value: 'x' })] }), /unknown messageId 'nope'/);
    await assert.rejects(checkLoadedDetailed(doc, { only: [bad('m', {})] }), /placeholder \{value\}/);
    const ok = await checkLoadedDetailed(doc, { only: [bad('m', { value: '{not a placeholder}' })] });
    assert.equal(ok.diagnostics[0]?.message, 'value {not a placeholder}');
  });

  it('fillTemplate fills every placeholder from data', () => {
    const meta = rules['security-scheme-unused'].meta;
    assert.match(fillTemplate(meta, 'unused', { name: 'spare' }), /'spare'/);
  });
});

describe('check engine: files', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'guard-run-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a finding in a referenced file names that file and its own line', async () => {
    await writeFile(
      join(dir, 'schemes.yaml'),
      'oauth:\n  type: oauth2\n  flows:\n    clientCredentials:\n      tokenUrl: ' +
        'http://auth.example.com/token\n      availableScopes: {}\n',
    );
    await writeFile(
      join(dir, 'root.yaml'),
      v3`
        servers:
          prod:
            host: broker.example.com
            protocol: secure-mqtt
            security:
              - $ref: 'schemes.yaml#/oauth'
      `,
    );
    const result = await checkDocument(join(dir, 'root.yaml'), {
      load: { cwd: dir },
      rules: { 'asyncapi-schema': 'off' },
    });
    const d = result.diagnostics.find((x) => x.rule === 'security-insecure-url');
    assert.ok(d, 'an insecure-url finding');
    assert.equal(d.file, 'schemes.yaml');
    assert.equal(d.pointer, '/oauth/flows/clientCredentials/tokenUrl');
    assert.equal(d.range?.start.line, 5);
  });

  it('checkDocuments goes on after a document that cannot be loaded', async () => {
    await writeFile(join(dir, 'bad.yaml'), 'asyncapi: [\n');
    await writeFile(join(dir, 'good.yaml'), v3`channels: {}`);
    const results = await checkDocuments([join(dir, 'bad.yaml'), join(dir, 'good.yaml')], {
      load: { cwd: dir },
      rules: { 'asyncapi-schema': 'off' },
    });
    assert.equal(results.length, 2);
    assert.equal(results[0]?.fatal?.code, 'ERR_DOCUMENT_SYNTAX');
    assert.equal(results[0]?.diagnostics[0]?.rule, 'document-load');
    assert.equal(results[1]?.fatal, undefined);
    assert.equal(results[1]?.asyncapi, '3.0.0');
  });
});

// The official examples (AsyncAPI 3.0.1 and 2.6.0 tags; test/fixtures/asyncapi-security-corpus/) are
// valid documents: no error. The warnings and infos they do get are listed, each one deserved.
const expectedOnOfficialExamples: Record<string, string[]> = {
  // apiKey, oauth2 and openIdConnect over `mqtt` (1883 is the default port) to a public
  // host: secrets in cleartext. The oauth2 scheme offers implicit and password flows.
  '2.6.0__correlation-id-asyncapi.yml': [
    'warning security-cleartext-credentials /servers/production/security/0/apiKey',
    'warning security-cleartext-credentials /servers/production/security/1/supportedOauthFlows',
    'warning security-cleartext-credentials /servers/production/security/2/openIdConnectWellKnown',
    'warning security-oauth2-deprecated-flow /components/securitySchemes/supportedOauthFlows/flows/implicit',
    'warning security-oauth2-deprecated-flow /components/securitySchemes/supportedOauthFlows/flows/password',
  ],
  '2.6.0__gitter-streaming-asyncapi.yml': [],
  '2.6.0__operation-security-asyncapi.yml': [],
  '2.6.0__slack-rtm-asyncapi.yml': [],
  '2.6.0__streetlights-kafka-asyncapi.yml': [],
  '2.6.0__streetlights-mqtt-asyncapi.yml': [
    'warning security-cleartext-credentials /servers/production/security/0/apiKey',
    'warning security-cleartext-credentials /servers/production/security/1/supportedOauthFlows',
    'warning security-cleartext-credentials /servers/production/security/2/openIdConnectWellKnown',
    'warning security-oauth2-deprecated-flow /components/securitySchemes/supportedOauthFlows/flows/implicit',
    'warning security-oauth2-deprecated-flow /components/securitySchemes/supportedOauthFlows/flows/password',
  ],
  '2.6.0__streetlights-operation-security-asyncapi.yml': [],
  // SASL PLAIN over `kafka`, not `kafka-secure`, so without TLS (its x- extensions say SASL_SSL,
  // but the protocol does not), and two remote Avro schemas not fetched.
  '3.0.0__adeo-kafka-request-reply-asyncapi.yml': [
    'warning security-cleartext-credentials /servers/production/security/0',
    'warning security-cleartext-credentials /servers/staging/security/0',
    'warning security-cleartext-credentials /servers/dev/security/0',
    'info document-ref-remote-skipped /components/messages/costingRequestV1/payload/schema/$ref',
    'info document-ref-remote-skipped /components/messages/costingResponse/payload/schema/$ref',
  ],
  // As 2.6.0, with the oauth2 scheme inlined in the server, so the component is unused
  // and both copies offer the deprecated flows.
  '3.0.0__correlation-id-asyncapi.yml': [
    'warning security-cleartext-credentials /servers/production/security/0',
    'warning security-cleartext-credentials /servers/production/security/1',
    'warning security-oauth2-deprecated-flow /servers/production/security/1/flows/implicit',
    'warning security-oauth2-deprecated-flow /servers/production/security/1/flows/password',
    'warning security-cleartext-credentials /servers/production/security/2',
    'info security-scheme-unused /components/securitySchemes/supportedOauthFlows',
    'warning security-oauth2-deprecated-flow /components/securitySchemes/supportedOauthFlows/flows/implicit',
    'warning security-oauth2-deprecated-flow /components/securitySchemes/supportedOauthFlows/flows/password',
  ],
  '3.0.0__gitter-streaming-asyncapi.yml': [],
  // The operation inlines its oauth2 scheme; the component copy is unused.
  '3.0.0__operation-security-asyncapi.yml': ['info security-scheme-unused /components/securitySchemes/petstore_auth'],
  '3.0.0__slack-rtm-asyncapi.yml': [],
  '3.0.0__streetlights-kafka-asyncapi.yml': [],
  '3.0.0__streetlights-mqtt-asyncapi.yml': [
    'warning security-cleartext-credentials /servers/production/security/0',
    'warning security-cleartext-credentials /servers/production/security/1',
    'warning security-oauth2-deprecated-flow /servers/production/security/1/flows/implicit',
    'warning security-oauth2-deprecated-flow /servers/production/security/1/flows/password',
    'warning security-cleartext-credentials /servers/production/security/2',
    'info security-scheme-unused /components/securitySchemes/supportedOauthFlows',
    'warning security-oauth2-deprecated-flow /components/securitySchemes/supportedOauthFlows/flows/implicit',
    'warning security-oauth2-deprecated-flow /components/securitySchemes/supportedOauthFlows/flows/password',
  ],
  '3.0.0__streetlights-operation-security-asyncapi.yml': [
    'info security-scheme-unused /components/securitySchemes/streetlights_auth',
  ],
};

describe('official examples: no errors', async () => {
  const files = (await readdir(officialExamplesDir))
    .filter((f) => f.endsWith('.yml') && !f.includes('schema-invalid'))
    .sort();
  it('every valid example has an expectation here', () => {
    assert.deepEqual(files, Object.keys(expectedOnOfficialExamples).sort());
  });
  for (const file of files) {
    it(file, async () => {
      const result = await checkDocument(join(officialExamplesDir, file));
      assert.equal(result.fatal, undefined);
      assert.equal(
        result.summary.errors,
        0,
        result.diagnostics.map((d) => `${d.rule} ${d.pointer} ${d.message}`).join('\n'),
      );
      const got = result.diagnostics.map((d) => `${d.severity} ${d.rule} ${d.pointer}`);
      assert.deepEqual(got, expectedOnOfficialExamples[file]);
    });
  }
});

describe('rule tester', () => {
  it('v2 / v3 prepend a two-line header and dedent the body', () => {
    assert.equal(
      v3`
      channels: {}
    `,
      "asyncapi: 3.0.0\ninfo: {title: t, version: '1'}\nchannels: {}\n",
    );
    assert.ok(v2`x: 1`.startsWith('asyncapi: 2.6.0\n'));
    assert.equal(dedent(['\n    a:\n      b: 1\n  ']), 'a:\n  b: 1\n');
  });

  it('refuses two cases with the same name', () => {
    const rule = rules['security-scheme-unused'];
    assert.throws(
      () =>
        ruleTester(rule, {
          valid: [{ name: 'same', doc: v3`channels: {}` }],
          invalid: [{ name: 'same', doc: v3`channels: {}`, errors: [] }],
        }),
      /duplicate case name 'same'/,
    );
  });

  it('runs only the rule under test', async () => {
    const got = await runRule(rules['security-scheme-unused'], busy);
    assert.deepEqual(
      got.map((d) => [d.rule, d.messageId, d.pointer]),
      [['security-scheme-unused', 'unused', '/components/securitySchemes/spare']],
    );
  });
});
