// SARIF 2.1.0 output. No SARIF schema package for Ajv 8 exists on npm (the official schema is
// draft-04), so the properties GitHub code scanning relies on are asserted here, and a subset
// schema with SARIF's exact property names (additionalProperties: false) catches misspelt keys.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { FINGERPRINT_KEY, formatSarif, toArtifactLocation } from '../../../src/check/reporters/sarif.js';
import type { CheckResult } from '../../../src/check/types.js';
import { assertGolden, fixedContext, loadResults, loadRules } from './helpers.js';

interface SarifRule {
  id: string;
  shortDescription: { text: string };
  helpUri?: string;
  defaultConfiguration?: { level: string };
}
interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: string;
  message: { text: string };
  locations: {
    physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string }; region: Record<string, number> };
  }[];
  partialFingerprints: Record<string, string>;
}
interface SarifLog {
  $schema: string;
  version: string;
  runs: {
    tool: { driver: { name: string; version: string; informationUri: string; rules: SarifRule[] } };
    results: SarifResult[];
  }[];
}

const text = {
  type: 'object',
  required: ['text'],
  additionalProperties: false,
  properties: { text: { type: 'string', minLength: 1 } },
};
const level = { enum: ['none', 'note', 'warning', 'error'] };
const positive = { type: 'integer', minimum: 1 };
const subsetSchema = {
  type: 'object',
  required: ['$schema', 'version', 'runs'],
  additionalProperties: false,
  properties: {
    $schema: { const: 'https://json.schemastore.org/sarif-2.1.0.json' },
    version: { const: '2.1.0' },
    runs: {
      type: 'array',
      minItems: 1,
      maxItems: 1,
      items: {
        type: 'object',
        required: ['tool', 'results'],
        additionalProperties: false,
        properties: {
          columnKind: { enum: ['utf16CodeUnits', 'unicodeCodePoints'] },
          tool: {
            type: 'object',
            required: ['driver'],
            additionalProperties: false,
            properties: {
              driver: {
                type: 'object',
                required: ['name', 'version', 'informationUri', 'rules'],
                additionalProperties: false,
                properties: {
                  name: { type: 'string' },
                  version: { type: 'string' },
                  semanticVersion: { type: 'string' },
                  informationUri: { type: 'string', pattern: '^https://' },
                  rules: {
                    type: 'array',
                    items: {
                      type: 'object',
                      required: ['id', 'shortDescription'],
                      additionalProperties: false,
                      properties: {
                        id: { type: 'string' },
                        shortDescription: text,
                        helpUri: { type: 'string', pattern: '^https://' },
                        help: {
                          type: 'object',
                          required: ['text'],
                          additionalProperties: false,
                          properties: { text: { type: 'string' }, markdown: { type: 'string' } },
                        },
                        defaultConfiguration: { type: 'object', additionalProperties: false, properties: { level } },
                        properties: { type: 'object' },
                      },
                    },
                  },
                },
              },
            },
          },
          results: {
            type: 'array',
            items: {
              type: 'object',
              required: ['ruleId', 'ruleIndex', 'level', 'message', 'locations'],
              additionalProperties: false,
              properties: {
                ruleId: { type: 'string' },
                ruleIndex: { type: 'integer', minimum: 0 },
                level,
                message: text,
                locations: {
                  type: 'array',
                  minItems: 1,
                  items: {
                    type: 'object',
                    required: ['physicalLocation'],
                    additionalProperties: false,
                    properties: {
                      physicalLocation: {
                        type: 'object',
                        required: ['artifactLocation', 'region'],
                        additionalProperties: false,
                        properties: {
                          artifactLocation: {
                            type: 'object',
                            required: ['uri'],
                            additionalProperties: false,
                            properties: { uri: { type: 'string' }, uriBaseId: { type: 'string' } },
                          },
                          region: {
                            type: 'object',
                            required: ['startLine'],
                            additionalProperties: false,
                            properties: {
                              startLine: positive,
                              startColumn: positive,
                              endLine: positive,
                              endColumn: positive,
                            },
                          },
                        },
                      },
                    },
                  },
                },
                partialFingerprints: { type: 'object', additionalProperties: { type: 'string' } },
                properties: { type: 'object' },
              },
            },
          },
        },
      },
    },
  },
};

function sarif(results: readonly CheckResult[] = loadResults()): SarifLog {
  return JSON.parse(formatSarif(results, fixedContext())) as SarifLog;
}

