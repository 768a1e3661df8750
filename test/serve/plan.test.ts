import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, UsageError } from '../../src/errors.js';
import { formatAddress, isLoopbackHost, parseListenAddress, portOfHost } from '../../src/serve/address.js';
import { parseListenFlags, planServe, type PlanInput } from '../../src/serve/plan.js';
import type { ServeSettings } from '../../src/serve/types.js';
import { modelFromYaml } from '../guard/helpers.js';

const DOC = `asyncapi: 3.0.0
info: { title: t, version: '1' }
servers:
  broker: { host: 'broker.example:1884', protocol: mqtt }
  devices:
    host: devices.example
    protocol: secure-mqtt
    security: [{ $ref: '#/components/securitySchemes/certs' }]
  web: { host: 'web.example', protocol: wss }
  events: { host: 'amqp.example:5672', protocol: amqp }
components:
  securitySchemes:
    certs: { type: X509 }
`;
const TLS = { cert: 'file:./c.pem', key: 'file:./k.pem' };

async function plan(settings: ServeSettings, extra: Partial<PlanInput> = {}) {
  return planServe({
    model: await modelFromYaml(DOC),
    settings,
    listen: {},
    admin: undefined,
    configFile: 'asyncapi-guard.yaml',
    locate: () => ({ line: 3, column: 5 }),
    ...extra,
  });
}
const withTls: ServeSettings = { servers: { devices: { tls: TLS }, web: { tls: TLS } } };

function expectThrow<T extends Error>(fn: () => unknown, type: new (...a: never[]) => T): Promise<T> {
  return Promise.resolve()
    .then(fn)
    .then(
      () => assert.fail('expected an error'),
      (err: unknown) => {
        assert.ok(err instanceof type, String(err));
        return err;
      },
    );
}

describe('serve plan: addresses', () => {
  it('parses HOST:PORT, bracketed IPv6 and port 0', () => {
    assert.deepEqual(parseListenAddress('127.0.0.1:1883'), { host: '127.0.0.1', port: 1883 });
    assert.deepEqual(parseListenAddress('[::1]:0'), { host: '::1', port: 0 });
    assert.deepEqual(parseListenAddress('localhost:80'), { host: 'localhost', port: 80 });
    assert.equal(formatAddress({ host: '::1', port: 8 }), '[::1]:8');
  });

  it('rejects an address without port, with a port above 65535, or with a bad host', () => {
    for (const bad of [
      '127.0.0.1',
      '127.0.0.1:65536',
      ':80',
      'a b:80',
      '::1:80',
      '[::1]80',
      '127.0.0.1:-1',
      `${'a'.repeat(400)}:1`,
    ])
      assert.equal(parseListenAddress(bad), null, bad);
  });

  it('knows loopback hosts', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', 'localhost', '::ffff:127.0.0.1']) assert.ok(isLoopbackHost(h), h);
    for (const h of ['0.0.0.0', '::', '10.0.0.1', 'example.com', '128.0.0.1']) assert.ok(!isLoopbackHost(h), h);
  });

  it("reads the port of a document server's host", () => {
    assert.equal(portOfHost('broker.example:8883'), 8883);
    assert.equal(portOfHost('broker.example'), null);
    assert.equal(portOfHost('x:70000'), null);
  });

  it('parses --listen flags and refuses a name given twice', async () => {
    assert.deepEqual(parseListenFlags(['a=127.0.0.1:1', 'b=[::1]:2']), { a: '127.0.0.1:1', b: '[::1]:2' });
    await expectThrow(() => parseListenFlags(['a=1:1', 'a=1:2']), UsageError);
    await expectThrow(() => parseListenFlags(['127.0.0.1:1']), UsageError);
  });
});

