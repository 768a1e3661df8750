// Data APIs: Produce, Fetch, ListOffsets. Field names and version ranges follow Kafka's message specs
// (ProduceRequest.json, FetchRequest.json, ListOffsetsRequest.json and their responses).
// `records` fields hold record batches, decoded separately (record-batch.ts) so a front can answer
// CORRUPT_MESSAGE for one partition and still answer the others.
import { array, f, type ApiSchema } from '../schema.js';

/** Produce (0), v3–7: v3 is the first with record batch v2 (magic 2) and transactional_id. */
export const PRODUCE_API: ApiSchema = {
  apiKey: 0,
  name: 'Produce',
  minVersion: 3,
  maxVersion: 7,
  request: [
    f('transactionalId', 'nullableString', 3),
    f('acks', 'int16'),
    f('timeoutMs', 'int32'),
    f(
      'topicData',
      array([f('name', 'string'), f('partitionData', array([f('index', 'int32'), f('records', 'records')]))]),
    ),
  ],
  response: [
    f(
      'responses',
      array([
        f('name', 'string'),
        f(
          'partitionResponses',
          array([
            f('index', 'int32'),
            f('errorCode', 'int16'),
            f('baseOffset', 'int64'),
            f('logAppendTimeMs', 'int64', 2),
            f('logStartOffset', 'int64', 5),
          ]),
        ),
      ]),
    ),
    f('throttleTimeMs', 'int32', 1),
  ],
};

/** Fetch (1), v4–11 (v12 is flexible): v4 adds isolation level and aborted transactions, v7 fetch sessions. */
export const FETCH_API: ApiSchema = {
  apiKey: 1,
  name: 'Fetch',
  minVersion: 4,
  maxVersion: 11,
  request: [
    f('replicaId', 'int32'),
    f('maxWaitMs', 'int32'),
    f('minBytes', 'int32'),
    f('maxBytes', 'int32', 3),
    f('isolationLevel', 'int8', 4),
    f('sessionId', 'int32', 7),
    f('sessionEpoch', 'int32', 7),
    f(
      'topics',
      array([
        f('topic', 'string'),
        f(
          'partitions',
          array([
            f('partition', 'int32'),
            f('currentLeaderEpoch', 'int32', 9),
            f('fetchOffset', 'int64'),
            f('logStartOffset', 'int64', 5),
            f('partitionMaxBytes', 'int32'),
          ]),
        ),
      ]),
    ),
    f('forgottenTopicsData', array([f('topic', 'string'), f('partitions', array('int32'))]), 7),
    f('rackId', 'string', 11),
  ],
  response: [
    f('throttleTimeMs', 'int32', 1),
    f('errorCode', 'int16', 7),
    f('sessionId', 'int32', 7),
    f(
      'responses',
      array([
        f('topic', 'string'),
        f(
          'partitions',
          array([
            f('partitionIndex', 'int32'),
            f('errorCode', 'int16'),
            f('highWatermark', 'int64'),
            f('lastStableOffset', 'int64', 4),
            f('logStartOffset', 'int64', 5),
            f('abortedTransactions', array([f('producerId', 'int64'), f('firstOffset', 'int64')], 4), 4),
            f('preferredReadReplica', 'int32', 11),
            f('records', 'records'),
          ]),
        ),
      ]),
    ),
  ],
};

/** ListOffsets (2), v1–5 (v6 is flexible): timestamp -1 asks for the latest offset, -2 for the earliest. */
export const LIST_OFFSETS_API: ApiSchema = {
  apiKey: 2,
  name: 'ListOffsets',
  minVersion: 1,
  maxVersion: 5,
  request: [
    f('replicaId', 'int32'),
    f('isolationLevel', 'int8', 2),
    f(
      'topics',
      array([
        f('name', 'string'),
        f(
          'partitions',
          array([f('partitionIndex', 'int32'), f('currentLeaderEpoch', 'int32', 4), f('timestamp', 'int64')]),
        ),
      ]),
    ),
  ],
  response: [
    f('throttleTimeMs', 'int32', 2),
    f(
      'topics',
      array([
        f('name', 'string'),
        f(
          'partitions',
          array([
            f('partitionIndex', 'int32'),
            f('errorCode', 'int16'),
            f('timestamp', 'int64'),
            f('offset', 'int64'),
            f('leaderEpoch', 'int32', 4),
          ]),
        ),
      ]),
    ),
  ],
};
