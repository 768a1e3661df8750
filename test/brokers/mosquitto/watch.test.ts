// watchMosquitto without a broker: a store change starts a run, a failed run is tried again (the
// broker restarting) until it succeeds, changes during a run start one more, close stops it all.

import { it } from 'node:test';
import assert from 'node:assert/strict';
import type { DynsecCommand, DynsecResponse } from '../../../src/brokers/mosquitto/commands.js';
import type { DynsecConnection } from '../../../src/brokers/mosquitto/dynsec-client.js';
import { watchMosquitto, type ProvisionResult } from '../../../src/brokers/mosquitto/provision.js';
import { createMemoryStore } from '../../../src/credentials/memory.js';
import { eventually } from '../../helpers/eventually.js';
import { modelFromYaml } from '../../guard/helpers.js';

const DOC = `
asyncapi: 3.0.0
info: { title: Devices, version: '1' }
servers:
  production: { host: 127.0.0.1:1883, protocol: mqtt, security: [ { $ref: '#/components/securitySchemes/up' } ] }
channels:
  status: { address: 'devices/{id}/status', parameters: { id: {} } }
operations:
  sendStatus: { action: send, channel: { $ref: '#/channels/status' } }
components:
  securitySchemes:
    up: { type: userPassword }
`;

/** A plugin in memory that answers the read commands with an empty broker, after `down` failed batches. */
function flakyPlugin(down: number) {
  const sent: DynsecCommand[] = [];
  let failures = down;
  const connection: DynsecConnection = {
    send: (commands) => {
      if (failures > 0) {
        failures--;
        return Promise.resolve(
          commands.map((c) => ({ command: c.command, error: 'the connection to the broker closed' })),
        );
      }
      sent.push(...commands);
      return Promise.resolve(
        commands.map((c): DynsecResponse => {
          if (c.command === 'listClients') return { command: c.command, data: { clients: [] } };
          if (c.command === 'listRoles') return { command: c.command, data: { roles: [] } };
          if (c.command === 'getDefaultACLAccess') return { command: c.command, data: { acls: [] } };
          return { command: c.command };
        }),
      );
    },
    close: () => Promise.resolve(),
  };
  return { connection, sent };
}

it('watchMosquitto: a change is applied; failed runs are retried until the broker answers', async () => {
  const store = createMemoryStore();
  const plugin = flakyPlugin(3);
  const results: ProvisionResult[] = [];
  const errors: unknown[] = [];
  const watch = watchMosquitto(
    {
      model: await modelFromYaml(DOC),
      store,
      connection: plugin.connection,
      perspective: () => 'application',
      adminUser: 'admin',
    },
    (r) => results.push(r),
    (e) => errors.push(e),
    { debounceMs: 1, retryMs: 5 },
  );
  try {
    await store.addPrincipal({ name: 'alice', password: 'pw', iterations: 4096, mosquitto: true });
    await eventually(() => results.length === 1, 30_000, 'a successful run');
    assert.equal(errors.length, 3, 'three failed runs before it');
    assert.ok(plugin.sent.some((c) => c.command === 'createClient' && c.username === 'alice'));

    // Several changes in a row: coalesced into few runs, the last state applied.
    for (const scopes of [['a'], ['b'], ['c']]) await store.setScopes('alice', scopes);
    await store.setDisabled('alice', true);
    await eventually(() => plugin.sent.some((c) => c.command === 'disableClient'), 30_000, 'the disable');
    assert.ok(results.length <= 1 + 4, `at most one run per change, got ${results.length}`);
  } finally {
    await watch.close();
  }
  const after = plugin.sent.length;
  await store.setDisabled('alice', false);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(plugin.sent.length, after, 'nothing runs after close');
});
