import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { parseRuleOverrides, resolveCheckSettings } from '../../src/check/config.js';
import { closestId } from '../../src/config/key-path.js';
import { loadConfig, parseConfig, type GuardConfig } from '../../src/config/load.js';
import { ConfigError, UsageError } from '../../src/errors.js';

const ruleIds = ['asyncapi-schema', 'security-scheme-unused', 'security-scope-undeclared', 'security-server-unsecured'];
const opts = { file: 'asyncapi-guard.yaml', dir: '/project', ruleIds };

async function configError(text: string): Promise<ConfigError> {
  try {
    await parseConfig(text, opts);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    assert.equal(err.code, 'ERR_CONFIG_INVALID');
    return err;
  }
  assert.fail('expected the config to be rejected');
}

describe('config: check section', () => {
  it('reads check.rules and check.failOn', async () => {
    const c = await parseConfig(
      'check:\n  failOn: warning\n  rules:\n    security-scheme-unused: off\n    asyncapi-schema: warning\n',
      opts,
    );
    assert.deepEqual(c.check, {
      failOn: 'warning',
      rules: { 'security-scheme-unused': 'off', 'asyncapi-schema': 'warning' },
    });
    assert.equal(c.file, 'asyncapi-guard.yaml');
    assert.equal(c.dir, '/project');
  });

  it('returns a deep-frozen config', async () => {
    const c = await parseConfig('check:\n  rules:\n    asyncapi-schema: info\n', opts);
    assert.ok(Object.isFrozen(c) && Object.isFrozen(c.check) && Object.isFrozen(c.check.rules));
  });

  it('accepts an empty file and a file with no check section', async () => {
    assert.deepEqual((await parseConfig('', opts)).check, { rules: {} });
    assert.deepEqual((await parseConfig('# nothing yet\n', opts)).check, { rules: {} });
    assert.deepEqual((await parseConfig('bus: memory\n', opts)).check, { rules: {} });
  });

  it('accepts JSON', async () => {
    assert.deepEqual((await parseConfig('{"check": {"failOn": "info"}}', opts)).check, { rules: {}, failOn: 'info' });
  });

  it('hands the guard keys on as settings, with a locator for their places', async () => {
    const c = await parseConfig(
      [
        'store: file:./credentials.yaml',
        'perspective: application',
        'servers:',
        '  production: { listen: 127.0.0.1:8883, allowUncoveredChannels: false }',
        'schemes:',
        '  userPass: {}',
        '  oauth: { audience: streetlights }',
        'throttle: { lockoutAfter: 10 }',
        'audit: { level: warn }',
        'bus: memory',
      ].join('\n'),
      opts,
    );
    assert.deepEqual(Object.keys(c), ['file', 'dir', 'check', 'settings', 'locate']);
    assert.deepEqual(c.check, { rules: {} });
    assert.deepEqual(Object.keys(c.settings), [
      'store',
      'perspective',
      'servers',
      'schemes',
      'throttle',
      'audit',
      'bus',
    ]);
    assert.deepEqual(
      c.settings.schemes?.oauth,
      { audience: 'streetlights' },
      'type-specific scheme keys pass the schema; the guard checks them at startup',
    );
    assert.deepEqual(c.locate(['schemes', 'oauth', 'audience']), { line: 7, column: 12 });
    assert.deepEqual(
      c.locate(['schemes', 'nope']),
      { line: 5, column: 1 },
      'a missing key: the deepest part that exists',
    );
  });
});

