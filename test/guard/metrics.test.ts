// Metrics: the Prometheus text exposition format (HELP/TYPE, escaped label values), and labels
// that are only server names, scheme names and closed reason codes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createGuard } from '../../src/guard/index.js';
import { createGuardMetrics, escapeLabelValue } from '../../src/guard/metrics.js';
import { createMemoryStore } from '../../src/credentials/memory.js';
import { fixturesDir, model } from './helpers.js';

test('metrics: text format with HELP and TYPE per family and one line per non-zero series', async () => {
  const m = model({
    schemes: { login: { type: 'userPassword' } },
    servers: [{ name: 's', host: 'h', protocol: 'mqtt', security: [[{ scheme: 'login', scopes: [] }]] }],
    operations: [{ id: 'op', action: 'send', channel: 'c', address: 'devices/{id}', servers: ['s'], security: [] }],
  });
  const guard = await createGuard(m, {
    store: createMemoryStore(),
    schemes: {
      login: { verifier: './static-verifier.mjs', options: { read: 'login', users: { alice: { password: 'p' } } } },
    },
    baseDir: fixturesDir,
  });
  const ok = await guard.authenticate('s', { remote: '10.0.0.1', login: { username: 'alice', password: 'p' } });
  await guard.authenticate('s', { remote: '10.0.0.1', login: { username: 'alice', password: 'x' } });
  await guard.authenticate('s', {});
  assert.ok(ok.ok);
  guard.authorize(ok.session, { action: 'publish', channel: 'devices/1' });
  guard.authorize(ok.session, { action: 'publish', channel: 'devices/2' });
  guard.authorize(ok.session, { action: 'subscribe', channel: 'devices/1' });
  guard.authorizeSubscription(ok.session, 'devices/+');
  assert.equal(
    guard.metrics(),
    [
      '# HELP asyncapi_guard_authentications_total Authentications by server, scheme (empty when none was ' +
        'satisfied or targeted), result and reason.',
      '# TYPE asyncapi_guard_authentications_total counter',
      'asyncapi_guard_authentications_total{server="s",scheme="login",result="allowed",reason="allowed"} 1',
      'asyncapi_guard_authentications_total{server="s",scheme="login",result="denied",reason="bad_password"} 1',
      'asyncapi_guard_authentications_total{server="s",scheme="",result="denied",reason="no_credentials"} 1',
      '# HELP asyncapi_guard_decisions_total Publish and subscribe decisions by server, action, result and reason.',
      '# TYPE asyncapi_guard_decisions_total counter',
      'asyncapi_guard_decisions_total{server="s",action="publish",result="allowed",reason="allowed"} 2',
      'asyncapi_guard_decisions_total{server="s",action="subscribe",result="denied",reason="uncovered_channel"} 1',
      'asyncapi_guard_decisions_total{server="s",action="subscribe",result="denied",reason="wildcard_not_covered"} 1',
      '# HELP asyncapi_guard_throttled_total Failure responses delayed and attempts refused by a lockout, ' +
        'by server and kind.',
      '# TYPE asyncapi_guard_throttled_total counter',
      '',
    ].join('\n'),
  );
  // Nothing the client sent is a label: no principal, channel or address.
  assert.doesNotMatch(guard.metrics(), /alice|devices|10\.0\.0\.1/);
});

test('metrics: label values escape backslash, double quote and line feed', () => {
  assert.equal(escapeLabelValue('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
  const metrics = createGuardMetrics(['we"ird\\name\n'], ['s']);
  metrics.decisions[metrics.decisionBase(0, 0)]!++;
  assert.match(
    metrics.render(),
    new RegExp(
      String.raw`^asyncapi_guard_decisions_total\{server="we\\"ird\\\\name\\n",action="publish",result="allowed",` +
        String.raw`reason="allowed"\} 1$`,
      'm',
    ),
  );
});
