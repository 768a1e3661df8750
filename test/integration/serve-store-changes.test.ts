// `serve` with real MQTT clients while the credential store changes under it:
// - `users passwd` (the real CLI, another process) ends the sessions opened with the old password,
//   on a `file:` store and on the REAL PostgreSQL store (127.0.0.1:5432, trust auth), and not the
//   same user's session through an API key;
// - a corrupt credentials.yaml is logged once (file, line, column), the last good credentials
//   stay in force, /readyz answers 503 naming the stale store, the metrics count it; a good file
//   makes the store in step again;
// - a JWKS file replaced under a running serve: an MQTT client with a token of the new key gets
//   in, one with a token of the removed key is refused (no restart).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import mqtt from 'mqtt';
import pino from 'pino';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { startServe } from '../../src/serve/start.js';
import { createPostgresStore } from '../../src/credentials/postgres.js';
import type { RunningServe } from '../../src/serve/types.js';
import { mainPath, type Run } from '../cli/helpers.js';
import { eventually } from '../helpers/eventually.js';
import { dropSchema, findPostgresUrl, randomSchemaName } from '../helpers/postgres.js';
import {
  auditCapture,
  makeServeProject,
  PASSWORD,
  quietLogger,
  SERVE_DOC,
  startServeOnFreePorts,
} from '../serve/helpers.js';

const NEW_PASSWORD = 'a brand new passphrase';
const tsxLoader = import.meta.resolve('tsx');

/** The real CLI in a child process, with `stdin` piped. */
function cli(args: readonly string[], cwd: string, stdin: string): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', tsxLoader, mainPath, ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.stdin.on('error', () => {});
    child.stdin.end(stdin);
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

function mqttConnect(serve: RunningServe, username: string, password: string): Promise<mqtt.MqttClient> {
  const port = serve.servers.find((s) => s.name === 'broker')!.port;
  return new Promise((resolve, reject) => {
    const c = mqtt.connect({
      host: '127.0.0.1',
      port,
      protocolVersion: 4,
      username,
      password,
      reconnectPeriod: 0,
      connectTimeout: 5000,
    });
    c.once('connect', () => resolve(c));
    c.once('error', (err) => {
      c.end(true);
      reject(err);
    });
  });
}

const closed = (c: mqtt.MqttClient): Promise<void> =>
  c.disconnected ? Promise.resolve() : new Promise((resolve) => c.once('close', () => resolve()));
