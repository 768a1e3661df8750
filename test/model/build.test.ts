import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDocument } from '../../src/document/load.js';
import { getAtPointer } from '../../src/document/pointer.js';
import type { LoadedDocument, Location } from '../../src/document/types.js';
import { buildAnalysis, buildModel, toSecurityModel } from '../../src/model/index.js';
import type { Analysis, LocatedRequirement, SecurityModel } from '../../src/model/index.js';
import { assertFixtureFiles, fixtureFiles, officialExampleCount, officialExamplesDir } from '../helpers/corpus.js';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
const fixturesDir = resolve(projectRoot, 'test/fixtures/model');
const helperFiles = new Set(['shared-schemes.yml']);

const list = (dir: string): string[] =>
  fixtureFiles(dir, '.yml')
    .filter((f) => !helperFiles.has(f))
    .map((f) => join(dir, f));
const documents = [...list(officialExamplesDir), ...list(fixturesDir)];

// Every document below is a case: a missing or emptied folder fails here instead of running fewer cases.
test('build: the official examples and the model fixtures are all there', () => {
  assertFixtureFiles(officialExamplesDir, '.yml', officialExampleCount);
  assert.ok(list(fixturesDir).length >= 7, `only ${list(fixturesDir).length} documents in ${fixturesDir}`);
});

/** Only plain objects, arrays, strings, numbers, booleans and null. */
function assertPlain(value: unknown, path = '$'): void {
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return;
  assert.equal(typeof value, 'object', path);
  if (Array.isArray(value)) return value.forEach((v, i) => assertPlain(v, `${path}[${i}]`));
  assert.equal(Object.getPrototypeOf(value), Object.prototype, `${path} is a plain object`);
  for (const [k, v] of Object.entries(value as object)) {
    assert.notEqual(v, undefined, `${path}.${k} is not undefined`);
    assertPlain(v, `${path}.${k}`);
  }
}

function allLocations(a: Analysis): Location[] {
  const out: Location[] = [];
  const req = (r: LocatedRequirement): void => {
    if (r.at) out.push(r.at);
    for (const alt of r.alternatives) {
      out.push(alt.at);
      for (const e of alt.entries) {
        out.push(e.at, ...e.ignoredSiblings.map((s) => s.at));
        if (e.schemeAt) out.push(e.schemeAt);
      }
    }
  };
  for (const s of a.schemes.values()) out.push(s.at);
  for (const s of a.servers) {
    out.push(s.at);
    req(s.security);
  }
  for (const o of a.operations) {
    out.push(o.at);
    req(o.security);
  }
  for (const i of a.issues) out.push(i.at);
  return out;
}

for (const path of documents) {
  const name = path.slice(path.lastIndexOf('/') + 1);
  test(`model of ${name}: plain JSON data, schemes sorted, stable, every location points at a node`, async () => {
    const doc: LoadedDocument = await loadDocument(path);
    const analysis = buildAnalysis(doc);
    const model = toSecurityModel(analysis);
    assertPlain(model);
    assert.deepEqual(JSON.parse(JSON.stringify(model)), model);
    const names = Object.keys(model.schemes);
    assert.deepEqual(names, [...names].sort());
    assert.deepEqual(buildModel(doc), model, 'same document, same model');
    for (const at of allLocations(analysis)) {
      const file = doc.files.get(at.file);
      assert.ok(file, `${at.file} is a loaded file`);
      assert.notEqual(getAtPointer(file.value, at.pointer), undefined, `${at.file}#${at.pointer} exists`);
      assert.ok(file.ranges.has(at.pointer), `${at.pointer} has a source position`);
    }
    // Every entry of the model names a scheme of the model, unless the analysis says it is unresolved.
    for (const r of [...analysis.servers, ...analysis.operations].map((x) => x.security)) {
      for (const e of r.alternatives.flatMap((alt) => alt.entries))
        assert.equal(e.resolved, e.scheme in model.schemes, e.scheme);
    }
  });
}

test('the model shares nothing with the analysis or the document', async () => {
  const doc = await loadDocument(join(fixturesDir, 'v3-refs.yml'));
  const analysis = buildAnalysis(doc);
  const model = toSecurityModel(analysis);
  const before = JSON.stringify(doc.root.value);
  (model.schemes.oauth?.scopes as string[]).push('tampered');
  model.servers[0]?.security[0]?.[0]?.scopes.push('tampered');
  model.operations[0]?.servers.push('tampered');
  assert.equal(JSON.stringify(doc.root.value), before);
  assert.deepEqual(toSecurityModel(analysis), buildModel(doc));
});

// ---------------------------------------------------------------- snapshots

const corpus = (name: string): string => join(officialExamplesDir, name);