describe('config: errors name file:line:column and the key path', () => {
  it('a bad severity points at the rule key', async () => {
    const err = await configError('# rules\ncheck:\n  rules:\n    asyncapi-schema: fatal\n');
    assert.equal(
      err.message,
      'asyncapi-guard.yaml:4:5 check.rules.asyncapi-schema: ' +
        'expected one of off, info, warning, error (ERR_CONFIG_INVALID)',
    );
    assert.deepEqual(
      [err.file, err.line, err.column, err.pointer],
      ['asyncapi-guard.yaml', 4, 5, 'check.rules.asyncapi-schema'],
    );
  });

  it('a bad failOn', async () => {
    const err = await configError('check:\n  failOn: fatal\n');
    assert.equal(
      err.message,
      'asyncapi-guard.yaml:2:3 check.failOn: expected one of error, warning, info (ERR_CONFIG_INVALID)',
    );
  });

  it('an unknown rule id names the id and the closest known id', async () => {
    const err = await configError('check:\n  rules:\n    asyncapi-schema: off\n    security-scheme-unsued: error\n');
    assert.equal(err.line, 4);
    assert.equal(err.column, 5);
    assert.match(err.message, /check\.rules\.security-scheme-unsued: unknown rule id/);
    assert.match(
      err.message,
      /: unknown rule id: expected a known rule id; did you mean 'security-scheme-unused'\? \(ERR_CONFIG_INVALID\)$/,
    );
  });

  it('an unknown top-level key lists the allowed keys', async () => {
    const err = await configError('check: {}\nchecks:\n  rules: {}\n');
    assert.match(
      err.message,
      new RegExp(
        String.raw`^asyncapi-guard\.yaml:2:1 checks: unknown key: expected one of check, store, perspective, ` +
          String.raw`servers, schemes, throttle, audit, bus, limits, mosquitto, admin, authd \(ERR_CONFIG_INVALID\)$`,
      ),
    );
  });

  it('an unknown key inside check', async () => {
    const err = await configError('check:\n  failOn: error\n  fail-on: warning\n');
    assert.match(err.message, /^asyncapi-guard\.yaml:3:3 check\.fail-on: unknown key: expected one of rules, failOn/);
  });

  it('a wrong type', async () => {
    const err = await configError('check:\n  rules: [asyncapi-schema]\n');
    assert.equal(err.message, 'asyncapi-guard.yaml:2:3 check.rules: expected a mapping (ERR_CONFIG_INVALID)');
  });

  it('a rule key that is not a rule id at all', async () => {
    const err = await configError('check:\n  rules:\n    "Not An Id": off\n');
    assert.match(err.message, /^asyncapi-guard\.yaml:3:5 check\.rules\["Not An Id"\]: not a rule id/);
  });

  it('a root that is not a mapping', async () => {
    const err = await configError('- check\n');
    assert.match(err.message, /^asyncapi-guard\.yaml:1:1: expected a mapping \(ERR_CONFIG_INVALID\)$/);
  });

  it('malformed YAML gives the position of the syntax error', async () => {
    const err = await configError('check:\n  rules: {asyncapi-schema: off\n');
    assert.equal(err.file, 'asyncapi-guard.yaml');
    assert.equal(typeof err.line, 'number');
    assert.match(err.message, /^asyncapi-guard\.yaml:\d+:\d+: not well-formed YAML: /);
  });

  it('a duplicate key', async () => {
    const err = await configError('check:\n  failOn: error\n  failOn: info\n');
    assert.match(
      err.message,
      /^asyncapi-guard\.yaml:3:3: not well-formed YAML: the key 'failOn' appears twice in this mapping/,
    );
  });

  it('an alias bomb', async () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 8; i++)
      lines.push(
        `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, ` +
          `*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, ` +
          `*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, ` +
          `*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`,
      );
    const err = await configError(lines.join('\n'));
    assert.match(err.message, /not well-formed YAML/);
  });

  it('never echoes a value (it might be a secret written in the wrong place)', async () => {
    const err = await configError('store: { password: hunter2-secret }\n');
    assert.equal(err.message.includes('hunter2'), false);
    assert.match(err.message, /^asyncapi-guard\.yaml:1:1 store: expected a string/);
  });
});

describe('config: finding the file', () => {
  const root = mkdtempSync(join(tmpdir(), 'guard-config-'));

  it('uses asyncapi-guard.yaml in the cwd when no file is named', async () => {
    const dir = join(root, 'auto');
    mkdirSync(dir);
    writeFileSync(join(dir, 'asyncapi-guard.yaml'), 'check:\n  failOn: info\n');
    const c = await loadConfig({ cwd: dir, ruleIds });
    assert.equal(c.file, 'asyncapi-guard.yaml');
    assert.equal(c.dir, dir);
    assert.equal(c.check.failOn, 'info');
  });

  it('has no settings when there is no file in the cwd', async () => {
    const dir = join(root, 'none');
    mkdirSync(dir);
    const c = await loadConfig({ cwd: dir, ruleIds });
    assert.deepEqual([c.file, c.dir, c.check], [null, dir, { rules: {} }]);
  });

  it('--config FILE: resolves against the cwd; relative paths inside resolve against its folder', async () => {
    const dir = join(root, 'explicit');
    mkdirSync(join(dir, 'conf'), { recursive: true });
    writeFileSync(join(dir, 'conf', 'guard.yaml'), 'check:\n  rules:\n    asyncapi-schema: warning\n');
    const c = await loadConfig({ cwd: dir, file: 'conf/guard.yaml', ruleIds });
    assert.equal(c.file, 'conf/guard.yaml');
    assert.equal(c.dir, join(dir, 'conf'));
    assert.deepEqual(c.check.rules, { 'asyncapi-schema': 'warning' });
  });

  it('--config FILE that does not exist is an error naming it', async () => {
    await assert.rejects(loadConfig({ cwd: root, file: 'missing.yaml', ruleIds }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.message, 'missing.yaml: the file does not exist (ERR_CONFIG_INVALID)');
      return true;
    });
  });

  it('an error in the file names the file as the user named it', async () => {
    const dir = join(root, 'bad');
    mkdirSync(dir);
    writeFileSync(join(dir, 'my.yaml'), 'check:\n  failOn: nope\n');
    await assert.rejects(
      loadConfig({ cwd: dir, file: 'my.yaml', ruleIds }),
      /^ConfigError: my\.yaml:2:3 check\.failOn: /,
    );
  });
});

