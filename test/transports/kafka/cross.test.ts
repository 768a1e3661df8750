// The Kafka front with the other fronts and the credential lifecycle: MQTT publishes and HTTP POSTs reach Kafka
// consumers, and Kafka produces reach MQTT, WebSocket and SSE subscribers; OAUTHBEARER with a JWT (kafkajs), its
// session_lifetime_ms and the end of the session at the token's exp unless re-authenticated (KIP-368); a revoked
// API key's session ended by endSessions.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import pino from 'pino';
import { createGuard, type Guard } from '../../../src/guard/index.js';
import { createMemoryBus } from '../../../src/bus/memory.js';
import type { Bus } from '../../../src/bus/types.js';
import type { SecurityModel } from '../../../src/model/types.js';
import { createMqttFront } from '../../../src/transports/mqtt/index.js';
import { createHttpFront } from '../../../src/transports/http/index.js';
import { createWsFront } from '../../../src/transports/ws/index.js';
import WebSocket from 'ws';
import { createKafkaFront, type KafkaFront } from '../../../src/transports/kafka/index.js';
import { decodeResponse, encodeRequest, type KafkaStruct } from '../../../src/transports/kafka/codec/index.js';
import { DEFAULT_FRONT_LIMITS, type Front } from '../../../src/transports/types.js';
import type { MemoryStore } from '../../../src/credentials/memory.js';
import { startIdp, type Idp } from '../../tokens/helpers.js';
import { connected, end, inbox, subscribe } from '../fixtures-mqtt/helpers.js';
import { consume, kafkajs, kafkaModel, plantStore, produce } from './helpers.js';

const silent = pino({ level: 'silent' });
let idp: Idp;
let store: MemoryStore;
let guard: Guard;
let bus: Bus;
let model: SecurityModel;
let sasl: KafkaFront;
let login: KafkaFront;
let bearer: KafkaFront;
let mqtt: Front;
let web: Front;
let api: Front;
const ports: Record<string, number> = {};

before(async () => {
  idp = await startIdp(['RS256']);
  store = await plantStore();
  model = await kafkaModel(['sasl', 'login', 'bearer', 'mqtt', 'web', 'api']);
  guard = await createGuard(model, {
    store,
    schemes: {
      scram256: {},
      scram512: {},
      plain: {},
      userPass: {},
      apiKey: {},
      jwt: { issuer: idp.issuer, audience: 'plant', jwks: idp.jwksUrl, algorithms: ['RS256'] },
    },
    throttle: { lockoutAfter: 100_000, freeFailures: 1000 },
    sleep: async () => {},
  });
  bus = createMemoryBus();
  const server = (name: string) => model.servers.find((s) => s.name === name)!;
  const common = { guard, bus, limits: DEFAULT_FRONT_LIMITS, logger: silent, schemes: model.schemes };
  sasl = createKafkaFront({ ...common, server: server('sasl') });
  login = createKafkaFront({ ...common, server: server('login') });
  bearer = createKafkaFront({ ...common, server: server('bearer'), expiryCheckMs: 100 });
  mqtt = createMqttFront({ guard, bus, limits: DEFAULT_FRONT_LIMITS, logger: silent, server: server('mqtt') });
  web = createWsFront({ guard, bus, limits: DEFAULT_FRONT_LIMITS, logger: silent, server: server('web') });
  api = createHttpFront({ guard, bus, limits: DEFAULT_FRONT_LIMITS, logger: silent, server: server('api') });
  for (const [name, front] of Object.entries({ sasl, login, bearer, mqtt, web, api }))
    ports[name] = (await front.listen('127.0.0.1', 0)).port;
});
after(async () => {
  await Promise.all([sasl, login, bearer, mqtt, web, api].map((f) => f.close(100)));
  await guard.close();
  await bus.close();
  await idp.stop();
});

const broker = (name: string) => `127.0.0.1:${ports[name]}`;
const scram = (user: string) => ({ mechanism: 'scram-sha-256' as const, username: user, password: `${user}-pw` });

