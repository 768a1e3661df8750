// Hostile input on the MQTT front's raw socket, one case per attack, and the frame-size watcher on
// its own (a property test: how the bytes are chunked never changes its answer).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect as netConnect, type Socket } from 'node:net';
import fc from 'fast-check';
import '../helpers/property.js'; // one seed per file, printed; FC_SEED=<n> replays it
import { createMemoryStore } from '../../src/credentials/memory.js';
import { createFrameLimiter, createMqttFront } from '../../src/transports/mqtt/index.js';
import { DEFAULT_FRONT_LIMITS } from '../../src/transports/types.js';
import { BINDINGS, lightsModel } from './fixtures-mqtt/documents.js';
import { closed, connected, silent, startFront, type Harness } from './fixtures-mqtt/helpers.js';

/** Opens a raw TCP connection, writes `bytes`, resolves with what came back when the server closed it. */
function raw(
  port: number,
  bytes: Uint8Array,
  ms = 60_000,
  enoughBytes = Infinity,
): Promise<{ closedByServer: boolean; received: Buffer }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket: Socket = netConnect({ host: '127.0.0.1', port }, () => void socket.write(bytes));
    const stop = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ closedByServer: false, received: Buffer.concat(chunks) });
    };
    const timer = setTimeout(stop, ms);
    socket.on('data', (d) => {
      chunks.push(d);
      // Stop as soon as the answer is complete, rather than after a guessed time.
      if (Buffer.concat(chunks).length >= enoughBytes) stop();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ closedByServer: true, received: Buffer.concat(chunks) });
    });
  });
}

/** A CONNECT packet (MQTT 3.1.1 §3.1) with a user name and password. */
function connectPacket(username: string, password: string): Buffer {
  const str = (s: string) => {
    const b = Buffer.from(s, 'utf8');
    return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
  };
  const body = Buffer.concat([
    str('MQTT'),
    Buffer.from([4, 0xc2, 0, 60]),
    str('raw-client'),
    str(username),
    str(password),
  ]);
  return Buffer.concat([Buffer.from([0x10, body.length]), body]);
}

