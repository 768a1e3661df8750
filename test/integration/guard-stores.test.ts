// The guard end to end with real stores, as a user runs it: the `users`/`keys` commands (real
// CLI processes) write the credentials; a guard built from the document and
// `asyncapi-guard.yaml` (loadConfig → openStore → guardOptionsFromConfig → createGuard) checks
// them. Changes made by another process reach a running guard: through the file store's reload,
// and through PostgreSQL, where two guards share one database (the real server on the machine).

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import {
  buildModel,
  checkPassword,
  createAuditLogger,
  createGuard,
  guardOptionsFromConfig,
  loadConfig,
  loadDocument,
  openStore,
  parseApiKey,
  rules,
} from '../../src/index.js';
import type { CredentialStore, Guard, Presented, StoreChange } from '../../src/index.js';
import { eventually } from '../credentials/contract.js';
import { makeProject, runCli } from '../cli/helpers.js';
import { dropSchema, findPostgresUrl, randomSchemaName } from '../helpers/postgres.js';

// A unique marker in every secret: it must reach no audit line, refusal or metric.
const PASSWORD = 'pw-MARKER-7f3a:with:colons';

const DOC = `asyncapi: 3.0.0
info: { title: Streetlights, version: '1.0.0' }
servers:
  production:
    host: localhost:8883
    protocol: secure-mqtt
    security:
      - $ref: '#/components/securitySchemes/userPass'
      - $ref: '#/components/securitySchemes/deviceKey'
channels:
  lightMeasured:
    address: 'smartylighting/streetlights/1/0/event/{streetlightId}/lighting/measured'
  lightTurnOn:
    address: 'smartylighting/streetlights/1/0/action/{streetlightId}/turn/on'
operations:
  sendLightMeasurement:
    action: send
    channel: { $ref: '#/channels/lightMeasured' }
  receiveTurnOn:
    action: receive
    channel: { $ref: '#/channels/lightTurnOn' }
    security:
      - $ref: '#/components/securitySchemes/userPass'
components:
  securitySchemes:
    userPass: { type: userPassword }
    deviceKey: { type: apiKey, in: password }
`;

function captureAudit(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, stream };
}

async function guardFor(dir: string, store: CredentialStore, stream: Writable): Promise<Guard> {
  const config = await loadConfig({ file: 'asyncapi-guard.yaml', cwd: dir, ruleIds: Object.keys(rules) });
  const model = buildModel(await loadDocument(join(dir, 'asyncapi.yaml')));
  const logger = createAuditLogger(config.settings.audit, config.dir, { stream });
  return createGuard(model, guardOptionsFromConfig(config, { store, logger }));
}

const login = (username: string, password: string): Presented => ({
  remote: '127.0.0.1',
  login: { username, password },
});
const MEASURED = 'smartylighting/streetlights/1/0/event/42/lighting/measured';
const TURN_ON = 'smartylighting/streetlights/1/0/action/42/turn/on';

async function cliOk(dir: string, args: string[], stdin?: string): Promise<string> {
  const r = await runCli(args, { cwd: dir, ...(stdin !== undefined ? { stdin } : {}) });
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  assert.ok(!r.stderr.includes(PASSWORD), 'no password on stderr');
  return r.stdout;
}

