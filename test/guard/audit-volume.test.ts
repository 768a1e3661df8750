// Audit log volume (issue 11): at the default `info` level allowed publish / subscribe decisions
// are counted in the metrics and not written one by one (they are `debug`); refusals and
// connects are written within a rate bound per event kind, the excess summed up in one
// `audit.suppressed` line. Lines are counted against a clock the test moves, never timed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createGuard, guardOptionsFromConfig } from '../../src/guard/index.js';
import { parseConfig } from '../../src/config/load.js';
import { createMemoryStore } from '../../src/credentials/memory.js';
import type { AuditSettings } from '../../src/config/types.js';
import { captureAudit, fakeClock, fixturesDir, model } from './helpers.js';

const users = { alice: { password: 'right', scopes: [] } };
const m = model({
  schemes: { login: { type: 'userPassword' } },
  servers: [{ name: 's', host: 'h', protocol: 'mqtt', security: [[{ scheme: 'login', scopes: [] }]] }],
  operations: [
    { id: 'pub', action: 'send', channel: 'status', address: 'devices/{id}/status', servers: ['s'], security: [] },
  ],
});
const schemes = { login: { verifier: './static-verifier.mjs', options: { read: 'login', users } } };

async function setup(settings: AuditSettings) {
  const clock = fakeClock();
  const audit = captureAudit(settings, clock.now);
  const guard = await createGuard(m, {
    store: createMemoryStore(),
    schemes,
    baseDir: fixturesDir,
    audit: { logger: audit.logger },
    throttle: { freeFailures: 1_000_000, lockoutAfter: 1_000_000 },
    now: clock.now,
    sleep: async () => {},
  });
  const r = await guard.authenticate('s', { remote: '10.0.0.1', login: { username: 'alice', password: 'right' } });
  assert.ok(r.ok);
  const lines = (msg: string, pick: (e: Record<string, unknown>) => boolean = () => true) =>
    audit.events().filter((e) => e['msg'] === msg && pick(e));
  return { guard, session: r.session, clock, audit, lines };
}

test('audit volume: at the default level 10,000 allowed publishes write no line and are all counted', async () => {
  const { guard, session, lines } = await setup({ level: 'info' });
  for (let i = 0; i < 10_000; i++) guard.authorize(session, { action: 'publish', channel: `devices/${i}/status` });
  assert.equal(lines('guard.decision', (e) => e['action'] === 'publish').length, 0);
  assert.equal(lines('guard.decision', (e) => e['action'] === 'connect').length, 1, 'the connect is logged');
  assert.match(
    guard.metrics(),
    /^asyncapi_guard_decisions_total\{server="s",action="publish",result="allowed",reason="allowed"\} 10000$/m,
  );
});

test('audit volume: at debug every allowed publish is written (as debug)', async () => {
  const { guard, session, lines } = await setup({ level: 'debug', maxLinesPerSecond: 0 });
  for (let i = 0; i < 300; i++) guard.authorize(session, { action: 'publish', channel: `devices/${i}/status` });
  const pubs = lines('guard.decision', (e) => e['action'] === 'publish');
  assert.equal(pubs.length, 300, 'maxLinesPerSecond: 0 lifts the bound');
  assert.ok(pubs.every((e) => e['level'] === 'debug'));
});

test(
  'audit volume: refusals are bounded per kind and second; the rest is summed up in one audit.suppressed line ' +
    'once the second has passed',
  async () => {
    const { guard, session, clock, lines } = await setup({ level: 'info', maxLinesPerSecond: 10 });
    for (let i = 0; i < 1000; i++) guard.authorize(session, { action: 'publish', channel: 'elsewhere' });
    for (let i = 0; i < 50; i++) await guard.authenticate('s', { remote: '10.0.0.9', login: { username: 'alice' } });
    const denied = (action: string) =>
      lines('guard.decision', (e) => e['action'] === action && e['result'] === 'denied');
    assert.equal(denied('publish').length, 10);
    assert.equal(denied('connect').length, 10, 'each kind has its own bound');
    assert.equal(lines('audit.suppressed').length, 0, 'no summary before the second has passed');
    clock.advance(1000);
    guard.authorize(session, { action: 'publish', channel: 'elsewhere' });
    assert.equal(denied('publish').length, 11);
    const summaries = lines('audit.suppressed');
    assert.deepEqual(summaries.map((e) => [e['event'], e['action'], e['result'], e['suppressed'], e['level']]).sort(), [
      ['guard.decision', 'connect', 'denied', 40, 'warn'],
      ['guard.decision', 'publish', 'denied', 990, 'warn'],
    ]);
    // Everything was counted, whatever was written.
    assert.match(
      guard.metrics(),
      new RegExp(
        String.raw`^asyncapi_guard_decisions_total\{server="s",action="publish",result="denied",` +
          String.raw`reason="uncovered_channel"\} 1001$`,
        'm',
      ),
    );
  },
);

test('audit volume: audit.maxLinesPerSecond is read from the config; a bad value names the place', async () => {
  const ok = await parseConfig('audit:\n  maxLinesPerSecond: 5\n', {
    file: 'asyncapi-guard.yaml',
    dir: fixturesDir,
    ruleIds: [],
  });
  assert.equal(ok.settings.audit?.maxLinesPerSecond, 5);
  const opts = guardOptionsFromConfig(ok, { store: createMemoryStore() });
  assert.ok(opts.audit?.logger);
  await assert.rejects(
    parseConfig('audit:\n  maxLinesPerSecond: -1\n', { file: 'asyncapi-guard.yaml', dir: fixturesDir, ruleIds: [] }),
    (err: Error) => /asyncapi-guard\.yaml/.test(err.message) && /maxLinesPerSecond/.test(err.message),
  );
});
