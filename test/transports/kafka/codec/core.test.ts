// The connection set-up APIs (ApiVersions, SaslHandshake, SaslAuthenticate, Metadata): kafkajs's
// encoders are the oracle for requests and its decoders for our responses, at every version kafkajs
// implements; the rest of our ranges (ApiVersions v3, Metadata v7-8) round-trip through our codec.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  API_KEYS,
  API_VERSIONS,
  decodeRequest,
  decodeResponse,
  encodeApiVersionsFallback,
  encodeRequest,
  encodeResponse,
  KAFKA_ERRORS,
  type KafkaStruct,
} from '../../../../src/transports/kafka/codec/index.js';
import { decodeKafkajsRequest, kafkajsDecodeResponse, kafkajsRequestFrame, kafkajsVersions } from './kafkajs-oracle.js';

function decodeOk(frame: Buffer) {
  const outcome = decodeRequest(frame);
  if (!outcome.ok) assert.fail(`decode failed: ${outcome.reason}`);
  return outcome.request;
}

/** Strips the size prefix (frames from encodeRequest/encodeResponse carry it; decoders take the frame). */
function unsized(framed: Buffer): Buffer {
  assert.equal(framed.readInt32BE(0), framed.length - 4);
  return framed.subarray(4);
}

function roundTripRequest(apiKey: number, version: number, body: KafkaStruct): KafkaStruct {
  const decoded = decodeOk(unsized(encodeRequest(apiKey, version, 99, 'me', body)));
  assert.equal(decoded.apiKey, apiKey);
  assert.equal(decoded.apiVersion, version);
  assert.equal(decoded.correlationId, 99);
  assert.equal(decoded.clientId, 'me');
  return decoded.body;
}

function roundTripResponse(apiKey: number, version: number, body: KafkaStruct): KafkaStruct {
  const outcome = decodeResponse(apiKey, version, unsized(encodeResponse(apiKey, version, 41, body)));
  if (!outcome.ok) assert.fail(outcome.reason);
  assert.equal(outcome.correlationId, 41);
  return outcome.body;
}

test('ApiVersions v0-2: kafkajs requests decode, our responses (every range) decode in kafkajs', async () => {
  for (const version of kafkajsVersions('apiVersions')) {
    const request = decodeKafkajsRequest(await kafkajsRequestFrame('apiVersions', version, {}, 5, 'kjs'));
    assert.deepEqual(request, { apiKey: 18, apiVersion: version, correlationId: 5, clientId: 'kjs', body: {} });
    const framed = encodeResponse(18, version, 5, { errorCode: 0, apiKeys: API_VERSIONS, throttleTimeMs: 3 });
    const { correlationId, data } = await kafkajsDecodeResponse('apiVersions', version, framed);
    assert.equal(correlationId, 5);
    assert.equal(data.errorCode, 0);
    assert.deepEqual(
      data.apiVersions,
      API_VERSIONS.map((v) => ({ ...v })),
    );
    // kafkajs reports a v2 broker's throttle as clientSideThrottleTime (KIP-219).
    if (version === 1) assert.equal(data.throttleTime, 3);
    if (version === 2) assert.equal(data.clientSideThrottleTime, 3);
  }
});

test('ApiVersions v3 (flexible, what librdkafka sends first) decodes and round-trips', () => {
  // Request header v2 and a compact-string body, written by hand from KIP-511 and KIP-482.
  const frame = Buffer.concat([
    Buffer.from([0, 18, 0, 3, 0, 0, 0, 9]), // api key, version, correlation id
    Buffer.from([0, 3]),
    Buffer.from('rdk'), // client id: classic nullable string even in header v2
    Buffer.from([0]), // header tagged fields
    Buffer.from([11]),
    Buffer.from('librdkafka'), // compact string: length + 1
    Buffer.from([6]),
    Buffer.from('1.7.1'),
    Buffer.from([1, 0, 1, 42]), // body tagged fields: one tag (0) of 1 byte, skipped
  ]);
  const request = decodeOk(frame);
  assert.deepEqual(request.body, { clientSoftwareName: 'librdkafka', clientSoftwareVersion: '1.7.1' });
  assert.equal(request.clientId, 'rdk');
  const body = roundTripRequest(18, 3, { clientSoftwareName: 'x', clientSoftwareVersion: 'y' });
  assert.deepEqual(body, { clientSoftwareName: 'x', clientSoftwareVersion: 'y' });
  const response = { errorCode: 0, apiKeys: API_VERSIONS.map((v) => ({ ...v })), throttleTimeMs: 0 };
  const framed = encodeResponse(18, 3, 9, response);
  // Response header v0 for ApiVersions: correlation id then directly the error code (KIP-511).
  assert.equal(framed.readInt32BE(4), 9);
  assert.equal(framed.readInt16BE(8), 0);
  assert.equal(framed[10], API_VERSIONS.length + 1, 'compact array length');
  assert.deepEqual(roundTripResponse(18, 3, response), response);
});

