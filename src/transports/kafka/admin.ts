// CreateTopics and DescribeConfigs, the admin requests a client library sends around producing and consuming
// (kafkajs's admin). A topic exists from its first use anyway (metadata.ts); CreateTopics makes it ahead, for a
// session that may use it, with the server's partition count (the request's count and replication are not
// configurable here: INVALID_PARTITIONS / INVALID_REPLICATION_FACTOR when they ask for anything else but -1 or the
// server's). DescribeConfigs answers the topic's retention settings and nothing for other resources.

import { KAFKA_ERRORS, type KafkaErrorName, type KafkaRequest, type KafkaStruct } from './codec/index.js';
import type { KafkaConnection } from './connection.js';
import { mayUse } from './metadata.js';

const TOPIC_RESOURCE = 2;

export function handleCreateTopics(conn: KafkaConnection, request: KafkaRequest): KafkaStruct {
  const { topics } = conn.front;
  const validateOnly = request.body.validateOnly === true;
  const results = (request.body.topics as readonly KafkaStruct[]).map((t) => {
    const name = t.name as string;
    const partitions = t.numPartitions as number;
    const replication = t.replicationFactor as number;
    let error: KafkaErrorName = mayUse(conn, name);
    if (error === 'NONE' && partitions !== -1 && partitions !== topics.settings.partitions)
      error = 'INVALID_PARTITIONS';
    else if (error === 'NONE' && replication !== -1 && replication !== 1) error = 'INVALID_REPLICATION_FACTOR';
    else if (error === 'NONE' && topics.topic(name, false) !== null) error = 'TOPIC_ALREADY_EXISTS';
    else if (error === 'NONE' && !validateOnly && topics.topic(name, true) === null) error = 'POLICY_VIOLATION';
    return { name, errorCode: KAFKA_ERRORS[error], errorMessage: null };
  });
  return { throttleTimeMs: 0, topics: results };
}

export function handleDescribeConfigs(conn: KafkaConnection, request: KafkaRequest): KafkaStruct {
  const settings = conn.front.topics.settings;
  const results = (request.body.resources as readonly KafkaStruct[]).map((r) => {
    const name = r.resourceName as string;
    const type = r.resourceType as number;
    const error: KafkaErrorName = type === TOPIC_RESOURCE ? mayUse(conn, name) : 'NONE';
    const configs =
      type === TOPIC_RESOURCE && error === 'NONE'
        ? [
            ['retention.bytes', String(settings.retentionBytes)],
            ['retention.ms', String(settings.retentionMs)],
          ].map(([key, value]) => ({
            name: key as string,
            value: value as string,
            readOnly: true,
            isDefault: false,
            configSource: 5,
            isSensitive: false,
            synonyms: [],
          }))
        : [];
    return { errorCode: KAFKA_ERRORS[error], errorMessage: null, resourceType: type, resourceName: name, configs };
  });
  return { throttleTimeMs: 0, results };
}