describe('serve plan: servers', () => {
  it('lists a server whose protocol serve does not front, with the reason', async () => {
    const p = await plan(withTls);
    assert.deepEqual(p.skipped, [
      { name: 'events', protocol: 'amqp', reason: 'protocol amqp is not fronted by serve' },
    ]);
    assert.deepEqual(
      p.servers.map((s) => [s.server.name, s.kind]),
      [
        ['broker', 'mqtt'],
        ['devices', 'mqtt'],
        ['web', 'ws'],
      ],
    );
  });

  it("defaults to 127.0.0.1 and the document's port, else the protocol's default port", async () => {
    const p = await plan(withTls);
    assert.deepEqual(
      p.servers.map((s) => formatAddress(s.address)),
      ['127.0.0.1:1884', '127.0.0.1:8883', '127.0.0.1:443'],
    );
  });

  it('--listen beats servers.<name>.listen, which beats the default', async () => {
    const p = await plan(
      {
        servers: {
          broker: { listen: '127.0.0.1:2000' },
          devices: { tls: TLS, listen: '127.0.0.1:2001' },
          web: { tls: TLS },
        },
      },
      { listen: { devices: '127.0.0.1:0' } },
    );
    assert.deepEqual(
      p.servers.map((s) => [formatAddress(s.address), s.addressSource]),
      [
        ['127.0.0.1:2000', 'servers.broker.listen'],
        ['127.0.0.1:0', '--listen devices'],
        ['127.0.0.1:443', 'servers.web.listen'],
      ],
    );
  });

  it('rejects a secure protocol without tls, naming the key (fail closed)', async () => {
    const err = await expectThrow(() => plan({ servers: { web: { tls: TLS } } }), ConfigError);
    assert.equal(err.pointer, 'servers.devices.tls');
    assert.match(err.message, /^asyncapi-guard\.yaml:3:5 servers\.devices\.tls: server 'devices' uses secure-mqtt/);
  });

  it('rejects tls on a cleartext protocol (a key that would do nothing)', async () => {
    const err = await expectThrow(() => plan({ servers: { ...withTls.servers, broker: { tls: TLS } } }), ConfigError);
    assert.equal(err.pointer, 'servers.broker.tls');
  });

  it('rejects a malformed --listen and a --listen for a server the document lacks', async () => {
    const bad = await expectThrow(() => plan(withTls, { listen: { broker: '127.0.0.1' } }), UsageError);
    assert.match(bad.message, /--listen broker=127\.0\.0\.1: expected NAME=HOST:PORT/);
    const unknown = await expectThrow(() => plan(withTls, { listen: { brokr: '127.0.0.1:1' } }), UsageError);
    assert.match(unknown.message, /did you mean 'broker'/);
  });

  it('rejects a malformed servers.<name>.listen with its place', async () => {
    const err = await expectThrow(
      () => plan({ servers: { ...withTls.servers, broker: { listen: 'nope' } } }),
      ConfigError,
    );
    assert.equal(err.pointer, 'servers.broker.listen');
  });

  it('rejects a cleartext protocol beyond loopback unless allowPlaintextListen, which warns', async () => {
    const err = await expectThrow(() => plan(withTls, { listen: { broker: '0.0.0.0:1883' } }), ConfigError);
    assert.equal(err.pointer, 'servers.broker');
    const p = await plan(
      { servers: { ...withTls.servers, broker: { allowPlaintextListen: true } } },
      { listen: { broker: '0.0.0.0:1883' } },
    );
    assert.deepEqual(
      p.warnings.map((w) => w.code),
      ['W_PLAINTEXT_LISTEN'],
    );
  });

  it('lets a secure protocol listen beyond loopback without a switch', async () => {
    const p = await plan(withTls, { listen: { devices: '0.0.0.0:8883' } });
    assert.deepEqual(p.warnings, []);
  });

  it('asks for a client certificate only where the security lists X509', async () => {
    const p = await plan(withTls);
    assert.deepEqual(
      p.servers.map((s) => s.requestCert),
      [false, true, false],
    );
  });

  it('merges limits: defaults, then top-level, then per server', async () => {
    const p = await plan({
      limits: { maxConnections: 50, idleTimeoutMs: 5000 },
      servers: { ...withTls.servers, broker: { limits: { maxConnections: 2 } } },
    });
    assert.equal(p.servers[0]!.limits.maxConnections, 2);
    assert.equal(p.servers[0]!.limits.idleTimeoutMs, 5000);
    assert.equal(p.servers[1]!.limits.maxConnections, 50);
    assert.equal(p.servers[1]!.limits.maxMessageBytes, 256 * 1024);
  });
});

