// The secrets test (docs/architecture.md, "Secrets"): a unique marker planted in every credential
// kind appears in no audit line, refusal, error message or metrics text.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAuditLogger, createGuard, guardOptionsFromConfig } from '../../src/guard/index.js';
import { createRefusalLog } from '../../src/serve/refusals.js';
import { escapeHtml, renderStatusPage } from '../../src/serve/status-page.js';
import { parseConfig } from '../../src/config/load.js';
import { createMemoryStore } from '../../src/credentials/memory.js';
import { captureAudit, fixturesDir, model } from './helpers.js';

const MARKER = 'S3CR3T-MARKER-q7Zx';

test('secrets: a marker in every credential kind reaches no audit line, refusal, error or metric', async () => {
  const m = model({
    schemes: {
      login: { type: 'userPassword' },
      key: { type: 'httpApiKey', in: 'header', name: 'x-api-key' },
      broken: { type: 'gssapi' },
    },
    servers: [
      {
        name: 's',
        host: 'h',
        protocol: 'mqtt',
        security: [
          [{ scheme: 'login', scopes: [] }],
          [{ scheme: 'key', scopes: [] }],
          [{ scheme: 'broken', scopes: [] }],
        ],
      },
    ],
    operations: [
      {
        id: 'op',
        action: 'send',
        channel: 'c',
        address: 'devices/{id}',
        servers: ['s'],
        security: [[{ scheme: 'key', scopes: [] }]],
      },
    ],
  });
  const audit = captureAudit({ level: 'debug' });
  const users = { alice: { password: `pw-${MARKER}` } };
  const guard = await createGuard(m, {
    store: createMemoryStore(),
    schemes: {
      login: { verifier: './static-verifier.mjs', options: { read: 'login', users } },
      key: {
        verifier: './static-verifier.mjs',
        options: { read: 'header', header: 'x-api-key', keys: { [`key-${MARKER}`]: { id: 'k1' } } },
      },
      broken: { verifier: './faulty-verifier.mjs', options: { mode: 'throw' } },
    },
    baseDir: fixturesDir,
    audit: { logger: audit.logger },
    throttle: { freeFailures: 0, baseDelayMs: 0, lockoutAfter: 3 },
    sleep: async () => {},
  });
  const everything = {
    login: { username: 'alice', password: `wrong-${MARKER}` },
    headers: {
      authorization: `Basic ${Buffer.from(`alice:${MARKER}`).toString('base64')} ${MARKER}`,
      cookie: `session=${MARKER}`,
      'x-api-key': `key-wrong-${MARKER}`,
    },
    query: `api_key=${MARKER}`,
    sasl: { mechanism: 'PLAIN', response: new TextEncoder().encode(`\0alice\0${MARKER}`) },
  };
  const outputs: string[] = [];
  const record = (x: unknown) => outputs.push(JSON.stringify(x));
  for (const remote of ['10.0.0.1', '10.0.0.2']) {
    record(await guard.authenticate('s', { remote, ...everything }));
    record(
      await guard.authenticate('s', {
        remote,
        login: { username: 'alice', password: `pw-${MARKER}` },
        headers: { 'x-api-key': `key-${MARKER}` },
      }),
    );
    // throttled by now
    record(await guard.authenticate('s', { remote, login: { username: 'alice', password: `pw-${MARKER}` } }));
  }
  const ok = await guard.authenticate('s', { remote: '10.0.0.3', headers: { 'x-api-key': `key-${MARKER}` } });
  record(ok);
  assert.ok(ok.ok);
  record(guard.authorize(ok.session, { action: 'publish', channel: 'devices/1' }));
  record(
    await guard.startSasl('s', 'PLAIN', { remote: '10.0.0.4' }).step(new TextEncoder().encode(`\0alice\0${MARKER}`)),
  );
  outputs.push(guard.metrics());

  // Config errors never repeat a value from the file.
  for (const yaml of [
    `schemes:\n  login:\n    audience: ${MARKER}\n`,
    `schemes:\n  login: { verifier: ./missing-${MARKER}.mjs }\n`,
    `servers:\n  s: { tls: { key: ${MARKER} } }\n`,
  ]) {
    try {
      const config = await parseConfig(yaml, { file: 'asyncapi-guard.yaml', dir: fixturesDir, ruleIds: [] });
      await createGuard(m, guardOptionsFromConfig(config, { store: createMemoryStore(), logger: audit.logger }));
      assert.fail('expected a startup error');
    } catch (err) {
      outputs.push(String((err as Error).message), String((err as Error).stack));
    }
  }

  const all = [...outputs, ...audit.lines].join('\n');
  assert.ok(audit.lines.length > 5, 'the scenarios were audited');
  assert.ok(!all.includes(MARKER), `the marker leaked: ${all.split('\n').find((l) => l.includes(MARKER))}`);
});

