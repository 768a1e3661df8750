// The admin connection to the plugin: bounded waits. A batch sent while the broker is away ends
// with ERR_BROKER_UNAVAILABLE at the deadline instead of hanging; once the broker is back the
// same connection answers again (the watch relies on both).

import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { connectDynsec, type DynsecConnection } from '../../../src/brokers/mosquitto/dynsec-client.js';
import { BrokerError } from '../../../src/errors.js';
import { eventually } from '../../helpers/eventually.js';
import { ADMIN_USER, startMosquitto, type StartedMosquitto } from '../../helpers/mosquitto.js';

let broker: StartedMosquitto;
let connection: DynsecConnection;

before(async () => {
  broker = await startMosquitto();
  connection = await connectDynsec({
    url: broker.url,
    username: ADMIN_USER,
    password: broker.adminPassword,
    timeoutMs: 1000,
  });
});

after(async () => {
  await connection?.close();
  await broker?.stop();
});

it('connectDynsec: a batch sent while the broker is down fails at the deadline instead of hanging', async () => {
  const gone = await startMosquitto();
  const orphan = await connectDynsec({
    url: gone.url,
    username: ADMIN_USER,
    password: gone.adminPassword,
    timeoutMs: 1000,
  });
  try {
    await gone.stop();
    await assert.rejects(orphan.send([{ command: 'getDefaultACLAccess' }]), (err: unknown) => {
      assert.ok(err instanceof BrokerError);
      assert.equal(err.code, 'ERR_BROKER_UNAVAILABLE');
      return true;
    });
  } finally {
    await orphan.close();
  }
});

it('connectDynsec: after a broker restart the same connection answers again', async () => {
  const [first] = await connection.send([{ command: 'getDefaultACLAccess' }]);
  assert.equal(first?.error, undefined);
  await broker.restart(); // the connection drops; the broker is back on the same port
  await eventually(
    async () => {
      try {
        const [r] = await connection.send([{ command: 'getDefaultACLAccess' }]);
        return r?.error === undefined && r?.data !== undefined;
      } catch (err) {
        assert.ok(err instanceof BrokerError && err.code === 'ERR_BROKER_UNAVAILABLE', String(err));
        return false;
      }
    },
    30_000,
    'an answer after the restart',
  );
});

it('connectDynsec: the wrong admin password is ERR_BROKER_UNAVAILABLE without the password in it', async () => {
  const password = `wrong-${broker.adminPassword}`;
  await assert.rejects(connectDynsec({ url: broker.url, username: ADMIN_USER, password }), (err: unknown) => {
    assert.ok(err instanceof BrokerError);
    assert.equal(err.code, 'ERR_BROKER_UNAVAILABLE');
    assert.ok(!err.message.includes(password));
    return true;
  });
});
