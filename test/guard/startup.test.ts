// Fail closed at startup: every startup error code, with the place it names (file:line:column
// and key path from the config's locator), and every problem listed in one error.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { createGuard, guardOptionsFromConfig } from '../../src/guard/index.js';
import { parseConfig } from '../../src/config/load.js';
import { createMemoryStore } from '../../src/credentials/memory.js';
import { ConfigError, GuardError, StartupError } from '../../src/errors.js';
import type { SecurityModel } from '../../src/model/types.js';
import { fixturesDir, model } from './helpers.js';

const silent = pino({ level: 'silent' });

const doc: SecurityModel = model({
  schemes: { userPass: { type: 'userPassword' }, kerberos: { type: 'gssapi' }, apiKey: { type: 'apiKey', in: 'user' } },
  servers: [
    { name: 'production', host: 'h', protocol: 'kafka', security: [[{ scheme: 'userPass', scopes: [] }]] },
    { name: 'staging', host: 'h', protocol: 'kafka', security: [] },
  ],
  operations: [
    {
      id: 'op',
      action: 'send',
      channel: 'c',
      address: 'devices/{id}',
      servers: ['production'],
      security: [[{ scheme: 'kerberos', scopes: [] }]],
    },
  ],
});

async function start(configYaml: string, m: SecurityModel = doc) {
  const config = await parseConfig(configYaml, { file: 'asyncapi-guard.yaml', dir: fixturesDir, ruleIds: [] });
  return createGuard(m, guardOptionsFromConfig(config, { store: createMemoryStore(), logger: silent }));
}