test(
  'secrets: a token or a password typed as the user name reaches no audit line, status page or metric whole; ' +
    'it is shown shortened (no prefix but a JWT’s eyJ, plus a keyed hash), the same name the same way',
  async () => {
    const m = model({
      schemes: { login: { type: 'userPassword' } },
      servers: [{ name: 's', host: 'h', protocol: 'mqtt', security: [[{ scheme: 'login', scopes: [] }]] }],
    });
    const refusals = createRefusalLog();
    const lines: string[] = [];
    const teed = refusals.tee({ write: (s: string) => void lines.push(s) });
    const logger = createAuditLogger({ level: 'debug' }, fixturesDir, { stream: teed });
    const users = { alice: { password: `pw-${MARKER}` } };
    const guard = await createGuard(m, {
      store: createMemoryStore(),
      schemes: { login: { verifier: './static-verifier.mjs', options: { read: 'login', users } } },
      baseDir: fixturesDir,
      audit: { logger },
      throttle: { freeFailures: 0, baseDelayMs: 0, lockoutAfter: 2 },
      sleep: async () => {},
    });
    // A JWT (553 characters in the report) and alice's password, each typed as the user name.
    const jwt = `eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.${MARKER}${'x'.repeat(500)}`;
    const password = `pw-${MARKER}`;
    const outputs: string[] = [];
    const tries: [string, string][] = [
      [jwt, '10.0.0.1'],
      [password, '10.0.0.2'],
      [jwt, '10.0.0.3'],
      [password, '10.0.0.4'],
      [jwt, '10.0.0.1'], // the JWT-named subject is locked now, and 10.0.0.1 has been failing
    ];
    for (const [username, remote] of tries)
      outputs.push(JSON.stringify(await guard.authenticate('s', { remote, login: { username, password: 'x' } })));
    outputs.push(guard.metrics());
    const page = renderStatusPage({
      title: 't',
      bus: 'memory',
      busReady: true,
      servers: [],
      skipped: [],
      refusals: refusals.latest(),
    });
    outputs.push(page);
    const all = [...outputs, ...lines].join('\n');
    assert.ok(!all.includes(MARKER), `the marker leaked: ${all.split('\n').find((l) => l.includes(MARKER))}`);
    assert.ok(!all.includes('pw-'), 'not even the start of the password');
    const connects = lines
      .flatMap((l) => l.split('\n').filter((x) => x !== ''))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((e) => e['action'] === 'connect');
    assert.equal(connects.length, 5);
    const shown = connects.map((e) => String(e['principal']));
    for (const p of shown) assert.match(p, /^(eyJ)?…#[0-9a-f]{8}$/);
    assert.ok(shown[0]!.startsWith('eyJ…#') && !shown[1]!.startsWith('eyJ'));
    assert.equal(shown[0], shown[2], 'the same name is shown the same way (one source can be followed)');
    assert.notEqual(shown[0], shown[1]);
    assert.equal(connects[4]!['reason'], 'throttled', 'the lockout line shows the claimed name shortened too');
    assert.ok(page.includes(escapeHtml(shown[0]!)), 'the status page shows the shortened form');
  },
);
