// Audit events (pino JSON lines): exact fields per event, levels (allowed connects at info, allowed
// messages at debug, denials at warn), the audit.level / audit.destination settings, and pino
// redact as the second net.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuditLogger, createGuard, guardOptionsFromConfig } from '../../src/guard/index.js';
import { parseConfig } from '../../src/config/load.js';
import { createMemoryStore } from '../../src/credentials/memory.js';
import { captureAudit, fixturesDir, model } from './helpers.js';
import type { AuditSettings } from '../../src/config/types.js';

const users = { alice: { password: 'right', scopes: [] } };
const m = model({
  schemes: { login: { type: 'userPassword' } },
  servers: [{ name: 's', host: 'h', protocol: 'mqtt', security: [[{ scheme: 'login', scopes: [] }]] }],
  operations: [
    {
      id: 'pubStatus',
      action: 'send',
      channel: 'status',
      address: 'devices/{id}/status',
      servers: ['s'],
      security: [],
    },
  ],
});
const schemes = { login: { verifier: './static-verifier.mjs', options: { read: 'login', users } } };

async function setup(settings: AuditSettings = { level: 'info' }) {
  const audit = captureAudit(settings, () => 1234);
  const guard = await createGuard(m, {
    store: createMemoryStore(),
    schemes,
    baseDir: fixturesDir,
    audit: { logger: audit.logger },
  });
  return { guard, audit, decisions: () => audit.events().filter((e) => e.msg === 'guard.decision') };
}

test('audit: guard.startup lists servers, schemes and warnings', async () => {
  const { audit } = await setup();
  assert.deepEqual(audit.events()[0], {
    level: 'info',
    time: 1234,
    servers: ['s'],
    schemes: ['login'],
    warnings: [],
    msg: 'guard.startup',
  });
});

test('audit: an allowed connect has exactly the declared fields', async () => {
  const { guard, decisions } = await setup();
  await guard.authenticate('s', { remote: '10.1.1.1', login: { username: 'alice', password: 'right' } });
  assert.deepEqual(decisions(), [
    {
      level: 'info',
      time: 1234,
      server: 's',
      remote: '10.1.1.1',
      scheme: 'login',
      principal: 'alice',
      action: 'connect',
      channel: null,
      result: 'allowed',
      reason: 'allowed',
      msg: 'guard.decision',
    },
  ]);
});

test(
  'audit: a refused connect is a warn, logged against the scheme it targeted, with the verifier reason and ' +
    'the claimed subject',
  async () => {
    const { guard, decisions } = await setup();
    await guard.authenticate('s', { remote: '10.1.1.1', login: { username: 'alice', password: 'wrong' } });
    await guard.authenticate('s', { remote: '10.1.1.2' });
    assert.deepEqual(decisions(), [
      {
        level: 'warn',
        time: 1234,
        server: 's',
        remote: '10.1.1.1',
        scheme: 'login',
        principal: 'alice',
        action: 'connect',
        channel: null,
        result: 'denied',
        reason: 'bad_password',
        msg: 'guard.decision',
      },
      {
        level: 'warn',
        time: 1234,
        server: 's',
        remote: '10.1.1.2',
        scheme: null,
        principal: null,
        action: 'connect',
        channel: null,
        result: 'denied',
        reason: 'no_credentials',
        msg: 'guard.decision',
      },
    ]);
  },
);

test('audit: publish and subscribe decisions carry the channel and, where known, the operation', async () => {
  // An allowed publish is `debug` (issue 11: not written one by one at the default `info`).
  const { guard, decisions } = await setup({ level: 'debug' });
  const r = await guard.authenticate('s', { remote: '::1', login: { username: 'alice', password: 'right' } });
  assert.ok(r.ok);
  guard.authorize(r.session, { action: 'publish', channel: 'devices/1/status' });
  guard.authorize(r.session, { action: 'subscribe', channel: 'devices/1/status' });
  const [, pub, sub] = decisions();
  assert.deepEqual(pub, {
    level: 'debug',
    time: 1234,
    server: 's',
    remote: '::1',
    scheme: 'login',
    principal: 'alice',
    action: 'publish',
    channel: 'devices/1/status',
    result: 'allowed',
    reason: 'allowed',
    operation: 'pubStatus',
    msg: 'guard.decision',
  });
  assert.deepEqual(sub, {
    level: 'warn',
    time: 1234,
    server: 's',
    remote: '::1',
    scheme: 'login',
    principal: 'alice',
    action: 'subscribe',
    channel: 'devices/1/status',
    result: 'denied',
    reason: 'uncovered_channel',
    msg: 'guard.decision',
  });
});

test('audit: level warn logs refusals only; silent logs nothing', async () => {
  const warn = await setup({ level: 'warn' });
  const r = await warn.guard.authenticate('s', { login: { username: 'alice', password: 'right' } });
  assert.ok(r.ok);
  warn.guard.authorize(r.session, { action: 'publish', channel: 'devices/1/status' });
  warn.guard.authorize(r.session, { action: 'publish', channel: 'nope' });
  assert.deepEqual(
    warn.decisions().map((e) => e.reason),
    ['uncovered_channel'],
  );
  const silent = await setup({ level: 'silent' });
  await silent.guard.authenticate('s', { login: { username: 'alice', password: 'wrong' } });
  assert.deepEqual(silent.audit.lines, []);
});

test('audit: a level change at run time reaches the authorize hot path', async () => {
  const { guard, audit, decisions } = await setup({ level: 'warn' });
  const r = await guard.authenticate('s', { login: { username: 'alice', password: 'right' } });
  assert.ok(r.ok);
  guard.authorize(r.session, { action: 'publish', channel: 'devices/1/status' });
  audit.logger.level = 'debug';
  guard.authorize(r.session, { action: 'publish', channel: 'devices/2/status' });
  assert.deepEqual(
    decisions().map((e) => e.channel),
    ['devices/2/status'],
  );
});

test('audit: pino redact is the second net for password, token, authorization, cookie, secret and apiKey', () => {
  const audit = captureAudit();
  audit.logger.info(
    {
      password: 'p1',
      token: 't1',
      authorization: 'a1',
      cookie: 'c1',
      secret: 's0',
      apiKey: 'k0',
      login: { secret: 's1' },
      x: { apiKey: 'k1' },
    },
    'test',
  );
  const line = audit.lines.join('');
  for (const secret of ['p1', 't1', 'a1', 'c1', 's0', 'k0', 's1', 'k1'])
    assert.ok(!line.includes(`"${secret}"`), secret);
  assert.equal(line.match(/\[redacted\]/g)?.length, 8);
});

test('audit: destination is a file relative to the config folder, appended to', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'guard-audit-'));
  const first = createAuditLogger({ destination: 'logs/audit.jsonl' }, dir, { now: () => 1 });
  first.info({ n: 1 }, 'one');
  const config = await parseConfig('audit:\n  destination: logs/audit.jsonl\n  level: warn\n', {
    file: 'asyncapi-guard.yaml',
    dir,
    ruleIds: [],
  });
  const options = guardOptionsFromConfig(config, { store: createMemoryStore(), now: () => 2 });
  options.audit!.logger!.info({ n: 2 }, 'below the level');
  options.audit!.logger!.warn({ n: 3 }, 'three');
  const lines = readFileSync(join(dir, 'logs/audit.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { msg: string; time: number });
  assert.deepEqual(
    lines.map((l) => [l.msg, l.time]),
    [
      ['one', 1],
      ['three', 2],
    ],
  );
});
