// Consumer-group and admin APIs against kafkajs: its requests decode with our codec, our responses
// decode in kafkajs, at every version both speak (FindCoordinator, JoinGroup, SyncGroup, Heartbeat,
// LeaveGroup, OffsetCommit, OffsetFetch, CreateTopics, DescribeConfigs).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeResponse, type KafkaStruct } from '../../../../src/transports/kafka/codec/index.js';
import { decodeKafkajsRequest, kafkajsDecodeResponse, kafkajsRequestFrame, kafkajsVersions } from './kafkajs-oracle.js';

function body(frame: Buffer): KafkaStruct {
  return decodeKafkajsRequest(frame).body;
}

function versionsFrom(api: string, min: number): number[] {
  return kafkajsVersions(api).filter((v) => v >= min);
}

/** Both directions of one API at each version kafkajs speaks from `min`. */
async function bothWays(
  api: string,
  apiKey: number,
  min: number,
  args: object,
  expectRequest: (version: number, request: KafkaStruct) => void,
  response: KafkaStruct,
  expectResponse: (version: number, data: Record<string, unknown>) => void,
): Promise<void> {
  for (const version of versionsFrom(api, min)) {
    expectRequest(version, body(await kafkajsRequestFrame(api, version, args)));
    const { correlationId, data } = await kafkajsDecodeResponse(
      api,
      version,
      encodeResponse(apiKey, version, 31, response),
      args,
    );
    assert.equal(correlationId, 31);
    expectResponse(version, data);
  }
}

test('FindCoordinator v0-2', async () => {
  await bothWays(
    'findCoordinator',
    10,
    0,
    { groupId: 'g1', coordinatorType: 0 },
    (v, r) => assert.deepEqual(r, v >= 1 ? { key: 'g1', keyType: 0 } : { key: 'g1' }),
    { throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: 1, host: '127.0.0.1', port: 19092 },
    (_v, d) => assert.deepEqual(d.coordinator, { nodeId: 1, host: '127.0.0.1', port: 19092 }),
  );
});

test('JoinGroup v0-5', async () => {
  const metadata = Buffer.from([0, 1, 0, 0, 0, 1, 0, 1, 116, 0, 0, 0, 0]);
  await bothWays(
    'joinGroup',
    11,
    0,
    {
      groupId: 'g1',
      sessionTimeout: 30000,
      rebalanceTimeout: 60000,
      memberId: '',
      groupInstanceId: null,
      protocolType: 'consumer',
      groupProtocols: [{ name: 'RoundRobinAssigner', metadata }],
    },
    (v, r) => {
      assert.equal(r.groupId, 'g1');
      assert.equal(r.sessionTimeoutMs, 30000);
      assert.equal(r.rebalanceTimeoutMs, v >= 1 ? 60000 : undefined);
      assert.equal(r.memberId, '');
      assert.equal(r.protocolType, 'consumer');
      assert.deepEqual(r.protocols, [{ name: 'RoundRobinAssigner', metadata }]);
      if (v >= 5) assert.equal(r.groupInstanceId, null);
    },
    {
      throttleTimeMs: 0,
      errorCode: 0,
      generationId: 3,
      protocolName: 'RoundRobinAssigner',
      leader: 'm-1',
      memberId: 'm-1',
      members: [{ memberId: 'm-1', groupInstanceId: null, metadata }],
    },
    (_v, d) => {
      assert.equal(d.generationId, 3);
      assert.equal(d.groupProtocol, 'RoundRobinAssigner');
      assert.equal(d.leaderId, 'm-1');
      assert.equal(d.memberId, 'm-1');
      const members = d.members as { memberId: string; memberMetadata: Buffer }[];
      assert.equal(members[0]?.memberId, 'm-1');
      assert.deepEqual(members[0]?.memberMetadata, metadata);
    },
  );
});

