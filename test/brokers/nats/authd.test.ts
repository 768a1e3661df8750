// `authd` with an `authd.nats` section against a real nats-server 2.10, both configured with the
// blocks of docs/brokers/nats.md ("Setup", read from the page): the config keys as written, secrets from `env:`
// and `file:`, a file store changed by another process (`keys revoke`, `users disable`) ending the
// live connection by the reload that sees the change, /metrics, and a clear startup error for a 2.9 server.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import pino from 'pino';
import { createFileStore } from '../../../src/credentials/file.js';
import { startAuthd } from '../../../src/brokers/authd/index.js';
import type { RunningAuthd } from '../../../src/brokers/authd/types.js';
import { requireBinary, requireNatsServer210 } from '../../helpers/binaries.js';
import { sessionsEnded } from '../../helpers/authd.js';
import { runCli } from '../../cli/helpers.js';
import {
  calloutConfig,
  calloutKeys,
  pageBlock,
  startNatsServer,
  type CalloutKeys,
  type NatsServerNode,
} from '../../helpers/nats-callout.js';

const DOC = `asyncapi: 3.0.0
info: { title: nats authd, version: '1' }
servers:
  production:
    host: 127.0.0.1:4222
    protocol: nats
    security:
      - $ref: '#/components/securitySchemes/userPass'
      - $ref: '#/components/securitySchemes/deviceKey'
channels:
  status: { address: 'lights.{id}.status' }
operations:
  sendStatus: { action: send, channel: { $ref: '#/channels/status' } }
  receiveStatus: { action: receive, channel: { $ref: '#/channels/status' } }
components:
  securitySchemes:
    userPass: { type: userPassword }
    deviceKey: { type: apiKey, in: password }
`;

/** The asyncapi-guard.yaml docs/brokers/nats.md shows, with this test's listen address and server URL. */
function config(url: string): string {
  const yaml = pageBlock('yaml');
  const filled = yaml
    .replace('listen: 127.0.0.1:8181', 'listen: 127.0.0.1:0')
    .replace('url: nats://127.0.0.1:4222', `url: ${url}`);
  assert.ok(!filled.includes(':4222') && !filled.includes(':8181'), 'the yaml block of docs/brokers/nats.md changed');
  return filled;
}

const PASSWORD = 'alice-correct-horse';
let keys: CalloutKeys;
let nats: NatsServerNode;
let dir: string;
let authd: RunningAuthd;
let keyWhole = '';
let keyId = '';
const clients: NatsConnection[] = [];

function project(url: string, k: CalloutKeys): string {
  const d = mkdtempSync(join(tmpdir(), 'agd-nats-authd-'));
  writeFileSync(join(d, 'asyncapi.yaml'), DOC);
  writeFileSync(join(d, 'asyncapi-guard.yaml'), config(url));
  writeFileSync(join(d, 'issuer.nk'), `${k.issuerSeed}\n`, { mode: 0o600 });
  return d;
}

const env = (k: CalloutKeys): NodeJS.ProcessEnv => ({
  NATS_AUTHD_PASSWORD: k.authUser.password,
  NATS_SYS_PASSWORD: k.sysUser.password,
});

/** Hang catcher only: how fast the end comes is the store's poll, not something a test on a shared machine times. */
const HANG_MS = 30_000;

/** Waits for `nc` to close; fails only when it never does. */
async function closedOrHang(nc: NatsConnection): Promise<void> {
  await Promise.race([
    nc.closed(),
    new Promise((_, reject) =>
      setTimeout(() => reject(new Error(`live connection not ended in ${HANG_MS} ms`)), HANG_MS),
    ),
  ]);
}

before(async () => {
  keys = calloutKeys();
  nats = await startNatsServer(requireNatsServer210(), (port) => calloutConfig(port, keys));
  dir = project(nats.url, keys);
  const store = await createFileStore(join(dir, 'credentials.yaml'), { watch: false });
  await store.addPrincipal({ name: 'alice', password: PASSWORD, scopes: [], iterations: 4096 });
  await store.addPrincipal({ name: 'dave', password: PASSWORD, scopes: [], iterations: 4096 });
  const created = await store.createApiKey('alice');
  keyWhole = created.key;
  keyId = created.record.id;
  await store.close();
  authd = await startAuthd({
    document: 'asyncapi.yaml',
    cwd: dir,
    env: env(keys),
    logger: pino({ level: 'silent' }),
    auditStream: { write: () => {} },
  });
});

after(async () => {
  for (const nc of clients) await nc.close().catch(() => {});
  await authd?.close();
  await nats?.stop();
});

const open = async (opts: { user?: string; pass: string }): Promise<NatsConnection> => {
  const nc = await connect({ servers: [nats.url], ...opts, reconnect: false, timeout: 10_000 });
  clients.push(nc);
  return nc;
};