describe('config: flags', () => {
  it('--rule ID=SEVERITY values, later ones win', () => {
    assert.deepEqual(
      parseRuleOverrides(['asyncapi-schema=off', 'security-scheme-unused=error', 'asyncapi-schema=info'], ruleIds),
      {
        'asyncapi-schema': 'info',
        'security-scheme-unused': 'error',
      },
    );
  });

  it('--rule with an unknown id names it and the closest id', () => {
    assert.throws(
      () => parseRuleOverrides(['security-scope-undeclard=off'], ruleIds),
      (err: unknown) =>
        err instanceof UsageError &&
        err.code === 'ERR_USAGE' &&
        /security-scope-undeclard/.test(err.message) &&
        /did you mean 'security-scope-undeclared'/.test(err.message),
    );
  });

  it('--rule with a bad severity or no = is a usage error', () => {
    assert.throws(
      () => parseRuleOverrides(['asyncapi-schema=fatal'], ruleIds),
      /--rule asyncapi-schema=fatal: expected one of off, info, warning, error/,
    );
    assert.throws(() => parseRuleOverrides(['asyncapi-schema'], ruleIds), UsageError);
    assert.throws(() => parseRuleOverrides(['=off'], ruleIds), UsageError);
  });

  it('flags override the config file, which overrides the defaults', async () => {
    const config: GuardConfig = await parseConfig(
      'check:\n  failOn: warning\n  rules:\n    asyncapi-schema: off\n    security-scheme-unused: info\n',
      opts,
    );
    assert.deepEqual(resolveCheckSettings(config, {}), {
      failOn: 'warning',
      rules: { 'asyncapi-schema': 'off', 'security-scheme-unused': 'info' },
    });
    assert.deepEqual(resolveCheckSettings(config, { failOn: 'error', rules: { 'asyncapi-schema': 'error' } }), {
      failOn: 'error',
      rules: { 'asyncapi-schema': 'error', 'security-scheme-unused': 'info' },
    });
    assert.equal(resolveCheckSettings(await parseConfig('', opts), {}).failOn, 'error');
  });

  it('closestId picks the nearest id', () => {
    assert.equal(closestId('securty-scheme-unused', ruleIds), 'security-scheme-unused');
    assert.equal(closestId('x', []), undefined);
  });
});

describe('config: the published schema', () => {
  const schema = JSON.parse(
    readFileSync(new URL('../../schemas/config.schema.json', import.meta.url), 'utf8'),
  ) as Record<string, unknown>;

  it('is draft-07 and compiles in strict mode', () => {
    assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
    new Ajv({ strict: true }).compile(schema);
  });

  it('closes every object it defines, except the two whose keys are checked elsewhere', () => {
    // schemes.<name>: its keys depend on the scheme's type in the document, so the guard checks
    // them at startup against the type's own schema (test/guard/startup.test.ts);
    // schemes.<name>.options: the plug-in verifier's own options.
    const open = [
      '#/properties/schemes/additionalProperties',
      '#/properties/schemes/additionalProperties/properties/options',
    ];
    const found: string[] = [];
    const walk = (s: unknown, path: string): void => {
      if (s === null || typeof s !== 'object') return;
      const o = s as Record<string, unknown>;
      if (o.type === 'object' && !('additionalProperties' in o)) found.push(path);
      for (const [k, v] of Object.entries(o)) walk(v, `${path}/${k}`);
    };
    walk(schema, '#');
    assert.deepEqual(found, open);
  });

  it('describes the serve keys as serve settings, no longer reserved', () => {
    const props = schema.properties as Record<
      string,
      { description: string; additionalProperties?: { properties: Record<string, { description: string }> } }
    >;
    for (const key of ['bus', 'limits', 'admin']) assert.match(props[key]!.description, /`serve`|connection/);
    for (const key of ['listen', 'tls', 'limits', 'allowPlaintextListen'])
      assert.ok(props.servers!.additionalProperties!.properties[key], key);
    assert.doesNotMatch(JSON.stringify(schema), /Reserved|not yet implemented/);
  });
});