describe('serve plan: admin', () => {
  it('is off by default; --admin beats admin.listen', async () => {
    assert.equal((await plan(withTls)).admin, null);
    assert.deepEqual(
      (await plan({ ...withTls, admin: { listen: '127.0.0.1:9000' } }, { admin: '127.0.0.1:9001' })).admin,
      { host: '127.0.0.1', port: 9001 },
    );
  });

  it('rejects a non-loopback admin listener unless allowNonLoopbackListen, which warns', async () => {
    await expectThrow(() => plan(withTls, { admin: '0.0.0.0:9000' }), UsageError);
    const err = await expectThrow(() => plan({ ...withTls, admin: { listen: '0.0.0.0:9000' } }), ConfigError);
    assert.equal(err.pointer, 'admin.listen');
    const p = await plan({ ...withTls, admin: { listen: '0.0.0.0:9000', allowNonLoopbackListen: true } });
    assert.deepEqual(
      p.warnings.map((w) => w.code),
      ['W_ADMIN_NON_LOOPBACK'],
    );
  });
});

describe('serve plan: kafka servers', () => {
  const KAFKA = `asyncapi: 3.0.0
info: { title: t, version: '1' }
servers:
  stream: { host: 'kafka.example', protocol: kafka }
  secure: { host: 'kafka.example', protocol: kafka-secure }
  broker: { host: 'broker.example:1884', protocol: mqtt }
`;
  const planKafka = async (settings: ServeSettings) =>
    planServe({
      model: await modelFromYaml(KAFKA),
      settings,
      listen: {},
      admin: undefined,
      configFile: 'asyncapi-guard.yaml',
      locate: () => ({ line: 3, column: 5 }),
    });

  it('fronts kafka (default port 9092) and kafka-secure (9093, TLS required) with their kafka settings', async () => {
    const p = await planKafka({ servers: { secure: { tls: TLS }, stream: { kafka: { partitions: 3 } } } });
    assert.deepEqual(
      p.servers.map((s) => [s.server.name, s.kind, s.secure, s.address.port]),
      [
        ['stream', 'kafka', false, 9092],
        ['secure', 'kafka', true, 9093],
        ['broker', 'mqtt', false, 1884],
      ],
    );
    assert.deepEqual(p.servers[0]!.kafka, { partitions: 3 });
    assert.deepEqual(p.servers[1]!.kafka, {});
    const noTls = await expectThrow(() => planKafka({}), ConfigError);
    assert.match(noTls.message, /servers\.secure\.tls/);
  });

  it('refuses servers.<name>.kafka elsewhere, and allowedOrigins or tls on a cleartext kafka server', async () => {
    const base = { secure: { tls: TLS } };
    const kafkaOnMqtt = await expectThrow(
      () => planKafka({ servers: { ...base, broker: { kafka: { partitions: 2 } } } }),
      ConfigError,
    );
    assert.match(kafkaOnMqtt.message, /broker.*not Kafka/);
    const origins = await expectThrow(
      () => planKafka({ servers: { ...base, stream: { allowedOrigins: ['https://a.example'] } } }),
      ConfigError,
    );
    assert.match(origins.message, /send no Origin/);
    const tls = await expectThrow(() => planKafka({ servers: { ...base, stream: { tls: TLS } } }), ConfigError);
    assert.match(tls.message, /kafka-secure/);
  });
});