describe('integration: file store written by the CLI, read by a running guard', () => {
  const dir = makeProject({
    'asyncapi.yaml': DOC,
    'asyncapi-guard.yaml': [
      'store: file:./state/credentials.yaml',
      'schemes:',
      '  userPass: {}',
      '  deviceKey: {}',
      'audit: { level: info }',
      '',
    ].join('\n'),
    'state/.keep': '',
  });
  let store: CredentialStore;
  let guard: Guard;
  const audit = captureAudit();
  after(async () => {
    await guard?.close();
    await store?.close();
  });

  it(
    'a user added with `users add` connects; the operation ' + 'scheme gates subscribe; a device key publishes only',
    async () => {
      await cliOk(
        dir,
        ['users', 'add', 'alice', '--password-stdin', '--scopes', 'lights:write', '--iterations', '4096'],
        `${PASSWORD}\n`,
      );
      await cliOk(dir, ['users', 'add', 'device-7', '--no-password']);
      const out = await cliOk(dir, ['keys', 'create', 'device-7']);
      const key = out.trim().split('\n').at(-1)!;
      assert.ok(parseApiKey(key), 'the last stdout line is the key');

      const config = await loadConfig({ file: 'asyncapi-guard.yaml', cwd: dir, ruleIds: Object.keys(rules) });
      store = await openStore(config.settings.store!, { baseDir: config.dir });
      guard = await guardFor(dir, store, audit.stream);

      const alice = await guard.authenticate('production', login('alice', PASSWORD));
      assert.ok(alice.ok, JSON.stringify(alice));
      assert.equal(alice.session.principal.id, 'alice');
      assert.deepEqual(alice.session.principal.scopes, ['lights:write']);
      assert.equal(guard.authorize(alice.session, { action: 'publish', channel: MEASURED }).reason, 'allowed');
      assert.equal(guard.authorize(alice.session, { action: 'subscribe', channel: TURN_ON }).reason, 'allowed');
      // `+` is one non-empty level by default, as `{streetlightId}` is (docs/guard.md "MQTT
      // wildcard subscriptions"; `wildcardsIgnoreEmptyLevels: false` is the strict reading).
      assert.equal(
        guard.authorize(alice.session, {
          action: 'subscribe',
          channel: 'smartylighting/streetlights/1/0/action/+/turn/on',
        }).reason,
        'allowed',
      );
      assert.equal(
        guard.authorize(alice.session, { action: 'subscribe', channel: 'smartylighting/#' }).reason,
        'wildcard_not_covered',
      );
      assert.equal(guard.authorize(alice.session, { action: 'publish', channel: TURN_ON }).reason, 'uncovered_channel');

      const device = await guard.authenticate('production', login('device-7', key));
      assert.ok(device.ok, JSON.stringify(device));
      assert.equal(device.session.principal.id, 'device-7');
      assert.equal(guard.authorize(device.session, { action: 'publish', channel: MEASURED }).reason, 'allowed');
      assert.equal(
        guard.authorize(device.session, { action: 'subscribe', channel: TURN_ON }).reason,
        'credentials_missing',
      );

      const wrong = await guard.authenticate('production', login('alice', 'not the password'));
      assert.ok(!wrong.ok);
      assert.equal(wrong.refusal.reason, 'invalid_credentials');
    },
  );

  it('a key revoked and a user disabled by another process are refused by the running guard', async () => {
    const keys = JSON.parse(await cliOk(dir, ['keys', 'list', '--format', 'json'])) as { id: string }[];
    assert.equal(keys.length, 1);
    const id = keys[0]!.id;
    let change: StoreChange | null = null;
    const stop = store.watch((c) => (change = c));
    await cliOk(dir, ['keys', 'revoke', id]);
    await cliOk(dir, ['users', 'disable', 'alice']);
    await eventually(
      async () => (await store.getPrincipal('alice'))?.disabled === true,
      10_000,
      'the file store reloads',
    );
    stop();
    assert.ok(change !== null, 'watchers heard the reload');

    const alice = await guard.authenticate('production', login('alice', PASSWORD));
    assert.ok(!alice.ok);
    assert.equal(alice.refusal.reason, 'invalid_credentials');
    assert.ok(
      alice.refusal.tried.some((t) => t.scheme === 'userPass' && t.reason === 'disabled'),
      JSON.stringify(alice.refusal),
    );
    const revoked = (await store.getApiKey(id))!;
    assert.notEqual(revoked.revokedAt, null);
  });

  it('no secret reaches the audit log, a refusal or the metrics; the file holds no password', async () => {
    const everything = [...audit.lines, guard.metrics()].join('\n');
    assert.ok(audit.lines.length >= 8, `audit lines: ${audit.lines.length}`);
    assert.ok(!everything.includes(PASSWORD) && !everything.includes('MARKER'), 'no password');
    const events = audit.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(
      events.some(
        (e) =>
          e['msg'] === 'guard.decision' &&
          e['action'] === 'connect' &&
          e['result'] === 'denied' &&
          e['reason'] === 'disabled',
      ),
    );
    const { readFileSync } = await import('node:fs');
    const file = readFileSync(join(dir, 'state/credentials.yaml'), 'utf8');
    assert.ok(!file.includes('MARKER'));
    // The stored verifier still answers for the password: one stored form for every password scheme.
    const { passwordVerifierOf } = await import('../../src/index.js');
    assert.ok(await checkPassword(PASSWORD, passwordVerifierOf((await store.getPrincipal('alice'))!)!));
  });
});

describe('integration: two guards sharing one PostgreSQL store', async () => {
  const base = await findPostgresUrl();
  const schema = randomSchemaName();
  const url = `${base}?schema=${schema}`;
  const dir = makeProject({
    'asyncapi.yaml': DOC,
    'asyncapi-guard.yaml': ['store: env:AGK_TEST_STORE', 'schemes:', '  userPass: {}', '  deviceKey: {}', ''].join(
      '\n',
    ),
  });
  const stores: CredentialStore[] = [];
  const guards: Guard[] = [];
  after(async () => {
    for (const g of guards) await g.close();
    for (const s of stores) await s.close();
    await dropSchema(base, schema);
  });

  it(
    'a change made through one (or by the CLI) is seen ' + 'by the other at once; NOTIFY reaches its watchers',
    async () => {
      const env = { AGK_TEST_STORE: url };
      for (let i = 0; i < 2; i++) {
        const store = await openStore('env:AGK_TEST_STORE', { baseDir: dir, env });
        stores.push(store);
        guards.push(await guardFor(dir, store, captureAudit().stream));
      }
      const [a, b] = guards as [Guard, Guard];
      const heard: StoreChange[] = [];
      stores[1]!.watch((c) => heard.push(c));

      const r = await runCli(['users', 'add', 'bob', '--password-stdin', '--iterations', '4096', '--store', url], {
        cwd: dir,
        stdin: `${PASSWORD}\n`,
      });
      assert.equal(r.code, 0, r.stderr);
      assert.ok((await a.authenticate('production', login('bob', PASSWORD))).ok, 'guard A sees the CLI user');
      assert.ok((await b.authenticate('production', login('bob', PASSWORD))).ok, 'guard B sees the CLI user');

      const created = await stores[0]!.createApiKey('bob');
      const viaB = await b.authenticate('production', login('bob', created.key));
      assert.ok(viaB.ok, 'a key created through store A works on guard B');

      await stores[0]!.revokeApiKey(created.record.id);
      const afterRevoke = await b.authenticate('production', login('bob', created.key));
      assert.ok(!afterRevoke.ok, 'revoked through A, refused by B on the next check');
      assert.ok(afterRevoke.refusal.tried.some((t) => t.reason === 'revoked'));
      await eventually(
        () => heard.some((c) => c.kind === 'apiKey' && c.id === created.record.id),
        5000,
        'NOTIFY reaches store B',
      );
    },
  );
});