describe('sarif reporter', () => {
  it('matches the golden output', () => {
    assertGolden('sarif.json', formatSarif(loadResults(), fixedContext()));
  });

  it('uses only SARIF 2.1.0 property names, of the right types', () => {
    const validate = new Ajv({ allErrors: true }).compile(subsetSchema);
    assert.ok(validate(sarif()), JSON.stringify(validate.errors, null, 2));
  });

  it('names the tool and lists every known rule with its docs page and default level', () => {
    const { driver } = sarif().runs[0]!.tool;
    assert.equal(driver.name, 'asyncapi-guard');
    assert.equal(driver.version, '0.1.0');
    const rules = loadRules();
    for (const [id, meta] of Object.entries(rules)) {
      const r = driver.rules.find((x) => x.id === id);
      assert.ok(r, `rule ${id} is listed`);
      assert.equal(r.helpUri, `https://github.com/asyncapi-guard/asyncapi-guard/blob/main/${meta.docs}`);
      assert.equal(r.shortDescription.text, meta.description);
      assert.equal(r.defaultConfiguration?.level, { error: 'error', warning: 'warning', info: 'note' }[meta.severity]);
    }
    assert.equal(new Set(driver.rules.map((r) => r.id)).size, driver.rules.length, 'no rule listed twice');
  });

  it('lists a rule that only appears in the results (document-load) so every ruleIndex is valid', () => {
    const log = sarif();
    const { rules } = log.runs[0]!.tool.driver;
    assert.ok(rules.some((r) => r.id === 'document-load'));
    for (const res of log.runs[0]!.results) assert.equal(rules[res.ruleIndex]?.id, res.ruleId);
  });

  it('maps severities to levels: error → error, warning → warning, info → note', () => {
    const levels = new Map(sarif().runs[0]!.results.map((r) => [r.ruleId, r.level]));
    assert.equal(levels.get('security-insecure-url'), 'error');
    assert.equal(levels.get('security-server-unsecured'), 'warning');
    assert.equal(levels.get('security-scheme-unused'), 'note');
  });

  it('gives one result per diagnostic with a %SRCROOT%-relative URI and a 1-based region', () => {
    const results = loadResults();
    const log = sarif(results);
    const all = results.flatMap((r) => r.diagnostics);
    assert.equal(log.runs[0]!.results.length, all.length);
    log.runs[0]!.results.forEach((res, i) => {
      const d = all[i]!;
      const loc = res.locations[0]!.physicalLocation;
      assert.equal(loc.artifactLocation.uri, d.file);
      assert.equal(loc.artifactLocation.uriBaseId, '%SRCROOT%');
      assert.equal(res.message.text, d.message);
      assert.deepEqual(loc.region, {
        startLine: d.range!.start.line,
        startColumn: d.range!.start.column,
        endLine: d.range!.end.line,
        endColumn: d.range!.end.column,
      });
    });
  });

  it('fingerprints from rule + file + pointer: unique, and unchanged when lines move', () => {
    const prints = (rs: CheckResult[]) => sarif(rs).runs[0]!.results.map((r) => r.partialFingerprints[FINGERPRINT_KEY]);
    const before = prints(loadResults());
    assert.equal(new Set(before).size, before.length);
    const moved = loadResults();
    for (const r of moved)
      for (const d of r.diagnostics)
        if (d.range)
          d.range = {
            start: { line: d.range.start.line + 5, column: 1 },
            end: { line: d.range.end.line + 5, column: 2 },
          };
    assert.deepEqual(prints(moved), before);
  });

  it('keeps two findings of one rule at one place apart by an occurrence number', () => {
    const [doc] = loadResults();
    const d = doc!.diagnostics[0]!;
    const twice: CheckResult = { ...doc!, diagnostics: [d, { ...d, message: 'another' }] };
    const [a, b] = sarif([twice]).runs[0]!.results.map((r) => r.partialFingerprints[FINGERPRINT_KEY]!);
    assert.notEqual(a, b);
    assert.equal(a!.slice(0, -2), b!.slice(0, -2));
  });

  it('gives a region even when a diagnostic has no range', () => {
    const [doc] = loadResults();
    const log = sarif([{ ...doc!, diagnostics: [{ ...doc!.diagnostics[0]!, range: null }] }]);
    assert.deepEqual(log.runs[0]!.results[0]!.locations[0]!.physicalLocation.region, { startLine: 1, startColumn: 1 });
  });

  it('makes artifact URIs relative with forward slashes, file: URLs outside the cwd, and keeps remote URLs', () => {
    assert.deepEqual(toArtifactLocation('docs/a b.yaml', '/project'), {
      uri: 'docs/a%20b.yaml',
      uriBaseId: '%SRCROOT%',
    });
    assert.deepEqual(toArtifactLocation('/project/x/y.yaml', '/project'), { uri: 'x/y.yaml', uriBaseId: '%SRCROOT%' });
    assert.deepEqual(toArtifactLocation('../other/y.yaml', '/project'), { uri: 'file:///other/y.yaml' });
    assert.deepEqual(toArtifactLocation('https://example.com/s.yaml#x', '/project'), {
      uri: 'https://example.com/s.yaml#x',
    });
    assert.deepEqual(toArtifactLocation('#odd?.yaml', '/project'), { uri: '%23odd%3F.yaml', uriBaseId: '%SRCROOT%' });
  });
});