describe('mqtt front: hostile connections', () => {
  // Two fronts: `h` with a 300 ms handshake deadline, for the test of that deadline; `patient` with a
  // deadline far beyond the tests' own waits, so that a close seen there can only come from the check
  // under test (a malformed or oversized frame, a refused CONNECT), never from the deadline, however
  // slow the machine.
  let h: Harness;
  let patient: Harness;
  const PATIENT_WAIT_MS = 60_000;
  before(async () => {
    const store = createMemoryStore();
    await store.addPrincipal({ name: 'alice', password: 'alice-pw', iterations: 4096 });
    h = await startFront(await lightsModel(['broker']), {
      server: 'broker',
      schemes: BINDINGS,
      store,
      limits: { handshakeTimeoutMs: 300, maxMessageBytes: 1024 },
    });
    patient = await startFront(await lightsModel(['broker']), {
      server: 'broker',
      schemes: BINDINGS,
      store,
      limits: { handshakeTimeoutMs: 10 * PATIENT_WAIT_MS, maxMessageBytes: 1024 },
    });
  });
  after(async () => {
    await h.close();
    await patient.close();
  });

  it('rejects a connection that never sends CONNECT (closed after handshakeTimeoutMs)', async () => {
    // Taken before connecting: the server's deadline starts at accept, after this.
    const started = Date.now();
    const r = await raw(h.port, new Uint8Array(0));
    assert.equal(r.closedByServer, true);
    assert.ok(Date.now() - started >= 300, 'not before the timeout');
  });

  it('rejects a packet whose announced length is over the limit, as soon as its header arrives', async () => {
    // A PUBLISH header announcing 10 MB (Remaining Length 0x80 0x80 0x80 0x05), and nothing else.
    const r = await raw(patient.port, new Uint8Array([0x30, 0x80, 0x80, 0x80, 0x05]), PATIENT_WAIT_MS);
    assert.equal(r.closedByServer, true);
  });

  it('rejects a Remaining Length of more than four bytes (malformed)', async () => {
    const r = await raw(patient.port, new Uint8Array([0x10, 0xff, 0xff, 0xff, 0xff, 0x01]), PATIENT_WAIT_MS);
    assert.equal(r.closedByServer, true);
  });

  it('rejects garbage instead of CONNECT', async () => {
    const r = await raw(patient.port, new TextEncoder().encode('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), PATIENT_WAIT_MS);
    assert.equal(r.closedByServer, true);
  });

  it('a raw CONNECT with the right password gets CONNACK 0; with a wrong one CONNACK 4 and a close', async () => {
    const bad = await raw(patient.port, connectPacket('alice', 'wrong'), PATIENT_WAIT_MS);
    assert.equal(bad.closedByServer, true);
    assert.deepEqual([...bad.received], [0x20, 0x02, 0x00, 0x04]);
    const good = await raw(patient.port, connectPacket('alice', 'alice-pw'), PATIENT_WAIT_MS, 4);
    assert.equal(good.closedByServer, false, 'the authenticated connection stays open');
    assert.deepEqual([...good.received.subarray(0, 4)], [0x20, 0x02, 0x00, 0x00]);
  });
});

describe('mqtt front: options', () => {
  it('rejects a secure protocol without tls, and tls on plain mqtt (ERR_INVALID_ARG_VALUE)', async () => {
    const model = await lightsModel(['broker']);
    const server = model.servers[0];
    assert.ok(server);
    const base = {
      guard: { authenticate: async () => ({}) } as never,
      bus: { publish: async () => {}, subscribe: async () => ({}) } as never,
      limits: DEFAULT_FRONT_LIMITS,
      logger: silent,
    };
    assert.throws(() => createMqttFront({ ...base, server: { ...server, protocol: 'mqtts' } }), {
      code: 'ERR_INVALID_ARG_VALUE',
    });
    assert.throws(() => createMqttFront({ ...base, server, tls: { cert: 'x' } }), { code: 'ERR_INVALID_ARG_VALUE' });
    assert.throws(() => createMqttFront({ ...base, server: { ...server, protocol: 'ws' } }), {
      code: 'ERR_INVALID_ARG_VALUE',
    });
    assert.throws(() => createMqttFront(null as never), { code: 'ERR_INVALID_ARG_TYPE' });
    assert.throws(() => createMqttFront({ ...base, server, limits: { ...DEFAULT_FRONT_LIMITS, maxConnections: 0 } }), {
      code: 'ERR_INVALID_ARG_VALUE',
    });
  });
});

describe('frame limiter', () => {
  /** Encodes a Remaining Length (MQTT 3.1.1 §2.2.3). */
  const varint = (n: number) => {
    const out: number[] = [];
    do {
      let b = n % 128;
      n = Math.floor(n / 128);
      if (n > 0) b |= 0x80;
      out.push(b);
    } while (n > 0);
    return out;
  };
  const packet = (len: number) => Uint8Array.from([0x30, ...varint(len), ...new Array<number>(len).fill(7)]);

  it('accepts packets up to the limit and refuses the first one over it', () => {
    const limiter = createFrameLimiter(100);
    assert.equal(limiter.feed(Uint8Array.from([...packet(0), ...packet(100), ...packet(5)])), true);
    assert.equal(limiter.feed(packet(101)), false);
    assert.equal(limiter.feed(packet(1)), false, 'stays failed');
  });

  it('gives the same answer however the stream is chunked (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 20 }),
        (lengths, cuts) => {
          const bytes = Uint8Array.from(lengths.flatMap((l) => [...packet(l)]));
          const expected = lengths.every((l) => l <= 200);
          const limiter = createFrameLimiter(200);
          let ok = true;
          let at = 0;
          for (const cut of [...cuts, bytes.length]) {
            const next = Math.min(bytes.length, at + cut);
            ok = limiter.feed(bytes.subarray(at, next)) && ok;
            at = next;
            if (at >= bytes.length) break;
          }
          if (at < bytes.length) ok = limiter.feed(bytes.subarray(at)) && ok;
          return ok === expected;
        },
      ),
    );
  });
});

describe('mqtt front: idle connections', () => {
  it('closes an authenticated connection idle for idleTimeoutMs (keep-alive 0)', async () => {
    const store = createMemoryStore();
    await store.addPrincipal({ name: 'alice', password: 'alice-pw', iterations: 4096 });
    const h = await startFront(await lightsModel(['broker']), {
      server: 'broker',
      schemes: BINDINGS,
      store,
      limits: { idleTimeoutMs: 300 },
    });
    try {
      // Taken before connecting: the server's idle timer restarts at its last write (the CONNACK),
      // which comes after this, so the close cannot come sooner however slow the machine is.
      const started = Date.now();
      const c = await connected(h.url, { username: 'alice', password: 'alice-pw', keepalive: 0 });
      await closed(c, 60_000);
      assert.ok(Date.now() - started >= 300, 'not before the idle time');
      c.end(true);
    } finally {
      await h.close();
    }
  });
});