test('SyncGroup v0-3', async () => {
  const assignment = Buffer.from([0, 1, 0, 0, 0, 1, 0, 1, 116, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
  await bothWays(
    'syncGroup',
    14,
    0,
    {
      groupId: 'g1',
      generationId: 3,
      memberId: 'm-1',
      groupInstanceId: null,
      groupAssignment: [{ memberId: 'm-1', memberAssignment: assignment }],
    },
    (v, r) => {
      assert.equal(r.groupId, 'g1');
      assert.equal(r.generationId, 3);
      assert.equal(r.memberId, 'm-1');
      assert.deepEqual(r.assignments, [{ memberId: 'm-1', assignment }]);
      if (v >= 3) assert.equal(r.groupInstanceId, null);
    },
    { throttleTimeMs: 0, errorCode: 0, assignment },
    (_v, d) => assert.deepEqual(d.memberAssignment, assignment),
  );
});

test('Heartbeat v0-3', async () => {
  await bothWays(
    'heartbeat',
    12,
    0,
    { groupId: 'g1', groupGenerationId: 3, memberId: 'm-1', groupInstanceId: null },
    (v, r) =>
      assert.deepEqual(r, {
        groupId: 'g1',
        generationId: 3,
        memberId: 'm-1',
        ...(v >= 3 ? { groupInstanceId: null } : {}),
      }),
    { throttleTimeMs: 0, errorCode: 0 },
    (_v, d) => assert.equal(d.errorCode, 0),
  );
});

test('LeaveGroup v0-3 (v3: a batch of members)', async () => {
  await bothWays(
    'leaveGroup',
    13,
    0,
    { groupId: 'g1', memberId: 'm-1', groupInstanceId: null },
    (v, r) =>
      assert.deepEqual(
        r,
        v >= 3
          ? { groupId: 'g1', members: [{ memberId: 'm-1', groupInstanceId: null }] }
          : { groupId: 'g1', memberId: 'm-1' },
      ),
    { throttleTimeMs: 0, errorCode: 0, members: [{ memberId: 'm-1', groupInstanceId: null, errorCode: 0 }] },
    (v, d) => {
      assert.equal(d.errorCode, 0);
      if (v >= 3) assert.deepEqual(d.members, [{ memberId: 'm-1', groupInstanceId: null, errorCode: 0 }]);
    },
  );
});

test('OffsetCommit v2-5', async () => {
  await bothWays(
    'offsetCommit',
    8,
    2,
    {
      groupId: 'g1',
      groupGenerationId: 3,
      memberId: 'm-1',
      retentionTime: -1,
      topics: [{ topic: 't', partitions: [{ partition: 0, offset: '18' }] }],
    },
    (v, r) => {
      assert.equal(r.groupId, 'g1');
      assert.equal(r.generationId, 3);
      assert.equal(r.memberId, 'm-1');
      if (v <= 4) assert.equal(r.retentionTimeMs, -1n);
      assert.deepEqual(r.topics, [
        { name: 't', partitions: [{ partitionIndex: 0, committedOffset: 18n, committedMetadata: null }] },
      ]);
    },
    { throttleTimeMs: 0, topics: [{ name: 't', partitions: [{ partitionIndex: 0, errorCode: 0 }] }] },
    (_v, d) => assert.deepEqual(d.responses, [{ topic: 't', partitions: [{ partition: 0, errorCode: 0 }] }]),
  );
});

test('OffsetFetch v1-4', async () => {
  await bothWays(
    'offsetFetch',
    9,
    1,
    { groupId: 'g1', topics: [{ topic: 't', partitions: [{ partition: 0 }] }] },
    (_v, r) => assert.deepEqual(r, { groupId: 'g1', topics: [{ name: 't', partitionIndexes: [0] }] }),
    {
      throttleTimeMs: 0,
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 18n, metadata: '', errorCode: 0 }] }],
      errorCode: 0,
    },
    (_v, d) =>
      assert.deepEqual(d.responses, [
        { topic: 't', partitions: [{ partition: 0, offset: '18', metadata: '', errorCode: 0 }] },
      ]),
  );
});

test('CreateTopics v0-3', async () => {
  await bothWays(
    'createTopics',
    19,
    0,
    {
      topics: [{ topic: 'new', numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'a', value: 'b' }] }],
      validateOnly: false,
      timeout: 5000,
    },
    (v, r) => {
      assert.deepEqual(r.topics, [
        { name: 'new', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [{ name: 'a', value: 'b' }] },
      ]);
      assert.equal(r.timeoutMs, 5000);
      if (v >= 1) assert.equal(r.validateOnly, false);
    },
    { throttleTimeMs: 0, topics: [{ name: 'new', errorCode: 0, errorMessage: null }] },
    (_v, d) => assert.equal((d.topicErrors as { topic: string }[])[0]?.topic, 'new'),
  );
});

test('DescribeConfigs v0-2', async () => {
  await bothWays(
    'describeConfigs',
    32,
    0,
    { resources: [{ type: 2, name: 't', configNames: ['retention.ms'] }], includeSynonyms: false },
    (v, r) => {
      assert.deepEqual(r.resources, [{ resourceType: 2, resourceName: 't', configurationKeys: ['retention.ms'] }]);
      if (v >= 1) assert.equal(r.includeSynonyms, false);
    },
    {
      throttleTimeMs: 0,
      results: [
        {
          errorCode: 0,
          errorMessage: null,
          resourceType: 2,
          resourceName: 't',
          configs: [
            {
              name: 'retention.ms',
              value: '604800000',
              readOnly: true,
              isDefault: true,
              configSource: 5,
              isSensitive: false,
              synonyms: [],
            },
          ],
        },
      ],
    },
    (_v, d) => {
      const resources = d.resources as { resourceName: string; configEntries: Record<string, unknown>[] }[];
      assert.equal(resources[0]?.resourceName, 't');
      assert.equal(resources[0]?.configEntries[0]?.configName, 'retention.ms');
      assert.equal(resources[0]?.configEntries[0]?.configValue, '604800000');
    },
  );
});