test('an MQTT publish reaches a Kafka consumer of the same topic', async () => {
  const kafka = kafkajs(broker('sasl'), scram('alice'));
  const consumer = kafka.consumer({ groupId: 'g-cross', sessionTimeout: 10_000 });
  await consumer.connect();
  const values: string[] = [];
  try {
    await consumer.subscribe({ topic: 'plant/7/status', fromBeginning: true });
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    const got = new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          values.push(message.value?.toString() ?? '');
          if (values.length >= 2) resolve();
        },
      });
    });
    await joined;
    const client = await connected(`mqtt://127.0.0.1:${ports.mqtt}`, { username: 'alice', password: 'alice-pw' });
    client.publish('plant/7/status', 'from-mqtt-1');
    client.publish('plant/7/status', 'from-mqtt-2');
    await got;
    await end(client);
  } finally {
    await consumer.disconnect();
  }
  assert.deepEqual(values, ['from-mqtt-1', 'from-mqtt-2']);
});

test('a Kafka produce reaches an MQTT subscriber once, and a Kafka consumer of the same front once', async () => {
  const client = await connected(`mqtt://127.0.0.1:${ports.mqtt}`, { username: 'alice', password: 'alice-pw' });
  assert.deepEqual(await subscribe(client, ['plant/8/status']), [0]);
  const box = inbox(client);
  const kafka = kafkajs(broker('sasl'), scram('alice'));
  await produce(kafka, 'plant/8/status', ['from-kafka']);
  await box.waitFor(1);
  await end(client);
  assert.deepEqual(box.messages, [{ topic: 'plant/8/status', payload: 'from-kafka' }]);
  // The bus brought the record back to the front that appended it: it is in its log once, not twice.
  assert.deepEqual(await consume(kafka, 'plant/8/status', 1, 'g-once'), ['from-kafka']);
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets('plant/8/status');
  await admin.disconnect();
  assert.equal(offsets[0]?.high, '1');
});

const basic = `Basic ${Buffer.from('alice:alice-pw').toString('base64')}`;

test('a Kafka produce reaches a WebSocket subscriber and an SSE stream', async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${ports.web}/plant/5/status`, { headers: { authorization: basic } });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const wsGot = new Promise<string>((resolve) => ws.once('message', (m: Buffer) => resolve(m.toString('utf8'))));
  const abort = new AbortController();
  const sse = await fetch(`http://127.0.0.1:${ports.api}/plant/5/status`, {
    headers: { authorization: basic, accept: 'text/event-stream' },
    signal: abort.signal,
  });
  assert.equal(sse.status, 200);
  const reader = (sse.body as ReadableStream<Uint8Array>).getReader();
  const sseGot = (async () => {
    let text = '';
    while (!text.includes('from-kafka-5')) {
      const r = await reader.read();
      if (r.done) break;
      text += Buffer.from(r.value).toString('utf8');
    }
    return text;
  })();
  await produce(kafkajs(broker('sasl'), scram('alice')), 'plant/5/status', ['from-kafka-5']);
  assert.equal(await wsGot, 'from-kafka-5');
  assert.match(await sseGot, /data: from-kafka-5/);
  ws.close();
  abort.abort();
});

test('an HTTP POST reaches a Kafka consumer', async () => {
  const kafka = kafkajs(broker('sasl'), scram('alice'));
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'plant/6/status' }] });
  await admin.disconnect();
  const res = await fetch(`http://127.0.0.1:${ports.api}/plant/6/status`, {
    method: 'POST',
    headers: { authorization: basic },
    body: 'from-http',
  });
  assert.equal(res.status, 202);
  assert.deepEqual(await consume(kafka, 'plant/6/status', 1, 'g-http'), ['from-http']);
});

test('OAUTHBEARER: a JWT produces and consumes; a token for another audience is refused', async () => {
  const token = await idp.buildToken({ aud: 'plant', sub: 'device-1' });
  const kafka = kafkajs(broker('bearer'), {
    mechanism: 'oauthbearer',
    oauthBearerProvider: async () => ({ value: token }),
  });
  await produce(kafka, 'plant/jwt/status', ['j1']);
  assert.deepEqual(await consume(kafka, 'plant/jwt/status', 1, 'g-jwt'), ['j1']);
  const wrong = await idp.buildToken({ aud: 'elsewhere', sub: 'device-1' });
  const refused = kafkajs(broker('bearer'), {
    mechanism: 'oauthbearer',
    oauthBearerProvider: async () => ({ value: wrong }),
  });
  await assert.rejects(refused.producer().connect(), /SASL|[Aa]uthentication/);
});

