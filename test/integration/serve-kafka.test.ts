// `serve` with a Kafka server (issue 13): the document's kafka server fronted on a free port beside MQTT, kafkajs
// producing and consuming through SCRAM-SHA-256 and an API key as the PLAIN password, messages crossing to MQTT,
// the startup description's kcat line, per-front metrics, `servers.<name>.kafka` from the config, and a revoked
// API key ending the Kafka session (the store change, through serve's reloader: the same path that ends MQTT
// sessions, which acts as soon as the store reports the change).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { createFileStore } from '../../src/credentials/file.js';
import { describeServe } from '../../src/serve/describe.js';
import { startServe } from '../../src/serve/start.js';
import type { RunningServe } from '../../src/serve/types.js';
import { auditCapture, makeServeProject, PASSWORD, quietLogger, type Project } from '../serve/helpers.js';
import { consume, kafkajs, produce } from '../transports/kafka/helpers.js';

const DOC = `asyncapi: 3.0.0
info: { title: serve kafka, version: '1' }
servers:
  broker:
    host: 127.0.0.1:1883
    protocol: mqtt
    security:
      - $ref: '#/components/securitySchemes/userPass'
  stream:
    host: 127.0.0.1:9092
    protocol: kafka
    security:
      - $ref: '#/components/securitySchemes/scram'
      - $ref: '#/components/securitySchemes/deviceKey'
channels:
  status: { address: 'lights/{id}/status' }
  events: { address: 'lights.events' }
operations:
  sendStatus: { action: send, channel: { $ref: '#/channels/status' } }
  receiveStatus: { action: receive, channel: { $ref: '#/channels/status' } }
  receiveEvents: { action: receive, channel: { $ref: '#/channels/events' } }
components:
  securitySchemes:
    userPass: { type: userPassword }
    scram: { type: scramSha256 }
    deviceKey: { type: apiKey, in: password }
`;

const CONFIG = `store: file:./credentials.yaml
audit: { level: silent }
schemes:
  userPass: {}
  scram: {}
  deviceKey: {}
servers:
  stream:
    kafka: { partitions: 2, retentionBytes: 1048576 }
`;

let project: Project;
let serve: RunningServe;
const port = (name: string) => serve.servers.find((s) => s.name === name)!.port;
const broker = () => `127.0.0.1:${port('stream')}`;

before(async () => {
  project = await makeServeProject({ 'asyncapi.yaml': DOC, 'asyncapi-guard.yaml': CONFIG });
  serve = await startServe({
    document: 'asyncapi.yaml',
    cwd: project.dir,
    logger: quietLogger(),
    auditStream: auditCapture().stream,
    listen: { broker: '127.0.0.1:0', stream: '127.0.0.1:0' },
  });
});
after(() => serve.close(100));

describe('serve: a kafka server', () => {
  it('is fronted, with a kcat line in the startup description', () => {
    const served = serve.servers.find((s) => s.name === 'stream');
    assert.deepEqual([served?.protocol, served?.kind, served?.tls], ['kafka', 'kafka', false]);
    const lines = describeServe(serve).join('\n');
    assert.match(
      lines,
      /stream: kcat -b 127\.0\.0\.1:\d+ -X security\.protocol=sasl_plaintext -X sasl\.mechanisms=SCRAM-SHA-256/,
    );
  });

  it('kafkajs with SCRAM-SHA-256 produces and consumes; the config gives each topic 2 partitions', async () => {
    const kafka = kafkajs(broker(), { mechanism: 'scram-sha-256', username: 'alice', password: PASSWORD });
    await produce(kafka, 'lights/1/status', ['k1']);
    assert.deepEqual(await consume(kafka, 'lights/1/status', 1, 'g-serve'), ['k1']);
    const admin = kafka.admin();
    await admin.connect();
    const meta = await admin.fetchTopicMetadata({ topics: ['lights/1/status'] });
    // All topics: the declared concrete address too, as alice may receive it.
    const all = await admin.listTopics();
    await admin.disconnect();
    assert.equal(meta.topics[0]?.partitions.length, 2);
    assert.ok(all.includes('lights.events'), all.join(','));
  });

  it('a Kafka produce reaches an MQTT subscriber; the metrics count the kafka front', async () => {
    const client = mqtt.connect({
      host: '127.0.0.1',
      port: port('broker'),
      protocolVersion: 4,
      username: 'alice',
      password: PASSWORD,
      reconnectPeriod: 0,
    });
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    const got = new Promise<string>((resolve) => client.once('message', (_t, payload) => resolve(payload.toString())));
    await client.subscribeAsync('lights/2/status');
    await produce(
      kafkajs(broker(), { mechanism: 'scram-sha-256', username: 'alice', password: PASSWORD }),
      'lights/2/status',
      ['to-mqtt'],
    );
    assert.equal(await got, 'to-mqtt');
    await client.endAsync();
    assert.match(serve.metrics(), /server="stream",protocol="kafka"/);
  });

  it('a revoked API key ends its Kafka session', async () => {
    const kafka = kafkajs(broker(), { mechanism: 'plain', username: 'alice', password: project.apiKey });
    const producer = kafka.producer();
    await producer.connect();
    const before = serve.metrics();
    const other = await createFileStore(join(project.dir, 'credentials.yaml'), { watch: false });
    await other.revokeApiKey(project.apiKeyId);
    await other.close();
    // The reloader ends the session on the store change (no time bound asserted: 30 s only catches a hang).
    const deadline = Date.now() + 30_000;
    let ended = false;
    while (!ended && Date.now() < deadline) {
      ended = /asyncapi_guard_serve_sessions_ended_total\s+[1-9]/.test(serve.metrics());
      if (!ended) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(ended, before);
    await assert.rejects(producer.send({ topic: 'lights/3/status', messages: [{ value: 'x' }] }));
    await producer.disconnect().catch(() => {});
  });
});
