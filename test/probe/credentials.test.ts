// `--credentials FILE`: schema-validated with errors at file:line:column and the key path, secrets only as env:/file:
// references and never echoed, an OAuth2 client-credentials token fetched from a (loopback) token endpoint.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProbeCredentials } from '../../src/probe/credentials.js';

const dir = mkdtempSync(join(tmpdir(), 'probe-credentials-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function load(text: string, env: NodeJS.ProcessEnv = {}) {
  writeFileSync(join(dir, 'creds.yaml'), text);
  return loadProbeCredentials('creds.yaml', { cwd: dir, env });
}

test('credentials: principals per scheme, secrets read from env: and file:', async () => {
  writeFileSync(join(dir, 'key.txt'), 'key-from-file\n');
  const map = await load(
    'schemes:\n  userPass:\n    - { name: op, user: operator, password: env:OP_PW, scopes: [a, b] }\n' +
      '  apiKey:\n    - { name: sensor, apiKey: file:./key.txt }\n',
    { OP_PW: 'pw-from-env' },
  );
  assert.deepEqual(map.get('userPass'), [
    { name: 'op', scheme: 'userPass', scopes: ['a', 'b'], user: 'operator', password: 'pw-from-env' },
  ]);
  assert.equal(map.get('apiKey')![0]!.apiKey, 'key-from-file');
});

test('credentials: a literal secret is refused at its line, column and key path, and not echoed', async () => {
  await assert.rejects(
    load('schemes:\n  userPass:\n    - name: op\n      password: hunter2-literal\n'),
    (err: Error) => {
      assert.equal((err as { code?: string }).code, 'ERR_CONFIG_INVALID');
      assert.match(err.message, /^creds\.yaml:4:7 schemes\.userPass\.0\.password: not a reference: expected env:NAME/);
      assert.ok(!err.message.includes('hunter2-literal'));
      return true;
    },
  );
});

test('credentials: an unknown key, a missing name, an unset variable each say where and what', async () => {
  await assert.rejects(
    load('schemes:\n  s:\n    - { name: a, pasword: env:X }\n'),
    /creds\.yaml:3:18 schemes\.s\.0\.pasword: unknown key: expected one of name, user/,
  );
  await assert.rejects(load('schemes:\n  s:\n    - { user: a }\n'), /schemes\.s\.0: name is missing/);
  await assert.rejects(
    load('schemes:\n  s:\n    - { name: a, token: env:NOT_SET_HERE }\n'),
    /schemes\.s\.0\.token: the environment variable NOT_SET_HERE is not set/,
  );
  await assert.rejects(load('schemes: [\n'), /creds\.yaml:\d+:\d+: not well-formed YAML/);
});

test('credentials: a client-credentials token is fetched once (RFC 6749 §4.4), http only to loopback', async () => {
  const seen: { auth?: string; body: string }[] = [];
  const idp = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ auth: req.headers.authorization, body });
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end('{"access_token":"tok-123","token_type":"Bearer"}');
    });
  });
  await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
  const port = (idp.address() as AddressInfo).port;
  const map = await load(
    'schemes:\n  oauth:\n    - name: svc\n      clientCredentials:\n' +
      `        tokenUrl: http://127.0.0.1:${port}/token\n` +
      '        clientId: svc\n        clientSecret: env:SVC_SECRET\n        scopes: [lights:read]\n',
    { SVC_SECRET: 's3cret' },
  );
  idp.close();
  assert.equal(map.get('oauth')![0]!.token, 'tok-123');
  assert.equal(seen.length, 1);
  assert.equal(seen[0]!.auth, `Basic ${Buffer.from('svc:s3cret').toString('base64')}`);
  assert.equal(seen[0]!.body, 'grant_type=client_credentials&scope=lights%3Aread');
  await assert.rejects(
    load(
      'schemes:\n  oauth:\n    - name: svc\n      clientCredentials:\n        tokenUrl: http://idp.example/token\n' +
        '        clientId: svc\n        clientSecret: env:SVC_SECRET\n',
      { SVC_SECRET: 's3cret' },
    ),
    /tokenUrl: not an acceptable token endpoint: expected an https URL/,
  );
});