/** Raw connection helpers: one request, one response frame. */
async function rawOpen(port: number): Promise<{ socket: Socket; closed: Promise<number> }> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => {});
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now())));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return { socket, closed };
}
async function roundTrip(socket: Socket, apiKey: number, version: number, body: KafkaStruct): Promise<KafkaStruct> {
  const reply = new Promise<Buffer>((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const onData = (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      if (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
        socket.off('data', onData);
        resolve(buf.subarray(4, 4 + buf.readInt32BE(0)));
      }
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error('closed')));
  });
  socket.write(encodeRequest(apiKey, version, 1, 'raw', body));
  const decoded = decodeResponse(apiKey, version, await reply);
  assert.ok(decoded.ok);
  return decoded.body;
}
const oauth = (token: string) => Buffer.from(`n,,\x01auth=Bearer ${token}\x01\x01`, 'latin1');

test('OAUTHBEARER: session_lifetime_ms from exp; the session ends then unless re-authenticated (KIP-368)', async () => {
  const c = await rawOpen(ports.bearer!);
  await roundTrip(c.socket, 17, 1, { mechanism: 'OAUTHBEARER' });
  const first = await roundTrip(c.socket, 36, 1, {
    authBytes: oauth(await idp.buildToken({ aud: 'plant', sub: 'd' }, { expiresIn: 3 })),
  });
  assert.equal(first.errorCode, 0);
  const lifetime = Number(first.sessionLifetimeMs);
  assert.ok(lifetime > 0 && lifetime <= 3_000, `lifetime ${lifetime}`);
  // Re-authenticate with a longer token before the first expires: the connection outlives the first exp.
  await roundTrip(c.socket, 17, 1, { mechanism: 'OAUTHBEARER' });
  const second = await roundTrip(c.socket, 36, 1, {
    authBytes: oauth(await idp.buildToken({ aud: 'plant', sub: 'd' }, { expiresIn: 60 })),
  });
  assert.equal(second.errorCode, 0);
  await new Promise((r) => setTimeout(r, 3_500));
  const md = await roundTrip(c.socket, 3, 1, { topics: [{ name: 'plant/1/status' }] });
  assert.equal(((md.topics as KafkaStruct[])[0] as KafkaStruct).errorCode, 0);
  c.socket.destroy();

  // Without re-authentication the connection is closed once exp passes.
  const d = await rawOpen(ports.bearer!);
  await roundTrip(d.socket, 17, 1, { mechanism: 'OAUTHBEARER' });
  const started = Date.now();
  await roundTrip(d.socket, 36, 1, {
    authBytes: oauth(await idp.buildToken({ aud: 'plant', sub: 'd' }, { expiresIn: 2 })),
  });
  const closedAt = await d.closed;
  assert.ok(closedAt - started >= 500, 'not before the token expired');
});

test('a re-authentication as another principal is refused and closes the connection', async () => {
  const c = await rawOpen(ports.bearer!);
  await roundTrip(c.socket, 17, 1, { mechanism: 'OAUTHBEARER' });
  await roundTrip(c.socket, 36, 1, { authBytes: oauth(await idp.buildToken({ aud: 'plant', sub: 'one' })) });
  await roundTrip(c.socket, 17, 1, { mechanism: 'OAUTHBEARER' });
  const other = await roundTrip(c.socket, 36, 1, {
    authBytes: oauth(await idp.buildToken({ aud: 'plant', sub: 'two' })),
  });
  assert.equal(other.errorCode, 58);
  await c.closed;
});

test('endSessions ends the Kafka session of a revoked API key (what serve calls on the store change)', async () => {
  const { key, record } = await store.createApiKey('alice');
  const c = await rawOpen(ports.login!);
  await roundTrip(c.socket, 17, 1, { mechanism: 'PLAIN' });
  assert.equal((await roundTrip(c.socket, 36, 1, { authBytes: Buffer.from(`\0alice\0${key}`) })).errorCode, 0);
  assert.equal(
    login.endSessions((s) => s.principal.claims.keyId === record.id),
    1,
  );
  await c.closed;
  assert.equal(login.stats().connections, 0);
});
