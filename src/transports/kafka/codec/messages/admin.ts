// Admin APIs a client library uses around producing and consuming: kafkajs's admin creates topics
// (CreateTopics) and reads topic configuration (DescribeConfigs). Field names and version ranges
// follow Kafka's message specs; all versions here are non-flexible.
import { array, f, type ApiSchema } from '../schema.js';

/** CreateTopics (19), v0–4 (v5 is flexible; v4 changes no field). */
export const CREATE_TOPICS_API: ApiSchema = {
  apiKey: 19,
  name: 'CreateTopics',
  minVersion: 0,
  maxVersion: 4,
  request: [
    f(
      'topics',
      array([
        f('name', 'string'),
        f('numPartitions', 'int32'),
        f('replicationFactor', 'int16'),
        f('assignments', array([f('partitionIndex', 'int32'), f('brokerIds', array('int32'))])),
        f('configs', array([f('name', 'string'), f('value', 'nullableString')])),
      ]),
    ),
    f('timeoutMs', 'int32'),
    f('validateOnly', 'boolean', 1),
  ],
  response: [
    f('throttleTimeMs', 'int32', 2),
    f('topics', array([f('name', 'string'), f('errorCode', 'int16'), f('errorMessage', 'nullableString', 1)])),
  ],
};

/** DescribeConfigs (32), v0–2 (v3 adds documentation and types; v4 is flexible). */
export const DESCRIBE_CONFIGS_API: ApiSchema = {
  apiKey: 32,
  name: 'DescribeConfigs',
  minVersion: 0,
  maxVersion: 2,
  request: [
    f(
      'resources',
      array([f('resourceType', 'int8'), f('resourceName', 'string'), f('configurationKeys', array('string', 0))]),
    ),
    f('includeSynonyms', 'boolean', 1),
  ],
  response: [
    f('throttleTimeMs', 'int32'),
    f(
      'results',
      array([
        f('errorCode', 'int16'),
        f('errorMessage', 'nullableString'),
        f('resourceType', 'int8'),
        f('resourceName', 'string'),
        f(
          'configs',
          array([
            f('name', 'string'),
            f('value', 'nullableString'),
            f('readOnly', 'boolean'),
            f('isDefault', 'boolean', 0, 0),
            f('configSource', 'int8', 1),
            f('isSensitive', 'boolean'),
            f('synonyms', array([f('name', 'string'), f('value', 'nullableString'), f('source', 'int8')]), 1),
          ]),
        ),
      ]),
    ),
  ],
};
