// `servers.<name>.allowedOrigins` through `serve`: the config is checked at startup (exact origins
// only, not on MQTT), each web front gets its server's policy, and refusals show in /metrics.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { isGuardError } from '../../src/errors.js';
import { makeServeProject, PASSWORD, SERVE_CONFIG, startServeOnFreePorts } from './helpers.js';

const EVIL = 'https://evil.example';
const basic = `Basic ${Buffer.from(`alice:${PASSWORD}`).toString('base64')}`;

async function startupError(config: string): Promise<Error & { code?: string }> {
  const p = await makeServeProject({ 'asyncapi-guard.yaml': config });
  try {
    const s = await startServeOnFreePorts(p.dir);
    await s.close(0);
  } catch (err) {
    assert.ok(isGuardError(err), String(err));
    return err;
  }
  throw new Error('serve started');
}

describe('serve: allowedOrigins', () => {
  it('an entry that is not an exact origin fails startup at that entry, with file, line and column', async () => {
    const err = await startupError(
      `${SERVE_CONFIG}servers:\n  api:\n    allowedOrigins: [https://app.example, 'https://app.example/']\n`,
    );
    assert.equal(err.code, 'ERR_CONFIG_INVALID');
    assert.match(
      err.message,
      /^asyncapi-guard\.yaml:\d+:\d+ servers\.api\.allowedOrigins\.1: expected an exact origin/,
    );
  });

  it('allowedOrigins on an MQTT server fails startup', async () => {
    const err = await startupError(`${SERVE_CONFIG}servers:\n  broker:\n    allowedOrigins: [https://app.example]\n`);
    assert.equal(err.code, 'ERR_CONFIG_INVALID');
    assert.match(
      err.message,
      /servers\.broker\.allowedOrigins: server 'broker' uses mqtt, whose clients send no Origin/,
    );
  });

  it('a wildcard, a path or an upper-case host is not an exact origin either', async () => {
    for (const entry of ["'*'", 'https://app.example/app', 'https://App.example', "'null'"]) {
      const err = await startupError(`${SERVE_CONFIG}servers:\n  api:\n    allowedOrigins: [${entry}]\n`);
      assert.equal(err.code, 'ERR_CONFIG_INVALID');
      assert.match(err.message, /servers\.api\.allowedOrigins\.0: expected an exact origin/, entry);
    }
  });

  it('basic-secured http refuses another origin, allows a listed one; header-key ws is unaffected', async () => {
    const p = await makeServeProject({
      'asyncapi-guard.yaml':
        `${SERVE_CONFIG.replace('level: info', 'level: silent')}` +
        'servers:\n  api:\n    allowedOrigins: [https://app.example]\n',
    });
    const serve = await startServeOnFreePorts(p.dir);
    try {
      const api = serve.servers.find((s) => s.name === 'api')!;
      const web = serve.servers.find((s) => s.name === 'web')!;
      const post = (origin: string) =>
        fetch(`http://127.0.0.1:${api.port}/lights/1/status`, {
          method: 'POST',
          headers: { authorization: basic, origin },
          body: 'x',
        });
      assert.equal((await post(EVIL)).status, 403);
      assert.equal((await post('https://app.example')).status, 202);
      // The ws server takes an API key in a header, which a page of another origin does not have:
      // its handshake is not checked for Origin.
      const ws = new WebSocket(`ws://127.0.0.1:${web.port}/lights/1/status`, {
        headers: { origin: EVIL, 'x-api-key': p.apiKey },
      });
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
        ws.once('error', reject);
      });
      ws.close();
      assert.match(serve.metrics(), /^asyncapi_guard_serve_refused_origins_total\{server="api",protocol="http"\} 1$/m);
      assert.match(serve.metrics(), /^asyncapi_guard_serve_refused_origins_total\{server="web",protocol="ws"\} 0$/m);
    } finally {
      await serve.close(0);
    }
  });
});