const within = <T>(p: Promise<T>, ms: number, what: string): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms (hang guard)`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
};

/**
 * The scenario of the issue: alice holds one session through her password and one through her API key; the password
 * is changed; the password session ends, the key session can still publish at QoS 1 (PUBACK), the old password is
 * refused and the new one accepted.
 */
async function passwordChangeEndsOnlyPasswordSessions(
  serve: RunningServe,
  apiKey: string,
  changePassword: () => Promise<void>,
): Promise<void> {
  const pwClient = await mqttConnect(serve, 'alice', PASSWORD);
  const keyClient = await mqttConnect(serve, 'alice', apiKey);
  try {
    await pwClient.publishAsync('lights/1/status', 'before', { qos: 1 });
    const gone = closed(pwClient);
    await changePassword();
    await within(gone, 15_000, 'the disconnect of the session opened with the old password');
    assert.ok(keyClient.connected, 'the API key session of the same user stays');
    await within(keyClient.publishAsync('lights/1/status', 'after', { qos: 1 }), 10_000, 'the PUBACK');
    await assert.rejects(mqttConnect(serve, 'alice', PASSWORD), (err: { code?: number }) => err.code === 4);
    const again = await mqttConnect(serve, 'alice', NEW_PASSWORD);
    await again.endAsync();
  } finally {
    pwClient.end(true);
    await keyClient.endAsync();
  }
}

describe('serve: a password change ends the sessions opened with the old password', () => {
  it('file: store, through `users passwd` in another process', async () => {
    const project = await makeServeProject();
    const serve = await startServeOnFreePorts(project.dir);
    try {
      await passwordChangeEndsOnlyPasswordSessions(serve, project.apiKey, async () => {
        const r = await cli(
          ['users', 'passwd', 'alice', '--password-stdin', '--iterations', '4096'],
          project.dir,
          `${NEW_PASSWORD}\n`,
        );
        assert.equal(r.code, 0, r.stderr);
      });
    } finally {
      await serve.close(500);
    }
  });

  it('postgres:// store, through `users passwd --store` in another process', async () => {
    const url = await findPostgresUrl();
    const schema = randomSchemaName();
    const storeUrl = `${url}?schema=${schema}`;
    const seed = await createPostgresStore(storeUrl, { listen: false });
    let serve: RunningServe | undefined;
    try {
      await seed.addPrincipal({ name: 'alice', password: PASSWORD, scopes: ['lights'], iterations: 4096 });
      const created = await seed.createApiKey('alice');
      const config =
        `store: ${storeUrl}\naudit: { level: silent }\n` +
        'schemes: { userPass: {}, deviceKey: {}, headerKey: {}, basic: {} }\n';
      const project = await makeServeProject({ 'asyncapi.yaml': SERVE_DOC, 'asyncapi-guard.yaml': config });
      serve = await startServeOnFreePorts(project.dir);
      await passwordChangeEndsOnlyPasswordSessions(serve, created.key, async () => {
        const r = await cli(
          ['users', 'passwd', 'alice', '--password-stdin', '--iterations', '4096', '--store', storeUrl],
          project.dir,
          `${NEW_PASSWORD}\n`,
        );
        assert.equal(r.code, 0, r.stderr);
      });
    } finally {
      await serve?.close(500);
      await seed.close();
      await dropSchema(url, schema);
    }
  });
});

describe('serve: a credentials file that cannot be reloaded', () => {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'info', base: null },
    { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) },
  );
  let serve: RunningServe | undefined;
  after(() => serve?.close(500));

  it('is logged once (file, line, column); the last good state stays; /readyz 503; metrics count it', async () => {
    const project = await makeServeProject();
    const file = join(project.dir, 'credentials.yaml');
    const good = readFileSync(file, 'utf8');
    serve = await startServeOnFreePorts(project.dir, { logger, admin: '127.0.0.1:0' });
    const adminUrl = `http://127.0.0.1:${serve.admin!.port}`;
    const get = async (path: string) => {
      const res = await fetch(adminUrl + path);
      return { status: res.status, body: await res.text() };
    };
    const metric = async (name: string): Promise<number> => {
      const m = new RegExp(`^${name} (\\S+)$`, 'm').exec((await get('/metrics')).body);
      assert.ok(m, `${name} in /metrics`);
      return Number(m[1]);
    };
    assert.equal((await get('/readyz')).status, 200);
    assert.equal(await metric('asyncapi_guard_serve_store_reload_failures_total'), 0);
    assert.equal(await metric('asyncapi_guard_serve_store_stale'), 0);
    const startedAt = await metric('asyncapi_guard_serve_store_last_success_timestamp_seconds');

    // Line 3 is not YAML. The removal of bob in the same edit must not take effect either.
    const lines3 = good.split('\n');
    writeFileSync(file, `${lines3.slice(0, 2).join('\n')}\n  bad: [unclosed\n`);
    const failed = () =>
      lines.filter((l) => l.msg === 'serve.store_reload_failed: the last good credentials stay in force');
    await eventually(() => failed().length > 0, 10_000, 'the reload error in the log');
    const entry = failed()[0]!;
    assert.equal(entry.level, 50, 'logged as an error');
    assert.equal(entry.code, 'ERR_STORE_INVALID');
    assert.equal(entry.file, file);
    assert.equal(typeof entry.line, 'number');
    assert.equal(typeof entry.column, 'number');
    assert.ok(!JSON.stringify(lines).includes(PASSWORD));

    const ready = await get('/readyz');
    assert.equal(ready.status, 503);
    assert.match(ready.body, /credential store is stale/);
    assert.equal(await metric('asyncapi_guard_serve_store_stale'), 1);
    // The last good state: bob still logs in.
    const bob = await mqttConnect(serve, 'bob', PASSWORD);
    await bob.endAsync();
    // Several poll intervals later the same bad file has not been reported again.
    await new Promise((r) => setTimeout(r, 2_500));
    assert.equal(failed().length, 1, 'one error per bad version of the file');
    assert.equal(await metric('asyncapi_guard_serve_store_reload_failures_total'), 1);

    // A good file again (bob removed): in step, ready, and bob's removal is in force.
    const fixed = good.replace(/^ {2}bob:[\s\S]*?(?=^\S|^ {2}\S)/m, '');
    assert.notEqual(fixed, good, 'the fixture removes bob');
    writeFileSync(file, fixed);
    await eventually(async () => (await get('/readyz')).status === 200, 10_000, '/readyz 200 again');
    assert.equal(await metric('asyncapi_guard_serve_store_stale'), 0);
    assert.ok((await metric('asyncapi_guard_serve_store_last_success_timestamp_seconds')) >= startedAt);
    await assert.rejects(mqttConnect(serve, 'bob', PASSWORD), (err: { code?: number }) => err.code === 4);
  });
});