describe('config: docs/config.md', () => {
  const docs = readFileSync(new URL('../../docs/config.md', import.meta.url), 'utf8');
  const schema = JSON.parse(readFileSync(new URL('../../schemas/config.schema.json', import.meta.url), 'utf8')) as {
    properties: Record<string, { properties?: Record<string, unknown> }>;
  };

  it('documents every key of the schema, including the per-server and per-scheme ones', () => {
    type Node = { properties?: Record<string, Node>; additionalProperties?: Node | boolean };
    const keys: string[] = [];
    const walk = (node: Node, path: string): void => {
      for (const [k, sub] of Object.entries(node.properties ?? {})) {
        const p = path === '' ? k : `${path}.${k}`;
        keys.push(p);
        if (path === '' || path.endsWith('<name>')) walk(sub, p);
      }
      if (
        typeof node.additionalProperties === 'object' &&
        path !== '' &&
        node.additionalProperties.properties !== undefined
      )
        walk(node.additionalProperties, `${path}.<name>`);
    };
    walk(schema as Node, '');
    assert.ok(
      keys.includes('servers.<name>.wildcardsIgnoreEmptyLevels') &&
        keys.includes('schemes.<name>.verifier') &&
        keys.includes('throttle.maxTracked'),
    );
    for (const key of keys) assert.ok(docs.includes(`\`${key}\``), `docs/config.md mentions \`${key}\``);
  });

  it('shows error messages that the code really produces', async () => {
    const err = await configError('check:\n  rules:\n    asyncapi-schema: off\n    security-server-unsecured: loud\n');
    assert.ok(docs.includes(`error: ${err.message}`), err.message);
  });
});

describe('config: serve keys', () => {
  it('accepts listen, tls, limits, allowPlaintextListen, bus and admin', async () => {
    const c = await parseConfig(
      [
        'bus: nats://127.0.0.1:4222',
        'limits: { maxConnections: 100, maxMessageBytes: 1024, handshakeTimeoutMs: 2000, idleTimeoutMs: ' +
          '60000, maxHeaderBytes: 8192 }',
        'admin: { listen: 127.0.0.1:9464, allowNonLoopbackListen: false }',
        'servers:',
        '  devices: { listen: 127.0.0.1:8883, tls: { cert: file:./server.pem, key: env:SERVER_KEY, ca: ' +
          'file:./ca.pem }, limits: { maxConnections: 5 }, allowPlaintextListen: false }',
      ].join('\n'),
      opts,
    );
    const s = c.settings as Record<string, unknown>;
    assert.deepEqual(Object.keys(s), ['bus', 'limits', 'admin', 'servers']);
  });

  it('rejects a tls key given as a literal PEM instead of a reference', async () => {
    const err = await configError(
      'servers:\n  devices:\n    tls: { cert: "-----BEGIN CERTIFICATE-----", key: file:./k.pem }\n',
    );
    assert.equal(err.pointer, 'servers.devices.tls.cert');
  });

  it('rejects tls without a key', async () => {
    const err = await configError('servers:\n  devices:\n    tls: { cert: file:./c.pem }\n');
    assert.match(err.message, /servers\.devices\.tls/);
  });

  it('rejects an unknown limit and an out-of-range one', async () => {
    assert.equal((await configError('limits: { maxConnection: 5 }\n')).pointer, 'limits.maxConnection');
    assert.equal(
      (await configError('servers:\n  a: { limits: { maxConnections: 0 } }\n')).pointer,
      'servers.a.limits.maxConnections',
    );
  });

  it('rejects an unknown admin key', async () => {
    assert.equal((await configError('admin: { port: 9464 }\n')).pointer, 'admin.port');
  });
});
