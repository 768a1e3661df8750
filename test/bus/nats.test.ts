// The contract against a REAL private nats-server (started on a free loopback port; the test
// fails when nats-server is missing), plus what only NATS has: the subject encoding on the wire,
// foreign publishers on our subjects, a broker that goes away.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'nats';
import { createNatsBus } from '../../src/bus/nats.js';
import { channelSubject } from '../../src/bus/nats-subject.js';
import { encodeEnvelope } from '../../src/bus/envelope.js';
import type { BusEvent } from '../../src/bus/arguments.js';
import { startNats, type StartedBroker } from '../helpers/brokers.js';
import { barrier, busContract, waitUntil } from './contract.js';

let nats: StartedBroker;
before(async () => {
  nats = await startNats();
});
after(async () => {
  await nats.stop();
});

busContract('nats', { open: () => createNatsBus(nats.url), shared: true, numRuns: 40 });

test('nats: a channel is published on its encoded subject (NATS wildcards route it)', async () => {
  const nc = await connect({ servers: nats.url });
  const bus = await createNatsBus(nats.url);
  const seen: string[] = [];
  const sub = nc.subscribe('agd.>', { callback: (_e, m) => void seen.push(m.subject) });
  await nc.flush();
  await bus.publish('a.b/*/ />', new Uint8Array(0));
  await waitUntil(() => seen.length === 1, 'the raw message');
  assert.deepEqual(seen, [channelSubject('agd', 'a.b/*/ />')]);
  assert.equal(seen[0]!.split('.').length, 5, 'one token per level, dots and wildcards encoded away');
  sub.unsubscribe();
  await bus.close();
  await nc.close();
});

test('nats: rejects foreign messages on our subjects (not an envelope, or a channel outside the filter)', async () => {
  const events: BusEvent[] = [];
  const bus = await createNatsBus(nats.url, { onEvent: (e) => void events.push(e) });
  const nc = await connect({ servers: nats.url });
  const got: string[] = [];
  const sub = await bus.subscribe('foreign/x', (m) => void got.push(m.channel));
  const subject = channelSubject('agd', 'foreign/x')!;
  nc.publish(subject, Buffer.from('not an envelope'));
  nc.publish(subject, Buffer.from([0xa6, 1, 200])); // lengths past the end
  nc.publish(subject, encodeEnvelope(Buffer.from('intruder'), 'elsewhere/y', new Uint8Array([1]))!); // forged channel
  nc.publish(subject, encodeEnvelope(Buffer.from('peer'), 'foreign/x', new Uint8Array([2]))!);
  await nc.flush();
  await waitUntil(() => got.length === 1, 'the well-formed message');
  await barrier(bus, bus);
  assert.deepEqual(got, ['foreign/x']);
  assert.equal(events.filter((e) => e.type === 'malformed').length, 2);
  await sub.unsubscribe();
  await bus.close();
  await nc.close();
});

test('nats: rejects a channel too long for a NATS subject (ERR_BUS_REFUSED), never a truncated subject', async () => {
  const bus = await createNatsBus(nats.url);
  const deep = Array.from({ length: 2000 }, () => 'x').join('/');
  await assert.rejects(bus.publish(deep, new Uint8Array(0)), { code: 'ERR_BUS_REFUSED' });
  await assert.rejects(
    bus.subscribe(`${deep}/#`, () => undefined),
    { code: 'ERR_BUS_REFUSED' },
  );
  // A single long level is hashed into one bounded token: fine.
  const got: string[] = [];
  const long = 'y'.repeat(60_000);
  await bus.subscribe(`${long}/+`, (m) => void got.push(m.channel));
  await bus.publish(`${long}/z`, new Uint8Array(0));
  await waitUntil(() => got.length === 1, 'the long channel');
  assert.equal(got[0], `${long}/z`);
  await bus.close();
});

test('nats: an unreachable server fails startup with ERR_BUS_UNAVAILABLE, naming it without credentials', async () => {
  const port = nats.port; // stopped below on a separate server
  const dead = await startNats();
  const deadUrl = dead.url.replace('nats://', 'nats://user:S3CRET-nats@');
  await dead.stop();
  await assert.rejects(createNatsBus(deadUrl, { connectTimeoutMs: 1000 }), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'ERR_BUS_UNAVAILABLE');
    assert.ok(!err.message.includes('S3CRET'), err.message);
    assert.ok(!err.message.includes('user'), err.message);
    assert.match(err.message, /nats:\/\/127\.0\.0\.1:\d+/);
    return true;
  });
  assert.ok(port > 0);
});

test('nats: credentials in the URL are used but not in the description', async () => {
  const bus = await createNatsBus(nats.url.replace('nats://', 'nats://someone:S3CRET@'));
  assert.equal(bus.description, nats.url);
  assert.equal(bus.ready, true);
  await bus.close();
});

test(
  'nats: readiness follows the connection; publish ' + 'while disconnected is refused (ERR_BUS_UNAVAILABLE)',
  async () => {
    const own = await startNats();
    const events: string[] = [];
    const bus = await createNatsBus(own.url, { onEvent: (e) => void events.push(e.type) });
    assert.equal(bus.ready, true);
    await own.stop();
    await waitUntil(() => !bus.ready, 'not ready after the server went away');
    await assert.rejects(bus.publish('x', new Uint8Array(0)), { code: 'ERR_BUS_UNAVAILABLE' });
    assert.ok(events.includes('disconnected'));
    await bus.close();
  },
);
