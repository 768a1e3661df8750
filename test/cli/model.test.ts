// `asyncapi-guard model`: the SecurityModel as JSON or an outline. Runs the real loader and model builder.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ERROR_DOC, makeProject, runCli } from './helpers.js';

const project = makeProject({ 'doc.yaml': ERROR_DOC });

describe('cli model', () => {
  it('json (the default off a terminal): the SecurityModel with 2-space indent', async () => {
    const r = await runCli(['model', 'doc.yaml'], { cwd: project });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.startsWith('{\n  "asyncapi": "3.0.0",\n'));
    const model = JSON.parse(r.stdout) as {
      asyncapi: string;
      schemes: Record<string, { type: string }>;
      servers: { name: string; security: unknown }[];
      operations: unknown[];
    };
    assert.deepEqual(Object.keys(model), ['asyncapi', 'schemes', 'servers', 'operations']);
    assert.equal(model.schemes.oauth?.type, 'oauth2');
    assert.deepEqual(model.servers[0], {
      name: 'public',
      host: 'broker.example.com:8883',
      protocol: 'secure-mqtt',
      security: [[{ scheme: 'oauth', scopes: [] }]],
    });
  });

  it('pretty: the outline', async () => {
    const r = await runCli(['model', 'doc.yaml', '--format', 'pretty'], { cwd: project });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^AsyncAPI 3\.0\.0 security model\n/);
    assert.match(
      r.stdout,
      /\n {2}public {2}secure-mqtt {2}broker\.example\.com:8883\n {4}security: oauth \(oauth2\)\n/,
    );
    assert.equal(r.stdout.includes('\u001b'), false);
  });

  it('a missing file: 2, one line on stderr, nothing on stdout', async () => {
    const r = await runCli(['model', 'missing.yaml'], { cwd: project });
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^error: missing\.yaml: .*\(ERR_DOCUMENT_READ\)\n$/);
  });

  it('a bad format: 2', async () => {
    const r = await runCli(['model', 'doc.yaml', '--format', 'sarif'], { cwd: project });
    assert.equal(r.code, 2);
  });
});

describe('cli: a remote $ref with credentials in it never reaches the output', () => {
  const doc = `asyncapi: 3.0.0
info: { title: t, version: '1' }
servers:
  s:
    host: 'h:1'
    protocol: mqtt
    security:
      - $ref: 'https://user:S3CRET-pw@127.0.0.1:1/x.yaml?token=S3CRET-tok#/a'
`;
  const cwd = makeProject({ 'remote.yaml': doc });
  for (const args of [
    ['check', 'remote.yaml', '--format', 'json'],
    ['check', 'remote.yaml', '--format', 'pretty'],
    ['check', 'remote.yaml', '--format', 'sarif'],
    ['model', 'remote.yaml', '--format', 'pretty'],
    ['model', 'remote.yaml', '--format', 'json'],
  ]) {
    it(args.join(' '), async () => {
      const r = await runCli(args, { cwd });
      assert.ok(r.stdout.length > 0 || r.stderr.length > 0);
      // The pretty report's code frame quotes the user's own file as written; every message is redacted.
      const output = (r.stdout + r.stderr)
        .split('\n')
        .filter((line) => !/^\s*>?\s*\d+ \|/.test(line))
        .join('\n');
      assert.doesNotMatch(output, /S3CRET/);
      assert.match(r.stdout + r.stderr, /https:\/\/\*\*\*@127\.0\.0\.1:1\/x\.yaml\?…/);
    });
  }
});