async function startupError(configYaml: string, m: SecurityModel = doc): Promise<GuardError> {
  try {
    await start(configYaml, m);
  } catch (err) {
    assert.ok(err instanceof GuardError, `expected a GuardError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the guard to refuse to start');
}

const plugin = (file: string) => `{ verifier: ./${file}, options: { read: login, users: {} } }`;
const good = `schemes:\n  userPass: ${plugin('static-verifier.mjs')}\n  kerberos: ${plugin('static-verifier.mjs')}\n`;

test('startup: a complete config starts', async () => {
  const guard = await start(good);
  assert.deepEqual(guard.servers, ['production', 'staging']);
});

test('startup: ERR_SCHEME_UNDEFINED when a server uses a scheme the document does not define', async () => {
  const m = model({
    schemes: {},
    servers: [{ name: 's', host: 'h', protocol: 'mqtt', security: [[{ scheme: 'ghost', scopes: [] }]] }],
  });
  const err = await startupError('schemes: {}\n', m);
  assert.ok(err instanceof StartupError);
  assert.equal(err.code, 'ERR_SCHEME_UNDEFINED');
  assert.match(err.message, /server 's' uses the security scheme 'ghost'/);
});

test('startup: ERR_SCHEME_UNBOUND names the scheme, who uses it, and the config place', async () => {
  const err = await startupError(`perspective: application\nschemes:\n  kerberos: ${plugin('static-verifier.mjs')}\n`);
  assert.equal(err.code, 'ERR_SCHEME_UNBOUND');
  assert.deepEqual([err.file, err.line, err.column, err.pointer], ['asyncapi-guard.yaml', 2, 1, 'schemes.userPass']);
  assert.match(
    err.message,
    new RegExp(
      String.raw`^asyncapi-guard\.yaml:2:1 schemes\.userPass: the security scheme 'userPass' \(used by server ` +
        String.raw`'production'\) has no binding`,
    ),
  );
});

test('startup: ERR_SCHEME_UNBOUND without any schemes section, even for a scheme only an operation uses', async () => {
  const err = await startupError(`perspective: application\n`);
  assert.equal(err.code, 'ERR_SCHEME_UNBOUND');
  assert.match(err.message, /'kerberos' \(used by operation 'op'\)/);
});

test('startup: ERR_CONFIG_INVALID for a key the scheme type does not take, at its line and column', async () => {
  const err = await startupError(
    `schemes:\n  kerberos: ${plugin('static-verifier.mjs')}\n  userPass:\n    audience: streetlights\n`,
  );
  assert.ok(err instanceof ConfigError);
  assert.equal(err.code, 'ERR_CONFIG_INVALID');
  assert.deepEqual([err.line, err.column, err.pointer], [4, 5, 'schemes.userPass.audience']);
  assert.match(err.message, /^asyncapi-guard\.yaml:4:5 schemes\.userPass\.audience: unknown key/);
});

test(
  'startup: ERR_CONFIG_INVALID for type-specific keys ' + 'next to a plug-in, and for options without a plug-in',
  async () => {
    const beside = await startupError(
      `schemes:\n  kerberos: ${plugin('static-verifier.mjs')}\n  userPass:\n    verifier: ` +
        `./static-verifier.mjs\n    realm: x\n`,
    );
    assert.deepEqual([beside.code, beside.pointer, beside.line], ['ERR_CONFIG_INVALID', 'schemes.userPass.realm', 5]);
    assert.match(beside.message, /only verifier and options next to a plug-in verifier/);
    const options = await startupError(
      `schemes:\n  kerberos: ${plugin('static-verifier.mjs')}\n  userPass:\n    options: { a: 1 }\n`,
    );
    assert.deepEqual([options.code, options.pointer], ['ERR_CONFIG_INVALID', 'schemes.userPass.options']);
    assert.match(options.message, /options goes with a plug-in verifier/);
  },
);

test('startup: ERR_SCHEME_UNSUPPORTED for gssapi without a plug-in (plug-in only)', async () => {
  const err = await startupError(`schemes:\n  userPass: ${plugin('static-verifier.mjs')}\n  kerberos: {}\n`);
  assert.ok(err instanceof StartupError);
  assert.equal(err.code, 'ERR_SCHEME_UNSUPPORTED');
  assert.deepEqual([err.line, err.column, err.pointer], [3, 3, 'schemes.kerberos']);
  assert.match(
    err.message,
    /'kerberos' \(type "gssapi", used by operation 'op'\) has no built-in verifier: expected a plug-in verifier/,
  );
});

test('startup: ERR_VERIFIER_PLUGIN for a module that cannot be imported, with the verifier key place', async () => {
  for (const file of ['missing.mjs', 'syntax-error.mjs']) {
    const err = await startupError(
      `schemes:\n  userPass: ${plugin('static-verifier.mjs')}\n  kerberos:\n    verifier: ./${file}\n`,
    );
    assert.equal(err.code, 'ERR_VERIFIER_PLUGIN', file);
    assert.deepEqual([err.line, err.column, err.pointer], [4, 5, 'schemes.kerberos.verifier']);
    assert.match(
      err.message,
      new RegExp(
        String.raw`^asyncapi-guard\.yaml:4:5 schemes\.kerberos\.verifier: the plug-in verifier module could not ` +
          String.raw`be imported( \(ERR_MODULE_NOT_FOUND\))?: expected a path`,
      ),
    );
  }
});

test('startup: ERR_VERIFIER_PLUGIN for no createVerifier, a non-verifier, or a factory that throws', async () => {
  for (const [file, pattern] of [
    ['no-factory.mjs', /does not export createVerifier/],
    ['bad-factory.mjs', /is not a verifier/],
    ['throwing-factory.mjs', /failed in createVerifier/],
  ] as const) {
    const err = await startupError(
      `schemes:\n  userPass: ${plugin('static-verifier.mjs')}\n  kerberos: { verifier: ./${file} }\n`,
    );
    assert.equal(err.code, 'ERR_VERIFIER_PLUGIN', file);
    assert.match(err.message, pattern);
    assert.doesNotMatch(err.message, /cannot start/); // the factory's own text is not repeated
  }
});

test('startup: a GuardError thrown by createVerifier is passed on, with the config place added', async () => {
  const err = await startupError(
    `schemes:\n  userPass: ${plugin('static-verifier.mjs')}\n  kerberos: { verifier: ./guard-error-factory.mjs }\n`,
  );
  assert.ok(err instanceof ConfigError);
  assert.equal(err.code, 'ERR_CONFIG_INVALID');
  assert.match(
    err.message,
    /^asyncapi-guard\.yaml:3:3 schemes\.kerberos\.options\.realm: the option is not valid: expected a realm string/,
  );
});

test(
  'startup: ERR_CONFIG_INVALID for a binding of a ' + 'scheme the document does not have, with a suggestion',
  async () => {
    const err = await startupError(`${good}  userPas: {}\n`);
    assert.equal(err.code, 'ERR_CONFIG_INVALID');
    assert.deepEqual([err.line, err.pointer], [4, 'schemes.userPas']);
    assert.match(err.message, /did you mean 'userPass'\?/);
  },
);

test('startup: ERR_SERVER_UNKNOWN for server settings of a server the document does not have', async () => {
  const err = await startupError(`servers:\n  prodution: { allowUncoveredChannels: true }\n${good}`);
  assert.ok(err instanceof ConfigError);
  assert.equal(err.code, 'ERR_SERVER_UNKNOWN');
  assert.deepEqual([err.line, err.column, err.pointer], [2, 3, 'servers.prodution']);
  assert.match(err.message, /did you mean 'production'\?/);
});

test('startup: ERR_CHANNEL_ADDRESS_INVALID for a malformed address an operation uses', async () => {
  const m = { ...doc, operations: [{ ...doc.operations[0]!, address: 'devices/{id' }] };
  const err = await startupError(good, m);
  assert.equal(err.code, 'ERR_CHANNEL_ADDRESS_INVALID');
  assert.match(err.message, /"devices\/\{id" of channel 'c' \(operation 'op'\).*unbalanced brace at offset 8/);
});

test('startup: every problem is reported in one error (first on the first line, the others as `also:`)', async () => {
  const err = await startupError(`servers:\n  nope: {}\nschemes:\n  kerberos: {}\n`);
  const problems = (err as GuardError & { problems: GuardError[] }).problems;
  assert.deepEqual(
    problems.map((p) => p.code),
    ['ERR_SERVER_UNKNOWN', 'ERR_SCHEME_UNSUPPORTED', 'ERR_SCHEME_UNBOUND'],
  );
  const lines = err.message.split('\n');
  assert.equal(lines.length, 3);
  assert.match(lines[1]!, /^ {2}also: asyncapi-guard\.yaml:4:3 schemes\.kerberos: .*\(ERR_SCHEME_UNSUPPORTED\)$/);
});

test('startup: library misuse is a TypeError with a code', async () => {
  await assert.rejects(createGuard(doc, {} as never), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  await assert.rejects(createGuard(null as never, { store: createMemoryStore() }), { code: 'ERR_INVALID_ARG_TYPE' });
  await assert.rejects(createGuard(doc, { store: createMemoryStore(), perspective: 'client' as never }), {
    code: 'ERR_INVALID_ARG_VALUE',
  });
});

test('startup: binding problems and malformed addresses are reported together', async () => {
  const m = { ...doc, operations: [{ ...doc.operations[0]!, address: 'devices/{}' }] };
  const err = await startupError(`schemes:\n  userPass: ${plugin('static-verifier.mjs')}\n`, m);
  const problems = (err as GuardError & { problems: GuardError[] }).problems;
  assert.deepEqual(
    problems.map((p) => p.code),
    ['ERR_SCHEME_UNBOUND', 'ERR_CHANNEL_ADDRESS_INVALID'],
  );
});