test('ApiVersions at an unsupported version: the header is reported and the v0 fallback lists our ranges', async () => {
  const frame = Buffer.from([0, 18, 0, 9, 0, 0, 1, 0, 0, 0, 0]);
  const outcome = decodeRequest(frame);
  assert.equal(outcome.ok, false);
  if (outcome.ok) return;
  assert.equal(outcome.kind, 'unsupported-version');
  assert.equal(outcome.correlationId, 256);
  assert.equal(outcome.apiKey, 18);
  assert.equal(outcome.apiVersion, 9);
  const fallback = encodeApiVersionsFallback(256);
  assert.equal(fallback.readInt32BE(4), 256);
  // kafkajs's ApiVersions v0 decoder throws its protocol error for UNSUPPORTED_VERSION: it read the code.
  await assert.rejects(kafkajsDecodeResponse('apiVersions', 0, fallback), { type: 'UNSUPPORTED_VERSION' });
  // Our client-direction decoder reads an UNSUPPORTED_VERSION answer to v3 as v0 (KIP-511).
  const read = decodeResponse(18, 3, unsized(fallback));
  assert.ok(read.ok);
  if (!read.ok) return;
  assert.equal(read.apiVersion, 0);
  assert.equal(read.body.errorCode, KAFKA_ERRORS.UNSUPPORTED_VERSION);
  assert.deepEqual(
    read.body.apiKeys,
    API_VERSIONS.map((v) => ({ ...v })),
  );
});

test('an unknown API key is reported with its header, not decoded', () => {
  const outcome = decodeRequest(Buffer.from([0, 99, 0, 0, 0, 0, 0, 4, 0xff, 0xff]));
  assert.ok(!outcome.ok);
  if (outcome.ok) return;
  assert.equal(outcome.kind, 'unsupported-api');
  assert.equal(outcome.apiKey, 99);
  assert.equal(outcome.correlationId, 4);
});

test('SaslHandshake v0-1 both ways with kafkajs', async () => {
  for (const version of kafkajsVersions('saslHandshake')) {
    const request = decodeKafkajsRequest(
      await kafkajsRequestFrame('saslHandshake', version, { mechanism: 'SCRAM-SHA-256' }),
    );
    assert.deepEqual(request.body, { mechanism: 'SCRAM-SHA-256' });
    const framed = encodeResponse(API_KEYS.SaslHandshake, version, 7, {
      errorCode: 0,
      mechanisms: ['PLAIN', 'SCRAM-SHA-256'],
    });
    const { data } = await kafkajsDecodeResponse('saslHandshake', version, framed, { mechanism: 'PLAIN' });
    assert.deepEqual(data, { errorCode: 0, enabledMechanisms: ['PLAIN', 'SCRAM-SHA-256'] });
  }
});

test('SaslAuthenticate v0-1 both ways with kafkajs, session lifetime included from v1 (KIP-368)', async () => {
  for (const version of kafkajsVersions('saslAuthenticate')) {
    // kafkajs's SASL mechanisms hand the request already length-prefixed (it writes them raw).
    const message = Buffer.from('n,,n=user,r=abc');
    const authBytes = Buffer.concat([Buffer.from([0, 0, 0, message.length]), message]);
    const request = decodeKafkajsRequest(await kafkajsRequestFrame('saslAuthenticate', version, { authBytes }));
    assert.deepEqual(request.body, { authBytes: message });
    const framed = encodeResponse(API_KEYS.SaslAuthenticate, version, 7, {
      errorCode: 0,
      errorMessage: null,
      authBytes: Buffer.from('r=abcdef,s=c2FsdA==,i=4096'),
      sessionLifetimeMs: 3_600_000n,
    });
    const { data } = await kafkajsDecodeResponse('saslAuthenticate', version, framed, { authBytes });
    assert.equal(data.errorCode, 0);
    assert.equal(data.errorMessage, null);
    // kafkajs re-wraps the bytes with their int32 length for its SASL mechanisms.
    assert.equal((data.authBytes as Buffer).subarray(4).toString(), 'r=abcdef,s=c2FsdA==,i=4096');
    if (version >= 1) assert.equal(data.sessionLifetimeMs, '3600000');
  }
  const failed = roundTripResponse(API_KEYS.SaslAuthenticate, 1, {
    errorCode: KAFKA_ERRORS.SASL_AUTHENTICATION_FAILED,
    errorMessage: 'Authentication failed',
    authBytes: Buffer.alloc(0),
    sessionLifetimeMs: 0n,
  });
  assert.equal(failed.errorCode, 58);
  assert.equal(failed.errorMessage, 'Authentication failed');
});

