// nats-server restarts under authd: authd's connection comes back by itself, /readyz follows it,
// and requests from the restarted server (a new server key: nats-server makes one at each start)
// are served, since the expected server id is the one the new INFO announces.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { connect } from 'nats';
import { createMemoryStore } from '../../../src/credentials/memory.js';
import { loadDocumentFromText } from '../../../src/document/load.js';
import { createGuard } from '../../../src/guard/index.js';
import { buildModel } from '../../../src/model/build.js';
import { startNatsCallout, type NatsCallout } from '../../../src/brokers/nats/callout.js';
import { buildGrantPlan } from '../../../src/brokers/nats/grants.js';
import { requireNatsServer210 } from '../../helpers/binaries.js';
import { calloutConfig, calloutKeys, startNatsServer, type NatsServerNode } from '../../helpers/nats-callout.js';

const DOC = `asyncapi: 3.0.0
info: { title: nats restart, version: '1' }
servers:
  production:
    host: 127.0.0.1:4222
    protocol: nats
    security: [{ $ref: '#/components/securitySchemes/userPass' }]
components:
  securitySchemes:
    userPass: { type: userPassword }
`;

const toStop: { stop(): Promise<unknown> }[] = [];
after(async () => {
  for (const s of toStop.reverse()) await s.stop();
});

async function until(check: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('nats callout: the server restarts', () => {
  it('authd reconnects, is ready again, and serves the restarted server (new server id)', async () => {
    const binary = requireNatsServer210();
    const keys = calloutKeys();
    const first: NatsServerNode = await startNatsServer(binary, (p) => calloutConfig(p, keys));
    const port = first.port;
    const url = `nats://127.0.0.1:${port}`;
    const store = createMemoryStore();
    await store.addPrincipal({ name: 'alice', password: 'alice-pw', scopes: [], iterations: 4096 });
    const model = buildModel(await loadDocumentFromText(DOC));
    const guard = await createGuard(model, { store, schemes: { userPass: {} } });
    toStop.push({ stop: () => guard.close() });
    const callout: NatsCallout = await startNatsCallout({
      guard,
      plan: buildGrantPlan(model, 'production', 'application', new Set()),
      url,
      login: keys.authUser,
      issuerSeed: keys.issuerSeed,
      account: 'APP',
      logger: pino({ level: 'silent' }),
    });
    toStop.push({ stop: () => callout.close() });
    const login = { servers: [url], user: 'alice', pass: 'alice-pw', reconnect: false, timeout: 10_000 };
    await (await connect(login)).close();

    await first.stop();
    await until(() => !callout.ready(), 15_000);
    // The same port again (the config ignores the free port the helper offers).
    const second = await startNatsServer(binary, () => calloutConfig(port, keys));
    toStop.push(second);
    await until(() => callout.ready(), 30_000);
    const nc = await connect(login);
    assert.ok(nc.info);
    await nc.close();
    assert.equal(callout.stats().allowed, 2);
  });
});
