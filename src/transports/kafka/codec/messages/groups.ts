// Consumer-group APIs: FindCoordinator, JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit,
// OffsetFetch. Field names and version ranges follow Kafka's message specs (<Name>Request.json and
// <Name>Response.json); all versions here are non-flexible.
import { array, f, type ApiSchema } from '../schema.js';

export const FIND_COORDINATOR_API: ApiSchema = {
  apiKey: 10,
  name: 'FindCoordinator',
  minVersion: 0,
  maxVersion: 2,
  request: [f('key', 'string'), f('keyType', 'int8', 1)],
  response: [
    f('throttleTimeMs', 'int32', 1),
    f('errorCode', 'int16'),
    f('errorMessage', 'nullableString', 1),
    f('nodeId', 'int32'),
    f('host', 'string'),
    f('port', 'int32'),
  ],
};

/** JoinGroup (11), v0–5: v4 may answer MEMBER_ID_REQUIRED (KIP-394), v5 adds static membership (KIP-345). */
export const JOIN_GROUP_API: ApiSchema = {
  apiKey: 11,
  name: 'JoinGroup',
  minVersion: 0,
  maxVersion: 5,
  request: [
    f('groupId', 'string'),
    f('sessionTimeoutMs', 'int32'),
    f('rebalanceTimeoutMs', 'int32', 1),
    f('memberId', 'string'),
    f('groupInstanceId', 'nullableString', 5),
    f('protocolType', 'string'),
    f('protocols', array([f('name', 'string'), f('metadata', 'bytes')])),
  ],
  response: [
    f('throttleTimeMs', 'int32', 2),
    f('errorCode', 'int16'),
    f('generationId', 'int32'),
    f('protocolName', 'string'),
    f('leader', 'string'),
    f('memberId', 'string'),
    f('members', array([f('memberId', 'string'), f('groupInstanceId', 'nullableString', 5), f('metadata', 'bytes')])),
  ],
};

export const SYNC_GROUP_API: ApiSchema = {
  apiKey: 14,
  name: 'SyncGroup',
  minVersion: 0,
  maxVersion: 3,
  request: [
    f('groupId', 'string'),
    f('generationId', 'int32'),
    f('memberId', 'string'),
    f('groupInstanceId', 'nullableString', 3),
    f('assignments', array([f('memberId', 'string'), f('assignment', 'bytes')])),
  ],
  response: [f('throttleTimeMs', 'int32', 1), f('errorCode', 'int16'), f('assignment', 'bytes')],
};

export const HEARTBEAT_API: ApiSchema = {
  apiKey: 12,
  name: 'Heartbeat',
  minVersion: 0,
  maxVersion: 3,
  request: [
    f('groupId', 'string'),
    f('generationId', 'int32'),
    f('memberId', 'string'),
    f('groupInstanceId', 'nullableString', 3),
  ],
  response: [f('throttleTimeMs', 'int32', 1), f('errorCode', 'int16')],
};

/** LeaveGroup (13), v0–3: v3 leaves a batch of members (KIP-345). */
export const LEAVE_GROUP_API: ApiSchema = {
  apiKey: 13,
  name: 'LeaveGroup',
  minVersion: 0,
  maxVersion: 3,
  request: [
    f('groupId', 'string'),
    f('memberId', 'string', 0, 2),
    f('members', array([f('memberId', 'string'), f('groupInstanceId', 'nullableString')]), 3),
  ],
  response: [
    f('throttleTimeMs', 'int32', 1),
    f('errorCode', 'int16'),
    f('members', array([f('memberId', 'string'), f('groupInstanceId', 'nullableString'), f('errorCode', 'int16')]), 3),
  ],
};

/** OffsetCommit (8), v2–7 (v8 is flexible): retention time exists in v2–4 only. */
export const OFFSET_COMMIT_API: ApiSchema = {
  apiKey: 8,
  name: 'OffsetCommit',
  minVersion: 2,
  maxVersion: 7,
  request: [
    f('groupId', 'string'),
    f('generationId', 'int32', 1),
    f('memberId', 'string', 1),
    f('groupInstanceId', 'nullableString', 7),
    f('retentionTimeMs', 'int64', 2, 4),
    f(
      'topics',
      array([
        f('name', 'string'),
        f(
          'partitions',
          array([
            f('partitionIndex', 'int32'),
            f('committedOffset', 'int64'),
            f('committedLeaderEpoch', 'int32', 6),
            f('committedMetadata', 'nullableString'),
          ]),
        ),
      ]),
    ),
  ],
  response: [
    f('throttleTimeMs', 'int32', 3),
    f(
      'topics',
      array([f('name', 'string'), f('partitions', array([f('partitionIndex', 'int32'), f('errorCode', 'int16')]))]),
    ),
  ],
};

/** OffsetFetch (9), v1–5 (v6 is flexible): from v2 a null topic list asks for every committed offset. */
export const OFFSET_FETCH_API: ApiSchema = {
  apiKey: 9,
  name: 'OffsetFetch',
  minVersion: 1,
  maxVersion: 5,
  request: [
    f('groupId', 'string'),
    f('topics', array([f('name', 'string'), f('partitionIndexes', array('int32'))], 2)),
  ],
  response: [
    f('throttleTimeMs', 'int32', 3),
    f(
      'topics',
      array([
        f('name', 'string'),
        f(
          'partitions',
          array([
            f('partitionIndex', 'int32'),
            f('committedOffset', 'int64'),
            f('committedLeaderEpoch', 'int32', 5),
            f('metadata', 'nullableString'),
            f('errorCode', 'int16'),
          ]),
        ),
      ]),
    ),
    f('errorCode', 'int16', 2),
  ],
};
