// A built-in verifier is made once per scheme and shared by the servers using it (compile.ts):
// three servers behind one oauth2 scheme fetch its JWKS once and verify a given token once, each
// server still answers a 401 with its own realm.
// A plug-in verifier is still made per (server, scheme): it gets each server's realm.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createGuard, type Guard } from '../../src/guard/index.js';
import { createMemoryStore } from '../../src/credentials/memory.js';
import { model } from './helpers.js';
import { startIdp, type Idp } from '../tokens/helpers.js';

const SERVERS = ['north', 'south', 'east'] as const;

describe('guard: one built-in verifier per scheme, shared by the servers', () => {
  let idp: Idp;
  let guard: Guard;
  before(async () => {
    idp = await startIdp();
    guard = await createGuard(
      model({
        schemes: {
          oauth: {
            type: 'oauth2',
            flows: { clientCredentials: { tokenUrl: 'https://idp.example/token', availableScopes: { read: 'read' } } },
          },
        },
        servers: SERVERS.map((name, i) => ({
          name,
          host: `localhost:${8080 + i}`,
          protocol: 'http',
          security: [[{ scheme: 'oauth', scopes: [] }]],
        })),
        operations: [
          {
            id: 'readLight',
            action: 'receive',
            channel: 'status',
            address: 'lights/{id}/status',
            servers: [...SERVERS],
            security: [],
          },
        ],
      }),
      {
        store: createMemoryStore(),
        schemes: { oauth: { issuer: idp.issuer, audience: 'api', jwks: idp.jwksUrl, algorithms: ['RS256'] } },
        sleep: async () => {},
      },
    );
  });
  after(async () => {
    await guard?.close();
    await idp.stop();
  });

  it('fetches the JWKS once for all three servers, and each accepts the token', async () => {
    const before = idp.jwksFetches();
    const token = await idp.buildToken({ sub: 'device-1' });
    for (const server of SERVERS) {
      const r = await guard.authenticate(server, { headers: { authorization: `Bearer ${token}` } });
      assert.ok(r.ok, `${server}: ${JSON.stringify(r)}`);
      assert.equal(r.session.principal.id, 'device-1');
    }
    assert.equal(idp.jwksFetches() - before, 1);
  });

  it('answers each server’s 401 with that server’s realm', async () => {
    for (const server of SERVERS) {
      const r = await guard.authenticate(server, { headers: {} });
      assert.ok(!r.ok);
      assert.deepEqual(r.refusal.challenges, [`Bearer realm="${server}"`]);
    }
  });
});

describe('guard: a plug-in verifier is made per (server, scheme)', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'guard-plugin-realm-'));
    // Records the realm of each context it is made with, and challenges with it.
    await writeFile(
      join(dir, 'realm-plugin.mjs'),
      `export const made = [];
export function createVerifier(context) {
  made.push(context.realm);
  return {
    source: 'authorization',
    challenge: 'Custom realm="' + context.realm + '"',
    verify: async () => ({ kind: 'absent' }),
  };
}
`,
    );
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('gets each server’s realm, and each server challenges with its own', async () => {
    const guard = await createGuard(
      model({
        schemes: { custom: { type: 'httpApiKey', name: 'X-Key', in: 'header' } },
        servers: SERVERS.map((name, i) => ({
          name,
          host: `localhost:${8080 + i}`,
          protocol: 'http',
          security: [[{ scheme: 'custom', scopes: [] }]],
        })),
        operations: [],
      }),
      {
        store: createMemoryStore(),
        schemes: { custom: { verifier: './realm-plugin.mjs' } },
        baseDir: dir,
        sleep: async () => {},
      },
    );
    try {
      const plugin = (await import(join(dir, 'realm-plugin.mjs'))) as { made: string[] };
      assert.deepEqual([...plugin.made].sort(), [...SERVERS].sort());
      for (const server of SERVERS) {
        const r = await guard.authenticate(server, { headers: {} });
        assert.ok(!r.ok);
        assert.deepEqual(r.refusal.challenges, [`Custom realm="${server}"`]);
      }
    } finally {
      await guard.close();
    }
  });
});