const METADATA_RESPONSE = {
  throttleTimeMs: 0,
  brokers: [{ nodeId: 1, host: '127.0.0.1', port: 19092, rack: null }],
  clusterId: 'asyncapi-guard',
  controllerId: 1,
  topics: [
    {
      errorCode: 0,
      name: 'plant.readings',
      isInternal: false,
      partitions: [
        {
          errorCode: 0,
          partitionIndex: 0,
          leaderId: 1,
          leaderEpoch: 0,
          replicaNodes: [1],
          isrNodes: [1],
          offlineReplicas: [],
        },
      ],
      topicAuthorizedOperations: -2147483648,
    },
    {
      errorCode: KAFKA_ERRORS.TOPIC_AUTHORIZATION_FAILED,
      name: 'secret',
      isInternal: false,
      partitions: [],
      topicAuthorizedOperations: -2147483648,
    },
  ],
  clusterAuthorizedOperations: -2147483648,
};

test('Metadata v0-6 both ways with kafkajs', async () => {
  for (const version of kafkajsVersions('metadata')) {
    const args = { topics: ['plant.readings', 'b'], allowAutoTopicCreation: false };
    const request = decodeKafkajsRequest(await kafkajsRequestFrame('metadata', version, args));
    const expected: Record<string, unknown> = { topics: [{ name: 'plant.readings' }, { name: 'b' }] };
    if (version >= 4) expected.allowAutoTopicCreation = false;
    assert.deepEqual(request.body, expected, `Metadata v${version} request`);

    const { data } = await kafkajsDecodeResponse('metadata', version, encodeResponse(3, version, 7, METADATA_RESPONSE));
    assert.deepEqual(
      data.brokers,
      [{ nodeId: 1, host: '127.0.0.1', port: 19092, ...(version >= 1 ? { rack: null } : {}) }],
      `Metadata v${version} brokers`,
    );
    const topics = data.topicMetadata as { topic: string; topicErrorCode: number; partitionMetadata: object[] }[];
    assert.equal(topics.length, 2);
    assert.equal(topics[0]?.topic, 'plant.readings');
    assert.equal(topics[1]?.topicErrorCode, 29);
    const partition = topics[0]?.partitionMetadata[0] as Record<string, unknown>;
    assert.equal(partition.partitionId, 0);
    assert.equal(partition.leader, 1);
    assert.deepEqual(partition.replicas, [1]);
    assert.deepEqual(partition.isr, [1]);
    if (version >= 1) assert.equal(data.controllerId, 1);
    if (version >= 2) assert.equal(data.clusterId, 'asyncapi-guard');
  }
});

test('Metadata v0-8 round-trip, a null topic list (all topics) from v1', () => {
  for (let version = 0; version <= 8; version++) {
    const request = roundTripRequest(3, version, {
      topics: [{ name: 't' }],
      allowAutoTopicCreation: true,
      includeTopicAuthorizedOperations: true,
    });
    assert.deepEqual(request.topics, [{ name: 't' }]);
    if (version >= 1) assert.equal(roundTripRequest(3, version, { topics: null }).topics, null);
    const response = roundTripResponse(3, version, METADATA_RESPONSE);
    const topics = response.topics as readonly KafkaStruct[];
    assert.equal(topics[1]?.errorCode, 29);
    const partitions = topics[0]?.partitions as readonly KafkaStruct[];
    assert.equal(partitions[0]?.leaderEpoch, version >= 7 ? 0 : undefined);
    assert.equal(response.throttleTimeMs, version >= 3 ? 0 : undefined);
  }
  // v0 has no null topic list: a count of -1 is a malformed frame there.
  const v0 = encodeRequest(3, 0, 1, null, { topics: [] });
  v0.writeInt32BE(-1, v0.length - 4);
  const outcome = decodeRequest(unsized(v0));
  assert.ok(!outcome.ok && outcome.kind === 'malformed');
});

test('API_VERSIONS lists each API once, ranges ordered, and covers what kafkajs negotiates', () => {
  const keys = new Set(API_VERSIONS.map((v) => v.apiKey));
  assert.equal(keys.size, API_VERSIONS.length);
  for (const v of API_VERSIONS) assert.ok(v.minVersion <= v.maxVersion);
  for (const key of Object.values(API_KEYS)) assert.ok(keys.has(key), `API ${key} advertised`);
});
