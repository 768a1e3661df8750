// `serve` says at startup, one warning line each, which operations no client can reach on a served server
// (rule security-requirement-unpresentable): here a send operation needing an API key in the MQTT user name on a
// server that needs a user name/password pair. Not fatal: the server starts.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import pino from 'pino';
import { startServe } from '../../src/serve/start.js';
import type { RunningServe } from '../../src/serve/types.js';
import { auditCapture, fakeFronts, makeServeProject, SERVE_CONFIG, SERVE_DOC } from './helpers.js';

const running: RunningServe[] = [];
after(async () => {
  for (const r of running) await r.close(0);
});

// SERVE_DOC with: the broker taking only a user name/password pair (deviceKey, a key in the password, would
// sit beside userKey), sendStatus needing `userKey` (apiKey in: user) on every server, and an amqp server (not fronted)
// where the same operation could never be reached either.
const DOC = SERVE_DOC.replace("      - $ref: '#/components/securitySchemes/deviceKey'\n", '')
  .replace(
    "  sendStatus: { action: send, channel: { $ref: '#/channels/status' } }",
    "  sendStatus: { action: send, channel: { $ref: '#/channels/status' }, " +
      "security: [{ $ref: '#/components/securitySchemes/userKey' }] }",
  )
  .replace(
    '    protocol: amqp\n',
    "    protocol: amqp\n    security:\n      - { $ref: '#/components/securitySchemes/scram' }\n",
  )
  .replace(
    '    basic: { type: http, scheme: basic }\n',
    '    basic: { type: http, scheme: basic }\n' +
      '    userKey: { type: apiKey, in: user }\n' +
      '    scram: { type: scramSha256 }\n',
  );
const CONFIG = SERVE_CONFIG + '  userKey: {}\n  scram: {}\n';

async function startWithLog(doc: string, config: string) {
  const p = await makeServeProject({ 'asyncapi.yaml': doc, 'asyncapi-guard.yaml': config });
  const lines: string[] = [];
  const logger = pino({ level: 'warn', base: null }, { write: (s: string) => void lines.push(s) });
  const r = await startServe({
    document: 'asyncapi.yaml',
    cwd: p.dir,
    logger,
    auditStream: auditCapture().stream,
    fronts: fakeFronts().fronts,
    listen: { broker: '127.0.0.1:0' },
  });
  running.push(r);
  const logged = lines.map((l) => JSON.parse(l) as { code?: string; msg: string });
  return { r, unreachable: logged.filter((l) => l.code === 'W_OPERATION_UNREACHABLE') };
}

describe('serve: unreachable operations at startup', () => {
  it('one warning per unreachable (operation, served server), naming both and why; the servers start', async () => {
    assert.notEqual(DOC, SERVE_DOC);
    const { r, unreachable } = await startWithLog(DOC, CONFIG);
    assert.deepEqual(
      unreachable.map((l) => l.msg),
      [
        "security-requirement-unpresentable: operation 'sendStatus' can never be reached on server 'broker' (mqtt): " +
          "no way to meet its security and the server's fits one connection: scheme 'userPass' (user/password) " +
          "and scheme 'userKey' (API key (as user or password)) both need the MQTT CONNECT user name",
      ],
    );
    // The amqp server is not served, so not reported; ws and http cannot carry the key at all
    // (security-protocol-mismatch's finding, not this one). The same warning is in the returned list.
    assert.deepEqual(
      r.warnings.filter((w) => w.code === 'W_OPERATION_UNREACHABLE').map((w) => w.message),
      unreachable.map((l) => l.msg),
    );
    assert.equal(r.servers.length, 3);
  });

  it('nothing is said when every operation can be reached', async () => {
    const { unreachable } = await startWithLog(SERVE_DOC, SERVE_CONFIG);
    assert.deepEqual(unreachable, []);
  });
});