describe('authd with authd.nats', () => {
  // nats.js sends a password only with a user name: an API key goes as the password beside any name.
  it('starts the nats part from the config; a user and an API key connect', async () => {
    assert.deepEqual(authd.parts, ['nats']);
    assert.ok((await open({ user: 'alice', pass: PASSWORD })).info);
    assert.ok((await open({ user: 'device', pass: keyWhole })).info);
    assert.match(authd.metrics(), /asyncapi_guard_authd_nats_requests_total\{part="nats",outcome="allowed"\} 2/);
  });

  // "Within 5 s" is the file store's poll (1 s) plus one reload pass, which ends the session at once: the tests show
  // that the reload ended it (counted), and wait with a hang catcher only.
  it("keys revoke elsewhere: the reload that sees it ends that key's live connection, and refuses it", async () => {
    const nc = await open({ user: 'device', pass: keyWhole });
    const other = await open({ user: 'alice', pass: PASSWORD });
    const before = sessionsEnded(authd);
    const store = await createFileStore(join(dir, 'credentials.yaml'), { watch: false });
    await store.revokeApiKey(keyId);
    await store.close();
    await closedOrHang(nc);
    // Every live connection of that key: this one and the first test's.
    assert.ok(sessionsEnded(authd) > before, 'ended by the reload');
    await assert.rejects(
      open({ user: 'device', pass: keyWhole }),
      (e: { code?: string }) => e.code === 'AUTHORIZATION_VIOLATION',
    );
    assert.equal(other.isClosed(), false);
  });

  it('users disable in another process: the reload that sees it ends the user live connection', async () => {
    const nc = await open({ user: 'dave', pass: PASSWORD });
    const before = sessionsEnded(authd);
    const store = await createFileStore(join(dir, 'credentials.yaml'), { watch: false });
    await store.setDisabled('dave', true);
    await store.close();
    await closedOrHang(nc);
    assert.equal(sessionsEnded(authd), before + 1, "ended by the reload, dave's one session");
    await assert.rejects(
      open({ user: 'dave', pass: PASSWORD }),
      (e: { code?: string }) => e.code === 'AUTHORIZATION_VIOLATION',
    );
  });

  it('a nats-server 2.9 in authd.nats.url: authd exits 2 with ERR_BROKER_UNSUPPORTED naming the key', async () => {
    const oldKeys = calloutKeys();
    const old = await startNatsServer(
      requireBinary('nats-server', 'nats-server'),
      (port) =>
        `listen: 127.0.0.1:${port}\nauthorization { users: [ { user: ${oldKeys.authUser.user}, ` +
        `password: "${oldKeys.authUser.password}" }, { user: ${oldKeys.sysUser.user}, ` +
        `password: "${oldKeys.sysUser.password}" } ] }\n`,
    );
    const oldDir = project(old.url, oldKeys);
    try {
      // The command: exit 2, one error line on stderr (beside the audit log's startup line) naming the key and the
      // version, nothing on stdout.
      const run = await runCli(['authd', 'asyncapi.yaml'], { cwd: oldDir, env: env(oldKeys) });
      assert.equal(run.code, 2, run.stderr);
      assert.equal(run.stdout, '');
      const errors = run.stderr.split('\n').filter((l) => l.startsWith('error:'));
      assert.equal(errors.length, 1, run.stderr);
      assert.match(
        errors[0]!,
        /authd\.nats\.url: nats-server 2\.9\.\d+ at nats:\/\/.* has no auth callout.*ERR_BROKER_UNSUPPORTED/,
      );
      assert.ok(!run.stderr.includes(oldKeys.authUser.password));
      await assert.rejects(
        startAuthd({ document: 'asyncapi.yaml', cwd: oldDir, env: env(oldKeys), logger: pino({ level: 'silent' }) }),
        (e: { code?: string; message?: string }) =>
          e.code === 'ERR_BROKER_UNSUPPORTED' &&
          /authd\.nats\.url: nats-server 2\.9\.\d+ at nats:\/\//.test(e.message ?? ''),
      );
    } finally {
      await old.stop();
    }
  });

  it('a password reference that is not set: a config error naming the key, never a value', async () => {
    await assert.rejects(
      startAuthd({ document: 'asyncapi.yaml', cwd: dir, env: {}, logger: pino({ level: 'silent' }) }),
      (e: { code?: string; message?: string }) =>
        /authd\.nats\.password/.test(e.message ?? '') && !(e.message ?? '').includes(keys.authUser.password),
    );
  });

  it('/readyz follows the NATS connection: not ready once the server is gone', async () => {
    assert.equal(authd.ready(), true);
    await nats.stop();
    const end = Date.now() + 15_000;
    while (authd.ready() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    assert.equal(authd.ready(), false);
  });
});