test('snapshot: 3.0.0 streetlights-operation-security', async () => {
  const model = buildModel(await loadDocument(corpus('3.0.0__streetlights-operation-security-asyncapi.yml')));
  const read = [[{ scheme: '', scopes: ['streetlights:read'] }]];
  const op = (id: string, channel: string, address: string): unknown => ({
    id,
    action: 'send',
    channel,
    address,
    servers: ['test_oauth'],
    security: read.map((alt) => alt.map((e) => ({ ...e, scheme: `/operations/${id}/security/0` }))),
  });
  const expected: Omit<SecurityModel, 'schemes'> & { schemes: string[] } = {
    asyncapi: '3.0.0',
    schemes: [
      '/operations/dimLight/security/0',
      '/operations/turnOff/security/0',
      '/operations/turnOn/security/0',
      '/servers/test_oauth/security/0',
      'saslScram',
      'streetlights_auth',
    ],
    servers: [
      {
        name: 'test',
        host: 'test.mykafkacluster.org:8092',
        protocol: 'kafka-secure',
        security: [[{ scheme: 'saslScram', scopes: [] }]],
      },
      {
        name: 'test_oauth',
        host: 'test.mykafkacluster.org:8093',
        protocol: 'kafka-secure',
        security: [[{ scheme: '/servers/test_oauth/security/0', scopes: ['streetlights:write', 'streetlights:read'] }]],
      },
    ],
    operations: [
      {
        id: 'receiveLightMeasurement',
        action: 'receive',
        channel: 'lightingMeasured',
        address: 'smartylighting.streetlights.1.0.event.{streetlightId}.lighting.measured',
        servers: ['test'],
        security: [],
      },
      op('turnOn', 'lightTurnOn', 'smartylighting.streetlights.1.0.action.{streetlightId}.turn.on'),
      op('turnOff', 'lightTurnOff', 'smartylighting.streetlights.1.0.action.{streetlightId}.turn.off'),
      op('dimLight', 'lightsDim', 'smartylighting.streetlights.1.0.action.{streetlightId}.dim'),
    ] as SecurityModel['operations'],
  };
  assert.deepEqual({ ...model, schemes: Object.keys(model.schemes) }, expected);
  assert.deepEqual(model.schemes.saslScram, {
    type: 'scramSha256',
    description: 'Provide your username and password for SASL/SCRAM authentication',
  });
  assert.deepEqual(model.schemes['/operations/turnOn/security/0']?.scopes, ['streetlights:read']);
});

test('snapshot: 2.6.0 correlation-id', async () => {
  const analysis = buildAnalysis(await loadDocument(corpus('2.6.0__correlation-id-asyncapi.yml')));
  const model = toSecurityModel(analysis);
  assert.deepEqual(model.servers, [
    {
      name: 'production',
      host: 'test.mosquitto.org:{port}',
      protocol: 'mqtt',
      security: [
        [{ scheme: 'apiKey', scopes: [] }],
        [{ scheme: 'supportedOauthFlows', scopes: ['streetlights:on', 'streetlights:off', 'streetlights:dim'] }],
        [{ scheme: 'openIdConnectWellKnown', scopes: [] }],
      ],
    },
  ]);
  assert.deepEqual(
    model.operations.map((o) => [o.id, o.action, o.servers, o.security]),
    [
      ['receiveLightMeasurement', 'receive', ['production'], []],
      ['dimLight', 'send', ['production'], []],
    ],
  );
  assert.deepEqual(Object.keys(model.schemes), ['apiKey', 'openIdConnectWellKnown', 'supportedOauthFlows']);
  assert.deepEqual(model.schemes.apiKey, {
    type: 'apiKey',
    in: 'user',
    description: 'Provide your API key as the user and leave the password empty.',
  });
  assert.deepEqual(analysis.issues, []);
});

test('snapshot: 3.0.0 correlation-id names its inline oauth2 scheme by pointer', async () => {
  const model = buildModel(await loadDocument(corpus('3.0.0__correlation-id-asyncapi.yml')));
  assert.deepEqual(model.servers[0]?.security, [
    [{ scheme: 'apiKey', scopes: [] }],
    [{ scheme: '/servers/production/security/1', scopes: ['streetlights:on', 'streetlights:off', 'streetlights:dim'] }],
    [{ scheme: 'openIdConnectWellKnown', scopes: [] }],
  ]);
  assert.deepEqual(Object.keys(model.schemes), [
    '/servers/production/security/1',
    'apiKey',
    'openIdConnectWellKnown',
    'supportedOauthFlows',
  ]);
});

test('buildAnalysis and toSecurityModel reject what is not theirs with ERR_INVALID_ARG_TYPE', () => {
  for (const bad of [null, undefined, {}, 'doc.yaml']) {
    assert.throws(() => buildAnalysis(bad as LoadedDocument), {
      name: 'TypeError',
      code: 'ERR_INVALID_ARG_TYPE',
    });
    assert.throws(() => toSecurityModel(bad as Analysis), {
      name: 'TypeError',
      code: 'ERR_INVALID_ARG_TYPE',
    });
  }
});
