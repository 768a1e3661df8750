// The secrets test (docs/architecture.md, "Secrets"): a unique marker planted in every credential
// kind appears in no audit line, refusal, error message or metrics text.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createGuard, guardOptionsFromConfig } from '../../src/guard/index.js';
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