const JWT_DOC = `asyncapi: 3.0.0
info: { title: jwks reload, version: '1' }
servers:
  broker:
    host: 127.0.0.1:1883
    protocol: mqtt
    security: [{ $ref: '#/components/securitySchemes/oauth' }]
channels:
  status: { address: 'lights/{id}/status' }
operations:
  sendStatus: { action: send, channel: { $ref: '#/channels/status' } }
components:
  securitySchemes:
    oauth:
      type: oauth2
      flows: { clientCredentials: { tokenUrl: 'https://idp.test/token', availableScopes: {} } }
`;

describe('serve: a JWKS file replaced while serving', () => {
  it('a token of the new key gets in, one of the removed key is refused, without a restart', async () => {
    const keyPair = async (kid: string): Promise<{ privateKey: CryptoKey; publicJwk: JWK }> => {
      const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
      return { privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } };
    };
    const tokenOf = (privateKey: CryptoKey, kid: string) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'ES256', kid })
        .setIssuer('https://idp.test')
        .setAudience('lights')
        .setSubject('device-1')
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(privateKey);
    const old = await keyPair('old');
    const rotated = await keyPair('new');
    const config =
      'store: file:./credentials.yaml\naudit: { level: silent }\nschemes:\n' +
      "  oauth: { issuer: 'https://idp.test', audience: lights, jwks: 'file:./keys.json', algorithms: [ES256] }\n";
    const project = await makeServeProject({
      'asyncapi.yaml': JWT_DOC,
      'asyncapi-guard.yaml': config,
      'keys.json': JSON.stringify({ keys: [old.publicJwk] }),
    });
    const serve = await startServe({
      document: 'asyncapi.yaml',
      cwd: project.dir,
      logger: quietLogger(),
      auditStream: auditCapture().stream,
      listen: { broker: '127.0.0.1:0' },
    });
    try {
      const oldToken = await tokenOf(old.privateKey, 'old');
      const newToken = await tokenOf(rotated.privateKey, 'new');
      const first = await mqttConnect(serve, 'device-1', oldToken);
      await first.endAsync();
      await assert.rejects(mqttConnect(serve, 'device-1', newToken), (err: { code?: number }) => err.code === 4);

      const file = join(project.dir, 'keys.json');
      writeFileSync(`${file}.tmp`, JSON.stringify({ keys: [rotated.publicJwk] }));
      renameSync(`${file}.tmp`, file);
      // The file is looked at every 5 s (jwksFileCheckMs default): wait until the new key works.
      await eventually(
        () =>
          mqttConnect(serve, 'device-1', newToken).then(
            async (c) => (await c.endAsync(), true),
            () => false,
          ),
        20_000,
        'the new key to be accepted',
        250,
      );
      await assert.rejects(mqttConnect(serve, 'device-1', oldToken), (err: { code?: number }) => err.code === 4);
    } finally {
      await serve.close(500);
    }
  });
});
